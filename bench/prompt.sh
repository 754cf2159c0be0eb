#!/bin/sh
# Benchmark: `awsrun prompt` on a 100-profile config with a login session, against /bin/true
# in the same hyperfine run (the cost of starting any process). Target: under 3 ms median,
# and over 100 times faster than `aws configure export-credentials` (about 0.36 s).
#
#   bench/prompt.sh            build the release binary, then benchmark it
#   AWSRUN_BIN=PATH bench/prompt.sh   benchmark that binary instead
#
# Needs hyperfine (tests/setup.sh installs it). Nothing outside a temporary HOME is touched.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
command -v hyperfine >/dev/null 2>&1 || {
    echo "bench/prompt.sh: hyperfine is not installed (run tests/setup.sh)" >&2
    exit 1
}
if [ -z "${AWSRUN_BIN:-}" ]; then
    (cd "$src" && cargo build --release --locked)
    target=${CARGO_TARGET_DIR:-$src/target}
    case $target in /*) ;; *) target=$src/$target ;; esac
    AWSRUN_BIN=$target/release/awsrun
fi

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/.aws/login/cache"

# 100 profiles of the usual kinds; `dev` (number 50) signed in with `aws login`.
session=arn:aws:iam::123456789012:user/bench
i=1
while [ $i -le 100 ]; do
    if [ $i -eq 50 ]; then
        printf '[profile dev]\nlogin_session = %s\nregion = eu-west-1\n\n' "$session"
    else
        case $((i % 3)) in
        0) printf '[profile p%d]\nrole_arn = arn:aws:iam::1:role/r%d\nsource_profile = dev\n\n' $i $i ;;
        1) printf '[profile p%d]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\nregion = us-east-1\n\n' $i ;;
        2) printf '[profile p%d]\nregion = ap-south-1\noutput = json\n\n' $i ;;
        esac
    fi
    i=$((i + 1))
done >"$home/.aws/config"

b64url() { base64 | tr -d '\n=' | tr '+/' '-_'; }
now=$(date +%s)
jwt="$(printf '{"alg":"ES256"}' | b64url).$(printf '{"sub":"bench","iat":%d}' $((now - 3600)) | b64url).c2ln"
name=$(printf '%s' "$session" | sha256sum | cut -d' ' -f1)
cat >"$home/.aws/login/cache/$name.json" <<JSON
{"accessToken":{"accessKeyId":"ASIABENCH","secretAccessKey":"x","sessionToken":"y","accountId":"123456789012","expiresAt":"2099-01-01T00:00:00Z"},"tokenType":"urn:aws:params:oauth:token-type:access_token_sigv4","clientId":"arn:aws:signin:::devtools/same-device","refreshToken":"z","idToken":"$jwt","dpopKey":"-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\n"}
JSON

export HOME="$home" AWS_PROFILE=dev
unset AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_LOGIN_CACHE_DIRECTORY AWSRUN_PROFILE \
    AWSRUN_SESSION_EXPIRES_EPOCH AWS_DEFAULT_PROFILE 2>/dev/null || true
printf 'awsrun prompt prints: %s\n' "$("$AWSRUN_BIN" prompt)"
[ -n "$("$AWSRUN_BIN" prompt)" ] || { echo "no segment: the fixture is wrong" >&2; exit 1; }

hyperfine -N --warmup 100 --min-runs 1000 \
    --export-json "$home/result.json" \
    -n 'awsrun prompt' "$AWSRUN_BIN prompt" \
    -n '/bin/true' /bin/true

python3 - "$home/result.json" <<'PY' || true
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, t = r["awsrun prompt"]["median"], r["/bin/true"]["median"]
print(f"median: awsrun prompt {a*1000:.2f} ms, /bin/true {t*1000:.2f} ms, "
      f"awsrun's own work {(a-t)*1000:.2f} ms")
print(f"vs aws configure export-credentials (~0.36 s): {0.36/a:.0f} times faster")
PY
