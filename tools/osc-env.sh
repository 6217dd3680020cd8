#!/usr/bin/env bash
# Prepare .venv-osc: python-openstackclient's released source with our patch
# applied (contrib/python-openstackclient/*.patch, in name order), installed
# in development mode together with what OSC's unit tests need.
#
# Re-runs are quick: the venv is rebuilt only when the OSC version or a
# patch changes, and then only the source tree is re-extracted and patched.
# Concurrent callers (parallel test workers) wait for one another.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OSC_VERSION=${OSC_VERSION:-10.5.0}
venv=${OSC_VENV:-.venv-osc}
src=$venv/src/python_openstackclient-$OSC_VERSION
stamp=$venv/.prepared
patches=(contrib/python-openstackclient/*.patch)

mkdir -p "$venv"
exec 9>"$venv.lock"
flock 9

want="osc $OSC_VERSION $(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
rm -f "$stamp"

pip_quiet() {
    "$venv/bin/pip" install -q --disable-pip-version-check "$@" 2>&1 \
        | grep -v '^WARNING: Location' || true
}

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
sdist=$venv/dist/python_openstackclient-$OSC_VERSION.tar.gz
if [ ! -f "$sdist" ]; then
    echo "Downloading python-openstackclient $OSC_VERSION (source) ..."
    "$venv/bin/pip" download -q --disable-pip-version-check --no-deps \
        --no-binary :all: -d "$venv/dist" \
        "python-openstackclient==$OSC_VERSION" 2>&1 \
        | grep -v '^WARNING: Location' || true
fi

echo "Applying ${patches[*]} to python-openstackclient $OSC_VERSION ..."
rm -rf "$src"
mkdir -p "$venv/src"
tar --no-same-owner -xzf "$sdist" -C "$venv/src"
for p in "${patches[@]}"; do
    patch -d "$src" -p1 --forward --batch --quiet < "$p"
done

# pbr takes the version from PKG-INFO, so the tree installs without git.
if [ "$(cat "$venv/.deps-installed" 2>/dev/null)" != "$OSC_VERSION" ]; then
    echo "Installing python-openstackclient $OSC_VERSION and its unit test" \
        "tools into $venv ..."
    # OSC's test-requirements.txt minus tempest, hacking and coverage,
    # which only its functional tests and style checks use.
    pip_quiet -e "$src" stestr fixtures requests-mock testtools osprofiler \
        wrapt ddt
    echo "$OSC_VERSION" > "$venv/.deps-installed"
else
    pip_quiet --no-deps -e "$src"
fi
"$venv/bin/python" -c 'import openstackclient.image.v2.image' 2>/dev/null
echo "$want" > "$stamp"
