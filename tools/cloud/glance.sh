# Phase "glance" (sourced): two glance-api nodes (gunicorn), Keystone
# authentication, one PostgreSQL database, stores `file` (shared directory)
# and `ceph` (RBD pool `images`).  Each node has its own config directory,
# staging directory and worker_self_reference_url, so a glance-direct import
# sent to one node for data staged on the other is proxied to the node
# holding it.  Our plugins are configured with README.rst's own
# glance-image-import.conf snippet (glance_write_import_conf), so the cloud
# runs exactly what operators are told to write.

GLANCE_SHARED=$DATA/glance

# glance_write_import_conf FILE: README.rst's glance-image-import.conf
# snippet, written by tools/accel_conf.py, the writer devstack/plugin.sh
# uses too.
glance_write_import_conf() {
    rm -f "$1"
    python3 "$REPO/tools/accel_conf.py" glance "$1" \
        || die "cannot write $1 from README.rst"
}

glance_write_conf() {
    local n=$1 port=$2 dir=$ETC/glance-$1 node=$DATA/glance-$1
    mkdir -p "$dir" "$node/staging" "$node/tasks" "$node/locks" \
        "$GLANCE_SHARED/images"
    # shellcheck disable=SC1091
    source "$ETC/endpoints.env"
    glance_write_import_conf "$dir/glance-image-import.conf"
    cat > "$dir/glance-api.conf" <<CONF
[DEFAULT]
enabled_backends = file:file,ceph:rbd
enabled_import_methods = [glance-direct,web-download,copy-image]
worker_self_reference_url = http://$HOST:$port
show_image_direct_url = true
use_keystone_limits = true
use_stderr = true

[database]
connection = $(db_url glance)

[glance_store]
default_backend = file

[file]
description = local files shared by both API nodes
filesystem_store_datadir = $GLANCE_SHARED/images

[ceph]
description = RBD pool images, in the cluster Cinder uses
rbd_store_pool = images
rbd_store_user = glance
rbd_store_ceph_conf = $CEPH_CONF
rbd_store_chunk_size = 8

[os_glance_staging_store]
filesystem_store_datadir = $node/staging

[os_glance_tasks_store]
filesystem_store_datadir = $node/tasks

[oslo_concurrency]
lock_path = $node/locks

[paste_deploy]
flavor = keystone
config_file = $GLANCE_VENV/etc/glance/glance-api-paste.ini

[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
username = glance
password = $PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
service_token_roles_required = true

[oslo_limit]
auth_url = $KEYSTONE_URL
auth_type = password
username = glance
password = $PASSWORD
user_domain_name = Default
system_scope = all
endpoint_id = $GLANCE_ENDPOINT_ID
CONF
}

# --keep-alive 65: gunicorn's default (2 s) closes idle connections just as
# a client polling every 2 s reuses them ("Connection reset by peer").
glance_up() {
    phase glance "10-20 s (first time: database 15 s more)"
    local i port
    glance_write_conf 1 "${GLANCE_PORTS[0]}"
    if [ ! -f "$GLANCE_SHARED/.db-synced" ]; then
        "$GLANCE_VENV/bin/glance-manage" --config-dir "$ETC/glance-1" \
            db_sync >>"$LOGS/glance-manage.log" 2>&1
        touch "$GLANCE_SHARED/.db-synced"
    fi
    for i in "${!GLANCE_PORTS[@]}"; do
        port=${GLANCE_PORTS[$i]}
        glance_write_conf $((i + 1)) "$port"
        spawn glance-$((i + 1)) env OS_GLANCE_CONFIG_DIR="$ETC/glance-$((i + 1))" \
            "$GLANCE_VENV/bin/gunicorn" --bind "$HOST:$port" --workers 1 \
            --threads 8 --timeout 900 --keep-alive 65 \
            glance.wsgi.api:application
    done
    for port in "${GLANCE_PORTS[@]}"; do
        wait_for 120 "glance-api on $port" http_ok "http://$HOST:$port/healthcheck"
    done
    phase_done
}

glance_status() {
    local i ok=0
    for i in "${!GLANCE_PORTS[@]}"; do
        pid_alive glance-$((i + 1)) \
            && http_ok "http://$HOST:${GLANCE_PORTS[$i]}/healthcheck" || ok=1
    done
    return $ok
}

glance_down() {
    local i
    for i in "${!GLANCE_PORTS[@]}"; do stop_pid glance-$((i + 1)); done
}
