#!/usr/bin/env bash
# Set up (first run only) and run every check: style, unit and functional
# tests (the functional tests start real glance-api servers).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup-env.sh"

echo "== flake8"
.venv/bin/flake8 glance_accel_import tests

echo "== stestr (unit and functional tests)"
# Every test process imports eventlet through futurist, which prints ten
# lines announcing eventlet's deprecation; they would bury the results.
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::Warning:futurist._utils}
status=0
.venv/bin/stestr run --concurrency 2 "$@" || status=$?
.venv/bin/stestr last --subunit | .venv/bin/python tools/test-summary.py
exit $status
