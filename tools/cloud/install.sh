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

# in_background NAME COMMAND...: run COMMAND as a background job, its
# output in $LOGS/install-NAME.log; install_wait collects every job.
_install_jobs=()
in_background() {
    local name=$1
    shift
    "$@" >"$LOGS/install-$name.log" 2>&1 &
    _install_jobs+=("$name:$!")
}

install_wait() {
    local job failed=0
    for job in "${_install_jobs[@]}"; do
        if wait "${job#*:}"; then
            say "   ${job%%:*} ready"
        else
            say "   ${job%%:*} FAILED; the end of $LOGS/install-${job%%:*}.log:"
            tail -n 20 "$LOGS/install-${job%%:*}.log" >&2
            failed=1
        fi
    done
    _install_jobs=()
    [ $failed = 0 ] || die "installing the cloud's Python environments failed"
}

install_glance_and_clients() {
    # One job for both: each installs this checkout in development mode,
    # and two editable installs of one tree at once would share its
    # egg-info directory.
    venv_once glance "$GLANCE_VENV" -e "$REPO" glance keystonemiddleware \
        gunicorn psycopg2-binary
    link_ceph_bindings "$GLANCE_VENV"
    venv_once clients "$CLIENT_VENV" -e "$REPO" python-openstackclient \
        python-cinderclient python-glanceclient openstacksdk tempest \
        -e "$REPO/tools/cloud/tempest-plugin"
}

install_cinder() {
    bash "$REPO/tools/cinder-env.sh"
    venv_once cinder-extras "$CINDER_VENV" psycopg2-binary gunicorn \
        keystonemiddleware
    link_ceph_bindings "$CINDER_VENV"
}

# The three venvs build in parallel: pip spends most of its time waiting
# for downloads and unpacking, so on a fresh machine this takes about the
# time of the largest (Cinder's) instead of the sum.
install_all() {
    phase install "2 s when installed; 6-10 min on a fresh machine"
    apt_install "${APT_PACKAGES[@]}"
    in_background keystone venv_once keystone "$KS_VENV" keystone==30.0.0 \
        gunicorn psycopg2-binary
    in_background glance-clients install_glance_and_clients
    in_background cinder install_cinder
    install_wait
    phase_done
}
