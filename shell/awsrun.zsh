# awsrun shell integration for zsh. Load it from ~/.zshrc:
#
#     eval "$(awsrun hook zsh)"
#
# Before each prompt it sets AWSRUN_SEGMENT to the active profile and the time its login
# session has left ("dev 3h12m ", with a trailing space; empty without a login session).
# Put it in your prompt with this one line after the eval (or use `awsrun hook zsh --prompt`):
#
#     setopt prompt_subst; PROMPT='${AWSRUN_SEGMENT}'$PROMPT
#
# Colours (green, yellow under 30 minutes, red under 10 or expired; none with NO_COLOR) are
# wrapped in %{ %} so zle counts the prompt's width right. Inside `awsrun exec` the segment
# comes from AWSRUN_SESSION_EXPIRES_EPOCH and zsh's own clock (zsh/datetime): no process is
# started. Elsewhere it runs `awsrun prompt`, which only reads the config and cache files.

zmodload zsh/datetime

__awsrun_bin=awsrun

# __awsrun_render PROFILE EXPIRES NOW: sets AWSRUN_SEGMENT.
__awsrun_render() {
    local -i left=$(($2 - $3)) minutes color
    local text name=${1//\%/%%}
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
        AWSRUN_SEGMENT="$name $text "
    else
        AWSRUN_SEGMENT="%{"$'\e['"${color}m%}$name $text%{"$'\e[0m'"%} "
    fi
}

__awsrun_precmd() {
    local -i last_status=$?
    local line
    AWSRUN_SEGMENT=
    if [[ -n ${AWSRUN_PROFILE-} ]]; then
        # Inside awsrun exec: the parent said when the session ends (nothing: no login session).
        if [[ ${AWSRUN_SESSION_EXPIRES_EPOCH-} =~ '^[0-9]+$' ]]; then
            __awsrun_render "$AWSRUN_PROFILE" "$AWSRUN_SESSION_EXPIRES_EPOCH" "$EPOCHSECONDS"
        fi
    else
        line=$("$__awsrun_bin" prompt --format '{expires} {profile}' 2>/dev/null)
        if [[ ${line%% *} =~ '^[0-9]+$' ]]; then
            __awsrun_render "${line#* }" "${line%% *}" "$EPOCHSECONDS"
        fi
    fi
    return last_status
}

autoload -Uz add-zsh-hook
add-zsh-hook precmd __awsrun_precmd

__awsrun_insert_prompt() {
    setopt prompt_subst
    if [[ $PROMPT != *'${AWSRUN_SEGMENT}'* ]]; then
        PROMPT='${AWSRUN_SEGMENT}'$PROMPT
    fi
}
