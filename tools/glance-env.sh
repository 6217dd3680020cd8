#!/usr/bin/env bash
# Prepare .venv-glance: Glance's released source with our patch applied
# (contrib/glance/*.patch, in name order), installed in development mode
# together with this project (so its glance-api runs our plugins) and what
# the patched modules' unit tests in Glance need.
# tools/patched-venv.sh does the work (re-runs are quick).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec bash tools/patched-venv.sh glance glance "${GLANCE_VERSION:-33.0.0}" \
    "${GLANCE_VENV:-.venv-glance}" contrib/glance \
    'import glance.async_.flows.api_image_import, glance_accel_import' \
    -e . gunicorn stestr ddt fixtures oslotest testtools testscenarios \
    psutil
