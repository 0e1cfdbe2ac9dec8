#!/usr/bin/env bash
# Measures the host agent's start-up time and idle resident memory (JVM mode).
# Usage: services/host-agent/footprint.sh [IDLE_SECONDS]   (default 30)
# Env: KAFKA_BOOTSTRAP (default 127.0.0.1:19092; the agent keeps retrying when no broker runs),
#      LIBVIRT_URI (default test:///default), JAVA_OPTS (default: the recommended launcher flags below).
set -euo pipefail
cd "$(dirname "$0")"
IDLE=${1:-30}
APP=target/quarkus-app/quarkus-run.jar
[[ -f $APP ]] || (cd ../.. && mvn -B -q -o -pl services/host-agent package -DskipTests)
# Small young generation and a low free ratio: Serial GC gives the heap back after a collection
# instead of keeping the high-water mark committed. MALLOC_ARENA_MAX bounds glibc's per-thread arenas.
RECOMMENDED="-Xms8m -Xmx64m -Xmn6m -XX:MaxHeapFreeRatio=20 -XX:MinHeapFreeRatio=5 -Xss512k -XX:+UseSerialGC -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:MaxDirectMemorySize=32m -Djava.net.preferIPv4Stack=true"
JAVA_OPTS=${JAVA_OPTS:-$RECOMMENDED}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
ROOT=$(mktemp -d /tmp/vg-agent-footprint.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LOG=$ROOT/agent.log
t0=$(date +%s%N)
# shellcheck disable=SC2086
java $JAVA_OPTS \
  -Dquarkus.http.port="$PORT" \
  -Dkafka.bootstrap.servers="${KAFKA_BOOTSTRAP:-127.0.0.1:19092}" \
  -Dvirtgate.agent.host-id=fp-h1 -Dvirtgate.agent.cluster-id=fp -Dvirtgate.agent.fqdn=fp-h1.example.test \
  -Dvirtgate.agent.management-address=127.0.0.1 -Dvirtgate.agent.libvirt-uri="${LIBVIRT_URI:-test:///default}" \
  -Dvirtgate.agent.paths.root="$ROOT" -Dquarkus.log.category.org.apache.kafka.level=ERROR \
  -jar "$APP" >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$ROOT"' EXIT
until curl -fs "http://127.0.0.1:$PORT/q/health/live" >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || { echo "agent exited:"; tail -20 "$LOG"; exit 1; }
  sleep 0.05
done
t1=$(date +%s%N)
ready_ms=$(( (t1 - t0) / 1000000 ))
quarkus_s=$(grep -o 'started in [0-9.]*s' "$LOG" | head -1 | grep -o '[0-9.]*' || echo "?")
rss_start=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
sleep "$IDLE"
rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
threads=$(awk '/Threads/ {print $2}' "/proc/$PID/status")
printf '%-34s %s\n' "JAVA_OPTS" "$JAVA_OPTS"
printf '%-34s %s\n' "MALLOC_ARENA_MAX" "$MALLOC_ARENA_MAX"
printf '%-34s %s\n' "kafka" "${KAFKA_BOOTSTRAP:-127.0.0.1:19092}"
printf '%-34s %s ms\n' "start -> /q/health/live answers" "$ready_ms"
printf '%-34s %s s\n' "Quarkus 'started in'" "$quarkus_s"
printf '%-34s %s MiB\n' "RSS right after start" "$((rss_start / 1024))"
printf '%-34s %s MiB\n' "RSS idle after ${IDLE}s" "$((rss_idle / 1024))"
printf '%-34s %s MiB\n' "RSS high-water mark" "$((hwm / 1024))"
printf '%-34s %s\n' "threads" "$threads"
