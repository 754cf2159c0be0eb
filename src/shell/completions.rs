//! `awsrun completions SHELL`: clap_complete's scripts, plus profile names for `-p/--profile`
//! read from the user's files at completion time (the scripts run `awsrun profiles`, so the
//! names follow AWS_CONFIG_FILE and edits without regenerating anything).

use crate::cli::Shell;

/// What clap_complete gives the profile's value in zsh and fish; replaced below.
const ZSH_VALUE: &str = ":PROFILE:_default'";
const FISH_OPTION: &str = " -s p -l profile ";
const ZSH_TAIL: &str = "if [ \"$funcstack[1]\" = \"_awsrun\" ]; then";

const BASH_PROFILES: &str = r#"
# Profile names for -p/--profile (and --profile=), from the user's files; otherwise clap's.
_awsrun_with_profiles() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} flag name quoted
    flag=$prev
    if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
        flag=${COMP_WORDS[COMP_CWORD-2]}
    fi
    if [[ $flag == -p || $flag == --profile ]]; then
        COMPREPLY=()
        while IFS= read -r name; do
            if [[ $name == "$cur"* ]]; then
                printf -v quoted '%q' "$name"
                COMPREPLY+=("$quoted")
            fi
        done < <(awsrun profiles 2>/dev/null)
        return 0
    fi
    _awsrun "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _awsrun_with_profiles -o nosort -o bashdefault -o default awsrun
else
    complete -F _awsrun_with_profiles -o bashdefault -o default awsrun
fi
"#;

const ZSH_PROFILES: &str = r#"# Profile names for -p/--profile, from the user's files.
(( $+functions[_awsrun_profiles] )) ||
_awsrun_profiles() {
    local -a names
    names=(${(f)"$(awsrun profiles 2>/dev/null)"})
    compadd -a names
}

"#;

const FISH_PROFILES: &str = " -f -a '(awsrun profiles 2>/dev/null)'";

/// clap's conditions reject `awsrun -p <TAB>` before any subcommand (its argparse check fails
/// on the value-less -p), so a plain rule on the previous token covers that place too.
const FISH_AFTER_FLAG: &str = r#"
# Profile names right after -p/--profile, wherever it is on the line.
function __fish_awsrun_after_profile_flag
    set -l tokens (commandline -opc)
    contains -- "$tokens[-1]" -p --profile
end
complete -c awsrun -n __fish_awsrun_after_profile_flag -f -a '(awsrun profiles 2>/dev/null)'
"#;

/// The completion script for `shell`.
pub fn generate(shell: Shell) -> String {
    let mut cmd = crate::cli::command();
    let mut buf = Vec::new();
    let sh = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(sh, &mut cmd, "awsrun", &mut buf);
    let script = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        Shell::Bash => script + BASH_PROFILES,
        Shell::Zsh => {
            let script = script.replace(ZSH_VALUE, ":PROFILE:_awsrun_profiles'");
            script.replacen(ZSH_TAIL, &format!("{ZSH_PROFILES}{ZSH_TAIL}"), 1)
        }
        Shell::Fish => {
            let mut out: String = script
                .lines()
                .map(|line| {
                    if line.contains(FISH_OPTION) && line.ends_with(" -r") {
                        format!("{line}{FISH_PROFILES}\n")
                    } else {
                        format!("{line}\n")
                    }
                })
                .collect();
            out.push_str(FISH_AFTER_FLAG);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rewrites must keep finding clap_complete's text; a new clap_complete that words it
    /// differently fails here rather than silently losing profile completion.
    #[test]
    fn every_profile_option_completes_profile_names() {
        let zsh = generate(Shell::Zsh);
        assert!(!zsh.contains(ZSH_VALUE));
        assert!(zsh.matches(":PROFILE:_awsrun_profiles'").count() >= 2);
        assert!(zsh.find("_awsrun_profiles() {") < zsh.find(ZSH_TAIL));
        let fish = generate(Shell::Fish);
        let profile_lines: Vec<&str> = fish.lines().filter(|l| l.contains(FISH_OPTION)).collect();
        assert!(profile_lines.len() > 1);
        assert!(fish.ends_with(FISH_AFTER_FLAG));
        assert!(profile_lines.iter().all(|l| l.ends_with(FISH_PROFILES)));
        let bash = generate(Shell::Bash);
        assert!(bash.contains("-p)") && bash.ends_with(BASH_PROFILES));
    }
}
