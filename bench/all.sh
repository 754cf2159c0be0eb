#!/usr/bin/env bash
# Every benchmark in one table (medians from hyperfine unless said otherwise):
#   prompt against /bin/true; exec overhead in env and server mode against the bare command;
#   list on 10,000 profiles; a login (callback to saved session, i.e. the token exchange and the
#   writes) and a refresh against the local emulator; the credential endpoint's throughput and
#   p99 under 64 clients (wrk); binary size; resident memory.
#
#   bench/all.sh            builds the release binaries, then prints the table (markdown)
#
# Needs hyperfine, wrk, curl and python3 (tests/setup.sh installs them). Only loopback and a
# temporary HOME are used.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in hyperfine wrk curl python3; do
    command -v "$t" >/dev/null || { echo "bench/all.sh: $t not found (run tests/setup.sh)" >&2; exit 1; }
done
cargo build --release --quiet --bins
TARGET="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
BIN="$TARGET/release/awsrun"
EMU="$TARGET/release/awsrun-emulator"

WORK="$(mktemp -d)"
cleanup() {
    for p in ${PIDS:-}; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
export HOME="$WORK/home" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
    AWS_REGION AWS_DEFAULT_REGION AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
    AWS_LOGIN_CACHE_DIRECTORY AWSRUN_PROFILE AWSRUN_SESSION_EXPIRES_EPOCH AWSRUN_REFRESH_THRESHOLD \
    AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SIGNIN 2>/dev/null || true
mkdir -p "$HOME/.aws"
ROWS="$WORK/rows.tsv"
: >"$ROWS"
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$ROWS"; }
# median_ms FILE NAME: a hyperfine result's median in ms.
median_ms() {
    python3 -c 'import json,sys; r={x["command"]:x for x in json.load(open(sys.argv[1]))["results"]}; print("%.2f" % (r[sys.argv[2]]["median"]*1000))' "$1" "$2"
}

# The emulator: sign-in for the login and refresh rows, and a real session for everything else.
"$EMU" --port 0 >"$WORK/emu.url" 2>/dev/null &
PIDS="$!"
for _ in $(seq 100); do [ -s "$WORK/emu.url" ] && break; sleep 0.05; done
EMU_URL="$(head -n1 "$WORK/emu.url")"
export AWS_ENDPOINT_URL_SIGNIN="$EMU_URL"

# login_once PROFILE: one `awsrun login --no-browser`, the user played with curl; prints the
# seconds from the callback to the saved session (the token exchange and the writes).
cat >"$WORK/login.py" <<'PY'
import re, subprocess, sys, time, urllib.parse, urllib.request
bin, base, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
took = []
for i in range(runs):
    p = subprocess.Popen([bin, "login", "--no-browser", "-p", f"bench{i % 3}", "--region", "us-east-1"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = next(l.strip() for l in p.stderr if l.startswith(base + "/v1/authorize?"))
    page = urllib.request.urlopen(url).read().decode()
    req = re.search(r'name="request" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"request": req, "identity": "0", "action": "continue"}).encode()
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k): return None
    try:
        urllib.request.build_opener(NoRedirect).open(base + "/v1/authorize", data=form)
        raise SystemExit("no redirect")
    except urllib.error.HTTPError as e:
        callback = e.headers["Location"]
    t = time.perf_counter()
    urllib.request.urlopen(callback).read()
    p.stderr.read()
    assert p.wait() == 0
    took.append(time.perf_counter() - t)
took.sort()
print("%.2f" % (took[len(took) // 2] * 1000))
PY
LOGIN_MS="$(python3 "$WORK/login.py" "$BIN" "$EMU_URL" 30)"
row "login: callback to saved session (token exchange, cache, config), emulator" "$LOGIN_MS ms" "median of 30, python driver"

# Refresh: export with a threshold longer than the keys' life refreshes every time; the same
# export with fresh keys does not. The difference is the refresh.
hyperfine -N --warmup 5 --runs 100 --export-json "$WORK/refresh.json" \
    -n 'export (cached)' "$BIN export -p bench0" >/dev/null 2>&1
AWSRUN_REFRESH_THRESHOLD=100000 hyperfine -N --warmup 5 --runs 100 --export-json "$WORK/refresh2.json" \
    -n 'export (refresh)' "$BIN export -p bench0" >/dev/null 2>&1
C="$(median_ms "$WORK/refresh.json" 'export (cached)')"
R="$(median_ms "$WORK/refresh2.json" 'export (refresh)')"
row "export, keys cached" "$C ms" ""
row "export with a refresh (DPoP proof, token call, atomic cache write), emulator" "$R ms" "refresh itself: $(python3 -c "print('%.2f' % ($R - $C))") ms"

# prompt against /bin/true, on a 100-profile config.
for i in $(seq 1 100); do printf '[profile p%d]\nregion = ap-south-1\noutput = json\n\n' "$i"; done >>"$HOME/.aws/config"
hyperfine -N --warmup 100 --runs 1000 --export-json "$WORK/prompt.json" \
    -n prompt "$BIN prompt -p bench0" -n true /bin/true >/dev/null 2>&1
P="$(median_ms "$WORK/prompt.json" prompt)"
T="$(median_ms "$WORK/prompt.json" true)"
row "prompt (103 profiles, login session)" "$P ms" "/bin/true: $T ms"

# exec in both modes against the bare command.
cat >>"$HOME/.aws/config" <<CFG
[profile static]
aws_access_key_id = AKIABENCH0000000001
aws_secret_access_key = benchsecretbenchsecretbenchsecret00001
region = us-east-1
CFG
hyperfine -N --warmup 20 --runs 300 --export-json "$WORK/exec.json" \
    -n true /bin/true -n env "$BIN -p static -- /bin/true" -n server "$BIN -p bench0 -- /bin/true" >/dev/null 2>&1
T="$(median_ms "$WORK/exec.json" true)"
E="$(median_ms "$WORK/exec.json" env)"
S="$(median_ms "$WORK/exec.json" server)"
row "exec, env mode (static keys, exec replaces awsrun)" "$E ms" "bare /bin/true: $T ms"
row "exec, server mode (login session, credential endpoint)" "$S ms" "bare /bin/true: $T ms"

# The endpoint under load, and the waiting parent's memory.
"$BIN" -p bench0 -- sh -c 'echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN" > "$HOME/endpoint"; exec sleep 60' &
PIDS="$PIDS $!"
PARENT=$!
for _ in $(seq 100); do [ -s "$HOME/endpoint" ] && break; sleep 0.05; done
read -r URL TOKEN <"$HOME/endpoint"
WRK="$(wrk -t2 -c64 -d10s --latency -H "Authorization: $TOKEN" "$URL")"
RPS="$(echo "$WRK" | awk '/Requests\/sec/ {print $2}')"
P99="$(echo "$WRK" | awk '$1 == "99%" {print $2}')"
NON2XX="$(echo "$WRK" | awk '/Non-2xx/ {print $4}')"
RSS="$(ps -o rss= -p "$PARENT" | tr -d ' ')"
row "credential endpoint throughput (wrk, 2 threads, 64 connections, 10 s)" "$RPS req/s" "non-2xx: ${NON2XX:-0}"
row "credential endpoint p99 latency" "$P99" ""
row "resident memory, awsrun waiting as the child's parent (after the wrk run)" "$((RSS / 1024)) MiB" "$RSS KiB"
kill "$PARENT" 2>/dev/null || true

# list on 10,000 profiles.
mkdir -p "$WORK/big/.aws"
awk -v cfg="$WORK/big/.aws/config" 'BEGIN {
    print "[default]\nregion = us-east-1\n" > cfg
    print "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n" > cfg
    for (i = 0; i < 10000; i++) {
        printf "[profile p%05d]\n", i > cfg
        k = i % 3
        if (k == 0) printf "login_session = arn:aws:iam::123456789012:user/u%05d\n", i > cfg
        else if (k == 1) printf "sso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n" > cfg
        else printf "role_arn = arn:aws:iam::123456789012:role/r%05d\nsource_profile = p%05d\n", i, i - 2 > cfg
        if (i % 3 == 0) printf "region = eu-west-1\n" > cfg
        printf "\n" > cfg
    }
}'
# The listed profile's session is signed in (list reads its cache, as the CLI does).
mkdir -p "$WORK/big/.aws/login/cache"
cp "$HOME/.aws/login/cache/"*.json "$WORK/big/.aws/login/cache/$(printf 'arn:aws:iam::123456789012:user/u05001' | sha256sum | cut -d' ' -f1).json"
HOME="$WORK/big" hyperfine -N --warmup 5 --runs 100 --export-json "$WORK/list.json" \
    -n list "$BIN list -p p05001" >/dev/null 2>&1
L="$(median_ms "$WORK/list.json" list)"
LRSS="$(HOME="$WORK/big" /usr/bin/time -f %M "$BIN" list -p p05001 2>&1 >/dev/null | tail -n1)"
row "list -p P on 10,000 profiles ($(($(wc -c <"$WORK/big/.aws/config") / 1024)) KiB config)" "$L ms" "max RSS $((LRSS / 1024)) MiB"
PRSS="$(/usr/bin/time -f %M "$BIN" prompt -p bench0 2>&1 >/dev/null | tail -n1)"
row "resident memory, prompt (max RSS)" "$((PRSS / 1024)) MiB" "$PRSS KiB"

row "release binary size, awsrun" "$(($(stat -c %s "$BIN") / 1024)) KiB" "stripped, thin LTO"

echo "| benchmark | median | note |"
echo "|---|---|---|"
awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$ROWS"
