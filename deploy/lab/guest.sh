#!/usr/bin/env bash
# The lab's minimal guest: a boot sector that counts (dword at 0x500) and can fill its RAM.
# usage: guest.sh define|start|counter|info|destroy HOST [NAME]
#   define   build the image (on EVERY lab host, same path, so the guest can migrate) and define
#   start    define if needed, start, wait until the counter runs (and the RAM fill is done)
#   counter  print the counter (decimal), read with: virsh qemu-monitor-command --hmp NAME 'xp /1wx 0x500'
#   info     counter, magic, filled bytes, virt type, state
#   destroy  stop and undefine the domain on HOST (the image stays until lab.sh destroy)
# Environment:
#   VIRTGATE_GUEST_MEMORY_MIB  guest RAM, default 128
#   VIRTGATE_GUEST_FILL        1 = fill RAM from 1 MiB to the top with non-zero data (benchmark), default 0
#   VIRTGATE_GUEST_MODE        tick (1000/s by timer IRQ, idle CPU) | spin (tight loop); default tick,
#                              spin with kvm (see README: this /dev/kvm cannot run the tick mode)
#   VIRTGATE_LAB_VIRT_TYPE     qemu (TCG, default) | kvm | auto
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

COUNTER_ADDR=0x500

usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

guest_mode() {
  local m="${VIRTGATE_GUEST_MODE:-}"
  if [[ -z $m ]]; then [[ $(lab_virt_type) == kvm ]] && m=spin || m=tick; fi
  [[ $m == tick || $m == spin ]] || die "VIRTGATE_GUEST_MODE must be tick or spin"
  echo "$m"
}

image_path() { echo "/var/lib/libvirt/images/$1.img"; }   # as seen inside a lab host

build_image() {   # build_image NAME MEMORY_MIB : same image on every lab host
  local name=$1 mem=$2 fill=0 tmp h
  [[ ${VIRTGATE_GUEST_FILL:-0} == 1 ]] && fill=$mem
  tmp=$(mktemp)
  python3 "$LAB_DIR/guest/mkboot.py" "$tmp" --fill-mib "$fill" --mode "$(guest_mode)"
  for h in $(lab_hosts); do
    install -m 0644 "$tmp" "$(host_dir "$h")/var/lib/libvirt/images/$name.img"
  done
  rm -f "$tmp"
}

domain_xml() {   # domain_xml NAME MEMORY_MIB
  sed -e "s|@NAME@|$1|g" -e "s|@VIRT_TYPE@|$(lab_virt_type)|g" -e "s|@MEMORY_MIB@|$2|g" \
      -e "s|@IMAGE@|$(image_path "$1")|g" "$LAB_DIR/guest/domain.xml.in"
}

is_defined() { virsh_in "$1" dominfo "$2" >/dev/null 2>&1; }
is_running() { [[ $(virsh_in "$1" domstate "$2" 2>/dev/null) == running ]]; }

cmd_define() {
  local h=$1 name=$2 mem="${VIRTGATE_GUEST_MEMORY_MIB:-128}" xml
  [[ $mem =~ ^[0-9]+$ && $mem -ge 16 ]] || die "VIRTGATE_GUEST_MEMORY_MIB must be a number >= 16"
  if [[ $(lab_virt_type) == kvm && ${VIRTGATE_GUEST_FILL:-0} == 1 ]]; then
    log "warning: RAM fill under this kvm is emulated (~1 s per MiB measured); prefer VIRTGATE_LAB_VIRT_TYPE=qemu"
  fi
  build_image "$name" "$mem"
  xml="$(host_dir "$h")/$name.xml"
  domain_xml "$name" "$mem" > "$xml"
  virsh_in "$h" define "$xml" >/dev/null
  log "defined $name on $h ($(lab_virt_type), ${mem} MiB, mode $(guest_mode), fill ${VIRTGATE_GUEST_FILL:-0})"
}

read_word() {   # read_word HOST NAME ADDR : decimal value of the dword at guest-physical ADDR
  local out
  out=$(virsh_in "$1" qemu-monitor-command --hmp "$2" "xp /1wx $3") || return 1
  out=${out##*: }; out=${out//[[:space:]]/}
  [[ $out =~ ^0x[0-9a-fA-F]+$ ]] || return 1
  echo $((out))
}

cmd_counter() { read_word "$1" "$2" "$COUNTER_ADDR" || die "cannot read the counter of $2 on $1"; }

cmd_start() {
  local h=$1 name=$2 i c filled want=0 t0
  is_defined "$h" "$name" || cmd_define "$h" "$name"
  t0=$(now)
  is_running "$h" "$name" || virsh_in "$h" start "$name" >/dev/null
  if [[ ${VIRTGATE_GUEST_FILL:-0} == 1 ]]; then want=$(( ${VIRTGATE_GUEST_MEMORY_MIB:-128} * 1024 * 1024 )); fi
  for ((i = 0; i < 3000; i++)); do
    c=$(read_word "$h" "$name" "$COUNTER_ADDR" 2>/dev/null || echo 0)
    filled=$(read_word "$h" "$name" 0x508 2>/dev/null || echo 0)
    if (( c > 0 && filled >= want )); then
      log "$name running on $h: counter $c after $(elapsed "$t0") s$([[ $want -gt 0 ]] && echo ", RAM filled")"
      return 0
    fi
    sleep 0.2
  done
  die "$name on $h: counter not running after 600 s"
}

cmd_info() {
  local h=$1 name=$2
  echo "state=$(virsh_in "$h" domstate "$name" 2>/dev/null || echo undefined)"
  if is_running "$h" "$name"; then
    echo "counter=$(read_word "$h" "$name" "$COUNTER_ADDR")"
    printf 'magic=0x%08x\n' "$(read_word "$h" "$name" 0x504)"
    echo "filled_bytes=$(read_word "$h" "$name" 0x508)"
  fi
  echo "virt_type=$(virsh_in "$h" dumpxml "$name" 2>/dev/null | sed -n "s/^<domain type='\([a-z]*\)'.*/\1/p")"
}

cmd_destroy() {
  local h=$1 name=$2
  if is_running "$h" "$name"; then virsh_in "$h" destroy "$name" >/dev/null; fi
  if is_defined "$h" "$name"; then virsh_in "$h" undefine "$name" >/dev/null; fi
  log "$name removed from $h"
}

main() {
  [[ $# -ge 2 ]] || usage
  require_root
  local cmd=$1 h name
  h=$(canon_host "$2"); name=${3:-vg-guest}
  holder_pid "$h" >/dev/null || die "lab host $h is not running"
  case "$cmd" in
    define) cmd_define "$h" "$name" ;;
    start) cmd_start "$h" "$name" ;;
    counter) cmd_counter "$h" "$name" ;;
    info) cmd_info "$h" "$name" ;;
    destroy) cmd_destroy "$h" "$name" ;;
    *) usage ;;
  esac
}

main "$@"
