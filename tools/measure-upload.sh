#!/usr/bin/env bash
# Measure `upload-to-image --container-format compressed` on the whole cloud,
# both ways, one run each (doc/source/cloud.rst, "Measured: who compresses"):
#
#   stock   offload_image_compression_to_glance = False: Cinder gzips the
#           image itself on the volume host
#   glance  offload_image_compression_to_glance = True: Cinder stages the
#           plain image in Glance and accel_compress compresses it
#
# The volume holds a real ext4 filesystem with at least 1 GiB of files
# (default: copies of /usr/share and /usr/lib/x86_64-linux-gnu, about
# 1.5 GiB; MEASURE_SOURCES changes them), in a MEASURE_FS_MIB (2560) image.
# Needs `tools/cloud.sh up`.  Prints one JSON line per way and `uptime`;
# cinder-volume is restarted for each way and left with the option on, as
# the cloud configures it.  On a shared machine run it under a lock:
#
#   flock /work/bench.lock tools/measure-upload.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/cloud/lib.sh
source "$here/cloud/lib.sh"
for part in postgres rabbitmq ceph glance cinder; do
    # shellcheck disable=SC1090
    source "$here/cloud/$part.sh"
done

WORK=$CLOUD_DIR/measure
FS=$WORK/fs.img
SOURCES=(${MEASURE_SOURCES:-/usr/share /usr/lib/x86_64-linux-gnu})
FS_MIB=${MEASURE_FS_MIB:-2560}
PY=$CLIENT_VENV/bin/python
MEASURE=$here/cloud/measure_upload.py

cinder_volume_up || die "the cloud is not up: run tools/cloud.sh up"
mkdir -p "$WORK"

if [ ! -s "$FS" ]; then
    say "building $FS: ext4 with ${SOURCES[*]} (about 1-2 min)"
    rm -rf "$WORK/tree"
    mkdir -p "$WORK/tree"
    cp -a "${SOURCES[@]}" "$WORK/tree/"
    say "   $(du -sh "$WORK/tree" | cut -f1) of files"
    truncate -s "${FS_MIB}M" "$FS"
    mkfs.ext4 -q -F -d "$WORK/tree" "$FS"
    rm -rf "$WORK/tree"
fi

if [ ! -s "$WORK/volume-id" ]; then
    say "creating the source volume from $FS (Glance, then Cinder; 2-4 min)"
    "$PY" "$MEASURE" source --clouds "$ETC/clouds.yaml" --image "$FS" \
        > "$WORK/volume-id"
fi
volume=$(cat "$WORK/volume-id")

# set_offload True|False: rewrite the option, restart cinder-volume, wait
# until the new process reports in.
set_offload() {
    local since
    PYTHONPATH=$REPO/tools python3 - "$CINDER_ETC/cinder.conf" "$1" <<'PY'
import sys
import accel_conf
path, value = sys.argv[1], sys.argv[2]
accel_conf.apply(path, [('DEFAULT', 'offload_image_compression_to_glance',
                         value, [])])
PY
    stop_pid cinder-volume
    since=$(date -u +%Y-%m-%dT%H:%M:%S)
    spawn cinder-volume "${CINDER_ENV[@]}" cinder-volume --config-file "$CINDER_ETC/cinder.conf"
    wait_for 180 "cinder-volume after restart" volume_reported_since "$since"
}

volume_reported_since() {
    local updated
    updated=$(os_admin volume service list --service cinder-volume \
        -f value -c State -c "Updated At" | awk '$1 == "up" {print $2}')
    [ -n "$updated" ] && [[ "$updated" > "$1" ]]
}

trees() {
    local g=()
    for i in "${!GLANCE_PORTS[@]}"; do g+=("$(cat "$RUN/glance-$((i + 1)).pid")"); done
    echo "--tree cinder-volume=$(cat "$RUN/cinder-volume.pid")"
    echo "--tree glance-api=$(IFS=,; echo "${g[*]}")"
    echo "--tree ceph-osd=$(cat "$CEPH_RUN/osd.0.pid")"
}

trap 'set_offload True >/dev/null' EXIT
for way in stock:False glance:True; do
    say "== ${way%%:*}: offload_image_compression_to_glance = ${way#*:}"
    set_offload "${way#*:}"
    # shellcheck disable=SC2046
    "$PY" "$MEASURE" upload --clouds "$ETC/clouds.yaml" --volume "$volume" \
        --label "${way%%:*}" $(trees)
done
uptime
