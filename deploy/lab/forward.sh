#!/usr/bin/env bash
# Make control-plane ports of the ROOT namespace reachable from inside a lab host, without giving
# the host any route to the root namespace's network:
#   inside HOST:  TCP-LISTEN 127.0.0.1:<port>  ->  UNIX-CONNECT <lab-state>/fwd/<host>/<port>.sock
#   root ns:      UNIX-LISTEN <that socket>     ->  TCP 127.0.0.1:<port>
# The same port number on both sides, so a Kafka broker that advertises 127.0.0.1:<port> works.
# The socket file lives in the lab state dir, which the host sees (its mount namespace only
# bind-mounts /etc/libvirt, /etc/pki, ...; /run/virtgate-lab is shared).
#
# usage: forward.sh start HOST PORT...   (idempotent per port)
#        forward.sh stop HOST [PORT...]  (no PORT: every forward of HOST)
#        forward.sh stop-all             (every forward of the lab; lab.sh destroy calls it)
#        forward.sh status [HOST]
# PIDs are recorded as "<pid> <starttime>" in <lab-state>/fwd/<host>/<port>.{root,host}.pid and
# stopped by PID only.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

FWD_DIR="$LAB_STATE/fwd"

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

ensure_socat() {
  command -v socat >/dev/null 2>&1 && return 0
  log "installing socat"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends socat >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends socat >/dev/null; }
}

record_pid() { echo "$1 $(proc_starttime "$1")" > "$2"; }

recorded_alive() {   # recorded_alive PIDFILE : prints the pid when the recorded process still runs
  local pid start
  [[ -f $1 ]] || return 1
  read -r pid start < "$1" || return 1
  pid_matches "$pid" "$start" || return 1
  echo "$pid"
}

stop_recorded() {   # stop_recorded PIDFILE : TERM (then KILL) the recorded socat and its forked
  local pid i       # connection children: setsid made it a group leader, so its group id = its PID
  if pid=$(recorded_alive "$1"); then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$1"
}

wait_for() {   # wait_for SECONDS CMD... : poll every 0.1 s
  local i
  for ((i = 0; i < $1 * 10; i++)); do "${@:2}" && return 0; sleep 0.1; done
  return 1
}

host_listening() { in_host "$1" ss -ltnH "sport = :$2" 2>/dev/null | grep -q "127.0.0.1:$2"; }

start_port() {   # start_port HOST PORT
  local h=$1 port=$2 d sock pid
  [[ $port =~ ^[0-9]+$ && $port -ge 1 && $port -le 65535 ]] || die "not a port: $port"
  d="$FWD_DIR/$h"; sock="$d/$port.sock"
  mkdir -p "$d"; chmod 700 "$FWD_DIR" "$d"
  if recorded_alive "$d/$port.root.pid" >/dev/null && recorded_alive "$d/$port.host.pid" >/dev/null; then
    return 0
  fi
  stop_recorded "$d/$port.host.pid"; stop_recorded "$d/$port.root.pid"; rm -f "$sock"
  # root side: unix socket (mode 0600, root only) -> 127.0.0.1:PORT
  setsid socat -lf "$d/$port.root.log" "UNIX-LISTEN:$sock,fork,mode=600,unlink-early" "TCP:127.0.0.1:$port" \
    </dev/null >/dev/null 2>&1 9<&- &
  pid=$!; record_pid "$pid" "$d/$port.root.pid"
  wait_for 5 test -S "$sock" || die "root-side forwarder for $port did not create $sock (see $d/$port.root.log)"
  # host side: 127.0.0.1:PORT in the host's network namespace -> the unix socket
  setsid nsenter -t "$(holder_pid "$h")" -n -m -u -- socat -lf "$d/$port.host.log" \
    "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$sock" </dev/null >/dev/null 2>&1 9<&- &
  pid=$!; record_pid "$pid" "$d/$port.host.pid"
  wait_for 5 host_listening "$h" "$port" || die "host-side forwarder for $port not listening in $h (see $d/$port.host.log)"
}

stop_port() {   # stop_port HOST PORT
  local d="$FWD_DIR/$1"
  stop_recorded "$d/$2.host.pid"
  stop_recorded "$d/$2.root.pid"
  rm -f "$d/$2.sock" "$d/$2.root.log" "$d/$2.host.log"
}

host_ports() {   # ports with a record for HOST
  local f
  for f in "$FWD_DIR/$1"/*.root.pid "$FWD_DIR/$1"/*.host.pid; do
    [[ -e $f ]] || continue
    f=${f##*/}; echo "${f%%.*}"
  done | sort -un
}

cmd_start() {
  [[ $# -ge 2 ]] || usage
  local h p
  h=$(canon_host "$1"); shift
  require_root
  [[ -f $LAB_STATE/$LAB_MARKER ]] || die "no lab in $LAB_STATE"
  holder_pid "$h" >/dev/null || die "lab host $h is not running"
  ensure_socat
  for p in "$@"; do start_port "$h" "$p"; done
  log "forwarding 127.0.0.1:{$(IFS=,; echo "$*")} in $h -> 127.0.0.1 of the root namespace"
}

cmd_stop() {
  [[ $# -ge 1 ]] || usage
  local h p ports
  h=$(canon_host "$1"); shift
  if [[ $# -gt 0 ]]; then ports=("$@"); else mapfile -t ports < <(host_ports "$h"); fi
  for p in "${ports[@]}"; do stop_port "$h" "$p"; done
  rmdir "$FWD_DIR/$h" 2>/dev/null || true
}

cmd_stop_all() {
  local d
  [[ -d $FWD_DIR ]] || return 0
  for d in "$FWD_DIR"/*/; do [[ -d $d ]] && cmd_stop "$(basename "$d")"; done
  rmdir "$FWD_DIR" 2>/dev/null || true
}

cmd_status() {
  local d h p st
  [[ -d $FWD_DIR ]] || { echo "no forwards"; return 0; }
  for d in "$FWD_DIR"/*/; do
    [[ -d $d ]] || continue
    h=$(basename "$d")
    [[ $# -eq 0 || $h == "$(canon_host "$1")" ]] || continue
    for p in $(host_ports "$h"); do
      st=down
      recorded_alive "$d/$p.root.pid" >/dev/null && recorded_alive "$d/$p.host.pid" >/dev/null && st=up
      printf '%-8s %-6s %s\n' "$h" "$p" "$st"
    done
  done
}

main() {
  [[ $# -ge 1 ]] || usage
  local cmd=$1; shift
  case "$cmd" in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    stop-all) cmd_stop_all ;;
    status) cmd_status "$@" ;;
    *) usage ;;
  esac
}

main "$@"
