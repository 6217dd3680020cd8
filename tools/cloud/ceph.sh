# Phase "ceph" (sourced): the smallest Ceph cluster, from Debian's packages,
# userspace only: one mon, one mgr, one OSD on BlueStore in a sparse file,
# pool size 1, cephx on.  No device-mapper and no kernel rbd are needed:
# Glance's and Cinder's RBD code and the `rbd` tool use librbd.
#
# Layout: $ETC/ceph/ceph.conf and keyrings (keyring.<entity>), daemon data
# under $DATA/ceph, logs under $LOGS/ceph, pid files under $RUN/ceph.
# Pools: `volumes` (Cinder) and `images` (Glance); users client.glance
# and client.cinder with `profile rbd`.

CEPH_ETC=$ETC/ceph
CEPH_DATA=$DATA/ceph
CEPH_RUN=$RUN/ceph
CEPH_OSD_SIZE=${CLOUD_CEPH_OSD_SIZE:-20G}

ceph_() { ceph -c "$CEPH_CONF" --connect-timeout 10 "$@"; }

ceph_write_conf() {
    local fsid=$1
    mkdir -p "$CEPH_ETC" "$CEPH_DATA" "$CEPH_RUN" "$LOGS/ceph"
    cat > "$CEPH_CONF" <<CONF
[global]
fsid = $fsid
mon host = [v2:$HOST:$MON_V2_PORT,v1:$HOST:$MON_V1_PORT]
public addr = $HOST
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
keyring = $CEPH_ETC/keyring.\$name
run dir = $CEPH_RUN
pid file = $CEPH_RUN/\$name.pid
admin socket = $CEPH_RUN/\$name.asok
log file = $LOGS/ceph/\$name.log
crash dir = $CEPH_DATA/crash
osd pool default size = 1
osd pool default min size = 1
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 3
mon data avail crit = 1
# a throwaway cluster: no scrubbing competing for the 2 cores
osd scrub during recovery = false
osd max scrubs = 0

[mon.a]
mon data = $CEPH_DATA/mon.a

[mgr.x]
mgr data = $CEPH_DATA/mgr.x

[osd.0]
osd data = $CEPH_DATA/osd.0
osd objectstore = bluestore
bluestore block path = $CEPH_DATA/osd.0.block
bluestore block create = true
bluestore block size = $(numfmt --from=iec "$CEPH_OSD_SIZE")
# the default target is 4 GiB; this keeps the OSD near 200 MB
osd memory target = 939524096
bluestore cache autotune = false
bluestore cache size = 134217728
CONF
}

ceph_bootstrap_mon() {
    local fsid=$1 k=$CEPH_ETC
    ceph-authtool --create-keyring "$k/keyring.mon.a" --gen-key -n mon. \
        --cap mon 'allow *' >/dev/null
    ceph-authtool --create-keyring "$k/keyring.client.admin" --gen-key \
        -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
        --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
    ceph-authtool "$k/keyring.mon.a" --import-keyring \
        "$k/keyring.client.admin" >/dev/null
    monmaptool --create --fsid "$fsid" \
        --addv a "[v2:$HOST:$MON_V2_PORT,v1:$HOST:$MON_V1_PORT]" \
        "$CEPH_DATA/monmap" >/dev/null
    mkdir -p "$CEPH_DATA/mon.a"
    ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$CEPH_DATA/monmap" \
        --keyring "$k/keyring.mon.a"
}

ceph_daemon_running() { [ -f "$CEPH_RUN/$1.pid" ] && kill -0 "$(cat "$CEPH_RUN/$1.pid")" 2>/dev/null; }

ceph_start() {
    local name=$1
    shift
    if ceph_daemon_running "$name"; then
        return 0
    fi
    # Ceph daemons fork into the background themselves
    "$@" 2>>"$LOGS/ceph/start.log" 8>&-
    say "   started $name"
}

ceph_osd_ready() {
    ceph_ -s -f json | python3 -c '
import json, sys
s = json.load(sys.stdin)
pgs = s["pgmap"]
clean = sum(p["count"] for p in pgs.get("pgs_by_state", [])
            if p["state_name"] == "active+clean")
ok = (s["osdmap"]["num_up_osds"] >= 1 and s["mgrmap"]["available"]
      and clean == pgs["num_pgs"])
sys.exit(0 if ok else 1)'
}

ceph_user() {
    local name=$1 caps=$2
    [ -s "$CEPH_ETC/keyring.client.$name" ] && return 0
    ceph_ auth get-or-create "client.$name" mon 'profile rbd' osd "$caps" \
        mgr 'profile rbd' -o "$CEPH_ETC/keyring.client.$name"
}

ceph_up() {
    phase ceph "20-30 s (first time 40 s)"
    local fsid
    if [ ! -s "$CEPH_DATA/fsid" ]; then
        mkdir -p "$CEPH_DATA"
        fsid=$(python3 -c 'import uuid; print(uuid.uuid4())')
        ceph_write_conf "$fsid"
        ceph_bootstrap_mon "$fsid"
        echo "$fsid" > "$CEPH_DATA/fsid"
    fi
    ceph_start mon.a ceph-mon -c "$CEPH_CONF" -i a
    wait_for 60 "Ceph monitor" ceph_ mon stat
    if [ ! -s "$CEPH_ETC/keyring.mgr.x" ]; then
        mkdir -p "$CEPH_DATA/mgr.x"
        ceph_ auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' \
            mds 'allow *' -o "$CEPH_ETC/keyring.mgr.x"
    fi
    ceph_start mgr.x ceph-mgr -c "$CEPH_CONF" -i x
    if [ ! -f "$CEPH_DATA/osd.0/fsid" ]; then
        local uuid
        uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
        mkdir -p "$CEPH_DATA/osd.0"
        ceph_ osd new "$uuid" 0 >/dev/null
        ceph_ auth get-or-create osd.0 mon 'allow profile osd' osd 'allow *' \
            mgr 'allow profile osd' -o "$CEPH_ETC/keyring.osd.0"
        ceph-osd -c "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$uuid" \
            >>"$LOGS/ceph/osd-mkfs.log" 2>&1
        ceph_ osd crush add osd.0 1 root=default >/dev/null 2>&1
    fi
    ceph_start osd.0 ceph-osd -c "$CEPH_CONF" -i 0
    local pool
    for pool in volumes images; do
        if ! ceph_ osd pool ls | grep -qx "$pool"; then
            ceph_ osd pool create "$pool" 8 >/dev/null 2>&1
            ceph_ osd pool application enable "$pool" rbd >/dev/null 2>&1
        fi
    done
    wait_for 120 "Ceph OSD and placement groups" ceph_osd_ready
    ceph_user glance 'profile rbd pool=images'
    ceph_user "$CEPH_CINDER_USER" 'profile rbd pool=volumes, profile rbd-read-only pool=images'
    chmod 644 "$CEPH_ETC"/keyring.client.*
    phase_done
}

ceph_status() { ceph_daemon_running mon.a && ceph_daemon_running osd.0 && ceph_osd_ready; }

ceph_down() {
    local name pid i
    for name in osd.0 mgr.x mon.a; do
        ceph_daemon_running "$name" || continue
        pid=$(cat "$CEPH_RUN/$name.pid")
        kill -TERM "$pid"
        for ((i = 0; i < 30; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$pid" 2>/dev/null || true
        say "   stopped $name"
    done
}
