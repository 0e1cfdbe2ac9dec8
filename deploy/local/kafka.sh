# shellcheck shell=bash
# Kafka: one KRaft node acting as broker and controller, run from Maven Central's jars.

KAFKA_DIR="$VIRTGATE_HOME/kafka"
KAFKA_CONFIG="$KAFKA_DIR/config/server.properties"
KAFKA_LOG4J="$KAFKA_DIR/config/log4j2.properties"
KAFKA_DATA="$KAFKA_DIR/data"
# One SCRAM password per bus principal (admin = the broker and this launcher), mode 0600; the bus CA
# (bus-ca.pem: agents trust it) and the broker's key (0600) and chain on the agents' mTLS listener.
BUS_SECRETS="$VIRTGATE_HOME/secrets/bus"
BUS_TOOL_CP="$REPO_ROOT/contracts/target/virtgate-contracts-0.1.0-SNAPSHOT.jar:$REPO_ROOT/deploy/bus/target/virtgate-bus-bootstrap.jar"
BUS_LISTENER_FILES=(bus-ca.pem hosts-listener.key.pem hosts-listener.chain.pem)

kafka_pid() { running_pid kafka "$KAFKA_CONFIG"; }

kafka_java() {
  java -Dlog4j2.configurationFile="$KAFKA_LOG4J" -cp "$KAFKA_DIR/libs/*" "$@"
}

# The bus tool (deploy/bus): topics, principals and ACLs from contracts' BusAccess, the broker's
# security settings. Built on first use: the broker needs it before the services are built.
bus_tool() {
  # (a build from before the mTLS listener has no lib/ with BouncyCastle: rebuilt too)
  if [[ ! -f "${BUS_TOOL_CP##*:}" || ! -f "${BUS_TOOL_CP%%:*}" ]] ||
    ! compgen -G "$REPO_ROOT/deploy/bus/target/lib/bcpkix-*.jar" >/dev/null; then
    info "  kafka: building the bus tool (mvn -pl deploy/bus -am package, log: $LOG_DIR/bus-build.log)" >&2
    (cd "$REPO_ROOT" && mvn -B -q -DskipTests package -pl deploy/bus -am) >"$LOG_DIR/bus-build.log" 2>&1 9>&- ||
      die "kafka: cannot build the bus tool (see $LOG_DIR/bus-build.log)"
  fi
  java -cp "$KAFKA_DIR/libs/*:$BUS_TOOL_CP:$REPO_ROOT/deploy/bus/target/lib/*" dev.virtgate.bus.BusTool "$@"
}

# A password per principal, generated once (hex: safe inside the broker's JAAS lines).
ensure_bus_passwords() {
  local principal file
  (umask 077 && mkdir -p "$BUS_SECRETS")
  chmod 700 "$BUS_SECRETS"
  for principal in admin $(bus_tool principals); do
    file="$BUS_SECRETS/$principal.password"
    [[ -s "$file" ]] || (umask 077 && openssl rand -hex 24 >"$file") || die "kafka: cannot write $file"
  done
  # made once: agents keep trusting the same bus CA
  bus_tool listener-cert "$BUS_SECRETS" localhost 127.0.0.1 "$BIND_HOST" ||
    die "kafka: cannot make the bus CA and the broker's mTLS listener certificate in $BUS_SECRETS"
}

# The password of a service's own principal, for its environment.
bus_password() {
  local file="$BUS_SECRETS/$1.password"
  [[ -r "$file" ]] || die "kafka: the bus password of $1 is missing or unreadable: $file"
  cat "$file"
}

write_kafka_config() {
  mkdir -p "$KAFKA_DIR/config" "$KAFKA_DATA"
  local security
  security="$(bus_tool broker-properties "$BUS_SECRETS" "$BUS_SECRETS")" || die "kafka: cannot render the broker's security settings"
  (umask 077 && cat >"$KAFKA_CONFIG") <<EOF
# Written by ./virtgate up; edits are overwritten. Holds the admin's password and the mTLS listener's
# key: mode 0600. The listener's client trust (virtgate's CA bundle) is set at runtime by pki-service.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$BIND_HOST:$KAFKA_CONTROLLER_PORT
listeners=CLIENTS://$BIND_HOST:$KAFKA_PORT,CONTROLLER://$BIND_HOST:$KAFKA_CONTROLLER_PORT,HOSTS://$BIND_HOST:$KAFKA_HOSTS_PORT
advertised.listeners=CLIENTS://$BIND_HOST:$KAFKA_PORT,HOSTS://$BIND_HOST:$KAFKA_HOSTS_PORT
$security
log.dirs=$KAFKA_DATA
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$KAFKA_LOG4J" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
EOF
}

# Formats the log dir once; the cluster id is kept so that later `up`s reuse the same data.
format_kafka_storage() {
  if [[ -f "$KAFKA_DATA/meta.properties" && ! -f "$KAFKA_DIR/secured" ]]; then
    # Data of a broker from before the bus was authenticated: it has no admin credential.
    info "  kafka: the bus is authenticated now; re-formatting the local broker (its old events are dropped)"
    rm -rf "$KAFKA_DATA" && mkdir -p "$KAFKA_DATA"
  fi
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  local cluster_id
  if [[ ! -s "$KAFKA_DIR/cluster.id" ]]; then
    kafka_java kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka.log" | tail -n1 >"$KAFKA_DIR/cluster.id"
  fi
  cluster_id="$(cat "$KAFKA_DIR/cluster.id")"
  [[ -n "$cluster_id" ]] || die "kafka: could not generate a cluster id (see $LOG_DIR/kafka.log)"
  info "  kafka: formatting storage (cluster id $cluster_id)"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONFIG" \
    --add-scram "$(bus_tool format-scram "$BUS_SECRETS")" \
    >>"$LOG_DIR/kafka.log" 2>&1 || die "kafka: storage format failed (see $LOG_DIR/kafka.log)"
  touch "$KAFKA_DIR/secured"
}

# Topics, SCRAM principals and ACLs, idempotently (the broker's admin logs in).
bootstrap_bus() {
  bus_tool bootstrap "$BIND_HOST:$KAFKA_PORT" "$BUS_SECRETS" >>"$LOG_DIR/kafka.log" 2>&1 ||
    die "kafka: cannot create the topics, principals and ACLs (see $LOG_DIR/kafka.log)"
  info "  kafka: topics, principals and ACLs in place"
}

kafka_ready() { port_answers "$KAFKA_PORT"; }

start_kafka() {
  local pid
  ensure_bus_passwords
  if pid="$(kafka_pid)"; then
    wait_for kafka 90 "$pid" kafka_ready || die "kafka (pid $pid) runs but port $KAFKA_PORT does not answer"
    info "  kafka: already running (pid $pid)"
    bootstrap_bus
    return 0
  fi
  require_port_free "$KAFKA_PORT" kafka
  require_port_free "$KAFKA_CONTROLLER_PORT" "kafka controller"
  require_port_free "$KAFKA_HOSTS_PORT" "kafka hosts (mTLS)"
  write_kafka_config
  format_kafka_storage
  start_daemon kafka "$LOG_DIR/kafka.log" \
    java -Xmx512m -Dlog4j2.configurationFile="$KAFKA_LOG4J" -cp "$KAFKA_DIR/libs/*" \
    kafka.Kafka "$KAFKA_CONFIG"
  UP_STARTED+=(kafka)
  pid="$(read_pid kafka)"
  wait_for kafka 90 "$pid" kafka_ready || die "kafka did not start (see $LOG_DIR/kafka.log)"
  info "  kafka: started (pid $pid, $BIND_HOST:$KAFKA_PORT SASL/SCRAM, $BIND_HOST:$KAFKA_HOSTS_PORT mTLS; ACLs)"
  bootstrap_bus
}

stop_kafka() {
  local pid
  if pid="$(kafka_pid)"; then
    info "  kafka: stopping (pid $pid)"
    stop_pid kafka "$pid" 60
  fi
  rm -f "$(pid_file kafka)"
}

status_kafka() {
  local pid state="down"
  if pid="$(kafka_pid)"; then
    if kafka_ready; then state="running"; else state="starting"; fi
  else
    pid="-"
  fi
  status_row kafka "$pid" "$KAFKA_PORT" "$state"
  bus_credentials_readable || state="credentials"
  [[ "$state" == running ]]
}

# Names every component whose bus password file is missing or unreadable (it could not log in), and
# a missing or unreadable bus CA or mTLS listener file (agents could not connect, the broker not start).
bus_credentials_readable() {
  local component file ok=0
  for component in admin $(bus_tool principals); do
    file="$BUS_SECRETS/$component.password"
    if [[ ! -r "$file" || ! -s "$file" ]]; then
      warn "kafka: the bus password of $component is missing or unreadable: $file (./virtgate up writes it)"
      ok=1
    fi
  done
  for file in "${BUS_LISTENER_FILES[@]}"; do
    if [[ ! -r "$BUS_SECRETS/$file" || ! -s "$BUS_SECRETS/$file" ]]; then
      warn "kafka: the bus listener file $file is missing or unreadable: $BUS_SECRETS/$file (./virtgate up writes it)"
      ok=1
    fi
  done
  return "$ok"
}
