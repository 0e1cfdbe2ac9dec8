# shellcheck shell=bash
# Kafka: one KRaft node acting as broker and controller, run from Maven Central's jars.

KAFKA_DIR="$VIRTGATE_HOME/kafka"
KAFKA_CONFIG="$KAFKA_DIR/config/server.properties"
KAFKA_LOG4J="$KAFKA_DIR/config/log4j2.properties"
KAFKA_DATA="$KAFKA_DIR/data"

kafka_pid() { running_pid kafka "$KAFKA_CONFIG"; }

kafka_java() {
  java -Dlog4j2.configurationFile="$KAFKA_LOG4J" -cp "$KAFKA_DIR/libs/*" "$@"
}

write_kafka_config() {
  mkdir -p "$KAFKA_DIR/config" "$KAFKA_DATA"
  cat >"$KAFKA_CONFIG" <<EOF
# Written by ./virtgate up; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$BIND_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$BIND_HOST:$KAFKA_PORT,CONTROLLER://$BIND_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$BIND_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
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
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  local cluster_id
  if [[ ! -s "$KAFKA_DIR/cluster.id" ]]; then
    kafka_java kafka.tools.StorageTool random-uuid 2>>"$LOG_DIR/kafka.log" | tail -n1 >"$KAFKA_DIR/cluster.id"
  fi
  cluster_id="$(cat "$KAFKA_DIR/cluster.id")"
  [[ -n "$cluster_id" ]] || die "kafka: could not generate a cluster id (see $LOG_DIR/kafka.log)"
  info "  kafka: formatting storage (cluster id $cluster_id)"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONFIG" \
    >>"$LOG_DIR/kafka.log" 2>&1 || die "kafka: storage format failed (see $LOG_DIR/kafka.log)"
}

kafka_ready() { port_answers "$KAFKA_PORT"; }

start_kafka() {
  local pid
  if pid="$(kafka_pid)"; then
    wait_for kafka 90 "$pid" kafka_ready || die "kafka (pid $pid) runs but port $KAFKA_PORT does not answer"
    info "  kafka: already running (pid $pid)"
    return 0
  fi
  require_port_free "$KAFKA_PORT" kafka
  require_port_free "$KAFKA_CONTROLLER_PORT" "kafka controller"
  write_kafka_config
  format_kafka_storage
  start_daemon kafka "$LOG_DIR/kafka.log" \
    java -Xmx512m -Dlog4j2.configurationFile="$KAFKA_LOG4J" -cp "$KAFKA_DIR/libs/*" \
    kafka.Kafka "$KAFKA_CONFIG"
  UP_STARTED+=(kafka)
  pid="$(read_pid kafka)"
  wait_for kafka 90 "$pid" kafka_ready || die "kafka did not start (see $LOG_DIR/kafka.log)"
  info "  kafka: started (pid $pid, $BIND_HOST:$KAFKA_PORT)"
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
  [[ "$state" == running ]]
}
