#!/usr/bin/env bash
# Prepare .venv-horizon: Horizon's released source with our patch applied
# (contrib/horizon/*.patch, in name order), installed in development mode
# together with what Horizon's unit tests need (pytest, pytest-django).
#
# Re-runs are quick: the venv is rebuilt only when the Horizon version or a
# patch changes, and then only the source tree is re-extracted and patched.
# Concurrent callers (parallel test workers) wait for one another.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HORIZON_VERSION=${HORIZON_VERSION:-27.0.0}
venv=${HORIZON_VENV:-.venv-horizon}
src=$venv/src/horizon-$HORIZON_VERSION
stamp=$venv/.prepared
patches=(contrib/horizon/*.patch)

mkdir -p "$venv"
exec 9>"$venv.lock"
flock 9

want="horizon $HORIZON_VERSION $(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
rm -f "$stamp"

pip_quiet() {
    "$venv/bin/pip" install -q --disable-pip-version-check "$@" 2>&1 \
        | grep -v '^WARNING: Location' || true
}

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
sdist=$venv/dist/horizon-$HORIZON_VERSION.tar.gz
if [ ! -f "$sdist" ]; then
    echo "Downloading horizon $HORIZON_VERSION (source) ..."
    "$venv/bin/pip" download -q --disable-pip-version-check --no-deps \
        --no-binary :all: -d "$venv/dist" "horizon==$HORIZON_VERSION" 2>&1 \
        | grep -v '^WARNING: Location' || true
fi

echo "Applying ${patches[*]} to horizon $HORIZON_VERSION ..."
rm -rf "$src"
mkdir -p "$venv/src"
tar --no-same-owner -xzf "$sdist" -C "$venv/src"
for p in "${patches[@]}"; do
    patch -d "$src" -p1 --forward --batch --quiet < "$p"
done

if [ "$(cat "$venv/.deps-installed" 2>/dev/null)" != "$HORIZON_VERSION" ]; then
    echo "Installing horizon $HORIZON_VERSION and its unit test tools" \
        "into $venv ..."
    # Horizon's test-requirements.txt minus coverage, nodeenv,
    # pytest-html and xvfbwrapper (reports, JavaScript tests, a display);
    # selenium drives the browser test.
    pip_quiet -e "$src" pytest pytest-django freezegun pymemcache \
        testscenarios testtools tzdata selenium
    echo "$HORIZON_VERSION" > "$venv/.deps-installed"
else
    pip_quiet --no-deps -e "$src"
fi
"$venv/bin/python" -c 'import openstack_dashboard, pytest_django' \
    2>/dev/null
echo "$want" > "$stamp"
