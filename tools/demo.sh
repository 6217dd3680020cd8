#!/usr/bin/env bash
# Set up (first run only) and run the demo: a real glance-api with the
# plugins, importing a real ext4 disk image as a compressed image.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup-env.sh"
exec .venv/bin/glance-accel-import demo "$@"
