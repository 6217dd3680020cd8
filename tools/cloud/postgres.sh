# Phase "postgres" (sourced): one PostgreSQL cluster from Debian's binaries
# under $DATA/postgres, on 127.0.0.1:$PG_PORT, trust authentication on
# loopback only, one database per service (keystone, glance, cinder).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the
# `postgres` system user.

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
db_url() { echo "postgresql+psycopg2://$1@$HOST:$PG_PORT/$1"; }

postgres_up() {
    phase postgres "3-5 s"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        mkdir -p "$PG_DATA"
        [ "$(id -u)" = 0 ] && chown postgres: "$PG_DATA"
        pg_run initdb -D "$PG_DATA" -A trust -U postgres --no-sync >/dev/null
    fi
    [ "$(id -u)" = 0 ] && { touch "$LOGS/postgres.log"; chown postgres: "$LOGS/postgres.log"; }
    if ! pg_run pg_ctl -D "$PG_DATA" status >/dev/null 2>&1; then
        pg_run pg_ctl -D "$PG_DATA" -w -l "$LOGS/postgres.log" -o \
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
