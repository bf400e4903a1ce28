#!/usr/bin/env bash
# Fuzzes the multipart parser (FileDropMultipart) with libFuzzer for FUZZ_SECONDS seconds
# (default 60). Builds Fuzz/MultipartFuzzer with -sanitize=fuzzer -DFUZZING, then runs it
# with the dictionary Fuzz/multipart.dict on a fresh copy of the seed corpus Fuzz/corpus/
# in fuzz-corpus/ (git-ignored), so the committed seeds never change. A failing input is
# saved in fuzz-corpus/artifacts/ and the script exits non-zero: replay it with
# `<fuzzer binary> <file>` and turn it into a regression test. Extra arguments go to libFuzzer.
set -euo pipefail

# Wrapped in a function so that bash has read all of it before it starts.
main() {
    cd "$(dirname "${BASH_SOURCE[0]}")/.."

    seconds="${FUZZ_SECONDS:-60}"
    scratch=".build-fuzz"
    build_flags=(--scratch-path "$scratch" -c release -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING)

    swift build "${build_flags[@]}" --product MultipartFuzzer
    fuzzer="$(swift build "${build_flags[@]}" --show-bin-path)/MultipartFuzzer"

    rm -rf fuzz-corpus/corpus
    mkdir -p fuzz-corpus/corpus fuzz-corpus/artifacts
    cp Fuzz/corpus/* fuzz-corpus/corpus/

    echo "fuzzing for ${seconds}s: $fuzzer"
    "$fuzzer" fuzz-corpus/corpus \
        -dict=Fuzz/multipart.dict \
        -max_len=4096 \
        -max_total_time="$seconds" \
        -timeout=10 \
        -rss_limit_mb=2048 \
        -print_final_stats=1 \
        -artifact_prefix=fuzz-corpus/artifacts/ \
        "$@"
}

main "$@"
