# shellcheck shell=bash
# The four Quarkus services, run from their fast-jar (services/<svc>/target/quarkus-app).

SERVICE_JAVA_OPTS="${VIRTGATE_SERVICE_JAVA_OPTS:--Xmx384m}"
SERVICE_START_TIMEOUT="${VIRTGATE_SERVICE_START_TIMEOUT:-120}"
BUILD_LOG="$LOG_DIR/build.log"
BUILD_FAILED_MARKER="$RUN_DIR/build-failed"
NOT_BUILT=()

service_jar() { printf '%s/services/%s/target/quarkus-app/quarkus-run.jar\n' "$REPO_ROOT" "$1"; }
service_pid() { running_pid "$1" "$(service_jar "$1")"; }
service_url() { printf 'http://%s:%s\n' "$BIND_HOST" "$(service_port "$1")"; }

# pki-service -> virtgate_pki; host-agent has no database.
service_database() {
  case "$1" in
    pki-service) echo virtgate_pki ;;
    credential-service) echo virtgate_credential ;;
    migration-service) echo virtgate_migration ;;
    *) return 1 ;;
  esac
}

any_service_jar_missing() {
  local svc
  for svc in "${SERVICES[@]}"; do
    [[ -f "$(service_jar "$svc")" ]] || return 0
  done
  return 1
}

# True when a pom.xml or a file under some src/ changed since the last failed build.
sources_changed_since_failed_build() {
  [[ -f "$BUILD_FAILED_MARKER" ]] || return 0
  [[ -n "$(find "$REPO_ROOT" \( -name .git -o -name .virtgate -o -name target -o -name node_modules \) -prune \
    -o -newer "$BUILD_FAILED_MARKER" \( -name pom.xml -o -path '*/src/*' \) -type f -print -quit)" ]]
}

# `mvn -B -q -DskipTests package` from the repo root when a service jar is missing. A failed build
# is not retried until sources change (VIRTGATE_BUILD=always forces it, =never skips it).
build_services_if_needed() {
  any_service_jar_missing || return 0
  local mode="${VIRTGATE_BUILD:-auto}"
  [[ "$mode" == never ]] && return 0
  if [[ "$mode" != always ]] && ! sources_changed_since_failed_build; then
    info "  services: previous build failed and no source changed since (see $BUILD_LOG)"
    return 0
  fi
  info "  services: building (mvn -B -q -DskipTests package, log: $BUILD_LOG)"
  if (cd "$REPO_ROOT" && mvn -B -q -DskipTests package) >"$BUILD_LOG" 2>&1 9>&-; then
    rm -f "$BUILD_FAILED_MARKER"
  else
    touch "$BUILD_FAILED_MARKER"
    warn "services: build failed (see $BUILD_LOG); services without a jar are reported as not built"
  fi
}

# Launches SVC with its configuration in the environment (never on the command line).
launch_service() {
  local svc="$1" port db
  port="$(service_port "$svc")"
  (
    set +x # keep the secrets out of `bash -x` traces
    export QUARKUS_PROFILE=prod
    export QUARKUS_HTTP_HOST="$BIND_HOST"
    export QUARKUS_HTTP_PORT="$port"
    export KAFKA_BOOTSTRAP_SERVERS="$BIND_HOST:$KAFKA_PORT"
    # its own principal on the bus; the agent's until its host certificate: the enrollment principal
    VIRTGATE_BUS_PASSWORD="$(bus_password "$([[ $svc == host-agent ]] && echo host-enrollment || echo "$svc")")"
    export VIRTGATE_BUS_PASSWORD
    export QUARKUS_VAULT_URL="$OPENBAO_ADDR"
    export MP_JWT_VERIFY_PUBLICKEY_LOCATION="$JWT_PUBLIC_KEY"
    export MP_JWT_VERIFY_ISSUER="$JWT_ISSUER"
    # OpenBao: each service its own AppRole login (deploy/openbao/policies/<svc>.hcl), never the root
    # token; the host agent none (it logs in with the AppRole credential-service grants its host).
    if [[ $svc != host-agent ]]; then
      export_openbao_login "$svc" || die "$svc: no OpenBao login in $OPENBAO_SERVICE_LOGINS (run ./virtgate up)"
    fi
    if db="$(service_database "$svc")"; then
      export QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$BIND_HOST:$PG_PORT/$db"
      QUARKUS_DATASOURCE_USERNAME="$(pg_service_role "$svc")"
      QUARKUS_DATASOURCE_PASSWORD="$(pg_service_password "$svc")" # its own role, owner of its database only
      export QUARKUS_DATASOURCE_USERNAME QUARKUS_DATASOURCE_PASSWORD
    fi
    if [[ $svc == host-agent ]]; then
      # once it has its host certificate: the broker's mTLS listener, whose certificate the bus CA signed
      export VIRTGATE_AGENT_BUS_TLS_BOOTSTRAP_SERVERS="$BIND_HOST:$KAFKA_HOSTS_PORT"
      VIRTGATE_AGENT_BUS_CA_FILE="$(agent_bus_ca_file)"
      export VIRTGATE_AGENT_BUS_CA_FILE
      # the agent's own launcher: its recommended flags and the start-up CDS archive made at packaging
      VIRTGATE_AGENT_APP_DIR="$(dirname "$(service_jar "$svc")")" \
        start_daemon "$svc" "$LOG_DIR/$svc.log" "$REPO_ROOT/services/host-agent/src/main/sh/virtgate-agent"
    else
      # shellcheck disable=SC2086 # SERVICE_JAVA_OPTS is a list of JVM flags
      start_daemon "$svc" "$LOG_DIR/$svc.log" java $SERVICE_JAVA_OPTS -jar "$(service_jar "$svc")"
    fi
  )
}

service_answers() { port_answers "$(service_port "$1")"; }
service_ready() { [[ "$(http_code "$(service_url "$1")/q/health/ready")" == 200 ]]; }

start_services() {
  local svc pid launched=()
  ensure_jwt_keys
  build_services_if_needed
  for svc in "${SERVICES[@]}"; do
    if [[ ! -f "$(service_jar "$svc")" ]]; then
      NOT_BUILT+=("$svc")
      info "  $svc: not built ($(service_jar "$svc" | sed "s|^$REPO_ROOT/||") missing)"
    elif pid="$(service_pid "$svc")"; then
      info "  $svc: already running (pid $pid)"
    else
      require_port_free "$(service_port "$svc")" "$svc"
      UP_STARTED+=("$svc")
      launch_service "$svc"
      launched+=("$svc")
    fi
  done
  # Started together (they boot in parallel); now wait for each.
  for svc in "${launched[@]}"; do
    pid="$(read_pid "$svc")"
    wait_for "$svc" "$SERVICE_START_TIMEOUT" "$pid" service_answers "$svc" ||
      die "$svc did not start (see $LOG_DIR/$svc.log)"
    if wait_for "$svc" 60 "$pid" service_ready "$svc" 2>/dev/null; then
      info "  $svc: ready (pid $pid, $(service_url "$svc"))"
    else
      kill -0 "$pid" 2>/dev/null || die "$svc exited during start-up (see $LOG_DIR/$svc.log)"
      warn "$svc is running (pid $pid) but $(service_url "$svc")/q/health/ready does not answer 200 yet"
    fi
  done
}

stop_service() {
  local svc="$1" pid
  if pid="$(service_pid "$svc")"; then
    info "  $svc: stopping (pid $pid)"
    stop_pid "$svc" "$pid" 30
  fi
  rm -f "$(pid_file "$svc")"
}

# The bus CA the local agent trusts for the broker's mTLS listener (made by kafka.sh).
agent_bus_ca_file() { echo "$BUS_SECRETS/bus-ca.pem"; }

status_service() {
  local svc="$1" pid code state
  if [[ ! -f "$(service_jar "$svc")" ]]; then
    status_row "$svc" - "$(service_port "$svc")" "not built"
    return 0
  fi
  if ! pid="$(service_pid "$svc")"; then
    # the agent does not start without its bus CA file: name the file rather than only "down"
    if [[ $svc == host-agent && ! -r "$(agent_bus_ca_file)" ]]; then
      status_row "$svc" - "$(service_port "$svc")" "down (bus CA file missing or unreadable: $(agent_bus_ca_file))"
      return 1
    fi
    status_row "$svc" - "$(service_port "$svc")" down
    return 1
  fi
  code="$(http_code "$(service_url "$svc")/q/health/ready")"
  case "$code" in
    200) state=ready ;;
    000) state="starting (no answer)" ;;
    *) state="not ready (HTTP $code)" ;;
  esac
  status_row "$svc" "$pid" "$(service_port "$svc")" "$state"
  [[ "$state" == ready ]]
}
