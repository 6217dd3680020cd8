# The whole cloud inside the test run (sourced by tools/run-tests.sh).
#
# The cloud comes up in the background while the unit and functional tests
# run (installing it takes minutes, mostly downloads), then the cloud tests
# run against it one at a time, then it goes down.
#
# Invariants:
# - A cloud this run started is brought down when the run ends, however it
#   ends (EXIT trap); a cloud that was already fully up is left up.
# - The cloud tests never run in the main stestr run (CLOUD_TEST_REGEX is
#   excluded there): the cloud is still coming up then.
# - Every cloud test runs or the run fails: a skip, a failure, a cloud that
#   does not come up, or no test at all fails the run (test-summary.py
#   --strict), saying why.

CLOUD_TEST_REGEX='^tests\.cloud\.|^tests\.clients\.test_(osc|horizon)_cloud\.'
CLOUD_CLIENT_TESTS='^tests\.clients\.test_(osc|horizon)_cloud\.'
_cloud_ci_pid=
_cloud_ci_started=0
_cloud_ci_dir=${CLOUD_DIR:-$PWD/.cloud}

# cloud_ci_wanted ARGS...: whether this run includes the cloud.  Yes when
# no test filter is given, unless CLOUD_TESTS=0; CLOUD_TESTS=1 forces it.
cloud_ci_wanted() {
    case "${CLOUD_TESTS:-}" in
        0) return 1 ;;
        1) return 0 ;;
    esac
    [ $# -eq 0 ]
}

cloud_ci_say() { printf '[cloud-ci %s] %s\n' "$(date +%T)" "$*"; }

# cloud_ci_start: `tools/cloud.sh up` in the background; its phase lines
# (one per step, with the usual duration) appear among the test results.
cloud_ci_start() {
    mkdir -p "$_cloud_ci_dir/log"
    if tools/cloud.sh status >/dev/null 2>&1; then
        cloud_ci_say "the cloud is already up: using it, leaving it up"
    else
        _cloud_ci_started=1
    fi
    trap cloud_ci_finish EXIT
    trap 'exit 130' INT TERM
    cloud_ci_say "starting the whole cloud in the background" \
        "(first time 10-15 min, then about 2 min; log $_cloud_ci_dir/log/up.log)"
    # In a session of its own, so that an interrupted run can stop `up`
    # and everything it runs; its session id is in up.log.sid.
    setsid -w bash -c 'echo $$ > "$1.sid"; set -o pipefail
        tools/cloud.sh up 2>&1 | tee "$1"' up "$_cloud_ci_dir/log/up.log" &
    _cloud_ci_pid=$!
}

# cloud_ci_run: wait for the cloud, run every cloud test, print their
# summary; non-zero unless all ran and passed.
cloud_ci_run() {
    local start=$SECONDS
    cloud_ci_say "waiting for the cloud to be up"
    if ! wait "$_cloud_ci_pid"; then
        _cloud_ci_pid=
        cloud_ci_say "FAILED: tools/cloud.sh up did not finish; the cloud" \
            "tests did NOT run (log: $_cloud_ci_dir/log/up.log, service" \
            "logs: $_cloud_ci_dir/log)"
        return 1
    fi
    _cloud_ci_pid=
    cloud_ci_say "cloud up (waited $((SECONDS - start)) s); the scenarios" \
        "(tests/cloud) with tempest, one at a time, usually 8-12 min"
    local status=0
    tools/cloud.sh test || status=$?
    cloud_ci_say "the openstack command and Horizon (chromium) against the" \
        "cloud, usually 3-6 min"
    .venv/bin/stestr run --combine --concurrency 1 "$CLOUD_CLIENT_TESTS" \
        || status=$?
    cloud_ci_say "cloud tests done in $((SECONDS - start)) s"
    echo "== summary of the cloud tests"
    { (cd "$_cloud_ci_dir/tempest" \
           && "$_cloud_ci_dir/venv/clients/bin/stestr" last --subunit)
      .venv/bin/stestr last --subunit; } \
        | .venv/bin/python tools/test-summary.py --only "$CLOUD_TEST_REGEX" \
            --strict || status=1
    return $status
}

# cloud_ci_finish (EXIT trap): stop a still-running `up`, then bring down
# the cloud this run started.
cloud_ci_finish() {
    local rc=$?
    if [ -n "$_cloud_ci_pid" ]; then
        cloud_ci_say "stopping tools/cloud.sh up"
        kill -TERM -- "-$(cat "$_cloud_ci_dir/log/up.log.sid")" 2>/dev/null || true
        wait "$_cloud_ci_pid" 2>/dev/null || true
    fi
    if [ "$_cloud_ci_started" = 1 ]; then
        cloud_ci_say "bringing the cloud down (about 40 s)"
        tools/cloud.sh down >"$_cloud_ci_dir/log/down.log" 2>&1 \
            || cloud_ci_say "tools/cloud.sh down failed: see $_cloud_ci_dir/log/down.log"
    fi
    return $rc
}
