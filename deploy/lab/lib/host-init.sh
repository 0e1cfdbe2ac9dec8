#!/usr/bin/env bash
# Runs as the holder of one lab host, already inside its network namespace and inside
# `unshare --mount --uts --propagation private` (started by lab.sh create):
# bind-mounts the host's private copies, sets the host name, starts the daemons, then
# becomes `sleep infinity` (same PID), which keeps the namespaces alive.
# Usage: host-init.sh HOST_DIR HOST_NAME ROLE   (ROLE: hypervisor | client)
set -euo pipefail
HD=$1 NAME=$2 ROLE=$3
LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

fail() { echo "host-init $NAME: $*" >&2; echo "$*" > "$HD/failed"; exit 1; }

bind_private() {
  local p
  for p in /etc/libvirt /etc/pki /etc/sasl2 /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt \
           /etc/hosts /etc/hostname; do
    [[ -e $HD$p ]] || fail "missing private copy $HD$p"
    mount --bind "$HD$p" "$p" || fail "bind mount of $p failed"
  done
}

bind_private
hostname "$NAME" || fail "hostname failed"
if [[ $ROLE == hypervisor ]]; then
  bash "$LIB/libvirtd-ctl.sh" start || fail "libvirtd did not start (see $HD/var/log/libvirt/libvirtd.log and $HD/holder.log)"
fi
touch "$HD/ready"
exec sleep infinity
