#!/usr/bin/env bash
# virtgate lab: N hypervisor hosts (vg-h1..vg-hN), each in its own network + mount + UTS
# namespace with private /etc/libvirt, /etc/pki, /etc/sasl2, ... and its own libvirtd.
# See deploy/lab/README.md.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
  cat >&2 <<'USAGE'
usage: lab.sh create [N] [--attacker]   create hosts vg-h1..vg-hN (default 2), optional attacker ns
       lab.sh destroy                   stop and remove everything the lab made (safe to repeat)
       lab.sh status                    hosts, holders, libvirtd, listeners, domains
       lab.sh env                       shell-sourceable facts (names, addresses, PIDs, dirs)
       lab.sh exec HOST CMD...          run CMD inside HOST (net+mount+uts namespaces)
       lab.sh pid HOST                  holder PID of HOST (nsenter -t PID -n -m -u)
       lab.sh libvirtd HOST start|stop|restart|status|reload-tls
HOST: vg-h1 (or h1, 1), ..., attacker
USAGE
  exit 2
}

lock_lab() {   # one lab operation at a time (per checkout of this script)
  exec 9<"${BASH_SOURCE[0]}"
  flock -w 300 9 || die "another lab.sh operation holds the lock"
}

# ---- create ------------------------------------------------------------------
lab_exists() { [[ -f $LAB_STATE/$LAB_MARKER ]]; }

stray_namespaces() {
  ip netns list 2>/dev/null | awk '{ print $1 }' |
    grep -E "^(${LAB_BRIDGE_NS}|${LAB_ATTACKER_NS}|vg-h[0-9]+)\$" || true
}

check_existing_lab() {   # returns 0 when an identical healthy lab runs (create is then a no-op)
  local n=$1 attacker=$2 h
  if ! lab_exists; then
    [[ -z $(stray_namespaces) ]] ||
      die "lab namespaces exist without lab state ($(stray_namespaces | tr '\n' ' ')): run lab.sh destroy first"
    [[ ! -e $LAB_STATE ]] || die "$LAB_STATE exists but is not a lab state dir; remove it or set VIRTGATE_LAB_STATE"
    return 1
  fi
  [[ -f $LAB_STATE/created ]] || die "a previous create did not finish: run lab.sh destroy first"
  [[ $(lab_hosts | wc -l) -eq $n ]] || die "a lab with $(lab_hosts | wc -l) hosts exists: run lab.sh destroy first"
  if { [[ $attacker == 1 ]] && ! lab_has_attacker; } || { [[ $attacker == 0 ]] && lab_has_attacker; }; then
    die "the running lab differs in --attacker: run lab.sh destroy first"
  fi
  for h in $(lab_hosts); do
    holder_pid "$h" >/dev/null || die "lab host $h is not running: run lab.sh destroy first"
    in_host "$h" bash "$LAB_DIR/lib/libvirtd-ctl.sh" status >/dev/null ||
      die "libvirtd of $h is not running: lab.sh libvirtd $h start, or destroy and create"
  done
  if lab_has_attacker; then holder_pid "$LAB_ATTACKER" >/dev/null || die "attacker is not running: destroy first"; fi
  return 0
}

ensure_mountpoints() {   # bind mounts need existing mount points; remember the ones we made
  local p
  for p in "${LAB_BIND_DIRS[@]}"; do
    if [[ ! -d $p ]]; then mkdir -p "$p"; echo "$p" >> "$LAB_STATE/created-mountpoints"; fi
  done
  for p in "${LAB_BIND_FILES[@]}"; do
    [[ -f $p ]] || die "$p is missing in the root namespace"
  done
  mountpoint -q /run/netns 2>/dev/null || echo /run/netns > "$LAB_STATE/created-netns-mount"
}

setup_bridge() {
  ip netns add "$LAB_BRIDGE_NS"
  ip -n "$LAB_BRIDGE_NS" link set lo up
  ip -n "$LAB_BRIDGE_NS" link add "$LAB_BRIDGE" type bridge
  ip -n "$LAB_BRIDGE_NS" link set "$LAB_BRIDGE" up
  ip -n "$LAB_BRIDGE_NS" link add "$LAB_MIG_BRIDGE" type bridge
  ip -n "$LAB_BRIDGE_NS" link set "$LAB_MIG_BRIDGE" up
}

attach_member() {   # attach_member HOST : netns + veth to the bridge + address
  local h=$1 ns addr
  ns=$(host_ns "$h"); addr=$(host_addr "$h")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$LAB_BRIDGE_NS" link add "v-$h" type veth peer name eth0 netns "$ns"
  ip -n "$LAB_BRIDGE_NS" link set "v-$h" master "$LAB_BRIDGE" up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  [[ $h == "$LAB_ATTACKER" ]] && return 0
  # the dedicated migration network: eth1 on its own bridge, where QEMU's memory stream goes
  ip -n "$LAB_BRIDGE_NS" link add "m-$h" type veth peer name eth1 netns "$ns"
  ip -n "$LAB_BRIDGE_NS" link set "m-$h" master "$LAB_MIG_BRIDGE" up
  ip -n "$ns" addr add "$(host_mig_addr "$h")/24" dev eth1
  ip -n "$ns" link set eth1 up
}

write_hosts_file() {   # write_hosts_file FILE
  {
    echo "127.0.0.1 localhost"
    echo "::1 localhost ip6-localhost ip6-loopback"
    local h
    for h in $(lab_hosts); do echo "$(host_addr "$h") $(host_fqdn "$h") $h"; done
    if lab_has_attacker; then echo "$(host_addr "$LAB_ATTACKER") $(host_fqdn "$LAB_ATTACKER") $LAB_ATTACKER"; fi
  } > "$1"
}

write_libvirt_client_conf() {   # shared by hypervisors and the attacker
  local d=$1
  echo 'uri_default = "qemu:///system"' > "$d/etc/libvirt/libvirt.conf"
  [[ -f /etc/libvirt/libvirt-admin.conf ]] && cp /etc/libvirt/libvirt-admin.conf "$d/etc/libvirt/"
  return 0
}

write_libvirtd_conf() {   # the INSECURE baseline that virtgate's host-agent locks down
  local d=$1 uuid=$2
  cat > "$d/etc/libvirt/libvirtd.conf" <<CONF
# virtgate lab baseline -- DELIBERATELY INSECURE (the common "make migration work" recipe):
# anyone who reaches TCP port 16509 gets full control of this hypervisor without credentials.
# virtgate's host-agent must replace this file (TLS, SASL, tls_allowed_dn_list, listen_addr ...)
# and its self-probe must then see an unauthenticated connection fail.
listen_tls = 0
listen_tcp = 1
tcp_port = "16509"
tls_port = "16514"
auth_tcp = "none"
auth_tls = "none"
# local tools keep working over the unix socket (root only)
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
# each lab host is a distinct host for migration (same uuid: "Attempt to migrate guest to the same host")
host_uuid = "$uuid"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
}

write_qemu_conf() {
  local d=$1
  cat > "$d/etc/libvirt/qemu.conf" <<'CONF'
# virtgate lab: /dev/kvm is root-only on these machines, so QEMU runs as root.
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
stdio_handler = "logd"
# QEMU native migration TLS reads /etc/pki/qemu (ca-cert.pem, server-cert.pem, server-key.pem,
# client-cert.pem, client-key.pem): the libvirt default default_tls_x509_cert_dir.
CONF
}

write_sasl_conf() {
  local d=$1
  cat > "$d/etc/sasl2/libvirt.conf" <<'CONF'
# virtgate lab baseline: digest-md5 (TCP needs a SASL security layer); empty user db.
mech_list: digest-md5
sasldb_path: /etc/libvirt/passwd.db
CONF
}

prepare_host_dir() {   # prepare_host_dir HOST ROLE
  local h=$1 role=$2 d uuid
  d=$(host_dir "$h")
  mkdir -p "$d"/etc/{libvirt/qemu,pki/CA,pki/libvirt/private,pki/qemu,sasl2} "$d"/run/libvirt \
           "$d"/var/lib/libvirt/{images,qemu} "$d"/var/cache/libvirt "$d"/var/log/libvirt
  chmod 700 "$d/etc/pki/libvirt/private"
  write_hosts_file "$d/etc/hosts"
  echo "$h" > "$d/etc/hostname"
  write_libvirt_client_conf "$d"
  write_sasl_conf "$d"
  if [[ $role == hypervisor ]]; then
    uuid=$(cat /proc/sys/kernel/random/uuid)
    echo "$uuid" > "$d/host_uuid"
    write_libvirtd_conf "$d" "$uuid"
    write_qemu_conf "$d"
  fi
}

start_holder() {   # start_holder HOST ROLE : the holder becomes `sleep infinity` inside the namespaces
  local h=$1 role=$2 d ns pid
  d=$(host_dir "$h"); ns=$(host_ns "$h")
  rm -f "$d/ready" "$d/failed"
  setsid ip netns exec "$ns" unshare --mount --uts --propagation private -- \
    bash "$LAB_DIR/lib/host-init.sh" "$d" "$h" "$role" </dev/null >"$d/holder.log" 2>&1 9<&- &
  pid=$!
  echo "$pid $(proc_starttime "$pid")" > "$d/holder.pid"
}

wait_holder() {   # wait_holder HOST TIMEOUT_S
  local h=$1 timeout=$2 d i pid start
  d=$(host_dir "$h")
  read -r pid start < "$d/holder.pid"
  for ((i = 0; i < timeout * 10; i++)); do
    [[ -f $d/ready ]] && return 0
    if [[ -f $d/failed ]] || ! pid_matches "$pid" "$start"; then
      log "host $h failed to start: $(cat "$d/failed" 2>/dev/null || echo 'holder exited')"
      tail -n 20 "$d/holder.log" >&2 || true
      tail -n 20 "$d/var/log/libvirt/libvirtd.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  log "host $h not ready after ${timeout}s"; tail -n 20 "$d/holder.log" >&2 || true
  return 1
}

seed_capabilities_cache() {   # skip the ~8 s QEMU probe on every host but the first
  local from=$1 to=$2 src
  src="$(host_dir "$from")/var/cache/libvirt/qemu"
  [[ -d $src/capabilities ]] || return 0
  mkdir -p "$(host_dir "$to")/var/cache/libvirt/qemu"
  cp -a "$src/capabilities" "$(host_dir "$to")/var/cache/libvirt/qemu/"
}

cmd_create() {
  local n=2 attacker=0 arg t0 h first
  for arg in "$@"; do
    case "$arg" in
      --attacker) attacker=1 ;;
      [0-9]*) n=$arg ;;
      *) usage ;;
    esac
  done
  [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 50 ]] || die "N must be 1..50"
  require_root
  lock_lab
  if check_existing_lab "$n" "$attacker"; then
    log "lab already running ($n hosts) in $LAB_STATE: nothing to do"
    return 0
  fi
  t0=$(now)
  ensure_packages
  ensure_qemu_user
  [[ $LAB_STATE == /* && $LAB_STATE != / ]] || die "VIRTGATE_LAB_STATE must be an absolute path"
  mkdir -p "$LAB_STATE/hosts"
  touch "$LAB_STATE/$LAB_MARKER"
  for ((i = 1; i <= n; i++)); do echo "vg-h$i"; done > "$LAB_STATE/hosts.list"
  if [[ $attacker == 1 ]]; then touch "$LAB_STATE/attacker.enabled"; fi
  ensure_mountpoints
  log "network: bridges in netns $LAB_BRIDGE_NS, management $LAB_NET.0/24, migration $LAB_MIG_NET.0/24"
  setup_bridge
  for h in $(lab_hosts); do attach_member "$h"; prepare_host_dir "$h" hypervisor; done
  if [[ $attacker == 1 ]]; then attach_member "$LAB_ATTACKER"; prepare_host_dir "$LAB_ATTACKER" client; fi

  first=$(lab_hosts | head -n 1)
  log "starting $first (first libvirtd start probes QEMU, about 8 s)"
  start_holder "$first" hypervisor
  wait_holder "$first" 180 || die "create failed; inspect $LAB_STATE, then run lab.sh destroy"
  for h in $(lab_hosts | tail -n +2); do seed_capabilities_cache "$first" "$h"; start_holder "$h" hypervisor; done
  if [[ $attacker == 1 ]]; then start_holder "$LAB_ATTACKER" client; fi
  for h in $(lab_hosts | tail -n +2); do
    wait_holder "$h" 180 || die "create failed; inspect $LAB_STATE, then run lab.sh destroy"
  done
  if [[ $attacker == 1 ]]; then wait_holder "$LAB_ATTACKER" 60 || die "create failed (attacker)"; fi
  print_env > "$LAB_STATE/lab.env"
  touch "$LAB_STATE/created"
  log "lab created: $(lab_hosts | tr '\n' ' ')$([[ $attacker == 1 ]] && echo "+ $LAB_ATTACKER") in $(elapsed "$t0") s (state $LAB_STATE)"
}

# ---- env / status / exec -----------------------------------------------------------
env_key() { local k=${1//-/_}; echo "VIRTGATE_LAB_${k^^}"; }

kv() {   # kv KEY VALUE... : KEY=VALUE lines, sourceable by sh, trivially parsed by other tools
  while [[ $# -ge 2 ]]; do
    if [[ $2 =~ ^[A-Za-z0-9_./:,@+=-]*$ ]]; then printf '%s=%s\n' "$1" "$2"
    else printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"; fi
    shift 2
  done
}

print_member_env() {
  local h=$1 k pid
  k=$(env_key "$h")
  pid=$(holder_pid "$h" 2>/dev/null || echo "")
  kv "${k}_FQDN" "$(host_fqdn "$h")" "${k}_ADDR" "$(host_addr "$h")" \
    "${k}_NETNS" "$(host_ns "$h")" "${k}_PID" "$pid" "${k}_DIR" "$(host_dir "$h")"
  if [[ $h != "$LAB_ATTACKER" ]]; then kv "${k}_MIGRATION_ADDR" "$(host_mig_addr "$h")"; fi
  if [[ -f $(host_dir "$h")/host_uuid ]]; then
    # SASL realm = the canonical FQDN (what saslpasswd2 -u needs; measured, see README)
    kv "${k}_HOST_UUID" "$(cat "$(host_dir "$h")/host_uuid")" "${k}_SASL_REALM" "$(host_fqdn "$h")"
  fi
}

print_env() {
  lab_exists || die "no lab in $LAB_STATE"
  kv VIRTGATE_LAB_STATE "$LAB_STATE" \
    VIRTGATE_LAB_HOSTS "$(lab_hosts | paste -sd, -)" \
    VIRTGATE_LAB_DOMAIN "$LAB_DOMAIN" \
    VIRTGATE_LAB_SUBNET "$LAB_NET.0/24" \
    VIRTGATE_LAB_MIGRATION_SUBNET "$LAB_MIG_NET.0/24" \
    VIRTGATE_LAB_BRIDGE_NETNS "$LAB_BRIDGE_NS" \
    VIRTGATE_LAB_VIRT_TYPE "$(lab_virt_type)" \
    VIRTGATE_LAB_LIBVIRTD_CTL "$LAB_DIR/lib/libvirtd-ctl.sh" \
    VIRTGATE_LAB_ATTACKER "$(lab_has_attacker && echo "$LAB_ATTACKER" || echo "")"
  local h
  for h in $(lab_hosts); do print_member_env "$h"; done
  if lab_has_attacker; then print_member_env "$LAB_ATTACKER"; fi
}

cmd_status() {
  lab_exists || { echo "no lab in $LAB_STATE"; return 3; }
  local h pid rc=0
  printf '%-10s %-16s %-8s %-10s %-14s %s\n' HOST ADDR HOLDER LIBVIRTD LISTEN DOMAINS
  for h in $(lab_hosts) $(lab_has_attacker && echo "$LAB_ATTACKER"); do
    local lv="-" listen="-" doms="-"
    if pid=$(holder_pid "$h"); then
      if [[ $h != "$LAB_ATTACKER" ]]; then
        if in_host "$h" bash "$LAB_DIR/lib/libvirtd-ctl.sh" status >/dev/null 2>&1; then
          lv=up
          doms=$(in_host "$h" virsh -q -c qemu:///system list --all --name 2>/dev/null | paste -sd, -)
          [[ -n $doms ]] || doms="(none)"
        else lv=DOWN; rc=1; fi
        listen=$(in_host "$h" ss -ltnH 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }' |
                 grep -E '^(16509|16514)$' | sort -u | paste -sd, -)
        [[ -n $listen ]] || listen="none"
      fi
    else pid="DEAD"; rc=1; fi
    printf '%-10s %-16s %-8s %-10s %-14s %s\n' "$h" "$(host_addr "$h")" "$pid" "$lv" "$listen" "$doms"
  done
  return $rc
}

cmd_exec() {
  [[ $# -ge 2 ]] || usage
  local h=$1; shift
  in_host "$h" "$@"
}

cmd_libvirtd() {
  [[ $# -eq 2 ]] || usage
  in_host "$1" bash "$LAB_DIR/lib/libvirtd-ctl.sh" "$2"
}

# ---- destroy -------------------------------------------------------------------
kill_pids() {   # kill_pids PID... : TERM, wait up to 10 s, then KILL; by PID only
  local pids=("$@") i p alive
  [[ ${#pids[@]} -gt 0 ]] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive=()
    for p in "${pids[@]}"; do pid_alive "$p" && alive+=("$p"); done
    [[ ${#alive[@]} -eq 0 ]] && return 0
    sleep 0.1
  done
  log "still alive after SIGTERM, sending SIGKILL: ${alive[*]}"
  kill -KILL "${alive[@]}" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive=()
    for p in "${pids[@]}"; do pid_alive "$p" && alive+=("$p"); done
    [[ ${#alive[@]} -eq 0 ]] && return 0
    sleep 0.1
  done
}

wait_reaped() {   # exited lab processes can stay zombies of PID 1 for a moment; wait up to 5 s
  local i p left
  for ((i = 0; i < 50; i++)); do
    left=0
    for p in "$@"; do [[ -e /proc/$p ]] && left=1; done
    [[ $left == 0 ]] && return 0
    sleep 0.1
  done
}

stop_host_gracefully() {   # domains first (QEMU exits cleanly), then libvirtd and virtlogd
  local h=$1 dom
  holder_pid "$h" >/dev/null 2>&1 || return 0
  [[ -f $(host_dir "$h")/host_uuid ]] || return 0
  for dom in $(timeout 15 nsenter -t "$(holder_pid "$h")" -n -m -u -- virsh -q -c qemu:///system list --name 2>/dev/null || true); do
    timeout 20 nsenter -t "$(holder_pid "$h")" -n -m -u -- virsh -q -c qemu:///system destroy "$dom" >/dev/null 2>&1 || true
  done
  timeout 40 nsenter -t "$(holder_pid "$h")" -n -m -u -- bash "$LAB_DIR/lib/libvirtd-ctl.sh" stop-all >/dev/null 2>&1 || true
}

lab_namespaces() {
  { echo "$LAB_BRIDGE_NS"; echo "$LAB_ATTACKER_NS"; lab_hosts; stray_namespaces; } | sort -u |
    while read -r ns; do [[ -e /run/netns/$ns ]] && echo "$ns"; done
  return 0
}

cmd_destroy() {
  require_root
  lock_lab
  local t0 h ns d pid start pids
  t0=$(now)
  # control-plane forwards (forward.sh): their root-namespace halves are in no lab namespace
  if lab_exists && [[ -f $LAB_DIR/forward.sh ]]; then bash "$LAB_DIR/forward.sh" stop-all || true; fi
  local seen=()                        # every PID of the lab, to wait until PID 1 has reaped it
  for ns in $(lab_namespaces); do mapfile -t -O "${#seen[@]}" seen < <(ip netns pids "$ns" 2>/dev/null || true); done
  if lab_exists; then
    for h in $(lab_hosts); do stop_host_gracefully "$h" & done
    wait
  fi
  for ns in $(lab_namespaces); do      # every process left in a lab network namespace
    mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
    if [[ ${#pids[@]} -gt 0 ]]; then log "stopping ${#pids[@]} process(es) in netns $ns"; kill_pids "${pids[@]}"; fi
  done
  if lab_exists; then                  # holders whose namespace name is already gone
    for d in "$LAB_STATE"/hosts/*/; do
      [[ -f $d/holder.pid ]] || continue
      read -r pid start < "$d/holder.pid" || continue
      if pid_matches "$pid" "$start"; then kill_pids "$pid"; fi
    done
  fi
  for ns in $(lab_namespaces); do
    [[ $ns == "$LAB_BRIDGE_NS" ]] && continue
    ip -n "$LAB_BRIDGE_NS" link del "v-$ns" 2>/dev/null || true
    ip -n "$LAB_BRIDGE_NS" link del "m-$ns" 2>/dev/null || true
  done
  for ns in $(lab_namespaces); do ip netns del "$ns" && log "deleted netns $ns"; done
  ip -n "$LAB_BRIDGE_NS" link del "v-$LAB_ATTACKER" 2>/dev/null || true
  if lab_exists; then
    # The empty mount-point directories made by create (/etc/pki, /var/lib/libvirt, ...) stay:
    # they may be mount points in other mount namespaces on this machine, and removing them
    # would silently detach those mounts. They are listed in created-mountpoints until now.
    if [[ -f $LAB_STATE/created-netns-mount ]] && [[ -z $(ls -A /run/netns 2>/dev/null) ]]; then
      umount /run/netns 2>/dev/null || true
      rmdir /run/netns 2>/dev/null || true
    fi
    rm -rf -- "$LAB_STATE"
  elif [[ -e $LAB_STATE ]]; then
    log "leaving $LAB_STATE alone: it is not a lab state dir (no $LAB_MARKER)"
  fi
  wait_reaped "${seen[@]}"
  log "lab destroyed in $(elapsed "$t0") s"
}

main() {
  [[ $# -ge 1 ]] || usage
  local cmd=$1; shift
  case "$cmd" in
    create) cmd_create "$@" ;;
    destroy) cmd_destroy ;;
    status) cmd_status ;;
    env) print_env ;;
    exec) cmd_exec "$@" ;;
    pid) [[ $# -eq 1 ]] || usage; holder_pid "$1" || die "$1 is not running" ;;
    libvirtd) cmd_libvirtd "$@" ;;
    -h|--help|help) usage ;;
    *) usage ;;
  esac
}

main "$@"
