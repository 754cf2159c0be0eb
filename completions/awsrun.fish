# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_awsrun_global_optspecs
    string join \n p/profile= region= debug env server nested h/help V/version
end

function __fish_awsrun_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_awsrun_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_awsrun_using_subcommand
    set -l cmd (__fish_awsrun_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c awsrun -n "__fish_awsrun_needs_command" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_needs_command" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_needs_command" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_needs_command" -l env -d 'Put the keys in the child\'s environment and replace awsrun with the command (default for static keys). Credentials then do not refresh while the command runs'
complete -c awsrun -n "__fish_awsrun_needs_command" -l server -d 'Serve refreshed credentials to the child from a loopback endpoint and stay as its parent (default for login, assume-role, SSO and expiring process credentials)'
complete -c awsrun -n "__fish_awsrun_needs_command" -l nested -d 'Allow running inside another awsrun child (AWSRUN_PROFILE is set)'
complete -c awsrun -n "__fish_awsrun_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c awsrun -n "__fish_awsrun_needs_command" -s V -l version -d 'Print version'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "login" -d 'Sign in through the AWS console and store a session for the profile'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "logout" -d 'Delete the profile\'s cached login session'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "exec" -d 'Run a command with the profile\'s credentials, kept fresh for the whole session'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "list" -d 'Show where each value comes from, like `aws configure list`, plus what is shadowed'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "profiles" -d 'List profile names, like `aws configure list-profiles`'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "export" -d 'Print the profile\'s credentials, like `aws configure export-credentials`'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "whoami" -d 'Show the identity the profile\'s credentials belong to (STS GetCallerIdentity)'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "doctor" -d 'Find precedence conflicts and broken sessions, and say how to fix each'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "prompt" -d 'Print the prompt segment (profile and time left) for the active profile'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "hook" -d 'Print the shell hook to eval from your rc file'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "completions" -d 'Print shell completions'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "man" -d 'Print the man page (or write all man pages to a directory)'
complete -c awsrun -n "__fish_awsrun_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c awsrun -n "__fish_awsrun_using_subcommand login" -l timeout -d 'Give up waiting for the browser after this many seconds' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand login" -l endpoint-url -d 'Sign-in endpoint (default: AWS_ENDPOINT_URL_SIGNIN, AWS_ENDPOINT_URL, then AWS)' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand login" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand login" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand login" -l remote -d 'Sign in on another device: print a URL and paste the code the browser shows'
complete -c awsrun -n "__fish_awsrun_using_subcommand login" -l no-browser -d 'Print the URL but do not open a browser'
complete -c awsrun -n "__fish_awsrun_using_subcommand login" -s y -l yes -d 'Overwrite a different existing login_session without asking'
complete -c awsrun -n "__fish_awsrun_using_subcommand login" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand login" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand logout" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand logout" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand logout" -l all -d 'Delete every cached login session'
complete -c awsrun -n "__fish_awsrun_using_subcommand logout" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand logout" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand exec" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand exec" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand exec" -l env -d 'Put the keys in the child\'s environment and replace awsrun with the command (default for static keys). Credentials then do not refresh while the command runs'
complete -c awsrun -n "__fish_awsrun_using_subcommand exec" -l server -d 'Serve refreshed credentials to the child from a loopback endpoint and stay as its parent (default for login, assume-role, SSO and expiring process credentials)'
complete -c awsrun -n "__fish_awsrun_using_subcommand exec" -l nested -d 'Allow running inside another awsrun child (AWSRUN_PROFILE is set)'
complete -c awsrun -n "__fish_awsrun_using_subcommand exec" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c awsrun -n "__fish_awsrun_using_subcommand list" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand list" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand list" -l json -d 'Print everything as one JSON object'
complete -c awsrun -n "__fish_awsrun_using_subcommand list" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand list" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand profiles" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand profiles" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand profiles" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand profiles" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand export" -l format -r -f -a "process\t''
env\t''
env-no-export\t''
fish\t''
powershell\t''
windows-cmd\t''"
complete -c awsrun -n "__fish_awsrun_using_subcommand export" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand export" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand export" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand export" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand whoami" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand whoami" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand whoami" -l json
complete -c awsrun -n "__fish_awsrun_using_subcommand whoami" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand whoami" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand doctor" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand doctor" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand doctor" -l all -d 'Check every profile'
complete -c awsrun -n "__fish_awsrun_using_subcommand doctor" -l json
complete -c awsrun -n "__fish_awsrun_using_subcommand doctor" -l online -d 'Also call STS GetCallerIdentity and report identity and clock skew'
complete -c awsrun -n "__fish_awsrun_using_subcommand doctor" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand prompt" -l format -d 'Template (default "{profile} {left}"): {profile}, {left} (42m, 3h12m, expired), {minutes}, {seconds}, {expires} (Unix time), {expires_at} (ISO 8601), {state} (ok, warn, critical, expired), {color_name}, {color}, {reset}; {{ and }} are literal braces' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand prompt" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand prompt" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand prompt" -l json -d 'Print the segment\'s facts as one JSON object'
complete -c awsrun -n "__fish_awsrun_using_subcommand prompt" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand prompt" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand hook" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand hook" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand hook" -l prompt -d 'Also put the segment into the prompt'
complete -c awsrun -n "__fish_awsrun_using_subcommand hook" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand hook" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand completions" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand completions" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand completions" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand completions" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand man" -l out -d 'Write awsrun.1 and one page per subcommand into this directory' -r -F
complete -c awsrun -n "__fish_awsrun_using_subcommand man" -s p -l profile -d 'Profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then `default`)' -r -f -a '(awsrun profiles 2>/dev/null)'
complete -c awsrun -n "__fish_awsrun_using_subcommand man" -l region -d 'Region to use, overriding the environment and the profile' -r
complete -c awsrun -n "__fish_awsrun_using_subcommand man" -l debug -d 'Explain what awsrun does on stderr (secrets are never printed)'
complete -c awsrun -n "__fish_awsrun_using_subcommand man" -s h -l help -d 'Print help'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "login" -d 'Sign in through the AWS console and store a session for the profile'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "logout" -d 'Delete the profile\'s cached login session'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "exec" -d 'Run a command with the profile\'s credentials, kept fresh for the whole session'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "list" -d 'Show where each value comes from, like `aws configure list`, plus what is shadowed'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "profiles" -d 'List profile names, like `aws configure list-profiles`'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "export" -d 'Print the profile\'s credentials, like `aws configure export-credentials`'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "whoami" -d 'Show the identity the profile\'s credentials belong to (STS GetCallerIdentity)'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "doctor" -d 'Find precedence conflicts and broken sessions, and say how to fix each'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "prompt" -d 'Print the prompt segment (profile and time left) for the active profile'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "hook" -d 'Print the shell hook to eval from your rc file'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "completions" -d 'Print shell completions'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "man" -d 'Print the man page (or write all man pages to a directory)'
complete -c awsrun -n "__fish_awsrun_using_subcommand help; and not __fish_seen_subcommand_from login logout exec list profiles export whoami doctor prompt hook completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

# Profile names right after -p/--profile, wherever it is on the line.
function __fish_awsrun_after_profile_flag
    set -l tokens (commandline -opc)
    contains -- "$tokens[-1]" -p --profile
end
complete -c awsrun -n __fish_awsrun_after_profile_flag -f -a '(awsrun profiles 2>/dev/null)'
