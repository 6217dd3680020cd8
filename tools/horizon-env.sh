#!/usr/bin/env bash
# Prepare .venv-horizon: Horizon's released source with our patch applied
# (contrib/horizon/*.patch, in name order), installed in development mode
# together with what Horizon's unit tests need (pytest, pytest-django).
# tools/patched-venv.sh does the work (re-runs are quick).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Horizon's test-requirements.txt minus coverage, nodeenv, pytest-html and
# xvfbwrapper (reports, JavaScript tests, a display); selenium drives the
# browser test.
exec bash tools/patched-venv.sh horizon horizon \
    "${HORIZON_VERSION:-27.0.0}" "${HORIZON_VENV:-.venv-horizon}" \
    contrib/horizon 'import openstack_dashboard, pytest_django' \
    pytest pytest-django freezegun pymemcache testscenarios testtools \
    tzdata selenium
