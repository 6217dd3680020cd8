#!/usr/bin/env bash
# Set up (first run only) and run every check: style, unit and functional
# tests (the functional tests start real glance-api servers), and, when no
# test filter is given, the whole cloud (tools/cloud.sh) with every
# scenario against it: it comes up while the other tests run and goes down
# at the end, also on failure (tools/cloud/ci.sh).  CLOUD_TESTS=0 leaves
# the cloud out; CLOUD_TESTS=1 includes it even with a filter.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup-env.sh"
source tools/cloud/ci.sh

with_cloud=0
if cloud_ci_wanted "$@"; then
    with_cloud=1
    cloud_ci_start
else
    echo "== the whole cloud is left out (a test filter was given, or" \
        "CLOUD_TESTS=0): its tests do not run"
fi

echo "== flake8"
.venv/bin/flake8 glance_accel_import tests

echo "== stestr (unit and functional tests)"
# Every test process imports eventlet through futurist, which prints ten
# lines announcing eventlet's deprecation; they would bury the results.
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore::Warning:futurist._utils}
status=0
.venv/bin/stestr run --concurrency 2 --exclude-regex "$CLOUD_TEST_REGEX" \
    "$@" || status=$?
.venv/bin/stestr last --subunit | .venv/bin/python tools/test-summary.py

if [ $with_cloud = 1 ]; then
    echo "== the whole cloud: scenarios, openstack command, Horizon"
    cloud_ci_run || status=1
fi
exit $status
