#!/bin/sh
# Runs every fuzz target for SECONDS (default 600) one after another, logging to fuzz/logs/.
# cargo-fuzz needs nightly flags; on a stable toolchain RUSTC_BOOTSTRAP=1 allows them.
set -u
cd "$(dirname "$0")"
seconds=${1:-600}
mkdir -p logs
export RUSTC_BOOTSTRAP=1
for t in ${TARGETS:-ini cache remote_code id_token callback endpoint}; do
  cargo fuzz run "$t" corpus/"$t" -- -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=1024 \
    >logs/"$t".log 2>&1
  echo "$t exit $? $(grep -E '^(#[0-9]+|Done)' logs/"$t".log | tail -1)"
done
