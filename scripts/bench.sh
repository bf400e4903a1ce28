#!/usr/bin/env bash
# Measures FileDrop as a user would run it (the release build): login latency, /healthz
# latency while logins run, 1 GiB upload and download throughput and peak memory, and the
# disk's own sequential write speed for comparison (bench.py); then resumable uploads: 1 GiB in
# 64 MiB PATCHes next to POST /upload, and the space of a file sent in 256 KiB PATCHes
# (bench_tus.py). Prints medians over BENCH_RUNS runs.
#   scripts/bench.sh [BINARY]     (default ./app, built by `make bench`)
#   scripts/bench.sh BINARY tus   (only the resumable-upload part)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-./app}
if [[ "${2:-}" != tus ]]; then
    python3 scripts/bench.py "$binary"
fi
exec python3 scripts/bench_tus.py "$binary"
