# shellcheck shell=bash disable=SC2034
# Shared settings and helpers of virtgate's lab (sourced by lab.sh, guest.sh, smoke.sh).

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB_STATE="${VIRTGATE_LAB_STATE:-/run/virtgate-lab}"
LAB_NET="${VIRTGATE_LAB_NET:-198.18.42}"           # first three octets of the lab /24
LAB_DOMAIN="${VIRTGATE_LAB_DOMAIN:-lab.virtgate.test}"
LAB_BRIDGE_NS="vg-lab"                                # namespace holding the bridge
LAB_BRIDGE="br-lab"
LAB_MIG_NET="${VIRTGATE_LAB_MIG_NET:-198.18.43}"   # the dedicated migration network's /24 (hypervisors only)
LAB_MIG_BRIDGE="br-mig"
LAB_ATTACKER="attacker"
LAB_ATTACKER_NS="vg-attacker"
LAB_ATTACKER_OCTET=66
LAB_MARKER=".virtgate-lab"                            # only a dir holding this is ever rm -rf'd

# Paths bind-mounted inside every lab host; each gets a private copy under the host dir.
LAB_BIND_DIRS=(/etc/libvirt /etc/pki /etc/sasl2 /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt)
LAB_BIND_FILES=(/etc/hosts /etc/hostname)

LAB_PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
              sasl2-bin libsasl2-modules libsasl2-modules-db gnutls-bin openssl iproute2 util-linux python3)

log()  { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }
now()  { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

require_root() { [[ $(id -u) -eq 0 ]] || die "must run as root"; }

# ---- names -----------------------------------------------------------------
host_dir()  { echo "$LAB_STATE/hosts/$1"; }
host_fqdn() { echo "$1.$LAB_DOMAIN"; }
host_ns() {   # network namespace of a lab host name
  case "$1" in
    "$LAB_ATTACKER"|"$LAB_ATTACKER_NS") echo "$LAB_ATTACKER_NS" ;;
    *) echo "$1" ;;
  esac
}
canon_host() {  # accept vg-h1, h1, 1, attacker, vg-attacker
  case "$1" in
    "$LAB_ATTACKER"|"$LAB_ATTACKER_NS") echo "$LAB_ATTACKER" ;;
    vg-h[0-9]*) echo "$1" ;;
    h[0-9]*) echo "vg-$1" ;;
    [0-9]*) echo "vg-h$1" ;;
    *) echo "$1" ;;
  esac
}
host_addr() {
  local h; h=$(canon_host "$1")
  if [[ $h == "$LAB_ATTACKER" ]]; then echo "$LAB_NET.$LAB_ATTACKER_OCTET"; return; fi
  [[ $h =~ ^vg-h([0-9]+)$ ]] || die "not a lab host: $1"
  echo "$LAB_NET.$((10 + BASH_REMATCH[1]))"
}

# A hypervisor's address on the migration network (eth1): host N = .1N, like the management one.
host_mig_addr() {
  local h; h=$(canon_host "$1")
  [[ $h =~ ^vg-h([0-9]+)$ ]] || die "not a lab hypervisor: $1"
  echo "$LAB_MIG_NET.$((10 + BASH_REMATCH[1]))"
}

# Hosts of the running lab (from the state dir), hypervisors only.
lab_hosts() { if [[ -f $LAB_STATE/hosts.list ]]; then cat "$LAB_STATE/hosts.list"; fi; }
lab_has_attacker() { [[ -f $LAB_STATE/attacker.enabled ]]; }

# ---- process identity: a PID plus its start time, so a recycled PID is never signalled ----
proc_stat() {   # proc_stat PID N : field N of /proc/PID/stat counted after "pid (comm)" (3 = state)
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  awk -v n="$(($2 - 2))" '{ print $n }' <<< "$st"
}
proc_starttime() { proc_stat "$1" 22 || true; }
pid_alive() {   # a zombie (exited, not yet reaped by PID 1) counts as gone
  local st
  st=$(proc_stat "$1" 3) || return 1
  [[ -n $st && $st != Z && $st != X ]]
}
pid_matches() {   # pid_matches PID STARTTIME
  [[ -n ${1:-} && -n ${2:-} ]] && pid_alive "$1" && [[ $(proc_starttime "$1") == "$2" ]]
}

holder_pid() {   # prints the live holder pid of a host or fails
  local d; d=$(host_dir "$(canon_host "$1")")
  [[ -f $d/holder.pid ]] || return 1
  local pid start
  read -r pid start < "$d/holder.pid"
  pid_matches "$pid" "$start" || return 1
  echo "$pid"
}

in_host() {   # in_host HOST CMD... : run a command in the host's net+mount+uts namespaces
  local h pid
  h=$(canon_host "$1"); shift
  pid=$(holder_pid "$h") || die "lab host $h is not running (no live holder process)"
  nsenter -t "$pid" -n -m -u -- "$@"
}

virsh_in() {  # virsh_in HOST ARGS... : local virsh (unix socket, qemu:///system) inside a host
  local h=$1; shift
  in_host "$h" virsh -q -c qemu:///system "$@"
}

# ---- install -----------------------------------------------------------------
ensure_packages() {
  local missing=() p
  for p in "${LAB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_qemu_user() {   # libvirtd looks libvirt-qemu up before it reads qemu.conf
  getent group kvm >/dev/null || groupadd --system kvm
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    useradd --system --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin \
            --gid libvirt-qemu --groups kvm libvirt-qemu
}

# VIRTGATE_LAB_VIRT_TYPE: qemu (TCG, default) or kvm. See README for the measurement.
lab_virt_type() {
  local t="${VIRTGATE_LAB_VIRT_TYPE:-qemu}"
  case "$t" in
    qemu|tcg) echo qemu ;;
    kvm) [[ -r /dev/kvm && -w /dev/kvm ]] || die "VIRTGATE_LAB_VIRT_TYPE=kvm but /dev/kvm is not usable"; echo kvm ;;
    auto) if [[ -r /dev/kvm && -w /dev/kvm ]]; then echo kvm; else echo qemu; fi ;;
    *) die "VIRTGATE_LAB_VIRT_TYPE must be qemu, kvm or auto (got $t)" ;;
  esac
}
