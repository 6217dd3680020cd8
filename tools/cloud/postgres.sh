# Phase "postgres" (sourced): one PostgreSQL cluster from Debian's binaries
# under $DATA/postgres, on 127.0.0.1:$PG_PORT, trust authentication on
# loopback only, one database per service (keystone, glance, cinder).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# `postgres` system user.  That user must be able to reach the cluster: when
# the checkout sits in a directory it cannot enter (`mktemp -d`, a 0700
# home), the cluster and its log live in postgres's own home instead, one
# directory per $CLOUD_DIR, and $DATA/postgres is a symlink to it.  The
# symlink ties the two together: `rm -rf .cloud` drops the link, and the
# next `up` of any cloud finds the orphaned cluster and removes it.

pg_bindir() {
    local b
    b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$b" ] || die "no PostgreSQL binaries under /usr/lib/postgresql"
    echo "$b"
}

pg_run() {
    local tool=$1
    shift
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$(pg_bindir)/$tool" "$@"
    else
        "$(pg_bindir)/$tool" "$@"
    fi
}

PG_DATA=$DATA/postgres
PG_LOG=$LOGS/postgres.log
# Where the cluster goes when the postgres user cannot reach $DATA.
PG_ASIDE_ROOT=/var/lib/postgresql/glance-accel-import
PG_ASIDE=$PG_ASIDE_ROOT/$(printf %s "$CLOUD_DIR" | sha256sum | cut -c1-16)
pg_use_aside() {
    PG_DATA=$PG_ASIDE/data
    PG_LOG=$PG_ASIDE/postgres.log
}
# A cluster already put aside is found by its link; a new one is placed
# by postgres_up, once the postgres user exists (install phase).
if [ -L "$DATA/postgres" ]; then
    pg_use_aside
fi
db_url() { echo "postgresql+psycopg2://$1@$HOST:$PG_PORT/$1"; }

postgres_up() {
    phase postgres "3-5 s"
    if [ "$(id -u)" = 0 ]; then
        postgres_sweep
        if [ ! -e "$DATA/postgres" ] &&
                ! runuser -u postgres -- test -x "$DATA" 2>/dev/null; then
            pg_use_aside
        fi
    fi
    [ "$PG_DATA" = "$DATA/postgres" ] || postgres_aside
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        mkdir -p "$PG_DATA"
        [ "$(id -u)" = 0 ] && chown postgres: "$PG_DATA"
        pg_run initdb -D "$PG_DATA" -A trust -U postgres --no-sync >/dev/null
    fi
    [ "$(id -u)" = 0 ] && { touch "$PG_LOG"; chown postgres: "$PG_LOG"; }
    if ! pg_run pg_ctl -D "$PG_DATA" status >/dev/null 2>&1; then
        pg_run pg_ctl -D "$PG_DATA" -w -l "$PG_LOG" -o \
            "-c listen_addresses=$HOST -p $PG_PORT -k $PG_DATA -c fsync=off -c max_connections=300" \
            start >/dev/null 8>&-   # the server must not hold `up`'s lock
        say "   started PostgreSQL on $HOST:$PG_PORT"
    fi
    local db
    for db in keystone glance cinder; do
        if ! psql_q "SELECT 1 FROM pg_roles WHERE rolname='$db'" | grep -q 1; then
            psql_q "CREATE ROLE $db LOGIN" >/dev/null
            psql_q "CREATE DATABASE $db OWNER $db" >/dev/null
        fi
    done
    phase_done
}

# postgres_sweep: every cluster in $PG_ASIDE_ROOT records its $CLOUD_DIR;
# one whose $CLOUD_DIR no longer links to it (deleted, or deleted and made
# again at the same path) is stopped and removed, so clones in throwaway
# directories leave nothing behind past the next `up` of any cloud.
postgres_sweep() {
    local aside owner
    for aside in "$PG_ASIDE_ROOT"/*/; do
        aside=${aside%/}
        [ -d "$aside" ] || continue
        # Not yet recorded: being made by another `up` right now.
        owner=$(cat "$aside/cloud-dir" 2>/dev/null) || continue
        if [ "$(readlink "$owner/data/postgres" 2>/dev/null)" != "$aside/data" ]; then
            pg_run pg_ctl -D "$aside/data" -m immediate -w stop >/dev/null 2>&1 || true
            rm -rf "$aside"
            say "   removed the PostgreSQL cluster of the deleted ${owner:-cloud}"
        fi
    done
}

# postgres_aside: the cluster in $PG_ASIDE (see the top), linked from
# $DATA/postgres and $LOGS/postgres.log.
postgres_aside() {
    # Linked before it is recorded, so that no sweep sees it unlinked.
    ln -sfn "$PG_DATA" "$DATA/postgres"
    ln -sfn "$PG_LOG" "$LOGS/postgres.log"
    if [ ! -d "$PG_ASIDE" ]; then
        say "   the postgres user cannot enter $DATA: cluster in $PG_ASIDE"
        mkdir -p "$PG_ASIDE"
        chown postgres: "$PG_ASIDE"
        chmod 700 "$PG_ASIDE"
        printf '%s\n' "$CLOUD_DIR" > "$PG_ASIDE/cloud-dir"
    fi
}

psql_q() {
    psql -h "$HOST" -p "$PG_PORT" -U postgres -d postgres -tAc "$1"
}

postgres_status() {
    pg_run pg_ctl -D "$PG_DATA" status >/dev/null 2>&1
}

postgres_down() {
    [ -f "$PG_DATA/PG_VERSION" ] || return 0
    if postgres_status; then
        pg_run pg_ctl -D "$PG_DATA" -m fast -w stop >/dev/null
        say "   stopped PostgreSQL"
    fi
}
