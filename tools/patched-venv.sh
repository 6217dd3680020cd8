#!/usr/bin/env bash
# Prepare a venv holding a released OpenStack project's source with our
# patches applied (contrib/<dir>/*.patch, in name order), installed in
# development mode together with the extra packages named (its unit test
# tools, clients).
#
#   tools/patched-venv.sh NAME DIST VERSION VENV CONTRIB CHECK [PACKAGE...]
#
#   NAME     first word of the stamp (cinder, osc, horizon, glance)
#   DIST     the project's name on PyPI (python-openstackclient)
#   VERSION  the release whose sdist is patched (29.0.0)
#   VENV     the venv's directory (.venv-cinder)
#   CONTRIB  the directory holding the patches (contrib/cinder)
#   CHECK    Python statements that must run in the finished venv
#   PACKAGE  installed with the project the first time (pip arguments)
#
# Invariants: the venv is ready exactly when $VENV/.prepared holds
# "NAME VERSION <sha256 of the patches>"; a re-run with the same stamp
# does nothing, and any other re-run re-extracts and re-patches the source
# tree (a patch that does not apply fails the run) but installs the
# dependencies only when VERSION or the PACKAGE list changed. Concurrent callers (parallel
# test workers) wait for one another on $VENV.lock. The sdist is kept in
# $VENV/dist/ (tests re-extract it to check that the patches apply).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ $# -lt 6 ]; then
    sed -n '6,14p' "${BASH_SOURCE[0]}" >&2
    exit 2
fi
name=$1 dist=$2 version=$3 venv=$4 contrib=$5 check=$6
shift 6
# Newer sdists are named after the normalized project name (PEP 625).
base=${dist//-/_}-$version
src=$venv/src/$base
stamp=$venv/.prepared
patches=("$contrib"/*.patch)
[ -f "${patches[0]}" ] || { echo "no patches in $contrib" >&2; exit 1; }

mkdir -p "$venv"
exec 9>"$venv.lock"
flock 9

want="$name $version $(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
rm -f "$stamp"

pip_quiet() {
    "$venv/bin/pip" install -q --disable-pip-version-check "$@" 2>&1 \
        | grep -v '^WARNING: Location' || true
}

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
sdist=$venv/dist/$base.tar.gz
if [ ! -f "$sdist" ]; then
    echo "Downloading $dist $version (source) ..."
    "$venv/bin/pip" download -q --disable-pip-version-check --no-deps \
        --no-binary :all: -d "$venv/dist" "$dist==$version" 2>&1 \
        | grep -v '^WARNING: Location' || true
fi

echo "Applying ${patches[*]} to $dist $version ..."
rm -rf "$src"
mkdir -p "$venv/src"
tar --no-same-owner -xzf "$sdist" -C "$venv/src"
for p in "${patches[@]}"; do
    patch -d "$src" -p1 --forward --batch --quiet < "$p"
done

# pbr takes the version from PKG-INFO, so the tree installs without git.
deps="$version $*"
if [ "$(cat "$venv/.deps-installed" 2>/dev/null)" != "$deps" ]; then
    echo "Installing $dist $version and $* into $venv ..."
    pip_quiet -e "$src" "$@"
    echo "$deps" > "$venv/.deps-installed"
else
    pip_quiet --no-deps -e "$src"
fi
"$venv/bin/python" -c "$check" 2>/dev/null
echo "$want" > "$stamp"
