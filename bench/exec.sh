#!/usr/bin/env bash
# Benchmarks for `awsrun -p P -- CMD` (issue 4): start-up overhead in env and server mode
# against the bare command, the credential endpoint under 64 concurrent clients, and the
# resident memory of the waiting parent. Needs hyperfine and wrk (apt-get install hyperfine wrk).
# Usage: bench/exec.sh        (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
for t in hyperfine wrk; do command -v "$t" >/dev/null || { echo "bench: $t not found (apt-get install $t)" >&2; exit 1; }; done
cargo build --release --quiet --bin awsrun
BIN="$PWD/target/release/awsrun"

HOME_DIR="$(mktemp -d)"
trap 'kill "${CHILD:-0}" 2>/dev/null || true; rm -rf "$HOME_DIR"' EXIT
mkdir -p "$HOME_DIR/.aws/login/cache"
SESSION="arn:aws:iam::123456789012:user/bench"
cat > "$HOME_DIR/.aws/config" <<CFG
[profile static]
aws_access_key_id = AKIABENCH0000000001
aws_secret_access_key = benchsecretbenchsecretbenchsecret00001
region = us-east-1
[profile login]
login_session = $SESSION
region = us-east-1
CFG
# A fresh login cache: server mode serves it without calling the sign-in service.
CACHE="$HOME_DIR/.aws/login/cache/$(printf '%s' "$SESSION" | sha256sum | cut -d' ' -f1).json"
cat > "$CACHE" <<JSON
{"accessToken":{"accessKeyId":"ASIABENCH000000001","secretAccessKey":"s","sessionToken":"t","accountId":"123456789012","expiresAt":"2099-01-01T00:00:00Z"},"tokenType":"aws_sigv4","clientId":"arn:aws:signin:::devtools/same-device","refreshToken":"r","idToken":"e30.eyJpYXQiOjQxMDI0NDQ4MDAsInN1YiI6ImFybjphd3M6aWFtOjoxMjM0NTY3ODkwMTI6dXNlci9iZW5jaCJ9.x","dpopKey":"-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n"}
JSON
export HOME="$HOME_DIR" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

JSON_OUT="$HOME_DIR/hf.json"
hyperfine -N --warmup 20 --runs 300 --export-json "$JSON_OUT" \
    -n 'true' 'true' \
    -n 'env mode' "$BIN -p static -- true" \
    -n 'server mode' "$BIN -p login -- true" >/dev/null
python3 - "$JSON_OUT" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["true"]["median"]
print("| what | median | added over bare `true` |")
print("|---|---|---|")
for k in ("true", "env mode", "server mode"):
    m = r[k]["median"]
    print(f"| {k} | {m*1000:.2f} ms | {(m-base)*1000:+.2f} ms |")
PY

# The endpoint under load, and the parent's memory while it waits.
"$BIN" -p login -- sh -c 'echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN" > "$HOME/endpoint"; exec sleep 120' &
CHILD=$!
for _ in $(seq 100); do [ -s "$HOME_DIR/endpoint" ] && break; sleep 0.05; done
read -r URL TOKEN < "$HOME_DIR/endpoint"
RSS=$(ps -o rss= -p "$CHILD" | tr -d ' ')
WRK=$(wrk -t2 -c64 -d10s --latency -H "Authorization: $TOKEN" "$URL")
RPS=$(echo "$WRK" | awk '/Requests\/sec/ {print $2}')
P99=$(echo "$WRK" | awk '$1 == "99%" {print $2}')
NON2XX=$(echo "$WRK" | awk '/Non-2xx/ {print $4}')
echo
echo "| endpoint, 64 concurrent clients, 10 s | value |"
echo "|---|---|"
echo "| requests/s | $RPS |"
echo "| p99 latency | $P99 |"
echo "| non-2xx answers | ${NON2XX:-0} |"
echo "| waiting parent resident memory | $((RSS / 1024)) MB ($RSS KiB) |"
echo "| release binary size | $(du -k "$BIN" | cut -f1) KiB |"
