# Phase "cinder" (sourced): cinder-api, cinder-scheduler and cinder-volume
# from tools/cinder-env.sh's venv (Cinder 29 with contrib/cinder's patch),
# one RBD backend `ceph` on pool `volumes`, RabbitMQ for RPC, PostgreSQL.
# allow_compression_on_image_upload and offload_image_compression_to_glance
# are on, so `upload-to-image --container-format compressed` stages the
# plain image in Glance and our accel_compress plugin compresses it.
# accel_import_image_decompression (contrib/cinder 0003) is on too: volumes
# are created from compressed images with our engines, bounded by the volume
# size (CLOUD_CINDER_ACCEL_DECOMPRESSION=0: stock `gzip -d` instead).
#
# Running as root: Cinder's root helper is `sudo cinder-rootwrap CONF`.  A
# `sudo` that just runs its arguments ($CLOUD_DIR/bin, first in the
# services' PATH) stands in for sudo, whose secure_path would hide the
# venv's cinder-rootwrap; rootwrap's filters still apply.  The privsep
# daemons are started directly (helper_command), since rootwrap's filter
# only allows config files under /etc.

CINDER_ETC=$ETC/cinder
CINDER_DATA=$DATA/cinder
CINDER_SRC=$CINDER_VENV/src/cinder-${CINDER_VERSION:-29.0.0}
CINDER_SERVICES=(cinder-api cinder-scheduler cinder-volume)

cinder_write_conf() {
    mkdir -p "$CINDER_ETC" "$CINDER_DATA/locks" "$CINDER_DATA/conversion" \
        "$CLOUD_DIR/bin"
    printf '#!/bin/sh\n# root already: run the command as it is\nexec "$@"\n' \
        > "$CLOUD_DIR/bin/sudo"
    chmod +x "$CLOUD_DIR/bin/sudo"
    cat > "$CINDER_ETC/rootwrap.conf" <<CONF
[DEFAULT]
filters_path = $CINDER_SRC/etc/cinder/rootwrap.d
exec_dirs = $CINDER_VENV/bin,/sbin,/usr/sbin,/bin,/usr/bin
use_syslog = False
CONF
    local conf=$CINDER_ETC/cinder.conf
    local helper="privsep-helper --config-file $conf"
    cat > "$conf" <<CONF
[DEFAULT]
host = cloud
my_ip = $HOST
use_stderr = true
transport_url = $TRANSPORT_URL
auth_strategy = keystone
enabled_backends = ceph
osapi_volume_listen = $HOST
osapi_volume_listen_port = $CINDER_PORT
osapi_volume_workers = 1
api_paste_config = $CINDER_SRC/etc/cinder/api-paste.ini
rootwrap_config = $CINDER_ETC/rootwrap.conf
state_path = $CINDER_DATA
image_conversion_dir = $CINDER_DATA/conversion
glance_api_servers = http://$HOST:${GLANCE_PORTS[0]}

[database]
connection = $(db_url cinder)

[oslo_concurrency]
lock_path = $CINDER_DATA/locks

[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
username = cinder
password = $PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
service_token_roles_required = true

# Cinder sends its own token with the user's to Glance, so a user token that
# expires during a long upload is still accepted (keystonemiddleware's
# service-token rule).
[service_user]
send_service_user_token = true
auth_url = $KEYSTONE_URL
auth_type = password
username = cinder
password = $PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default

[cinder_sys_admin]
helper_command = $helper

[privsep_osbrick]
helper_command = $helper

[ceph]
volume_driver = cinder.volume.drivers.rbd.RBDDriver
volume_backend_name = ceph
rbd_pool = volumes
rbd_ceph_conf = $CEPH_CONF
rbd_user = $CEPH_CINDER_USER
image_volume_cache_enabled = false
CONF
    # allow_compression_on_image_upload, compression_format and
    # offload_image_compression_to_glance: the writer devstack uses too
    local decompression=()
    [ "${CLOUD_CINDER_ACCEL_DECOMPRESSION:-1}" = 1 ] \
        && decompression=(--decompression)
    python3 "$REPO/tools/accel_conf.py" cinder "$conf" "${decompression[@]}" \
        || die "cannot write the contrib/cinder options into $conf"
}

CINDER_ENV=(env PATH="$CLOUD_DIR/bin:$CINDER_VENV/bin:$PATH")

# os-brick (raw uploads from RBD open the volume through it) reads the
# user's keyring only from /etc/ceph/<cluster>.client.<user>.keyring;
# Cinder ignores rbd_keyring_conf outside cinderlib (OSSN-0085).  A symlink
# to our keyring, removed by `down` if it is still ours.
OSBRICK_KEYRING=/etc/ceph/ceph.client.$CEPH_CINDER_USER.keyring

cinder_link_keyring() {
    mkdir -p /etc/ceph
    if [ -e "$OSBRICK_KEYRING" ] && [ ! -L "$OSBRICK_KEYRING" ]; then
        say "   WARNING: $OSBRICK_KEYRING exists and is not ours: left as is"
        return 0
    fi
    ln -sfn "$CEPH_ETC/keyring.client.$CEPH_CINDER_USER" "$OSBRICK_KEYRING"
}

cinder_unlink_keyring() {
    if [ -L "$OSBRICK_KEYRING" ] && [ "$(readlink "$OSBRICK_KEYRING")" = "$CEPH_ETC/keyring.client.$CEPH_CINDER_USER" ]; then
        rm -f "$OSBRICK_KEYRING"
    fi
}

cinder_up() {
    phase cinder "15-30 s (first time: database 30 s more)"
    cinder_write_conf
    cinder_link_keyring
    if [ ! -f "$CINDER_DATA/.db-synced" ]; then
        "${CINDER_ENV[@]}" cinder-manage --config-file "$CINDER_ETC/cinder.conf" \
            db sync >>"$LOGS/cinder-manage.log" 2>&1
        touch "$CINDER_DATA/.db-synced"
    fi
    local svc
    for svc in "${CINDER_SERVICES[@]}"; do
        spawn "$svc" "${CINDER_ENV[@]}" "$svc" --config-file "$CINDER_ETC/cinder.conf"
    done
    wait_for 120 cinder-api http_ok "http://$HOST:$CINDER_PORT/"
    wait_for 120 "cinder-volume reporting up" cinder_volume_up
    phase_done
}

cinder_volume_up() {
    os_admin volume service list -f value -c Binary -c State \
        | grep -q '^cinder-volume up'
}

cinder_status() {
    local svc ok=0
    for svc in "${CINDER_SERVICES[@]}"; do pid_alive "$svc" || ok=1; done
    [ $ok = 0 ] && http_ok "http://$HOST:$CINDER_PORT/"
}

cinder_down() {
    local svc
    for svc in cinder-volume cinder-scheduler cinder-api; do stop_pid "$svc"; done
    cinder_unlink_keyring
}
