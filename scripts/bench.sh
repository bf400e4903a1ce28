#!/usr/bin/env bash
# Measures FileDrop as a user would run it (the release build): login latency, /healthz
# latency while logins run, 1 GiB upload and download throughput and peak memory, and the
# disk's own sequential write speed for comparison (bench.py); then search latency with
# 10,000 stored files (bench_search.py); then resumable uploads: 1 GiB in 64 MiB PATCHes next
# to POST /upload, and the space of a file sent in 256 KiB PATCHes (bench_tus.py). Prints
# medians over BENCH_RUNS runs. Then, when wrk and nginx are installed, the same binary side
# by side with nginx (the team's script, ../shared/bench/side-by-side.sh from the project
# root, or SIDE_BY_SIDE): GET /, 1 GiB upload and download, small durable uploads, start and
# idle memory, and its table of goals.
#   scripts/bench.sh [BINARY]     (default ./app, built by `make bench`)
#   BENCH_PARTS=search scripts/bench.sh    only the search part (tus: only resumable uploads)
#   BENCH_PARTS="throughput search tus side-by-side" is the default
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-./app}"
parts="${BENCH_PARTS:-throughput search tus side-by-side}"
if [[ " $parts " == *" throughput "* ]]; then
    python3 scripts/bench.py "$binary"
fi
if [[ " $parts " == *" search "* ]]; then
    python3 scripts/bench_search.py "$binary"
fi
if [[ " $parts " == *" tus "* ]]; then
    python3 scripts/bench_tus.py "$binary"
fi
if [[ " $parts " == *" side-by-side "* ]]; then
    side_by_side="${SIDE_BY_SIDE:-}"
    if [ -z "$side_by_side" ]; then
        # Beside the project (../shared), or beside a worktree's parent folder (../../shared).
        for candidate in ../shared/bench/side-by-side.sh ../../shared/bench/side-by-side.sh; do
            [ -x "$candidate" ] && { side_by_side=$candidate; break; }
        done
        side_by_side=${side_by_side:-../shared/bench/side-by-side.sh}
    fi
    nginx=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)
    if ! command -v wrk >/dev/null || [ -z "$nginx" ]; then
        echo "side by side with nginx: skipped (apt-get install -y wrk nginx-light curl)"
    elif [ ! -x "$side_by_side" ]; then
        echo "side by side with nginx: skipped ($side_by_side not found; set SIDE_BY_SIDE)"
    else
        # Its exit status says whether every goal held; the figures above stand either way.
        "$side_by_side" "$binary" || echo "side by side with nginx: not every goal held (see its table)"
    fi
fi
