# Phase "rabbitmq" (sourced): a private RabbitMQ node (Debian's package) for
# Cinder's RPC, on 127.0.0.1:$AMQP_PORT.  Its own HOME (Erlang cookie),
# mnesia directory, and its own epmd port, so `down` can stop that epmd
# without touching any other Erlang node on the machine.

RABBIT_HOME=$DATA/rabbitmq
EPMD_PORT=${CLOUD_EPMD_PORT:-14369}
TRANSPORT_URL="rabbit://cloud:$PASSWORD@$HOST:$AMQP_PORT/"

RABBIT_ENV=(env HOME="$RABBIT_HOME" ERL_EPMD_PORT="$EPMD_PORT"
    RABBITMQ_NODENAME=cloud@localhost
    RABBITMQ_NODE_IP_ADDRESS="$HOST" RABBITMQ_NODE_PORT="$AMQP_PORT"
    RABBITMQ_DIST_PORT="$AMQP_DIST_PORT"
    RABBITMQ_MNESIA_BASE="$RABBIT_HOME/mnesia"
    RABBITMQ_LOG_BASE="$LOGS/rabbitmq"
    RABBITMQ_PID_FILE="$RUN/rabbitmq-node.pid"
    RABBITMQ_CONFIG_FILE="$RABBIT_HOME/rabbitmq"
    RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_HOME/enabled_plugins")

rabbitmqctl_() { "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl "$@"; }

rabbitmq_up() {
    phase rabbitmq "8-15 s"
    mkdir -p "$RABBIT_HOME" "$LOGS/rabbitmq"
    [ -f "$RABBIT_HOME/enabled_plugins" ] || echo '[].' > "$RABBIT_HOME/enabled_plugins"
    if ! pid_alive rabbitmq; then
        spawn rabbitmq "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
        wait_for 90 RabbitMQ rabbitmqctl_ -q await_startup
    fi
    if ! rabbitmqctl_ -q list_users | grep -q '^cloud'; then
        rabbitmqctl_ -q add_user cloud "$PASSWORD" >/dev/null
        rabbitmqctl_ -q set_permissions -p / cloud '.*' '.*' '.*' >/dev/null
    fi
    phase_done
}

rabbitmq_status() { pid_alive rabbitmq && rabbitmqctl_ -q status >/dev/null 2>&1; }

rabbitmq_down() {
    [ -d "$RABBIT_HOME" ] || return 0
    if pid_alive rabbitmq; then
        rabbitmqctl_ -q stop >/dev/null 2>&1 || true
        say "   stopped RabbitMQ"
    fi
    stop_pid rabbitmq
    # Our epmd (own port) outlives the node; stop it too.
    env ERL_EPMD_PORT="$EPMD_PORT" epmd -kill >/dev/null 2>&1 || true
}
