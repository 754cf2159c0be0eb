#!/usr/bin/env bash
# Benchmark (not a test): a full same-device `awsrun login` against the local emulator (callback
# server up, URL printed, authorize page, approval, redirect to the callback, token exchange with
# DPoP, cache and config written), and the start-up of `awsrun logout` (no async runtime).
#
#   bench/login.sh            # builds release binaries, then times them
#   RUNS=50 bench/login.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-20}"
command -v hyperfine >/dev/null || { echo "bench: hyperfine missing (run tests/setup.sh)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench: curl missing" >&2; exit 1; }

echo "bench: building the release binaries"
cargo build --release --quiet --manifest-path "$REPO/Cargo.toml" --bin awsrun --bin awsrun-emulator
BIN="$(cargo metadata --format-version 1 --no-deps --manifest-path "$REPO/Cargo.toml" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release"

WORK="$(mktemp -d)"
EMU_PID=""
cleanup() { [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export HOME="$WORK/home"
mkdir -p "$HOME/.aws"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_CONFIG_FILE AWS_LOGIN_CACHE_DIRECTORY AWS_ENDPOINT_URL
"$BIN/awsrun-emulator" --port 0 >"$WORK/emu.out" 2>/dev/null &
EMU_PID=$!
for _ in $(seq 50); do [ -s "$WORK/emu.out" ] && break; sleep 0.1; done
BASE="$(head -1 "$WORK/emu.out")"
export AWS_ENDPOINT_URL_SIGNIN="$BASE"

# One login, the browser played by curl.
cat >"$WORK/one-login.sh" <<SCRIPT
#!/usr/bin/env bash
set -euo pipefail
exec 3< <("$BIN/awsrun" login --no-browser --region us-east-1 -p bench --yes 2>&1 >/dev/null)
while IFS= read -r line <&3; do
    case "\$line" in "$BASE/v1/authorize?"*) url="\$line"; break;; esac
done
req="\$(curl -s "\$url" | grep -o 'name="request" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')"
loc="\$(curl -s -o /dev/null -w '%{redirect_url}' -d "request=\$req&identity=0&action=continue" "$BASE/v1/authorize")"
curl -s -o /dev/null "\$loc"
cat <&3 >/dev/null
SCRIPT
chmod +x "$WORK/one-login.sh"

hyperfine -N --warmup 2 --runs "$RUNS" "$WORK/one-login.sh" "$BIN/awsrun logout -p bench"
