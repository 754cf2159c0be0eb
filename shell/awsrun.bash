# awsrun shell integration for bash (4.2 or later). Load it from ~/.bashrc:
#
#     eval "$(awsrun hook bash)"
#
# Before each prompt it sets AWSRUN_SEGMENT to the active profile and the time its login
# session has left ("dev 3h12m ", with a trailing space; empty without a login session).
# Put it in your prompt with this one line after the eval (or use `awsrun hook bash --prompt`):
#
#     PS1='${AWSRUN_SEGMENT}'$PS1
#
# Colours (green, yellow under 30 minutes, red under 10 or expired; none with NO_COLOR) are
# wrapped in \001 and \002, the form of \[ \] that works inside a variable, so readline counts
# the prompt's width right. Inside `awsrun exec` the segment comes from
# AWSRUN_SESSION_EXPIRES_EPOCH and bash's own clock: no process is started. Elsewhere it runs
# `awsrun prompt`, which only reads the config and cache files.

__awsrun_bin=awsrun

# __awsrun_render PROFILE EXPIRES NOW: sets AWSRUN_SEGMENT.
__awsrun_render() {
    local left=$(($2 - $3)) minutes text color
    if ((left <= 0)); then
        text=expired color=31
    else
        minutes=$((left / 60))
        if ((minutes >= 60)); then
            text="$((minutes / 60))h$((minutes % 60))m"
        else
            text="${minutes}m"
        fi
        if ((left < 600)); then
            color=31
        elif ((left < 1800)); then
            color=33
        else
            color=32
        fi
    fi
    if [[ -n ${NO_COLOR-} ]]; then
        AWSRUN_SEGMENT="$1 $text "
    else
        AWSRUN_SEGMENT=$'\001\e['"${color}m"$'\002'"$1 $text"$'\001\e[0m\002 '
    fi
}

__awsrun_precmd() {
    local status=$? now=${EPOCHSECONDS-} line
    [[ -n $now ]] || printf -v now '%(%s)T' -1
    AWSRUN_SEGMENT=
    if [[ -n ${AWSRUN_PROFILE-} ]]; then
        # Inside awsrun exec: the parent said when the session ends (nothing: no login session).
        if [[ ${AWSRUN_SESSION_EXPIRES_EPOCH-} =~ ^[0-9]+$ ]]; then
            __awsrun_render "$AWSRUN_PROFILE" "$AWSRUN_SESSION_EXPIRES_EPOCH" "$now"
        fi
    else
        line=$("$__awsrun_bin" prompt --format '{expires} {profile}' 2>/dev/null)
        if [[ ${line%% *} =~ ^[0-9]+$ ]]; then
            __awsrun_render "${line#* }" "${line%% *}" "$now"
        fi
    fi
    return $status
}

# Runs first so that it sees (and passes on) the exit status of the last command.
case ";${PROMPT_COMMAND[*]-};" in
*__awsrun_precmd*) ;;
*) PROMPT_COMMAND="__awsrun_precmd${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac

__awsrun_insert_prompt() {
    case $PS1 in
    *'${AWSRUN_SEGMENT}'*) ;;
    *) PS1='${AWSRUN_SEGMENT}'$PS1 ;;
    esac
}
