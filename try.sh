#!/bin/sh
# One command to install awsrun and try the whole flow offline, against the local sign-in
# emulator: sign in (the emulator plays the browser), see where the credentials come from, run
# a command with them, ask STS who you are, read the prompt segment, run doctor, sign out.
# Nothing leaves this machine and your ~/.aws is not touched (the demo uses a temporary folder).
#
#   ./try.sh [--prefix DIR]        (the options of install.sh)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
"$here/install.sh" "$@"

prefix=${PREFIX:-$HOME/.local}
while [ $# -gt 0 ]; do
    case $1 in
    --prefix) prefix=$2; shift ;;
    --prefix=*) prefix=${1#--prefix=} ;;
    esac
    shift
done
case $prefix in /*) ;; *) prefix=$(pwd)/$prefix ;; esac
bin=$prefix/bin

demo=$(mktemp -d)
emulator_pid=
cleanup() {
    [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null
    rm -rf "$demo"
}
trap cleanup EXIT INT TERM

printf '\n== Trying awsrun offline (demo files in %s) ==\n' "$demo"
"$bin/awsrun-emulator" --port 0 --credential-lifetime 60 >"$demo/url" 2>"$demo/emulator.log" &
emulator_pid=$!
i=0
while [ ! -s "$demo/url" ]; do
    i=$((i + 1))
    [ $i -le 100 ] || { echo "try.sh: the emulator did not start; see $demo/emulator.log" >&2; exit 1; }
    sleep 0.1
done
url=$(head -n 1 "$demo/url")

unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
    AWS_SECURITY_TOKEN AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    AWS_REGION AWS_DEFAULT_REGION AWSRUN_PROFILE
export AWS_CONFIG_FILE="$demo/config" AWS_SHARED_CREDENTIALS_FILE="$demo/credentials" \
    AWS_LOGIN_CACHE_DIRECTORY="$demo/cache" AWS_ENDPOINT_URL_SIGNIN="$url" AWS_ENDPOINT_URL_STS="$url" \
    AWS_EC2_METADATA_DISABLED=true NO_COLOR=1

show() {
    printf '\n$ %s\n' "$*"
    "$@"
}

printf '[profile demo]\nregion = us-east-1\n' >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"
chmod 600 "$AWS_CONFIG_FILE" "$AWS_SHARED_CREDENTIALS_FILE"

printf '\n$ awsrun login -p demo    (the emulator plays the browser and presses Continue)\n'
BROWSER="$bin/awsrun-emulator --click %s" "$bin/awsrun" login -p demo
show "$bin/awsrun" list -p demo
show "$bin/awsrun" -p demo -- sh -c 'echo "the command runs as $AWSRUN_PROFILE in $AWS_REGION; keys come from $AWS_CONTAINER_CREDENTIALS_FULL_URI"'
show "$bin/awsrun" whoami -p demo
show "$bin/awsrun" prompt -p demo
show "$bin/awsrun" doctor -p demo || true
show "$bin/awsrun" logout -p demo
printf '\nDone. Sign in for real with: awsrun login -p <profile>\n'
