# Phase "keystone" (sourced): Keystone from PyPI, served by gunicorn on
# 127.0.0.1:$KEYSTONE_PORT, fernet tokens, PostgreSQL database.  Then
# tools/cloud/keystone_setup.py registers the services, endpoints, users,
# the two member projects and Glance's unified limits (idempotent), and
# clouds.yaml is written.

KS_ETC=$ETC/keystone

keystone_write_conf() {
    mkdir -p "$KS_ETC"
    cat > "$KS_ETC/keystone.conf" <<CONF
[DEFAULT]
use_stderr = true

[database]
connection = $(db_url keystone)

[token]
provider = fernet
# Keystone's default; tempest and the scenarios run well within it
expiration = ${CLOUD_TOKEN_EXPIRATION:-3600}

[fernet_tokens]
key_repository = $KS_ETC/fernet-keys

[fernet_receipts]
key_repository = $KS_ETC/fernet-keys

[credential]
key_repository = $KS_ETC/credential-keys
CONF
}

keystone_manage() {
    "$KS_VENV/bin/keystone-manage" --config-file "$KS_ETC/keystone.conf" \
        "$@" >>"$LOGS/keystone-manage.log" 2>&1
}

keystone_up() {
    phase keystone "10-20 s (first time 40 s)"
    keystone_write_conf
    if [ ! -f "$KS_ETC/.bootstrapped" ]; then
        keystone_manage db_sync
        keystone_manage fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
        keystone_manage credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
        keystone_manage bootstrap --bootstrap-password "$PASSWORD" \
            --bootstrap-admin-url "$KEYSTONE_URL" \
            --bootstrap-public-url "$KEYSTONE_URL" \
            --bootstrap-internal-url "$KEYSTONE_URL" \
            --bootstrap-region-id "$REGION"
        touch "$KS_ETC/.bootstrapped"
    fi
    # Keystone parses sys.argv as its own options: gunicorn gets no
    # arguments and reads ./gunicorn.conf.py instead.
    cat > "$KS_ETC/gunicorn.conf.py" <<PY
wsgi_app = 'keystone.wsgi.api:application'
bind = '$HOST:$KEYSTONE_PORT'
workers = 2
timeout = 120
keepalive = 65
PY
    spawn keystone env OS_KEYSTONE_CONFIG_DIR="$KS_ETC" sh -c \
        "cd '$KS_ETC' && exec '$KS_VENV/bin/gunicorn'"
    wait_for 90 Keystone http_ok "$KEYSTONE_URL"
    write_clouds_yaml
    say "   registering services, endpoints, projects, users, limits"
    "$CLIENT_VENV/bin/python" "$REPO/tools/cloud/keystone_setup.py" \
        --clouds "$ETC/clouds.yaml" --password "$PASSWORD" \
        --host "$HOST" --glance-port "${GLANCE_PORTS[0]}" \
        --cinder-port "$CINDER_PORT" > "$ETC/endpoints.env"
    phase_done
}

write_clouds_yaml() {
    local entry
    {
        echo "clouds:"
        for entry in "admin admin admin" "alpha alpha-member alpha" \
                     "beta beta-member beta"; do
            set -- $entry
            cat <<YAML
  cloud-$1:
    auth:
      auth_url: $KEYSTONE_URL
      username: $2
      password: $PASSWORD
      project_name: $3
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    identity_api_version: 3
    volume_api_version: 3
    image_api_version: 2
YAML
        done
    } > "$ETC/clouds.yaml"
}

keystone_status() { pid_alive keystone && http_ok "$KEYSTONE_URL"; }
keystone_down() { stop_pid keystone; }
