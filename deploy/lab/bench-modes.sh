#!/usr/bin/env bash
# Migration security modes, measured on the same guest and host pair in one run:
#   TLS_NATIVE      --live --p2p --tls        over qemu+tls   (QEMU native TLS for the memory stream)
#   TLS_TUNNELLED   --live --p2p --tunnelled  over qemu+tls   (memory inside libvirtd's TLS connection)
#   SASL_TUNNELLED  --live --p2p --tunnelled  over qemu+tcp   (memory inside the SASL digest-md5 layer)
#   PLAIN_TCP       --live --p2p              over qemu+tcp   (lab only: memory crosses in CLEAR)
#   <MODE>_P<n>     TLS_NATIVE or PLAIN_TCP plus --parallel --parallel-connections n (multifd: n
#                   memory connections, each with its own TLS session under TLS_NATIVE); libvirt
#                   refuses --parallel with --tunnelled, so the tunnelled modes have no _P<n>
#   TLS_PROXY[_P<n>] lab experiment (lib/tls-proxy.sh): QEMU's stream in clear only on each host's
#                   own loopback, carried between the hosts inside TLS by a user-space proxy (socat,
#                   OpenSSL), as an agent-terminated TLS mode would; not in the default modes
#   TLS_AGENT_PROXY --live --p2p over qemu+tls, QEMU's stream through the host agent's own migration
#                   proxy (lib/agent-proxy.sh: the agent's Java classes, TLS 1.3 between the hosts,
#                   clear only on each host's 127.0.0.1), as virtgate's TLS_AGENT_PROXY mode runs it
# For every guest size: REPS migrations per mode (alternating h1->h2, h2->h1), medians of
#   wall      virsh migrate, as the operator waits for it
#   job       libvirt's "Time elapsed" of the completed job (includes starting QEMU on the destination)
#   transfer  "Memory processed" / "Memory bandwidth" (QEMU's own rate): the time the RAM was on the wire
#   MiB/s     "Memory bandwidth"; ratio = mode / PLAIN_TCP of the same guest
#   downtime  "Total downtime"; vs clear = mode's downtime / PLAIN_TCP's
# The guest's counter must grow across every migration (live RAM moved); a reset counts as a failure.
# Creates and destroys its own lab (needs root; refuses to run while another lab exists).
# Env: VIRTGATE_BENCH_GUESTS  "MiB:fill ..." (default "128:0 512:1"; fill=1 = non-zero RAM)
#      VIRTGATE_BENCH_REPS    migrations per mode and guest (default 3)
#      VIRTGATE_BENCH_OUT     also write the markdown table to this file
#      VIRTGATE_BENCH_MODES   the modes, in order (default: all above with _P2 and _P4 for TLS_NATIVE,
#                             _P2 for PLAIN_TCP); PLAIN_TCP is always measured (the ratios' base)
#      VIRTGATE_LAB_VIRT_TYPE qemu (TCG, default) | kvm | auto
#      VIRTGATE_BENCH_PROFILE 1 = also a CPU profile of each mode's last migration: CPU seconds per
#                             thread (QEMU names them: live_migration, multifdsend_N, CPU 0/TCG, ...)
#                             of the QEMU and libvirtd processes of both lab hosts, source and destination
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

LAB="$LAB_DIR/lab.sh"
GUEST="$LAB_DIR/guest.sh"
H1=vg-h1 H2=vg-h2
DOM=vg-bench
GUESTS=${VIRTGATE_BENCH_GUESTS:-128:0 512:1}
REPS=${VIRTGATE_BENCH_REPS:-3}
read -r -a MODES <<< "${VIRTGATE_BENCH_MODES:-TLS_NATIVE TLS_NATIVE_P2 TLS_NATIVE_P4 TLS_TUNNELLED SASL_TUNNELLED PLAIN_TCP PLAIN_TCP_P2}"
[[ " ${MODES[*]} " == *" PLAIN_TCP "* ]] || MODES+=(PLAIN_TCP)
FAILS=0
WHERE=$H1      # where the guest runs now

ok()  { printf '   ok: %s\n' "$*" >&2; }
LAB_PKI_DIR="$LAB_STATE/bench-pki"
# shellcheck source=lib/secure-setup.sh
source "$LAB_DIR/lib/secure-setup.sh"
# shellcheck source=lib/tls-proxy.sh
source "$LAB_DIR/lib/tls-proxy.sh"
# shellcheck source=lib/agent-proxy.sh
source "$LAB_DIR/lib/agent-proxy.sh"

mode_args() {   # mode_args MODE : URI scheme, then the virsh flags
  local base=$1 parallel=""
  if [[ $1 =~ ^(TLS_NATIVE|PLAIN_TCP|TLS_PROXY)_P([1-9]|1[0-6])$ ]]; then
    base=${BASH_REMATCH[1]} parallel="--parallel --parallel-connections ${BASH_REMATCH[2]}"
  fi
  case "$base" in
    TLS_NATIVE) echo "qemu+tls --tls $parallel" ;;
    TLS_TUNNELLED) echo "qemu+tls --tunnelled" ;;
    SASL_TUNNELLED) echo "qemu+tcp --tunnelled" ;;
    PLAIN_TCP) echo "qemu+tcp $parallel" ;;
    TLS_PROXY) echo "qemu+tls $parallel" ;;
    TLS_AGENT_PROXY) echo "qemu+tls" ;;
    *) die "unknown mode $1 (TLS_NATIVE[_P<1-16>], TLS_TUNNELLED, SASL_TUNNELLED, PLAIN_TCP[_P<1-16>], TLS_PROXY[_P<1-16>], TLS_AGENT_PROXY)" ;;
  esac
}

to_mib() {   # to_mib "712.802 KiB" -> MiB
  awk '{ v = $1; u = $2; f = (u == "B") ? 1/1048576 : (u == "KiB") ? 1/1024 : (u == "MiB") ? 1 : (u == "GiB") ? 1024 : 0; printf "%.3f", v * f }' <<< "$1"
}
field() { awk -F': *' -v k="$1" '$1 == k { sub(/ +$/, "", $2); print $2; exit }' <<< "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a == a + 0) printf "%.2f", a / b; else print "-" }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

migrate_once() {   # migrate_once MODE : prints "wall_s job_ms transfer_s mibps downtime_ms mem_mib" or fails
  local mode=$1 src=$WHERE dst scheme flags c0 c1 t0 wall info mem bw
  dst=$([[ $src == "$H1" ]] && echo $H2 || echo $H1)
  read -r scheme flags <<< "$(mode_args "$mode")"
  [[ $mode != TLS_PROXY* ]] || flags="$flags $(proxy_flags "$src")"
  if [[ $mode == TLS_AGENT_PROXY ]]; then start_agent_relay "$src" "$dst"; flags="$flags $RELAY_FLAGS"; fi
  c0=$("$GUEST" counter "$src" "$DOM" 2>/dev/null)
  profile_start "$src"
  t0=$(now)
  # shellcheck disable=SC2086
  if ! in_host "$src" virsh -q -c qemu:///system migrate --live --p2p --persistent --undefinesource $flags \
        "$DOM" "$scheme://$(fqdn "$dst")/system" >&2; then
    profile_stop "$mode"
    printf '   FAIL: %s %s->%s: migration failed\n' "$mode" "$src" "$dst" >&2; return 1
  fi
  wall=$(elapsed "$t0")
  profile_stop "$mode ($src->$dst, ${wall} s)"
  WHERE=$dst
  c1=$("$GUEST" counter "$dst" "$DOM" 2>/dev/null || echo 0)
  if (( c1 <= c0 )); then printf '   FAIL: %s: counter %s -> %s (memory not carried)\n' "$mode" "$c0" "$c1" >&2; return 1; fi
  info=$(in_host "$dst" virsh -q -c qemu:///system domjobinfo --completed "$DOM")
  mem=$(to_mib "$(field 'Memory processed' "$info")")
  bw=$(to_mib "$(field 'Memory bandwidth' "$info" | sed 's#/s##')")
  awk -v w="$wall" -v j="$(field 'Time elapsed' "$info" | awk '{ print $1 }')" -v m="$mem" -v b="$bw" \
      -v d="$(field 'Total downtime' "$info" | awk '{ print $1 }')" \
      'BEGIN { printf "%s %s %.3f %.1f %s %.1f\n", w, j, (b > 0 ? m / b : 0), b, d, m }'
  printf '   %-14s %s->%s wall %s s, counter %s -> %s, %.1f MiB at %s MiB/s\n' "$mode" "$src" "$dst" "$wall" "$c0" "$c1" "$mem" "$bw" >&2
}

# ---- optional CPU profile: /proc per-thread utime+stime of the lab hosts' qemu and libvirtd ----
PROFILES=()
lab_threads() {   # lab_threads SRC_HOST : "side pid tid ticks comm" for every thread of the two lab hosts
  local src_ns p ns comm
  src_ns=$(readlink "/proc/$(holder_pid "$1")/ns/net")
  for p in $(pgrep -f '^/usr/bin/qemu-system|^libvirtd |^java .*LabMigrationProxy'); do
    ns=$(readlink "/proc/$p/ns/net" 2>/dev/null) || continue
    [[ " ${LAB_NETNS[*]} " == *" $ns "* ]] || continue
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    # fields after the ")" of stat: 14th/15th of the line are utime/stime
    awk -v side="$([[ $ns == "$src_ns" ]] && echo src || echo dst)" -v pid="$p" -v proc="${comm%%-*}" '
      { sub(/^.*\) /, ""); split($0, f, " "); tid = FILENAME; sub(/^.*task\//, "", tid); sub(/\/stat$/, "", tid)
        c = FILENAME; sub(/stat$/, "comm", c); getline name < c; close(c); gsub(/ /, "_", name)
        print side, pid, tid, f[12] + f[13], proc ":" name }' /proc/"$p"/task/*/stat 2>/dev/null
  done
}
profile_start() {   # profile_start SRC_HOST : samples every 0.2 s into $LAB_STATE/profile until profile_stop
  [[ ${VIRTGATE_BENCH_PROFILE:-0} == 1 ]] || return 0
  lab_threads "$1" | sed 's/^/0 /' > "$LAB_STATE/profile"
  ( while :; do lab_threads "$1" | sed 's/^/1 /' >> "$LAB_STATE/profile"; sleep 0.2; done ) &
  PROFILER=$!
}
profile_stop() {   # profile_stop MODE : CPU seconds per process:thread and side, largest first
  [[ ${VIRTGATE_BENCH_PROFILE:-0} == 1 ]] || return 0
  kill "$PROFILER" 2>/dev/null || true; wait "$PROFILER" 2>/dev/null || true
  local hz; hz=$(getconf CLK_TCK)
  PROFILES+=("$1: $(awk -v hz="$hz" '
      $1 == 0 { base[$3 " " $4] = $5; next }
      { k = $3 " " $4; last[k] = $5; name[k] = $2 " " $6 }
      END { for (k in last) { d = last[k] - base[k]; if (d > 0) sum[name[k]] += d }
            for (n in sum) printf "%s %.2f\n", n, sum[n] / hz }' "$LAB_STATE/profile" \
    | sort -k3 -g -r | head -8 | awk '{ printf "%s%s %s %ss", (NR > 1 ? ", " : ""), $1, $2, $3 }')")
}

ROWS=()
bench_guest() {   # bench_guest MEMORY_MIB FILL
  local mib=$1 fill=$2 mode r plain_bw bw
  local -A med_wall med_job med_tr med_bw med_dt med_mem nok
  export VIRTGATE_GUEST_MEMORY_MIB=$mib VIRTGATE_GUEST_FILL=$fill
  printf '\n== guest %s MiB, fill %s (%s)\n' "$mib" "$fill" "$(lab_virt_type)" >&2
  WHERE=$H1
  "$GUEST" start $H1 "$DOM"
  for mode in "${MODES[@]}"; do
    local samples=()
    for ((r = 0; r < REPS; r++)); do
      # no $(...) here: migrate_once must update WHERE in this shell
      if migrate_once "$mode" > "$LAB_STATE/bench-sample"; then samples+=("$(<"$LAB_STATE/bench-sample")")
      else FAILS=$((FAILS + 1)); fi
    done
    nok[$mode]=${#samples[@]}
    med_wall[$mode]=$(printf '%s\n' "${samples[@]}" | awk 'NF { print $1 }' | median)
    med_job[$mode]=$(printf '%s\n' "${samples[@]}" | awk 'NF { print $2 }' | median)
    med_tr[$mode]=$(printf '%s\n' "${samples[@]}" | awk 'NF { print $3 }' | median)
    med_bw[$mode]=$(printf '%s\n' "${samples[@]}" | awk 'NF { print $4 }' | median)
    med_dt[$mode]=$(printf '%s\n' "${samples[@]}" | awk 'NF { print $5 }' | median)
    med_mem[$mode]=$(printf '%s\n' "${samples[@]}" | awk 'NF { print $6 }' | median)
  done
  "$GUEST" destroy "$WHERE" "$DOM" >/dev/null 2>&1 || true
  plain_bw=${med_bw[PLAIN_TCP]}
  for mode in "${MODES[@]}"; do
    bw=${med_bw[$mode]}
    ROWS+=("$(printf '| %s MiB%s | %s | %s/%s | %s | %s | %s | %s | %s | %s | %s | %s |' "$mib" "$([[ $fill == 1 ]] && echo ', filled' || echo ', zero')" \
      "$mode" "${nok[$mode]}" "$REPS" "${med_wall[$mode]}" "${med_job[$mode]}" "${med_tr[$mode]}" "${med_mem[$mode]}" \
      "$bw" "$(ratio "$bw" "$plain_bw")" "${med_dt[$mode]}" "$(ratio "${med_dt[$mode]}" "${med_dt[PLAIN_TCP]}")")")
  done
}

cleanup() {
  local rc=$?
  stop_tls_proxies
  stop_agent_proxies
  "$LAB" destroy >&2 || rc=1
  exit "$rc"
}

main() {
  require_root
  [[ ! -e $LAB_STATE/$LAB_MARKER ]] || die "a lab already exists in $LAB_STATE; bench-modes.sh needs its own (lab.sh destroy first)"
  [[ $REPS =~ ^[1-9][0-9]*$ ]] || die "VIRTGATE_BENCH_REPS must be a positive number"
  local m; for m in "${MODES[@]}"; do mode_args "$m" >/dev/null; done
  local T0 spec; T0=$(now)
  trap cleanup EXIT
  "$LAB" create 2
  setup_pki
  setup_sasl
  lockdown_conf $H1; lockdown_conf $H2
  "$LAB" libvirtd $H1 restart; "$LAB" libvirtd $H2 restart
  LAB_NETNS=("$(readlink "/proc/$(holder_pid $H1)/ns/net")" "$(readlink "/proc/$(holder_pid $H2)/ns/net")")
  ok "TLS (lab CA, ECDSA P-256) + SASL digest-md5 on both hosts"
  [[ " ${MODES[*]} " != *" TLS_PROXY"* ]] || start_tls_proxies
  [[ " ${MODES[*]} " != *" TLS_AGENT_PROXY "* ]] || start_agent_proxies
  for spec in $GUESTS; do
    [[ $spec =~ ^([0-9]+):([01])$ ]] || die "VIRTGATE_BENCH_GUESTS entries are MiB:fill (got $spec)"
    bench_guest "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  done
  local table
  table=$(
    echo "Migration modes, $(lab_virt_type), $H1<->$H2 over the lab veth bridge, medians of $REPS per mode ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
    echo
    echo "| guest | mode | ok | wall s | job ms | transfer s | memory MiB | MiB/s | ratio to PLAIN_TCP | downtime ms | downtime vs PLAIN_TCP |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "wall = virsh migrate; job = libvirt Time elapsed (incl. QEMU start on the destination); transfer = Memory processed / Memory bandwidth;"
    echo "MiB/s = QEMU Memory bandwidth; a zero guest sends almost only zero-page markers, so its MiB/s says little. PLAIN_TCP sends memory in clear: lab only."
    if (( ${#PROFILES[@]} > 0 )); then
      echo
      echo "CPU seconds per process:thread during each migration (source and destination host), largest first:"
      printf -- '- %s\n' "${PROFILES[@]}"
    fi
  )
  echo "$table"
  [[ -z ${VIRTGATE_BENCH_OUT:-} ]] || echo "$table" > "$VIRTGATE_BENCH_OUT"
  log "bench done in $(elapsed "$T0") s, $FAILS failed migration(s)"
  [[ $FAILS == 0 ]]
}

main "$@"
