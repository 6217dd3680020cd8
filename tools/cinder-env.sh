#!/usr/bin/env bash
# Prepare .venv-cinder: Cinder's released source with our patches applied
# (contrib/cinder/*.patch, in name order), installed in development mode
# together with python-cinderclient, what Cinder's unit tests need, and
# this project in development mode (Cinder's AccelImport accelerator, 0003).
# tools/patched-venv.sh does the work (re-runs are quick).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec bash tools/patched-venv.sh cinder cinder "${CINDER_VERSION:-29.0.0}" \
    "${CINDER_VENV:-.venv-cinder}" contrib/cinder \
    'import cinder.image.image_utils, cinderclient
import glance_accel_import.cinder_accelerator' \
    -e . python-cinderclient stestr ddt fixtures oslotest testtools
