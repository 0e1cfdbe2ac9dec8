#!/usr/bin/env bash
# Test helper: start/stop/restart the libvirtd of a private test host. Runs inside the host's mount
# namespace (nsenter -t HOLDER -m -u). Processes are signalled by PID from their pid files only.
set -euo pipefail
PIDF=/run/libvirt/libvirtd.pid
alive() {
  local p
  [[ -s $PIDF ]] || return 1
  p=$(<"$PIDF"); p=${p//[^0-9]/}
  [[ -n $p && -d /proc/$p && $(readlink "/proc/$p/exe") == /usr/sbin/libvirtd ]] || return 1
  echo "$p"
}
stop() {
  local p i
  if p=$(alive); then
    kill -TERM "$p" || true
    for ((i = 0; i < 150; i++)); do [[ -d /proc/$p ]] || break; sleep 0.1; done
    if [[ -d /proc/$p ]]; then kill -KILL "$p" || true; fi
  fi
  rm -f "$PIDF"
}
start() {
  alive >/dev/null && return 0
  rm -f "$PIDF"
  libvirtd -d --listen -f /etc/libvirt/libvirtd.conf -p "$PIDF" 9>&- # the daemon must not keep the lock
  for ((i = 0; i < 450; i++)); do
    virsh -q -c qemu:///system version >/dev/null 2>&1 && return 0
    alive >/dev/null || { echo "libvirtd exited during start" >&2; tail -n 5 /var/log/libvirt/libvirtd.log >&2 || true; return 1; }
    sleep 0.2
  done
  return 1
}
# One action at a time per host: the agent's restart (its retry timer) may come while a test starts
# libvirtd, and would kill the daemon that start is still waiting for.
exec 9>>"${BASH_SOURCE[0]}.lock"
flock 9
case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  pid) alive ;;
  *) echo "usage: $0 start|stop|restart|pid" >&2; exit 2 ;;
esac
