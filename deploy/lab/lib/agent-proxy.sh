# shellcheck shell=bash
# bench-modes.sh mode TLS_AGENT_PROXY: the host agent's own migration proxy (host-agent package
# dev.virtgate.agent.proxy, the classes the agent runs, started by its test-scope LabMigrationProxy
# with the lab's PEM files). One long-running JVM per host, as the agent is: the proxy server on the
# host's lab address (port 16516, TLS 1.3, both hosts' certificates verified, O=virtgate, OU=lab) and,
# for each migration from that host, one relay on its loopback (asked for through a FIFO). QEMU's
# stream is in clear only on each host's 127.0.0.1 (--migrateuri tcp://127.0.0.1:PORT
# --listen-address 127.0.0.1), as the agent runs it.
# Needs: H1 H2, LAB_PKI_DIR (setup_pki), LAB_STATE, in_host, host_addr, fqdn, make_cert; Maven and
# the build's dependencies (host-agent's test classes are built first, as the benchmarks do).
AGENT_PROXY_PORT=16516
AGENT_PROXY_PORTS=49300-49363
AGENT_PROXY_PIDS=()
AGENT_PROXY_CP=""
RELAY_FLAGS=""

build_agent_proxy() {   # host-agent's classes and test classpath (deploy/local/bench-build.sh)
  local root; root=$(cd "$LAB_DIR/../.." && pwd)
  # shellcheck source=../../local/bench-build.sh
  (cd "$root" && source deploy/local/bench-build.sh && BENCH_BUILD_ONLY=0 bench_build services/host-agent test-compile) ||
    die "building host-agent for TLS_AGENT_PROXY failed"
  AGENT_PROXY_CP="$root/services/host-agent/target/test-classes:$root/services/host-agent/target/classes"
  AGENT_PROXY_CP="$AGENT_PROXY_CP:$(cat "$root/services/host-agent/target/bench.classpath")"
}

await_file() {   # await_file FILE PID : within 60 s, while PID lives
  local i
  for ((i = 0; i < 600; i++)); do
    [[ -s $1 ]] && return 0
    kill -0 "$2" 2>/dev/null || die "the agent proxy (pid $2) exited"
    sleep 0.1
  done
  die "timed out waiting for $1"
}

start_agent_proxies() {
  local h pki=$LAB_PKI_DIR i=0
  build_agent_proxy
  for h in $H1 $H2; do
    MAKE_CERT_SUBJECT=/O=virtgate/OU=lab make_cert "$pki/ca" "$pki/$h-proxy" "$(fqdn "$h")" "$(fqdn "$h")" -- "$(host_addr "$h")"
    rm -f "$LAB_STATE/agent-relay-$h.fifo"; mkfifo -m 0600 "$LAB_STATE/agent-relay-$h.fifo"
    in_host "$h" java -Xmx256m -cp "$AGENT_PROXY_CP" dev.virtgate.agent.proxy.LabMigrationProxy \
      --listen "$(host_addr "$h")" --port "$AGENT_PROXY_PORT" --loopback 127.0.0.1 --ports "$AGENT_PROXY_PORTS" \
      --cert "$pki/$h-proxy-cert.pem" --key "$pki/$h-proxy-key.pem" --ca "$pki/ca/ca-cert.pem" --cluster lab \
      --relay-requests "$LAB_STATE/agent-relay-$h.fifo" > "$LAB_STATE/agent-proxy-$h.log" 2>&1 &
    AGENT_PROXY_PIDS+=($!)
  done
  for h in $H1 $H2; do
    until grep -q '^server ready on' "$LAB_STATE/agent-proxy-$h.log" 2>/dev/null; do
      kill -0 "${AGENT_PROXY_PIDS[$i]}" 2>/dev/null || die "$(tail -n 5 "$LAB_STATE/agent-proxy-$h.log")"
      sleep 0.1
    done
    i=$((i + 1))
  done
  ok "agents' migration proxies (Java, TLS 1.3, O=virtgate,OU=lab certificates) on $H1 and $H2: pids ${AGENT_PROXY_PIDS[*]}"
}

start_agent_relay() {   # start_agent_relay SRC DST : the source's relay for one migration; sets RELAY_FLAGS
  local fifo=$LAB_STATE/agent-relay-$1.fifo pid
  pid=${AGENT_PROXY_PIDS[$([[ $1 == "$H1" ]] && echo 0 || echo 1)]}
  rm -f "$fifo.port"
  echo "$(host_addr "$2"):$AGENT_PROXY_PORT $(fqdn "$2")" > "$fifo"
  await_file "$fifo.port" "$pid"
  # shellcheck disable=SC2034 # read by bench-modes.sh
  RELAY_FLAGS="--migrateuri tcp://127.0.0.1:$(<"$fifo.port") --listen-address 127.0.0.1"
}

stop_agent_proxies() {   # the JVMs (nsenter's children) by PID
  local pid
  for pid in "${AGENT_PROXY_PIDS[@]}"; do
    pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
  AGENT_PROXY_PIDS=()
}
