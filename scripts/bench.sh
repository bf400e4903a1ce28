#!/usr/bin/env bash
# Measures FileDrop as a user would run it (the release build): login latency, /healthz
# latency while logins run, 1 GiB upload and download throughput and peak memory, and the
# disk's own sequential write speed for comparison. Prints medians over BENCH_RUNS runs.
#   scripts/bench.sh [BINARY]     (default ./app, built by `make bench`)
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/bench.py "${1:-./app}"
