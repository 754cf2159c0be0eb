#!/usr/bin/env bash
# Benchmark (not a test): `awsrun list` and `awsrun profiles` on a config of 10,000 profiles.
# Issue 2 target: median of `awsrun list -p <one in the middle>` under 20 ms.
#
#   bench/list.sh                 # builds the release binary, then times it
#   AWSRUN=/path/to/awsrun bench/list.sh
#   PROFILES=50000 bench/list.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROFILES="${PROFILES:-10000}"
command -v hyperfine >/dev/null || { echo "bench: hyperfine missing (run tests/setup.sh)" >&2; exit 1; }

if [ -z "${AWSRUN:-}" ]; then
    echo "bench: building the release binary"
    cargo build --release --quiet --manifest-path "$REPO/Cargo.toml" --bin awsrun
    AWSRUN="$(cargo metadata --format-version 1 --no-deps --manifest-path "$REPO/Cargo.toml" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/awsrun"
fi
[ -x "$AWSRUN" ] || { echo "bench: $AWSRUN is not an executable" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home"
mkdir -p "$HOME/.aws/login/cache"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
    AWS_REGION AWS_DEFAULT_REGION AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE \
    AWS_LOGIN_CACHE_DIRECTORY AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN
export AWS_EC2_METADATA_DISABLED=true

# A realistic mix, cycling through: login, sso (via sso-session), role chained to the previous
# profile, static keys (in the credentials file); every third profile has a region.
MIDDLE=$((PROFILES / 2 - (PROFILES / 2) % 4))   # a login profile
awk -v n="$PROFILES" -v cfg="$HOME/.aws/config" -v crd="$HOME/.aws/credentials" 'BEGIN {
    print "[default]\nregion = us-east-1\n" > cfg
    print "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n" > cfg
    for (i = 0; i < n; i++) {
        name = sprintf("p%05d", i)
        printf "[profile %s]\n", name > cfg
        kind = i % 4
        if (kind == 0) printf "login_session = arn:aws:iam::123456789012:user/u%05d\n", i > cfg
        else if (kind == 1) printf "sso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n" > cfg
        else if (kind == 2) printf "role_arn = arn:aws:iam::123456789012:role/r%05d\nsource_profile = p%05d\n", i, i - 2 > cfg
        else printf "[%s]\naws_access_key_id = AKIA%016d\naws_secret_access_key = secret%d\n\n", name, i, i > crd
        if (i % 3 == 0) printf "region = eu-west-1\n" > cfg
        printf "\n" > cfg
    }
}'
SESSION="$(printf 'arn:aws:iam::123456789012:user/u%05d' "$MIDDLE")"
HASH="$(printf '%s' "$SESSION" | sha256sum | cut -d' ' -f1)"
cat > "$HOME/.aws/login/cache/$HASH.json" <<JSON
{"accessToken": {"accessKeyId": "ASIABENCH00000000001", "secretAccessKey": "s", "sessionToken": "t",
  "accountId": "123456789012", "expiresAt": "2099-01-01T00:00:00Z"},
 "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device",
 "refreshToken": "r", "idToken": "i",
 "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIMY+bfgspBsyHZ/RRUa/vVmaVZKzdYEpZxc7e0/BbI9moAoGCCqGSM49\nAwEHoUQDQgAE3HwmW5aBJh+Jv5z52ugbDz5OIDGJEZeUOVls6OuxlKN+5X6D00Q7\nnk1GUb1OwsMtBrRy037mDS13YR42nMR5gg==\n-----END EC PRIVATE KEY-----\n"}
JSON
P="$(printf 'p%05d' "$MIDDLE")"
echo "bench: $PROFILES profiles, config $(wc -c < "$HOME/.aws/config") bytes, credentials $(wc -c < "$HOME/.aws/credentials") bytes; middle profile $P"
echo "bench: sanity run of: awsrun list -p $P"
"$AWSRUN" list -p "$P"
"$AWSRUN" profiles > "$WORK/profiles.txt"
echo "bench: awsrun profiles lists $(wc -l < "$WORK/profiles.txt") profiles"

hyperfine -N --warmup 10 --runs 100 --export-json "$WORK/h.json" \
    "$AWSRUN list -p $P" "$AWSRUN profiles" >&2
python3 - "$WORK/h.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"bench: median {r['median'] * 1000:7.2f} ms  (min {r['min'] * 1000:.2f}, max {r['max'] * 1000:.2f})  {r['command'].split('/')[-1]}")
PY
