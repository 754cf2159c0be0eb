# awsrun shell integration for fish. Load it from ~/.config/fish/config.fish:
#
#     awsrun hook fish | source
#
# It defines awsrun_segment, which prints the active profile and the time its login session
# has left ("dev 3h12m"; nothing without a login session), coloured green, yellow under 30
# minutes, red under 10 or expired (no colour with NO_COLOR). Show it on the right with this
# one line after the hook (or use `awsrun hook fish --prompt`):
#
#     function fish_right_prompt; awsrun_segment; end
#
# Inside `awsrun exec` the segment comes from AWSRUN_SESSION_EXPIRES_EPOCH and no process is
# started: fish has no clock builtin, so the time is the boot time in /proc/stat plus
# /proc/uptime, both read by builtins (without /proc, as on macOS, it runs `date +%s` once per
# prompt). Elsewhere it runs `awsrun prompt`, which only reads the config and cache files.

set -g __awsrun_bin awsrun

function __awsrun_now
    if test -r /proc/uptime -a -r /proc/stat
        # btime is whole seconds, so the sum is within a second of the clock.
        read -l uptime _ </proc/uptime
        set -l btime (string replace -rf '^btime (\d+)$' '$1' </proc/stat)
        math --scale=0 "floor($btime + $uptime + 0.5)"
    else
        date +%s
    end
end

function awsrun_segment --description 'Print the awsrun prompt segment'
    set -l expires
    set -l profile
    if test -n "$AWSRUN_PROFILE"
        # Inside awsrun exec: the parent said when the session ends (nothing: no login session).
        string match -qr '^[0-9]+$' -- "$AWSRUN_SESSION_EXPIRES_EPOCH"; or return 0
        set expires $AWSRUN_SESSION_EXPIRES_EPOCH
        set profile $AWSRUN_PROFILE
    else
        set -l line ($__awsrun_bin prompt --format '{expires} {profile}' 2>/dev/null)
        set -l parts (string split -m1 ' ' -- "$line[1]")
        string match -qr '^[0-9]+$' -- "$parts[1]"; or return 0
        set expires $parts[1]
        set profile $parts[2]
    end
    set -l left (math "$expires - "(__awsrun_now))
    set -l text
    set -l color
    if test $left -le 0
        set text expired
        set color red
    else
        set -l minutes (math --scale=0 "floor($left / 60)")
        if test $minutes -ge 60
            set text (math --scale=0 "floor($minutes / 60)")h(math "$minutes % 60")m
        else
            set text {$minutes}m
        end
        if test $left -lt 600
            set color red
        else if test $left -lt 1800
            set color yellow
        else
            set color green
        end
    end
    if test -n "$NO_COLOR"
        printf '%s %s' $profile $text
    else
        set_color $color
        printf '%s %s' $profile $text
        set_color normal
    end
end

function __awsrun_insert_prompt
    functions -q __awsrun_user_right_prompt; and return 0
    if functions -q fish_right_prompt
        functions -c fish_right_prompt __awsrun_user_right_prompt
    else
        function __awsrun_user_right_prompt
        end
    end
    function fish_right_prompt
        awsrun_segment
        __awsrun_user_right_prompt
    end
end
