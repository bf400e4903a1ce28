#!/usr/bin/env bash
# Measures FileDrop as a user would run it (the release build): login latency, /healthz
# latency while logins run, 1 GiB upload and download throughput and peak memory, and the
# disk's own sequential write speed for comparison (bench.py); then search latency with
# 10,000 stored files (bench_search.py). Prints medians over BENCH_RUNS runs.
#   scripts/bench.sh [BINARY]     (default ./app, built by `make bench`)
#   BENCH_PARTS=search scripts/bench.sh    only the search part
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-./app}"
parts="${BENCH_PARTS:-throughput search}"
if [[ " $parts " == *" throughput "* ]]; then
    python3 scripts/bench.py "$binary"
fi
if [[ " $parts " == *" search "* ]]; then
    python3 scripts/bench_search.py "$binary"
fi
