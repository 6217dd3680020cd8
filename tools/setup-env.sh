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
# The load test runs Glance on a PostgreSQL server it starts itself.
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
have patch || missing+=(patch)  # tools/cinder-env.sh applies contrib/cinder
# tests/clients/test_horizon_ui.py drives Horizon in a real browser.
have chromium || missing+=(chromium)
have chromedriver || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# QATzip's qzip lets the real-tool tests run (tests/unit/test_qat_real_qzip.py).
# Debian ships it from 13 (trixie); on older releases apt has no candidate
# and those tests skip, saying so. Checked once per checkout (.venv stamp).
qatzip_candidate() {
    apt-cache policy qatzip 2>/dev/null | awk '/Candidate:/ {print $2}'
}
if ! command -v qzip >/dev/null && [ ! -e .venv/.qatzip-checked ] \
        && command -v apt-cache >/dev/null; then
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    candidate="$(qatzip_candidate)"
    if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
        $sudo_cmd apt-get update -qq || true
        candidate="$(qatzip_candidate)"
    fi
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
        echo "Installing qatzip $candidate (real qzip for the QAT tests)"
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq \
            qatzip >/dev/null
    else
        echo "apt offers no qatzip package here: real-qzip tests will skip"
    fi
    mkdir -p .venv && touch .venv/.qatzip-checked
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
echo "Installing Python packages into .venv (Glance included) ..."
.venv/bin/pip install -q --disable-pip-version-check \
    -r requirements.txt -r test-requirements.txt -e . 2>&1 \
    | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import glance, glance_accel_import' 
