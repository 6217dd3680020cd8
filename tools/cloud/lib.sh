# Shared by tools/cloud.sh and every tools/cloud/*.sh phase (sourced).
#
# Invariants:
# - Everything the cloud keeps lives under $CLOUD_DIR (default: .cloud in
#   the checkout): venvs, configs, data, logs, pid files.  `down` stops
#   what the pid files name; deleting $CLOUD_DIR afterwards removes all.
#   One exception: run as root from a directory the postgres user cannot
#   enter, the PostgreSQL cluster lives in postgres's home, linked from
#   $CLOUD_DIR (tools/cloud/postgres.sh); the next `up` of any cloud
#   after such a deletion removes it.
# - Every service listens on 127.0.0.1 only, on ports chosen away from the
#   defaults so that a cloud here never meets another service's.
# - Each phase is idempotent: it checks before it installs, writes or
#   starts, so `up` twice is harmless.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLOUD_DIR=${CLOUD_DIR:-$REPO/.cloud}
VENVS=$CLOUD_DIR/venv
ETC=$CLOUD_DIR/etc
RUN=$CLOUD_DIR/run
LOGS=$CLOUD_DIR/log
DATA=$CLOUD_DIR/data

HOST=127.0.0.1
PG_PORT=${CLOUD_PG_PORT:-15432}
AMQP_PORT=${CLOUD_AMQP_PORT:-15673}
AMQP_DIST_PORT=${CLOUD_AMQP_DIST_PORT:-25673}
MON_V2_PORT=${CLOUD_MON_V2_PORT:-13300}
MON_V1_PORT=${CLOUD_MON_V1_PORT:-16789}
KEYSTONE_PORT=${CLOUD_KEYSTONE_PORT:-15000}
GLANCE_PORTS=(${CLOUD_GLANCE_PORTS:-19292 19293})
CINDER_PORT=${CLOUD_CINDER_PORT:-18776}

KEYSTONE_URL=http://$HOST:$KEYSTONE_PORT/v3
# One password for every account: a throwaway cloud on loopback.
PASSWORD=${CLOUD_PASSWORD:-cloud-secret}
REGION=RegionOne

CEPH_CONF=$ETC/ceph/ceph.conf
# os-brick reads Cinder's Ceph key from /etc/ceph/ceph.client.<user>.keyring,
# one path per user for the whole machine (tools/cloud/cinder.sh), so a
# cloud on other ports gets a user name of its own.
if [ "$MON_V2_PORT" = 13300 ]; then
    CEPH_CINDER_USER=${CLOUD_CEPH_CINDER_USER:-cinder}
else
    CEPH_CINDER_USER=${CLOUD_CEPH_CINDER_USER:-cinder-$MON_V2_PORT}
fi
KS_VENV=$VENVS/keystone
GLANCE_VENV=$VENVS/glance
CINDER_VENV=${CINDER_VENV:-$REPO/.venv-cinder}
CLIENT_VENV=$VENVS/clients

mkdir -p "$VENVS" "$ETC" "$RUN" "$LOGS" "$DATA"

# say WHAT: one line on what is happening now.
say() { printf '[cloud %s] %s\n' "$(date +%T)" "$*"; }
die() { printf '[cloud] error: %s\n' "$*" >&2; exit 1; }

# phase NAME USUAL-TIME: announce a phase and how long it usually takes;
# phase_done prints how long it took this time.
phase() {
    _phase_name=$1
    _phase_start=$(date +%s)
    say "== $1 (usually $2)"
}
phase_done() {
    say "   $_phase_name ready in $(( $(date +%s) - _phase_start )) s"
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every second.
wait_for() {
    local limit=$1 what=$2 i
    shift 2
    for ((i = 0; i < limit; i++)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 1
    done
    die "$what not ready after $limit s (logs: $LOGS)"
}

# pid_alive NAME: the process recorded in $RUN/NAME.pid is running.
pid_alive() {
    local pid
    pid=$(cat "$RUN/$1.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# spawn NAME COMMAND...: start COMMAND in the background, in its own
# process group, output in $LOGS/NAME.log, pid in $RUN/NAME.pid.
# Does nothing if NAME is already running.
spawn() {
    local name=$1
    shift
    if pid_alive "$name"; then
        say "   $name already running (pid $(cat "$RUN/$name.pid"))"
        return 0
    fi
    # 8>&-: the child must not inherit `up`'s lock (tools/cloud.sh)
    setsid "$@" >>"$LOGS/$name.log" 2>&1 < /dev/null 8>&- &
    echo $! > "$RUN/$name.pid"
    say "   started $name (pid $!, log $LOGS/$name.log)"
}

# stop_pid NAME: stop the process group recorded for NAME, then forget it.
stop_pid() {
    local name=$1 pid i
    pid=$(cat "$RUN/$name.pid" 2>/dev/null) || return 0
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 20; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
        say "   stopped $name (pid $pid)"
    fi
    rm -f "$RUN/$name.pid"
}

# http_ok URL: the URL answers with a 2xx/3xx status (300 is Keystone's and
# Glance's version list).
http_ok() {
    local code
    code=$(curl -s --connect-timeout 3 -o /dev/null -w '%{http_code}' --max-time 5 "$1") || return 1
    [ "$code" -ge 200 ] && [ "$code" -lt 400 ]
}

# apt_install PACKAGE...: install the Debian packages that are missing.
# Waits for another apt-get to finish rather than failing on its lock.
apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "   apt-get install ${missing[*]}"
    local sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd=sudo
    while pgrep -x apt-get >/dev/null || pgrep -x dpkg >/dev/null; do
        sleep 2
    done
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq \
        "${missing[@]}" >/dev/null
}

# pip_install VENV ARGS...: pip install quietly into VENV.
pip_install() {
    local venv=$1
    shift
    "$venv/bin/pip" install -q --disable-pip-version-check "$@" 2>&1 \
        | grep -v '^WARNING: Location' || true
}

# link_ceph_bindings VENV: make Debian's rados and rbd modules (built for
# Python 3.11) importable in VENV, whose Python cannot see dist-packages.
link_ceph_bindings() {
    local venv=$1 site so
    site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    for so in /usr/lib/python3/dist-packages/rados.cpython-*.so \
              /usr/lib/python3/dist-packages/rbd.cpython-*.so; do
        [ -e "$so" ] && ln -sf "$so" "$site/"
    done
    "$venv/bin/python" -c 'import rados, rbd' \
        || die "rados/rbd bindings do not import in $venv"
}

# openstack ARGS...: the admin's openstack client.
os_admin() {
    OS_CLOUD=cloud-admin OS_CLIENT_CONFIG_FILE=$ETC/clouds.yaml \
        "$CLIENT_VENV/bin/openstack" "$@"
}
