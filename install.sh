#!/bin/sh
# Installs awsrun for the current user: no root needed.
#
#   ./install.sh [--prefix DIR]              build with cargo and install
#   ./install.sh [--prefix DIR] --uninstall  remove everything a previous install put there
#
# What goes where (PREFIX defaults to ~/.local; --prefix or $PREFIX change it):
#   PREFIX/bin/awsrun                                          the binary
#   PREFIX/bin/awsrun-emulator                                 the local sign-in emulator
#   PREFIX/share/man/man1/awsrun*.1                            man pages
#   ${XDG_DATA_HOME:-~/.local/share}/bash-completion/completions/awsrun
#   ${XDG_DATA_HOME:-~/.local/share}/zsh/site-functions/_awsrun
#   ${XDG_CONFIG_HOME:-~/.config}/fish/completions/awsrun.fish
#   PREFIX/share/awsrun/install-manifest                       what was installed, for --uninstall
#
# The binary is built with `cargo build --release --locked` (CARGO_TARGET_DIR is honoured);
# AWSRUN_INSTALL_BIN=/path/to/awsrun installs a binary you already built instead. Running it
# again upgrades in place.
set -eu

me=install.sh
die() {
    printf '%s: error: %s\n' "$me" "$*" >&2
    exit 1
}

src=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-}
uninstall=false
while [ $# -gt 0 ]; do
    case $1 in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=$2; shift ;;
    --prefix=*) prefix=${1#--prefix=} ;;
    --uninstall) uninstall=true ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done
[ -n "${HOME:-}" ] || die "HOME is not set"
[ -n "$prefix" ] || prefix=$HOME/.local
case $prefix in
/*) ;;
*) prefix=$(pwd)/$prefix ;;
esac

data=${XDG_DATA_HOME:-$HOME/.local/share}
config=${XDG_CONFIG_HOME:-$HOME/.config}
bin_dir=$prefix/bin
man_dir=$prefix/share/man/man1
bash_dir=$data/bash-completion/completions
zsh_dir=$data/zsh/site-functions
fish_dir=$config/fish/completions
state_dir=$prefix/share/awsrun
manifest=$state_dir/install-manifest

# The manifest lists "file PATH" and "dir PATH" (directories this script created) lines.
new_manifest=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$new_manifest" "$work"' EXIT

record() { printf '%s %s\n' "$1" "$2" >>"$new_manifest"; }

# mkdir -p that records the directories it creates, so --uninstall removes only those.
ensure_dir() {
    missing=
    d=$1
    while [ ! -d "$d" ]; do
        missing="$d
$missing"
        d=$(dirname "$d")
    done
    mkdir -p "$1" || die "cannot create $1"
    printf '%s' "$missing" | while IFS= read -r m; do
        [ -n "$m" ] && record dir "$m"
    done
    return 0
}

# Copies stdin or a file into place atomically (temporary file in the same directory).
put() { # put MODE DEST [SRC]
    ensure_dir "$(dirname "$2")"
    tmp=$(mktemp "$(dirname "$2")/.awsrun-install.XXXXXX")
    if [ $# -ge 3 ]; then cat "$3" >"$tmp"; else cat >"$tmp"; fi
    chmod "$1" "$tmp"
    mv -f "$tmp" "$2"
    record file "$2"
}

if $uninstall; then
    if [ ! -f "$manifest" ]; then
        printf 'Nothing to uninstall: %s does not exist.\n' "$manifest"
        exit 0
    fi
    dirs=$(grep '^dir ' "$manifest" | cut -c5-) || true
    grep '^file ' "$manifest" | cut -c6- | while IFS= read -r f; do
        rm -f "$f"
    done
    rm -f "$manifest"
    # Only directories this script created, deepest first, and only when now empty.
    printf '%s\n' "$dirs" | awk 'NF { print length($0) " " $0 }' | sort -rn | cut -d' ' -f2- |
        while IFS= read -r d; do
            rmdir "$d" 2>/dev/null || true
        done
    printf 'Removed awsrun from %s.\n' "$prefix"
    exit 0
fi

# 1. The binary.
if [ -n "${AWSRUN_INSTALL_BIN:-}" ]; then
    built=$AWSRUN_INSTALL_BIN
    [ -x "$built" ] || die "AWSRUN_INSTALL_BIN=$built is not an executable file"
else
    command -v cargo >/dev/null 2>&1 || die "cargo was not found on PATH. Install Rust \
(https://rustup.rs: curl --proto '=https' -sSf https://sh.rustup.rs | sh), open a new shell, \
and run install.sh again; or set AWSRUN_INSTALL_BIN to an awsrun binary you built."
    printf 'Building awsrun (cargo build --release --locked)...\n'
    (cd "$src" && cargo build --release --locked) || die "cargo build failed (see above)"
    target=${CARGO_TARGET_DIR:-$src/target}
    case $target in
    /*) ;;
    *) target=$src/$target ;;
    esac
    built=$target/release/awsrun
    [ -x "$built" ] || die "cargo build succeeded but $built is missing"
fi
"$built" --version >/dev/null 2>&1 || die "$built does not run"

# Keep the directories an earlier install created, so --uninstall still removes them.
if [ -f "$manifest" ]; then
    grep '^dir ' "$manifest" >>"$new_manifest" || true
fi

put 755 "$bin_dir/awsrun" "$built"
awsrun=$bin_dir/awsrun
# The local sign-in emulator (for trying awsrun offline) is built beside it.
if [ -x "$(dirname "$built")/awsrun-emulator" ]; then
    put 755 "$bin_dir/awsrun-emulator" "$(dirname "$built")/awsrun-emulator"
fi

# 2. Completions and man pages, generated by the installed binary so they match it.
"$awsrun" completions bash | put 644 "$bash_dir/awsrun"
"$awsrun" completions zsh | put 644 "$zsh_dir/_awsrun"
"$awsrun" completions fish | put 644 "$fish_dir/awsrun.fish"
"$awsrun" man --out "$work/man" >/dev/null
for page in "$work"/man/*.1; do
    put 644 "$man_dir/$(basename "$page")" "$page"
done

# Pages or files from an older version that this one no longer has.
if [ -f "$manifest" ]; then
    grep '^file ' "$manifest" | cut -c6- | while IFS= read -r f; do
        grep -qxF "file $f" "$new_manifest" || rm -f "$f"
    done
fi
ensure_dir "$state_dir"
sort -u "$new_manifest" >"$work/manifest"
put 644 "$manifest" "$work/manifest"

version=$("$awsrun" --version)
cat <<EOF
Installed $version into $prefix:
  $awsrun
  $man_dir/awsrun.1 (and one page per subcommand)
  completions: $bash_dir/awsrun
               $zsh_dir/_awsrun
               $fish_dir/awsrun.fish

Add one line at the end of your shell's rc file for the prompt segment (profile, time left):
  ~/.bashrc:                   eval "\$(awsrun hook bash --prompt)"
  ~/.zshrc:                    eval "\$(awsrun hook zsh --prompt)"
  ~/.config/fish/config.fish:  awsrun hook fish --prompt | source
zsh loads the completions when ~/.zshrc has, before compinit:
  fpath=($zsh_dir \$fpath)
EOF
case ":${PATH:-}:" in
*":$bin_dir:"*) ;;
*) printf '%s is not on your PATH; add to your rc file:\n  export PATH="%s:$PATH"\n' "$bin_dir" "$bin_dir" ;;
esac
printf 'Uninstall with: %s/install.sh --prefix %s --uninstall\n' "$src" "$prefix"
