#!/usr/bin/env bash
# Installs everything the test suite needs, on Debian 12, and does nothing when it is all present.
# Safe to run again and again; CI runs it as root on a fresh machine (see .ci/run).
#   - Debian packages: a real browser and driver, real shells, man, strace, hyperfine
#   - $REPO/.venv: a Python venv with botocore[crt]==1.44.5 (the oracle of tests/differential.rs)
#     and boto3 of the same version (the children of tests/exec_refresh.rs)
#   - tests/browser/node_modules via `npm ci`, when tests/browser/package-lock.json exists
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BOTOCORE_VERSION="1.44.5"
APT_PACKAGES=(chromium chromium-driver zsh fish tmux man-db strace hyperfine)

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $* (run tests/setup.sh as root, or install sudo)"
    fi
}

missing_debs() {
    local p
    for p in "$@"; do
        if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
            printf '%s\n' "$p"
        fi
    done
}

APT_UPDATED=0
apt_install() {
    [ "$#" -gt 0 ] || return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    say "installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Debian packages -----------------------------------------------------------------------
mapfile -t need < <(missing_debs "${APT_PACKAGES[@]}")
if [ "${#need[@]}" -gt 0 ]; then
    apt_install "${need[@]}"
else
    say "Debian packages present: ${APT_PACKAGES[*]}"
fi

# --- Python venv with botocore -------------------------------------------------------------
VENV="$REPO/.venv"
venv_ok() {
    [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" - "$BOTOCORE_VERSION" <<'PY' >/dev/null 2>&1
import sys
import botocore, awscrt, boto3  # awscrt comes with the [crt] extra; boto3 drives exec's children
sys.exit(0 if botocore.__version__ == sys.argv[1] and boto3.__version__ == sys.argv[1] else 1)
PY
}
if venv_ok; then
    say "venv present: $VENV (botocore $BOTOCORE_VERSION with crt)"
else
    PY=""
    for cand in /usr/bin/python3 python3; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            PY="$(command -v "$cand")"
            break
        fi
    done
    if [ -z "$PY" ]; then
        apt_install python3 python3-venv
        PY=/usr/bin/python3
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating venv $VENV with $PY"
        "$PY" -m venv "$VENV"
    fi
    say "installing botocore[crt]==$BOTOCORE_VERSION into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "botocore[crt]==$BOTOCORE_VERSION" "boto3==$BOTOCORE_VERSION"
    venv_ok || die "botocore $BOTOCORE_VERSION with crt is still not importable from $VENV/bin/python"
fi

# --- npm packages for the browser tests ----------------------------------------------------
BROWSER="$REPO/tests/browser"
if [ -f "$BROWSER/package-lock.json" ]; then
    if ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
    # npm ci wipes and reinstalls node_modules; skip it when the installed tree matches the lock.
    stamp="$BROWSER/node_modules/.package-lock.json"
    if [ -f "$stamp" ] && [ "$stamp" -nt "$BROWSER/package-lock.json" ]; then
        say "npm packages present in tests/browser/node_modules"
    else
        say "npm ci in tests/browser"
        (cd "$BROWSER" && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi

# --- Rust SDK client for tests/login_interop.rs (added by the login work, issue 3) -----------
# A separate tiny crate (aws-config with credentials-login), excluded from the main crate; the
# test builds it with `cargo build --locked`. Building it here fetches its crates and makes the
# test's build a no-op.
SDK_CLIENT="$REPO/tests/sdk-client"
if [ -f "$SDK_CLIENT/Cargo.toml" ] && command -v cargo >/dev/null 2>&1; then
    say "building tests/sdk-client (Rust SDK interop helper)"
    CARGO_TARGET_DIR="$REPO/target/sdk-client" cargo build --quiet --locked --manifest-path "$SDK_CLIENT/Cargo.toml"
fi

say "ready"
