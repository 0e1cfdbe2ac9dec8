#!/usr/bin/env bash
# Start/stop libvirtd and virtlogd of ONE lab host. Must run inside that host
# (lab.sh libvirtd HOST ACTION does the nsenter); every path below is the host's private copy.
# Usage: libvirtd-ctl.sh start|stop|restart|status|reload-tls
# Processes are found by their pid files and signalled by PID only (after checking that the
# PID really is that daemon in this mount namespace).
set -euo pipefail

LIBVIRTD_CONF=/etc/libvirt/libvirtd.conf
LIBVIRTD_PID=/run/libvirt/libvirtd.pid
VIRTLOGD_PID=/run/libvirt/virtlogd.pid
START_TIMEOUT=${VIRTGATE_LAB_LIBVIRTD_TIMEOUT:-90}

alive() {   # an exited daemon may stay a zombie of PID 1 for a while: that counts as gone
  local st
  st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && $st != Z ]]
}

daemon_pid() {   # daemon_pid PIDFILE EXE : prints the pid when it is alive, is EXE, is in our mount ns
  local pidfile=$1 exe=$2 pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile"); pid=${pid//[^0-9]/}
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]] || return 1
  [[ "$(readlink "/proc/$pid/ns/mnt")" == "$(readlink /proc/self/ns/mnt)" ]] || return 1
  echo "$pid"
}

stop_pid() {   # stop_pid PID NAME
  local pid=$1 name=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "$name ($pid) ignored SIGTERM for 15 s; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

close_inherited_fds() {   # daemons must not keep the caller's pipes or lab.sh's lock open
  local fd
  for fd in "/proc/$$/fd/"*; do
    fd=${fd##*/}
    if [[ $fd -gt 2 && $fd -ne 255 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

start_virtlogd() {
  daemon_pid "$VIRTLOGD_PID" /usr/sbin/virtlogd >/dev/null && return 0
  rm -f "$VIRTLOGD_PID"
  virtlogd -d -p "$VIRTLOGD_PID" </dev/null >>/var/log/libvirt/virtlogd.out 2>&1
}

wait_ready() {
  local i
  for ((i = 0; i < START_TIMEOUT * 5; i++)); do
    if virsh -q -c qemu:///system version >/dev/null 2>&1; then return 0; fi
    daemon_pid "$LIBVIRTD_PID" /usr/sbin/libvirtd >/dev/null || { echo "libvirtd exited during start" >&2; return 1; }
    sleep 0.2
  done
  echo "libvirtd not ready after ${START_TIMEOUT}s" >&2
  return 1
}

start() {
  start_virtlogd
  if ! daemon_pid "$LIBVIRTD_PID" /usr/sbin/libvirtd >/dev/null; then
    rm -f "$LIBVIRTD_PID"
    if ! libvirtd -d --listen -f "$LIBVIRTD_CONF" -p "$LIBVIRTD_PID" </dev/null >>/var/log/libvirt/libvirtd.out 2>&1; then
      echo "libvirtd failed to start; last errors of /var/log/libvirt/libvirtd.log:" >&2
      grep ': error : ' /var/log/libvirt/libvirtd.log | tail -n 3 >&2 || true
      return 1
    fi
  fi
  wait_ready
}

stop() {
  local pid
  if pid=$(daemon_pid "$LIBVIRTD_PID" /usr/sbin/libvirtd); then stop_pid "$pid" libvirtd; fi
  rm -f "$LIBVIRTD_PID"
}

stop_all() {
  stop
  local pid
  if pid=$(daemon_pid "$VIRTLOGD_PID" /usr/sbin/virtlogd); then stop_pid "$pid" virtlogd; fi
  rm -f "$VIRTLOGD_PID"
}

status() {
  local pid
  if pid=$(daemon_pid "$LIBVIRTD_PID" /usr/sbin/libvirtd); then echo "libvirtd running pid=$pid"; else echo "libvirtd stopped"; return 3; fi
}

close_inherited_fds
case "${1:-}" in
  start) start ;;
  stop) stop ;;
  stop-all) stop_all ;;
  restart) stop; start ;;
  status) status ;;
  reload-tls) virt-admin -c libvirtd:///system server-update-tls libvirtd ;;
  *) echo "usage: $0 start|stop|stop-all|restart|status|reload-tls" >&2; exit 2 ;;
esac
