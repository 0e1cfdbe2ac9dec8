#!/usr/bin/env bash
# End-to-end proof of the lab, independent of virtgate's Java code:
#   2 hosts + attacker; baseline is insecure (attacker gets in); throwaway CA + per-host
#   ECDSA P-256 certs (libvirt + QEMU migration TLS); lock down (TLS on, TCP needs SASL,
#   tls_allowed_dn_list); guest counts on h1; live-migrate h1->h2 with QEMU native TLS,
#   h2->h1 tunnelled over libvirtd TLS, h1->h2 tunnelled over TCP+SASL; the counter must keep
#   growing across every move; the attacker is refused four ways; table; destroy.
# Usage: smoke.sh   (needs root; refuses to run while another lab exists)
# Env:   VIRTGATE_GUEST_MEMORY_MIB, VIRTGATE_GUEST_FILL, VIRTGATE_LAB_VIRT_TYPE (see guest.sh)
#        VIRTGATE_SMOKE_KEEP=1 keeps the lab at the end (for inspection)
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

LAB="$LAB_DIR/lab.sh"
GUEST="$LAB_DIR/guest.sh"
DOM=vg-guest
H1=vg-h1 H2=vg-h2
SASL_USER=vg-migrate
ROWS=()        # result table
FAILS=0

step() { printf '\n== %s\n' "$*" >&2; }
ok()   { printf '   ok: %s\n' "$*" >&2; }
bad()  { printf '   FAIL: %s\n' "$*" >&2; FAILS=$((FAILS + 1)); }

# shellcheck disable=SC2317 # called from lib/secure-setup.sh, sourced below
fqdn() { host_fqdn "$1"; }
# shellcheck disable=SC2317
hd()   { host_dir "$1"; }

# PKI (make_ca, make_cert, install_pki, setup_pki), lockdown_conf, setup_sasl: shared with
# bench-modes.sh and attacker.sh
# shellcheck source=lib/secure-setup.sh
source "$LAB_DIR/lib/secure-setup.sh"

# ---- probes ---------------------------------------------------------------------------
attacker_virsh() {   # attacker_virsh URI [AUTHFILE] : prints virsh output, returns its status
  local uri=$1 auth=${2:-/dev/null}
  in_host attacker env LIBVIRT_AUTH_FILE="$auth" timeout 20 virsh -c "$uri" hostname </dev/null 2>&1
}

expect_accepted() {
  local out
  if out=$(attacker_virsh "$1"); then ok "$2: ACCEPTED (answered: $out)"; ROWS+=("probe|$2|accepted (expected for the baseline)|")
  else bad "$2: expected the insecure baseline to accept: $out"; fi
}

server_log_since() {   # server_log_since HOST LINE : first real error the server logged after LINE
  tail -n +"$(($2 + 1))" "$(hd "$1")/var/log/libvirt/libvirtd.log" 2>/dev/null |
    grep ': error : ' | grep -v -E 'virNetSocketReadWire|remoteDispatchAuth' | head -n 1 |
    sed -E 's/^.*: error : [A-Za-z0-9_]+:[0-9]+ : //' || true
}

expect_refused() {   # expect_refused LABEL URI [AUTHFILE] : the client fails AND the server says why
  local label=$1 out t0 mark why
  mark=$(wc -l < "$(hd $H1)/var/log/libvirt/libvirtd.log")
  t0=$(now)
  if out=$(attacker_virsh "$2" "${3:-/dev/null}"); then
    bad "$label: ACCEPTED ($out)"; ROWS+=("refusal|$label|ACCEPTED|"); return 0
  fi
  sleep 0.2
  why=$(server_log_since $H1 "$mark")
  out=$(grep 'error' <<< "$out" | tail -n 1 | sed 's/^error: //')
  ok "$label: refused; client: $out; $H1 log: ${why:-(nothing logged)}"
  [[ -n $why ]] || why="client could not authenticate ($out); server requires auth_tcp=sasl"
  ROWS+=("refusal|$label|refused: $why|$(elapsed "$t0")")
}

set_attacker_tls() {   # set_attacker_tls lab|evil : the attacker's client certificate
  local pki="$LAB_STATE/smoke-pki" p; p="$(hd attacker)/etc/pki"
  if [[ $1 == lab ]]; then install_pki attacker "$pki/ca" "$pki/attacker"
  else install_pki attacker "$pki/ca" "$pki/evil" "$pki/both-cas.pem"; fi
  [[ -d $p ]]
}

# ---- migration ------------------------------------------------------------------------
migrate() {   # migrate LABEL SRC DST URI_SCHEME VIRSH_FLAGS...
  local label=$1 src=$2 dst=$3 scheme=$4; shift 4
  local c_before c_after t0 wall info downtime data
  c_before=$("$GUEST" counter "$src" "$DOM")
  t0=$(now)
  if ! in_host "$src" virsh -q -c qemu:///system migrate --live --p2p --persistent --undefinesource "$@" \
         "$DOM" "$scheme://$(fqdn "$dst")/system" 2>&1; then
    bad "$label: migration failed"; ROWS+=("migration|$label|FAILED|$(elapsed "$t0")"); return 0
  fi
  wall=$(elapsed "$t0")
  c_after=$("$GUEST" counter "$dst" "$DOM")
  info=$(in_host "$dst" virsh -q -c qemu:///system domjobinfo --completed "$DOM" 2>/dev/null || true)
  downtime=$(awk -F: '/^Total downtime/ { gsub(/ /, "", $2); print $2 }' <<< "$info")
  data=$(awk -F: '/^Memory processed/ { sub(/^ +/, "", $2); print $2 }' <<< "$info")
  if (( c_after > c_before )) && [[ $(in_host "$src" virsh -q -c qemu:///system list --name) != *"$DOM"* ]]; then
    ok "$label: $src -> $dst in $wall s; counter $c_before on $src -> $c_after on $dst (kept counting)"
    ROWS+=("migration|$label $src->$dst|counter $c_before -> $c_after, downtime ${downtime:-?}, memory ${data:-?}|$wall")
  else
    bad "$label: counter $c_before on $src -> $c_after on $dst (reset or not moved)"
    ROWS+=("migration|$label $src->$dst|COUNTER $c_before -> $c_after|$wall")
  fi
}

expect_tls_migration_refused() {   # --tls must fail, not fall back, when the destination lacks QEMU TLS files
  local q t0 out c
  q="$(hd $H2)/etc/pki/qemu"
  mv "$q" "$q.off"
  t0=$(now)
  if out=$(in_host $H1 virsh -q -c qemu:///system migrate --live --p2p --tls "$DOM" "qemu+tls://$(fqdn $H2)/system" 2>&1); then
    bad "--tls migration to a host without /etc/pki/qemu succeeded"; ROWS+=("refusal|--tls, destination without QEMU TLS certs|MIGRATED|")
  else
    out=$(grep 'error' <<< "$out" | tail -n 1 | sed 's/^error: //')
    c=$("$GUEST" counter $H1 "$DOM")
    ok "--tls migration to a host without QEMU TLS certs refused ($out); guest still counting on $H1 ($c)"
    ROWS+=("refusal|--tls migration, destination lacks /etc/pki/qemu|refused, no clear-text fallback: $out|$(elapsed "$t0")")
  fi
  mv "$q.off" "$q"
}

print_table() {
  printf '\n%-9s | %-56s | %-7s | %s\n' kind "mode" "wall s" result >&2
  printf '%s\n' "----------+----------------------------------------------------------+---------+-------------------------------" >&2
  local r k m res w
  for r in "${ROWS[@]}"; do
    IFS='|' read -r k m res w <<< "$r"
    printf '%-9s | %-56s | %7s | %s\n' "$k" "$m" "$w" "$res" >&2
  done
}

cleanup() {
  local rc=$?
  if [[ ${VIRTGATE_SMOKE_KEEP:-0} == 1 ]]; then log "VIRTGATE_SMOKE_KEEP=1: lab left running"; return; fi
  "$LAB" destroy >&2 || rc=1
  exit "$rc"
}

main() {
  require_root
  trap 'echo "smoke.sh: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR
  local T0 t
  T0=$(now)
  [[ ! -e $LAB_STATE/$LAB_MARKER ]] || die "a lab already exists in $LAB_STATE; smoke needs its own (lab.sh destroy first)"
  trap cleanup EXIT

  step "create 2 hosts + attacker"
  t=$(now); "$LAB" create 2 --attacker; ROWS+=("lab|create 2 hosts + attacker|ok|$(elapsed "$t")")

  step "baseline (insecure, as the lab creates it): unauthenticated TCP from the attacker"
  expect_accepted "qemu+tcp://$(fqdn $H1)/system" "baseline qemu+tcp, no credentials"

  step "PKI, SASL and lock-down"
  setup_pki
  setup_sasl
  lockdown_conf $H1; lockdown_conf $H2
  t=$(now); "$LAB" libvirtd $H1 restart; "$LAB" libvirtd $H2 restart
  ok "listen_tls = 1, auth_tcp = sasl, tls_allowed_dn_list; both libvirtd restarted in $(elapsed "$t") s"
  "$LAB" status >&2

  step "guest on $H1 ($(lab_virt_type), ${VIRTGATE_GUEST_MEMORY_MIB:-128} MiB, fill ${VIRTGATE_GUEST_FILL:-0})"
  "$GUEST" start $H1 "$DOM"
  sleep 1

  step "live migrations"
  expect_tls_migration_refused
  migrate "QEMU native TLS (--tls, qemu+tls)" $H1 $H2 qemu+tls --tls
  migrate "tunnelled over libvirtd TLS (qemu+tls)" $H2 $H1 qemu+tls --tunnelled
  migrate "tunnelled over TCP+SASL (qemu+tcp)" $H1 $H2 qemu+tcp --tunnelled

  step "refusals (from the attacker namespace)"
  expect_refused "qemu+tcp without credentials" "qemu+tcp://$(fqdn $H1)/system"
  printf '[credentials-x]\nauthname=%s\npassword=wrong\n[auth-libvirt-%s]\ncredentials=x\n' \
    "$SASL_USER" "$(fqdn $H1)" > "$(hd attacker)/etc/libvirt/wrong-auth.conf"
  expect_refused "qemu+tcp with a wrong SASL password" "qemu+tcp://$(fqdn $H1)/system" /etc/libvirt/wrong-auth.conf
  set_attacker_tls evil
  expect_refused "qemu+tls, client cert from a foreign CA (CA bundle)" "qemu+tls://$(fqdn $H1)/system"
  set_attacker_tls lab
  expect_refused "qemu+tls, lab-CA cert, DN not allowed" "qemu+tls://$(fqdn $H1)/system"

  "$GUEST" destroy $H2 "$DOM" || true
  t=$(now); trap - EXIT
  if [[ ${VIRTGATE_SMOKE_KEEP:-0} != 1 ]]; then "$LAB" destroy; ROWS+=("lab|destroy|ok|$(elapsed "$t")"); fi
  ROWS+=("total|smoke.sh|$([[ $FAILS == 0 ]] && echo PASS || echo "FAIL ($FAILS)")|$(elapsed "$T0")")
  print_table
  local left
  left=$(ip netns list | grep -E '^(vg-lab|vg-attacker|vg-h[0-9]+)( |$)' || true)
  [[ -z $left || ${VIRTGATE_SMOKE_KEEP:-0} == 1 ]] || { echo "leftover namespaces: $left" >&2; FAILS=$((FAILS + 1)); }
  [[ $FAILS == 0 ]]
}

main "$@"
