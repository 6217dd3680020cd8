#!/usr/bin/env bash
# Prepare .venv-osc: python-openstackclient's released source with our patch
# applied (contrib/python-openstackclient/*.patch, in name order), installed
# in development mode together with what OSC's unit tests need.
# tools/patched-venv.sh does the work (re-runs are quick).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# OSC's test-requirements.txt minus tempest, hacking and coverage, which
# only its functional tests and style checks use.
exec bash tools/patched-venv.sh osc python-openstackclient \
    "${OSC_VERSION:-10.5.0}" "${OSC_VENV:-.venv-osc}" \
    contrib/python-openstackclient 'import openstackclient.image.v2.image' \
    stestr fixtures requests-mock testtools osprofiler wrapt ddt
