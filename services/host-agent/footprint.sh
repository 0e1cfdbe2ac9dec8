#!/usr/bin/env bash
# Measures the host agent's start-up time and idle resident memory (JVM mode) and prints a table.
# Usage: services/host-agent/footprint.sh [IDLE_SECONDS] [START_RUNS]   (defaults 30 and 5)
#   The agent is started through its launcher (src/main/sh/virtgate-agent: recommended flags and
#   the class-data-sharing archive made at packaging). START_RUNS starts with the archive and
#   START_RUNS without it, alternated, each timed until /q/health/live answers (medians reported),
#   then one more start with the archive left idle for IDLE_SECONDS for the memory figures.
# Env: KAFKA_BOOTSTRAP (default 127.0.0.1:19092; the agent keeps retrying when no broker runs),
#      VIRTGATE_BUS_PASSWORD (default: the local stack's host-enrollment password, if ./virtgate up wrote one),
#      KAFKA_HOSTS_BOOTSTRAP (default 127.0.0.1:19094, the mTLS listener), BUS_CA_FILE (default: the
#      local stack's bus CA, else a throw-away certificate: the agent refuses to start without one),
#      LIBVIRT_URI (default test:///default), JAVA_OPTS (default: the launcher's recommended flags).
set -euo pipefail
cd "$(dirname "$0")"
IDLE=${1:-30}
RUNS=${2:-5}
LAUNCHER=src/main/sh/virtgate-agent
ARCHIVE=target/quarkus-app/host-agent.jsa
[[ -f target/quarkus-app/quarkus-run.jar ]] || (cd ../.. && mvn -B -q -o -pl services/host-agent package -DskipTests)
[[ -s $ARCHIVE && $ARCHIVE -nt target/quarkus-app/quarkus-run.jar ]] || "$LAUNCHER" train
BUS_SECRETS="${VIRTGATE_HOME:-$(cd ../.. && pwd)/.virtgate}/secrets/bus"
BUS_PASSWORD_FILE="$BUS_SECRETS/host-enrollment.password"
if [[ -z ${VIRTGATE_BUS_PASSWORD:-} ]]; then
  VIRTGATE_BUS_PASSWORD="$(cat "$BUS_PASSWORD_FILE" 2>/dev/null || echo no-local-stack)"
fi
export VIRTGATE_BUS_PASSWORD # in the environment, never on the command line
WORK=$(mktemp -d /tmp/vg-agent-footprint.XXXXXX)
PID=""
stop_agent() {
  [[ -n $PID ]] || return 0
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=""
}
trap 'stop_agent; rm -rf "$WORK"' EXIT
BUS_CA_FILE=${BUS_CA_FILE:-$BUS_SECRETS/bus-ca.pem}
if [[ ! -r $BUS_CA_FILE ]]; then
  BUS_CA_FILE=$WORK/bus-ca.pem
  keytool -genkeypair -keystore "$WORK/ca.p12" -storepass footprint -alias ca -keyalg EC -dname CN=footprint \
    -validity 1 >/dev/null 2>&1
  keytool -exportcert -rfc -keystore "$WORK/ca.p12" -storepass footprint -alias ca -file "$BUS_CA_FILE" >/dev/null 2>&1
fi

# start_agent N ARCHIVE: starts the agent with its own root and port, with the given CDS archive
# (empty: none); sets PID, LOG and START_MS.
start_agent() {
  local root="$WORK/run-$1" port t0 t1
  mkdir -p "$root"
  LOG=$root/agent.log
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  t0=$(date +%s%N)
  VIRTGATE_AGENT_CDS_ARCHIVE="$2" "$LAUNCHER" \
    -Dquarkus.http.port="$port" \
    -Dkafka.bootstrap.servers="${KAFKA_BOOTSTRAP:-127.0.0.1:19092}" \
    -Dvirtgate.agent.bus.tls-bootstrap-servers="${KAFKA_HOSTS_BOOTSTRAP:-127.0.0.1:19094}" \
    -Dvirtgate.agent.bus.ca-file="$BUS_CA_FILE" \
    -Dvirtgate.agent.host-id=fp-h1 -Dvirtgate.agent.cluster-id=fp -Dvirtgate.agent.fqdn=fp-h1.example.test \
    -Dvirtgate.agent.management-address=127.0.0.1 -Dvirtgate.agent.libvirt-uri="${LIBVIRT_URI:-test:///default}" \
    -Dvirtgate.agent.paths.root="$root" -Dquarkus.log.category.org.apache.kafka.level=ERROR >"$LOG" 2>&1 &
  PID=$!
  until curl -fs "http://127.0.0.1:$port/q/health/live" >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || { echo "agent exited:"; tail -20 "$LOG"; exit 1; }
    sleep 0.02
  done
  t1=$(date +%s%N)
  START_MS=$(( (t1 - t0) / 1000000 ))
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
sorted() { printf '%s\n' "$@" | sort -n | tr '\n' ' '; }
with=() without=()
for ((i = 1; i <= RUNS; i++)); do
  start_agent "cds-$i" "$PWD/$ARCHIVE"
  with+=("$START_MS")
  stop_agent
  start_agent "plain-$i" ""
  without+=("$START_MS")
  stop_agent
done
start_agent idle "$PWD/$ARCHIVE"
quarkus_s=$(grep -o 'started in [0-9.]*s' "$LOG" | head -1 | grep -o '[0-9.]*' || echo "?")
rss_start=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
sleep "$IDLE"
rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
threads=$(awk '/Threads/ {print $2}' "/proc/$PID/status")
m_with=$(median "${with[@]}")
m_without=$(median "${without[@]}")
printf '| %-44s | %s |\n' "measure" "value" "---" "---"
printf '| %-44s | %s |\n' "JAVA_OPTS" "${JAVA_OPTS:-launcher default (recommended flags)}"
printf '| %-44s | %s |\n' "kafka" "${KAFKA_BOOTSTRAP:-127.0.0.1:19092}"
printf '| %-44s | %s ms |\n' "start -> /q/health/live, CDS archive, median" "$m_with"
printf '| %-44s | %s|\n' "  each of $RUNS runs, sorted (ms)" "$(sorted "${with[@]}")"
printf '| %-44s | %s ms |\n' "same without the archive, median" "$m_without"
printf '| %-44s | %s|\n' "  each of $RUNS runs, sorted (ms)" "$(sorted "${without[@]}")"
printf '| %-44s | %s |\n' "ratio with/without" "$(awk -v a="$m_with" -v b="$m_without" 'BEGIN {printf "%.2f", a / b}')"
printf '| %-44s | %s ms |\n' "the idle run's start (archive)" "$START_MS"
printf '| %-44s | %s s |\n' "Quarkus 'started in' (idle run)" "$quarkus_s"
printf '| %-44s | %s MiB |\n' "RSS right after start" "$((rss_start / 1024))"
printf '| %-44s | %s MiB |\n' "RSS idle after ${IDLE}s" "$((rss_idle / 1024))"
printf '| %-44s | %s MiB |\n' "RSS high-water mark" "$((hwm / 1024))"
printf '| %-44s | %s |\n' "threads" "$threads"
