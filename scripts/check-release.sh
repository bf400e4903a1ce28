#!/usr/bin/env bash
# Checks the `make release` binary against SPEC "Shape": only libc, libm and the loader are
# dynamic, it is at most 20 MB stripped, and it runs with an empty environment (no Swift
# toolchain on PATH, no LD_LIBRARY_PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-dist/app}

size=$(stat -c %s "$binary")
echo "size: $size bytes"
((size <= 20 * 1000 * 1000)) || { echo "FAIL: $binary is over 20 MB" >&2; exit 1; }

libraries=$(ldd "$binary" | awk '{print $1}' | grep -v -E '^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|/lib64/ld-linux-x86-64\.so\.2|/lib/ld-linux-aarch64\.so\.1)$' || true)
[[ -z "$libraries" ]] || { echo "FAIL: unexpected dynamic libraries: $libraries" >&2; exit 1; }
echo "dynamic libraries: $(ldd "$binary" | awk '{print $1}' | tr '\n' ' ')"

glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
echo "newest glibc symbol version: $glibc"

folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
env -i "$PWD/$binary" --version
(cd "$folder" && env -i "$OLDPWD/$binary" user add probe --password-stdin --database "$folder/app.db" <<<"password" 2>/dev/null)
(cd "$folder" && env -i "$OLDPWD/$binary" user list --database "$folder/app.db") | grep -q '^probe' || { echo "FAIL: the binary does not run on its own" >&2; exit 1; }
echo "release binary OK"
