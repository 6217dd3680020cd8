# Phase "install" (sourced by tools/cloud.sh): Debian packages and one venv
# per service.  Each venv is built once; a stamp file records what went in,
# so a second `up` only checks the stamps.
#
# Why separate venvs: Keystone, Glance and Cinder pin different library
# versions; Cinder's venv is tools/cinder-env.sh's (Cinder 29 with
# contrib/cinder's patch applied), shared with tests/cinder.

APT_PACKAGES=(postgresql rabbitmq-server ceph-mon ceph-mgr ceph-osd
              ceph-common python3-rados python3-rbd qemu-utils e2fsprogs
              curl sudo patch)

# venv_once NAME VENV PIP-ARGS...: build VENV unless its stamp matches.
venv_once() {
    local name=$1 venv=$2
    shift 2
    local want="$*"
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.cloud-stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    say "   building the $name venv ($venv)"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    pip_install "$venv" "$@"
    echo "$want" > "$venv/.cloud-stamp"
}

install_all() {
    phase install "2 s when installed; 6-10 min on a fresh machine"
    apt_install "${APT_PACKAGES[@]}"
    venv_once keystone "$KS_VENV" keystone==30.0.0 gunicorn psycopg2-binary
    venv_once glance "$GLANCE_VENV" -e "$REPO" glance keystonemiddleware \
        gunicorn psycopg2-binary
    link_ceph_bindings "$GLANCE_VENV"
    bash "$REPO/tools/cinder-env.sh"
    venv_once cinder-extras "$CINDER_VENV" psycopg2-binary gunicorn \
        keystonemiddleware
    link_ceph_bindings "$CINDER_VENV"
    venv_once clients "$CLIENT_VENV" -e "$REPO" python-openstackclient \
        python-cinderclient python-glanceclient openstacksdk tempest \
        -e "$REPO/tools/cloud/tempest-plugin"
    phase_done
}
