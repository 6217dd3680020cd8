#!/usr/bin/env bash
# Prepare .venv-cinder: Cinder's released source with our patch applied
# (contrib/cinder/*.patch, in name order), installed in development mode
# together with python-cinderclient and what Cinder's unit tests need, and
# this project (for Cinder's AccelImport accelerator, 0003).
#
# Re-runs are quick: the venv is rebuilt only when the Cinder version or a
# patch changes, and then only the source tree is re-extracted and patched.
# Concurrent callers (parallel test workers) wait for one another.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CINDER_VERSION=${CINDER_VERSION:-29.0.0}
venv=${CINDER_VENV:-.venv-cinder}
src=$venv/src/cinder-$CINDER_VERSION
stamp=$venv/.prepared
patches=(contrib/cinder/*.patch)

mkdir -p "$venv"
exec 9>"$venv.lock"
flock 9

want="cinder $CINDER_VERSION $(cat "${patches[@]}" | sha256sum | cut -d' ' -f1) +accel"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
rm -f "$stamp"

pip_quiet() {
    "$venv/bin/pip" install -q --disable-pip-version-check "$@" 2>&1 \
        | grep -v '^WARNING: Location' || true
}

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
sdist=$venv/dist/cinder-$CINDER_VERSION.tar.gz
if [ ! -f "$sdist" ]; then
    echo "Downloading cinder $CINDER_VERSION (source) ..."
    "$venv/bin/pip" download -q --disable-pip-version-check --no-deps \
        --no-binary :all: -d "$venv/dist" "cinder==$CINDER_VERSION" 2>&1 \
        | grep -v '^WARNING: Location' || true
fi

echo "Applying ${patches[*]} to cinder $CINDER_VERSION ..."
rm -rf "$src"
mkdir -p "$venv/src"
tar --no-same-owner -xzf "$sdist" -C "$venv/src"
for p in "${patches[@]}"; do
    patch -d "$src" -p1 --forward --batch --quiet < "$p"
done

if [ "$(cat "$venv/.deps-installed" 2>/dev/null)" != "$CINDER_VERSION" ]; then
    echo "Installing cinder $CINDER_VERSION and its test tools into $venv ..."
    pip_quiet -e "$src" python-cinderclient stestr ddt fixtures oslotest \
        testtools
    echo "$CINDER_VERSION" > "$venv/.deps-installed"
else
    pip_quiet --no-deps -e "$src"
fi
# The volume host's copy of glance-accel-import (development mode: the
# tests always run the worktree's code).
pip_quiet -e .
"$venv/bin/python" -c 'import cinder.image.image_utils, cinderclient
import glance_accel_import.cinder_accelerator' \
    2>/dev/null
echo "$want" > "$stamp"
