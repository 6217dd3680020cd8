#!/usr/bin/env bash
# The whole cloud on one machine, on 127.0.0.1: PostgreSQL, RabbitMQ, Ceph
# (1 mon, 1 mgr, 1 OSD, userspace only), Keystone, two glance-api nodes with
# our import plugins, and Cinder (api, scheduler, volume on RBD) with
# contrib/cinder's patch.  From Debian and PyPI packages only.
#
#   tools/cloud.sh up       install what is missing, start what is stopped
#   tools/cloud.sh status   one line per service
#   tools/cloud.sh down     stop every process `up` started
#   tools/cloud.sh env      shell assignments: OS_CLIENT_CONFIG_FILE, ...
#   tools/cloud.sh test [REGEX]   the scenarios (tests/cloud) with tempest
#
# State, venvs, configs and logs: $CLOUD_DIR (default .cloud in this
# checkout); `down` then `rm -rf .cloud` resets everything.  The phases
# live in tools/cloud/*.sh, one file per service.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/cloud/lib.sh
source "$here/cloud/lib.sh"
for part in install postgres rabbitmq ceph keystone glance cinder tempest; do
    # shellcheck disable=SC1090
    source "$here/cloud/$part.sh"
done

SERVICES=(postgres rabbitmq ceph keystone glance cinder)

cmd_up() {
    local start
    start=$(date +%s)
    # one `up` at a time
    exec 8>"$CLOUD_DIR/.up.lock"
    flock 8
    install_all
    postgres_up
    rabbitmq_up
    ceph_up
    keystone_up
    glance_up
    cinder_up
    tempest_up
    say "cloud up in $(( $(date +%s) - start )) s"
    cmd_env_help
}

cmd_env_help() {
    cat <<TXT
  clouds.yaml:  $ETC/clouds.yaml  (entries cloud-admin, cloud-alpha, cloud-beta)
  tempest.conf: $TEMPEST_DIR/etc/tempest.conf  (workspace $TEMPEST_DIR)
  logs:         $LOGS
  try:          eval "\$(tools/cloud.sh env)"; openstack --os-cloud cloud-alpha volume list
TXT
}

cmd_env() {
    echo "export OS_CLIENT_CONFIG_FILE=$ETC/clouds.yaml"
    echo "export TEMPEST_CONFIG_DIR=$TEMPEST_DIR/etc"
    echo "export PATH=$CLIENT_VENV/bin:\$PATH"
}

cmd_status() {
    local s rc=0
    for s in "${SERVICES[@]}"; do
        if "${s}_status"; then
            printf '%-10s up\n' "$s"
        else
            printf '%-10s DOWN\n' "$s"
            rc=1
        fi
    done
    return $rc
}

cmd_test() {
    cd "$TEMPEST_DIR"
    exec "$CLIENT_VENV/bin/tempest" run --config-file etc/tempest.conf \
        --concurrency 1 --regex "${1:-^tests\.cloud\.}"
}

cmd_down() {
    cinder_down
    glance_down
    keystone_down
    ceph_down
    rabbitmq_down
    postgres_down
    say "cloud down"
}

case "${1:-}" in
    up) cmd_up ;;
    status) cmd_status ;;
    down) cmd_down ;;
    env) cmd_env ;;
    test) shift; cmd_test "$@" ;;
    *) echo "usage: $0 up|status|down|env|test [REGEX]" >&2; exit 2 ;;
esac
