#!/usr/bin/env bash
# Debian 13's real QATzip `qzip` for the real-tool tests, on a system whose
# apt offers no qatzip package (Debian 12 and older).
#
# Debian ships qatzip from 13 (trixie). Its binaries need trixie's C
# library, so they are not installed into the system: this downloads the
# packages `qatzip` and everything it depends on from Debian's archive with
# a private apt configuration (the system's sources, lists and packages are
# not touched), unpacks them under .venv/qatzip/root, and writes
# .venv/qatzip/qzip, which runs the unpacked qzip with trixie's own dynamic
# loader and libraries. tests/unit/real_qzip.py finds it there. Nothing
# goes on PATH: Cinder picks its QAT path by `which qzip`.
#
# Usage: tools/qatzip-env.sh   (as root, or with sudo for apt's download)
# Prints one line saying what it did; exit status 0 even when the archive
# is unreachable (the tests then skip, saying why). A failed fetch is not
# tried again in this checkout until .venv/qatzip is deleted, so an offline
# machine pays for it once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SUITE=trixie
DEST=.venv/qatzip
WRAPPER=$DEST/qzip
LOG=$DEST/fetch.log
FAILED=$DEST/fetch-failed

if [ -x "$WRAPPER" ] && "$WRAPPER" -h >/dev/null 2>&1; then
    echo "Debian $SUITE's qzip for the real-qzip tests: $WRAPPER (present)"
    exit 0
fi
if [ -e "$FAILED" ]; then
    echo "Debian $SUITE's qatzip could not be fetched before ($(cat "$FAILED"));" \
        "real-qzip tests will skip (delete $DEST to try again)"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$DEST" "$work/lists/partial" "$work/archives/partial" "$work/debs"
# apt's download drops to user _apt, which must be able to write there.
chmod 755 "$work" "$work/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
    "http://deb.debian.org/debian $SUITE main" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list"
          -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State=$work" -o "Dir::State::Lists=$work/lists"
          -o Dir::State::status=/dev/null
          -o "Dir::Cache=$work" -o "Dir::Cache::Archives=$work/archives"
          -o "Debug::NoLocking=true"
          -o Acquire::Retries=1 -o Acquire::http::Timeout=30)

fail() {
    echo "$1" >"$FAILED"
    echo "Could not fetch Debian $SUITE's qatzip ($1; see $LOG):" \
        "real-qzip tests will skip"
    exit 0
}

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
echo "Fetching Debian $SUITE's qatzip (real qzip for the QAT tests, ~6 MB)"
$sudo_cmd apt-get "${apt_opts[@]}" update >"$LOG" 2>&1 \
    || fail "apt-get update of $SUITE failed"
# qatzip and every package it needs at run time, as apt resolves them.
packages=$(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends \
    --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
    qatzip 2>>"$LOG" | grep '^[a-z0-9]' | sort -u) \
    || fail "apt-cache could not resolve qatzip's dependencies"
(cd "$work/debs" && $sudo_cmd apt-get "${apt_opts[@]}" download $packages) \
    >>"$LOG" 2>&1 || fail "apt-get download failed"

rm -rf "$DEST/root"
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$DEST/root"
done
root="$(realpath "$DEST/root")"
# The loader of the unpacked libc6; its directory holds the libraries too.
loader="$(find "$root" -name 'ld-linux*.so*' -type f | head -n 1)"
[ -n "$loader" ] || fail "no dynamic loader in the unpacked libc6"
libdir="$(dirname "$loader")"
cat >"$WRAPPER.new" <<EOF
#!/bin/sh
# Debian $SUITE's qzip with its own loader and libraries (tools/qatzip-env.sh).
exec "$loader" --library-path "$libdir" \\
    "$root/usr/bin/qzip" "\$@"
EOF
chmod +x "$WRAPPER.new"
"$WRAPPER.new" -h >>"$LOG" 2>&1 || fail "the unpacked qzip does not run"
mv "$WRAPPER.new" "$WRAPPER"
version=$(dpkg-deb -f "$work"/debs/qatzip_*.deb Version)
echo "  qatzip $version from Debian $SUITE: $WRAPPER"
