#!/usr/bin/env bash
# Prepare this checkout on a fresh machine: the system tools the tests and
# the demo use, and a virtualenv in .venv with the project installed.
# Sourced by tools/demo.sh and tools/run-tests.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# System packages: the dpkg packages of bindep.txt's "test" profile that
# are not installed (the same list `bindep -b test` prints).
bindep_packages() {
    sed -n 's/^\([a-z0-9][a-z0-9.+-]*\) \[\(.*\)\]$/\1 \2/p' bindep.txt |
        awk '/platform:dpkg/ && / test/ {print $1}'
}
installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
missing=()
for package in $(bindep_packages); do
    installed "$package" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# QATzip's qzip lets the real-tool tests run
# (tests/unit/engines/test_qat_real_qzip.py, tests/functional/
# test_real_qatzip.py). Debian ships it from 13 (trixie): installed with apt
# where apt offers it (checked once per checkout, .venv stamp); elsewhere
# tools/qatzip-env.sh unpacks Debian 13's package into .venv/qatzip.
qatzip_candidate() {
    apt-cache policy qatzip 2>/dev/null | awk '/Candidate:/ {print $2}'
}
if ! command -v qzip >/dev/null && command -v apt-cache >/dev/null; then
    if [ ! -e .venv/.qatzip-checked ]; then
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
        fi
        mkdir -p .venv && touch .venv/.qatzip-checked
    fi
    command -v qzip >/dev/null || tools/qatzip-env.sh
fi

# Python packages. pip takes ~50 s here even when everything is installed
# (it rebuilds the editable install), so it runs only when a file that
# decides what to install changed since the last successful install.
# Measured on a 2-core machine under load (December 2026), empty pip cache:
# a fresh .venv takes about 3 minutes and 500 MB; Cinder's environment
# (.venv-cinder) comes later, when the tests need it.
install_inputs=(requirements.txt test-requirements.txt setup.cfg setup.py
                pyproject.toml)
install_stamp=.venv/.installed
wanted_stamp="$(cat "${install_inputs[@]}" 2>/dev/null | sha256sum \
    | cut -d' ' -f1)"

# pip's output as one line per phase, plus a line every 20 s (a counter
# redrawn in place on a terminal); the full log stays in .venv/pip.log.
pip_phases() {
    local tty=0 start=$SECONDS last=$SECONDS count=0 phase="resolving and downloading"
    local line name status
    [ -t 1 ] && tty=1
    pip_say() {  # a phase line, or the live counter
        if [ $tty = 1 ]; then
            printf '\r\033[K  %s' "$1"
            [ "${2:-}" = live ] || printf '\n'
        elif [ "${2:-}" != live ] || [ $((SECONDS - last)) -ge 20 ]; then
            echo "  $1"
            last=$SECONDS
        fi
    }
    while true; do
        if IFS= read -r -t 5 line; then
            :
        else
            status=$?
            [ $status -gt 128 ] || break  # end of output, not a timeout
            pip_say "$phase: $count packages so far, $((SECONDS - start)) s" live
            continue
        fi
        case "$line" in
        Collecting*|Processing*|"Requirement already satisfied"*)
            count=$((count + 1))
            name=${line#* }
            name=${name#already satisfied: }
            name=${name%% *}
            pip_say "$phase: $count packages so far, $((SECONDS - start)) s (${name##*/})" live ;;
        "Building wheels for collected packages"*)
            phase="building wheels"
            pip_say "resolved $count packages in $((SECONDS - start)) s; building wheels for: ${line#*: }" ;;
        "Installing collected packages:"*)
            name=${line#*:}
            name=${name//[^,]/}
            phase="installing"
            pip_say "installing $((${#name} + 1)) packages (after $((SECONDS - start)) s) ..." ;;
        ERROR:*|error:*)
            pip_say "$line" ;;
        esac
    done
    [ $tty = 1 ] && printf '\r\033[K'
    return 0
}

install_python_packages() {
    local start=$SECONDS
    if [ ! -x .venv/bin/python ]; then
        echo "Creating .venv (python3 -m venv) ..."
        python3 -m venv .venv
        echo "Installing Python packages into .venv: Glance and the OpenStack" \
            "libraries it needs, gunicorn and python-glanceclient (the demo's" \
            "and tests' glance-api), the codecs (isal, zstandard) and the test" \
            "tools. First run: usually about 3 minutes and 500 MB."
    else
        echo "Updating Python packages in .venv (requirements or setup" \
            "changed; usually about 1 minute) ..."
    fi
    rm -f "$install_stamp"
    if ! PYTHONUNBUFFERED=1 .venv/bin/pip install --disable-pip-version-check \
            --progress-bar off -r requirements.txt -r test-requirements.txt \
            -e . 2>&1 | tee .venv/pip.log \
            | { grep -v '^WARNING: Location' || true; } | pip_phases; then
        echo "pip failed; the end of .venv/pip.log:"
        tail -n 30 .venv/pip.log
        return 1
    fi
    echo "  done in $((SECONDS - start)) s; .venv holds $(du -sh .venv | cut -f1)"
}

if [ -x .venv/bin/python ] && [ "$(cat "$install_stamp" 2>/dev/null)" = "$wanted_stamp" ] \
        && .venv/bin/python -c 'import glance, glance_accel_import' 2>/dev/null; then
    echo "Python packages in .venv: up to date (delete $install_stamp to reinstall)"
else
    install_python_packages
    .venv/bin/python -c 'import glance, glance_accel_import'
    echo "$wanted_stamp" >"$install_stamp"
fi
