# Phase "tempest" (sourced): a tempest workspace under $CLOUD_DIR/tempest
# whose tempest.conf points at this cloud, with pre-provisioned credentials
# (accounts.yaml): the two member users and the admin.  The scenarios run
# as the member users.

TEMPEST_DIR=$CLOUD_DIR/tempest

glance_urls() {
    local port urls=()
    for port in "${GLANCE_PORTS[@]}"; do urls+=("http://$HOST:$port"); done
    (IFS=,; echo "${urls[*]}")
}

tempest_up() {
    phase tempest "2-5 s"
    mkdir -p "$TEMPEST_DIR/etc" "$TEMPEST_DIR/logs"
    if [ ! -f "$TEMPEST_DIR/.stestr.conf" ]; then
        (cd "$CLOUD_DIR" && "$CLIENT_VENV/bin/tempest" init tempest >/dev/null 2>&1) || true
    fi
    # `tempest run --list-tests` needs the stestr repository to exist
    [ -d "$TEMPEST_DIR/.stestr" ] \
        || (cd "$TEMPEST_DIR" && "$CLIENT_VENV/bin/stestr" init >/dev/null)
    cat > "$TEMPEST_DIR/etc/accounts.yaml" <<YAML
- username: alpha-member
  project_name: alpha
  password: $PASSWORD
  roles: [member, reader]
- username: beta-member
  project_name: beta
  password: $PASSWORD
  roles: [member, reader]
- username: admin
  project_name: admin
  password: $PASSWORD
  types: [admin]
YAML
    cat > "$TEMPEST_DIR/etc/tempest.conf" <<CONF
[DEFAULT]
log_file = $TEMPEST_DIR/logs/tempest.log

[auth]
use_dynamic_credentials = false
test_accounts_file = $TEMPEST_DIR/etc/accounts.yaml
admin_username = admin
admin_password = $PASSWORD
admin_project_name = admin
admin_domain_name = Default

[identity]
uri_v3 = $KEYSTONE_URL
auth_version = v3
region = $REGION

[identity-feature-enabled]
api_v2 = false

[service_available]
glance = true
cinder = true
nova = false
neutron = false
swift = false

[image]
container_formats = bare,ami,ari,aki,ovf,ova,docker,compressed
build_timeout = 600

[image-feature-enabled]
import_image = true

[volume]
catalog_type = volumev3
storage_protocol = ceph
build_timeout = 600
volume_size = 1

[volume-feature-enabled]
backup = false

[validation]
run_validation = false

[accel_cloud]
clouds_yaml = $ETC/clouds.yaml
glance_endpoints = $(glance_urls)
glance_logs = $LOGS/glance-1.log,$LOGS/glance-2.log
cinder_conversion_dir = $DATA/cinder/conversion
ceph_conf = $CEPH_CONF
CONF
    phase_done
}
