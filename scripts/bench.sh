#!/usr/bin/env bash
# Measures FileDrop as a user would run it (the release build): login latency, /healthz
# latency while logins run, 1 GiB upload and download throughput and peak memory, and the
# disk's own sequential write speed for comparison (bench.py); then search latency with
# 10,000 stored files (bench_search.py); then resumable uploads: 1 GiB in 64 MiB PATCHes next
# to POST /upload, and the space of a file sent in 256 KiB PATCHes (bench_tus.py). Prints
# medians over BENCH_RUNS runs.
#   scripts/bench.sh [BINARY]     (default ./app, built by `make bench`)
#   BENCH_PARTS=search scripts/bench.sh    only the search part (tus: only resumable uploads)
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-./app}"
parts="${BENCH_PARTS:-throughput search tus}"
if [[ " $parts " == *" throughput "* ]]; then
    python3 scripts/bench.py "$binary"
fi
if [[ " $parts " == *" search "* ]]; then
    python3 scripts/bench_search.py "$binary"
fi
if [[ " $parts " == *" tus "* ]]; then
    python3 scripts/bench_tus.py "$binary"
fi
