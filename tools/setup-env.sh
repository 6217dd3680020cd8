#!/usr/bin/env bash
# Prepare this checkout on a fresh machine: the system tools the tests and
# the demo use, and a virtualenv in .venv with the project installed.
# Sourced by tools/demo.sh and tools/run-tests.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
have() { command -v "$1" >/dev/null || [ -x "/sbin/$1" ] || [ -x "/usr/sbin/$1" ]; }
have qemu-img || missing+=(qemu-utils)
have mkfs.ext4 || missing+=(e2fsprogs)
have gzip || missing+=(gzip)
# zstd, lz4: reference tools in tests; pigz, igzip (isal): benchmark peers.
have zstd || missing+=(zstd)
have pigz || missing+=(pigz)
have igzip || missing+=(isal)
have lz4 || missing+=(lz4)
have git || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
echo "Installing Python packages into .venv (Glance included) ..."
.venv/bin/pip install -q --disable-pip-version-check \
    -r requirements.txt -r test-requirements.txt -e . 2>&1 \
    | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import glance, glance_accel_import' 
