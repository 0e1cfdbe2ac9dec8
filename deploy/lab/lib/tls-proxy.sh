# shellcheck shell=bash
# Lab experiment for issue 15 item 4 (bench-modes.sh mode TLS_PROXY[_P<n>]): how fast QEMU's memory
# stream is when a user-space TLS proxy on each host carries it instead of QEMU's own TLS, as an
# agent-terminated mode would. QEMU sends and receives in clear only on an address that exists on
# each host's loopback ($PROXY_ADDR, private to its network namespace); between the hosts the stream
# crosses the lab bridge inside TLS 1.3 with both hosts' certificates verified (socat + OpenSSL,
# one TLS session per connection, so multifd gets one per channel). Never a product mode.
# Multifd (_P<n>) through it fails here (measured: "Connection reset by peer"): each connection's TLS
# handshake takes its own time, so a multifd channel can reach the destination QEMU before the main
# one, which QEMU 7.2 does not accept; a real agent proxy would have to keep the order.
# Needs: H1 H2, LAB_PKI_DIR (setup_pki's certificates), in_host, host_addr, fqdn.
PROXY_ADDR=10.254.254.1
PROXY_PIDS=()

proxy_port() {   # proxy_port SRC : the port QEMU uses when SRC is the source (one per direction)
  [[ $1 == "$H1" ]] && echo 49201 || echo 49202
}

start_tls_proxies() {
  local h src dst port pki=$LAB_PKI_DIR
  for h in $H1 $H2; do in_host "$h" ip addr add "$PROXY_ADDR/32" dev lo; done
  for src in $H1 $H2; do
    dst=$([[ $src == "$H1" ]] && echo "$H2" || echo "$H1")
    port=$(proxy_port "$src")
    # destination: TLS in from the other host's certificate only, clear out to its own QEMU
    in_host "$dst" socat -b 262144 \
      "OPENSSL-LISTEN:$((port + 100)),bind=$(host_addr "$dst"),reuseaddr,fork,cert=$pki/$dst-cert.pem,key=$pki/$dst-key.pem,cafile=$pki/ca/ca-cert.pem,verify=1" \
      "TCP:$PROXY_ADDR:$port" &
    PROXY_PIDS+=($!)
    # source: its QEMU's clear stream in on the loopback address, TLS out to the destination's proxy
    in_host "$src" socat -b 262144 "TCP-LISTEN:$port,bind=$PROXY_ADDR,reuseaddr,fork" \
      "OPENSSL:$(host_addr "$dst"):$((port + 100)),cert=$pki/$src-cert.pem,key=$pki/$src-key.pem,cafile=$pki/ca/ca-cert.pem,verify=1,commonname=$(fqdn "$dst")" &
    PROXY_PIDS+=($!)
  done
  ok "TLS proxies (socat, OpenSSL, TLS 1.3, both certificates verified) on $H1 and $H2: pids ${PROXY_PIDS[*]}"
}

stop_tls_proxies() {   # the proxies and their per-connection children, by PID
  local pid
  for pid in "${PROXY_PIDS[@]}"; do
    pkill -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  PROXY_PIDS=()
}

proxy_flags() {   # proxy_flags SRC : virsh flags that route QEMU's stream through the proxies
  echo "--migrateuri tcp://$PROXY_ADDR:$(proxy_port "$1") --listen-address $PROXY_ADDR"
}
