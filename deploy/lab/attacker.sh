#!/usr/bin/env bash
# Security acceptance from the lab's attacker namespace (198.18.42.66, same L2 segment as the hosts):
# against every hypervisor, on 16509 (TCP) and 16514 (TLS), each attempt must be REFUSED:
#   tcp  no credentials                       (LIBVIRT_AUTH_FILE=/dev/null)
#   tcp  wrong SASL password                  (a real user name, a wrong password)
#   tls  no client certificate                (only the CA file)
#   tls  client certificate from a foreign CA (client trusts both CAs, so the SERVER must refuse)
#   tls  revoked certificate                  (a cert of the servers' CA, listed in the CRL they load)
#   tls  valid-CA certificate, DN not allowed (not in tls_allowed_dn_list)
# Prints a PASS/FAIL table with the refusal reason (the server's log line when it logged one);
# exits 1 when any attempt was accepted, 2 when an attempt could not be run (missing input).
#
# usage: attacker.sh --self-contained        create a lab, secure it like smoke.sh (plus a CRL with
#                                             one revoked cert), probe, destroy (VIRTGATE_ATTACKER_KEEP=1 keeps it)
#        attacker.sh [options]                probe a running lab (e.g. one virtgate's agents configured)
# options (each also as env VIRTGATE_ATTACKER_<NAME>, e.g. VIRTGATE_ATTACKER_CA):
#   --ca FILE                    CA bundle the hosts' certificates chain to (the client verifies the servers)
#   --revoked-cert FILE --revoked-key FILE          a revoked certificate of that CA and its key
#   --not-allowed-cert FILE --not-allowed-key FILE  a certificate of that CA whose DN is not allowed
#   --sasl-user NAME             user name for the wrong-password attempt (default virtgate-v1)
#   --hosts h1,h2                hosts to attack (default: every hypervisor of the lab)
#   --out FILE                   also write the table (markdown) to FILE
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

LAB="$LAB_DIR/lab.sh"
SELF=0
CA=${VIRTGATE_ATTACKER_CA:-}
REVOKED_CERT=${VIRTGATE_ATTACKER_REVOKED_CERT:-} REVOKED_KEY=${VIRTGATE_ATTACKER_REVOKED_KEY:-}
NA_CERT=${VIRTGATE_ATTACKER_NOT_ALLOWED_CERT:-} NA_KEY=${VIRTGATE_ATTACKER_NOT_ALLOWED_KEY:-}
SASL_PROBE_USER=${VIRTGATE_ATTACKER_SASL_USER:-virtgate-v1}
TARGETS=${VIRTGATE_ATTACKER_HOSTS:-}
OUT=${VIRTGATE_ATTACKER_OUT:-}
ROWS=()
ACCEPTED=0 NOT_RUN=0
WORK=""

ok() { printf '   ok: %s\n' "$*" >&2; }
usage() { sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

parse_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --self-contained) SELF=1 ;;
      --ca) CA=$2; shift ;;
      --revoked-cert) REVOKED_CERT=$2; shift ;;
      --revoked-key) REVOKED_KEY=$2; shift ;;
      --not-allowed-cert) NA_CERT=$2; shift ;;
      --not-allowed-key) NA_KEY=$2; shift ;;
      --sasl-user) SASL_PROBE_USER=$2; shift ;;
      --hosts) TARGETS=$2; shift ;;
      --out) OUT=$2; shift ;;
      -h|--help) usage ;;
      *) echo "unknown argument: $1" >&2; usage ;;
    esac
    shift
  done
}

# ---- client material: one pkipath directory per attempt (libvirt's ?pkipath= URI parameter) ----
pkidir() {   # pkidir NAME CA_BUNDLE [CERT KEY] : prints the directory
  local d="$WORK/$1"
  mkdir -p "$d"; chmod 700 "$d"
  install -m 0644 "$2" "$d/cacert.pem"
  if [[ -n ${3:-} ]]; then install -m 0644 "$3" "$d/clientcert.pem"; install -m 0600 "$4" "$d/clientkey.pem"; fi
  echo "$d"
}

foreign_material() {   # an own CA and a client cert for the attacker's name; bundle = servers' CA + own CA
  local f="$WORK/foreign" out="$WORK/foreign/evil"
  mkdir -p "$f"
  certtool --generate-privkey --key-type ecdsa --curve secp256r1 --no-text --outfile "$f/ca-key.pem" 2>/dev/null
  printf 'cn = evil CA\norganization = virtgate\nca\ncert_signing_key\nexpiration_days = 2\n' > "$f/ca.info"
  certtool --generate-self-signed --load-privkey "$f/ca-key.pem" --template "$f/ca.info" --outfile "$f/ca-cert.pem" >/dev/null 2>&1
  openssl ecparam -name prime256v1 -genkey -noout -out "$out-key.pem" 2>/dev/null
  printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth, clientAuth\n' > "$out.ext"
  openssl req -new -key "$out-key.pem" -subj "/O=virtgate/CN=$(host_fqdn attacker)" -out "$out.csr" 2>/dev/null
  openssl x509 -req -in "$out.csr" -CA "$f/ca-cert.pem" -CAkey "$f/ca-key.pem" -days 2 -set_serial 7 \
    -extfile "$out.ext" -out "$out-cert.pem" 2>/dev/null
  cat "$CA" "$f/ca-cert.pem" > "$f/both-cas.pem"
}

# ---- one attempt ------------------------------------------------------------------------------
server_logs() {   # the host's libvirtd log files (file output, and stderr when the agent dropped log_outputs)
  local d; d="$(host_dir "$1")/var/log/libvirt"
  for f in "$d/libvirtd.log" "$d/libvirtd.out"; do [[ -f $f ]] && echo "$f"; done
  return 0
}

log_marks() { local f; for f in $(server_logs "$1"); do echo "$f $(wc -l < "$f")"; done; }

server_reason() {   # server_reason MARKS : first real error the server logged since MARKS
  local f n
  while read -r f n; do
    [[ -n $f ]] || continue
    tail -n +"$((n + 1))" "$f" 2>/dev/null | grep -E ': error : ' |
      grep -v -E 'virNetSocketReadWire|remoteDispatchAuth|virNetSocketWriteWire|End of file while reading' | head -n 1 |
      sed -E 's/^.*: error : [A-Za-z0-9_]+:[0-9]+ : //' || true
  done <<< "$1" | head -n 1 || true
}

attempt() {   # attempt HOST PORT LABEL URI AUTHFILE
  local h=$1 port=$2 label=$3 uri=$4 auth=$5 marks out why client t0 verdict
  marks=$(log_marks "$h")
  t0=$(now)
  if out=$(in_host attacker env LIBVIRT_AUTH_FILE="$auth" timeout 20 virsh -q -c "$uri" hostname </dev/null 2>&1); then
    verdict=FAIL; ACCEPTED=$((ACCEPTED + 1))
    why="ACCEPTED: the host answered ($(tr '\n' ' ' <<< "$out"))"
  else
    verdict=PASS
    sleep 0.3   # the daemon writes its log line right after closing the connection
    why=$(server_reason "$marks")
    client=$(grep -i 'error' <<< "$out" | tail -n 1 | sed 's/^error: //' || true)
    [[ -n $why ]] && why="server: $why" || why="client: ${client:-$(tail -n 1 <<< "$out")}"
  fi
  printf '   %s %-6s %-5s %-44s %s\n' "$verdict" "$h" "$port" "$label" "$why" >&2
  ROWS+=("| $h | $port | $label | $verdict | $(elapsed "$t0") | ${why//|//} |")
}

not_run() {   # not_run HOST PORT LABEL WHY
  NOT_RUN=$((NOT_RUN + 1))
  printf '   NOT RUN %-6s %-5s %-44s %s\n' "$1" "$2" "$3" "$4" >&2
  ROWS+=("| $1 | $2 | $3 | NOT RUN | - | $4 |")
}

probe_host() {   # probe_host HOST
  local h=$1 f tcp tls d
  f=$(host_fqdn "$h")
  tcp="qemu+tcp://$f/system" tls="qemu+tls://$f/system"
  attempt "$h" 16509 "tcp, no credentials" "$tcp" /dev/null
  printf '[credentials-x]\nauthname=%s\npassword=%s\n[auth-libvirt-%s]\ncredentials=x\n' \
    "$SASL_PROBE_USER" "wrong-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')" "$f" > "$WORK/wrong-auth.conf"
  attempt "$h" 16509 "tcp, wrong SASL password ($SASL_PROBE_USER)" "$tcp" "$WORK/wrong-auth.conf"
  d=$(pkidir none "$CA")
  attempt "$h" 16514 "tls, no client certificate" "$tls?pkipath=$d" /dev/null
  d=$(pkidir foreign "$WORK/foreign/both-cas.pem" "$WORK/foreign/evil-cert.pem" "$WORK/foreign/evil-key.pem")
  attempt "$h" 16514 "tls, client cert from a foreign CA" "$tls?pkipath=$d" /dev/null
  if [[ -n $REVOKED_CERT && -n $REVOKED_KEY ]]; then
    d=$(pkidir revoked "$CA" "$REVOKED_CERT" "$REVOKED_KEY")
    attempt "$h" 16514 "tls, revoked certificate" "$tls?pkipath=$d" /dev/null
  else not_run "$h" 16514 "tls, revoked certificate" "no --revoked-cert/--revoked-key given"; fi
  if [[ -n $NA_CERT && -n $NA_KEY ]]; then
    d=$(pkidir notallowed "$CA" "$NA_CERT" "$NA_KEY")
    attempt "$h" 16514 "tls, valid-CA cert, DN not allowed" "$tls?pkipath=$d" /dev/null
  else not_run "$h" 16514 "tls, valid-CA cert, DN not allowed" "no --not-allowed-cert/--not-allowed-key given"; fi
}

# ---- self-contained: a lab secured like smoke.sh, plus a CRL ---------------------------------------
self_setup() {
  local pki
  [[ ! -e $LAB_STATE/$LAB_MARKER ]] || die "a lab already exists in $LAB_STATE; --self-contained needs its own"
  trap self_cleanup EXIT
  "$LAB" create 2 --attacker
  LAB_PKI_DIR="$LAB_STATE/attacker-pki"
  # shellcheck source=lib/secure-setup.sh
  source "$LAB_DIR/lib/secure-setup.sh"
  pki=$LAB_PKI_DIR
  setup_pki
  setup_sasl
  # a second certificate for vg-h2's own (allowed) DN, then revoked: only the CRL can refuse it
  make_cert "$pki/ca" "$pki/stolen-h2" "$(fqdn "$H2")" "$(fqdn "$H2")" -- "$(host_addr "$H2")"
  printf 'crl_next_update = 2\ncrl_number = 1\n' > "$pki/crl.info"
  certtool --generate-crl --load-ca-privkey "$pki/ca/ca-key.pem" --load-ca-certificate "$pki/ca/ca-cert.pem" \
    --load-certificate "$pki/stolen-h2-cert.pem" --template "$pki/crl.info" --outfile "$pki/crl.pem" >/dev/null 2>&1
  local h
  for h in $H1 $H2; do
    lockdown_conf "$h"
    install -m 0644 "$pki/crl.pem" "$(hd "$h")/etc/pki/CA/cacrl.pem"
    "$LAB" libvirtd "$h" restart
  done
  ok "lab secured like smoke.sh; CRL with a revoked $(fqdn "$H2") certificate on both hosts"
  CA="$pki/ca/ca-cert.pem"
  REVOKED_CERT="$pki/stolen-h2-cert.pem" REVOKED_KEY="$pki/stolen-h2-key.pem"
  NA_CERT="$pki/attacker-cert.pem" NA_KEY="$pki/attacker-key.pem"
  SASL_PROBE_USER=$SASL_USER
}

self_cleanup() {
  local rc=$?
  [[ -n $WORK ]] && rm -rf -- "$WORK"
  if [[ ${VIRTGATE_ATTACKER_KEEP:-0} == 1 ]]; then log "VIRTGATE_ATTACKER_KEEP=1: lab left running"; exit "$rc"; fi
  "$LAB" destroy >&2 || rc=1
  exit "$rc"
}

main() {
  parse_args "$@"
  require_root
  [[ $SELF == 1 ]] && self_setup
  [[ -f $LAB_STATE/$LAB_MARKER ]] || die "no lab in $LAB_STATE"
  lab_has_attacker || die "the lab has no attacker namespace (lab.sh create N --attacker)"
  holder_pid attacker >/dev/null || die "the attacker namespace is not running"
  [[ -n $CA && -s $CA ]] || die "--ca FILE (the CA bundle of the hosts' certificates) is required"
  WORK=$(mktemp -d "$LAB_STATE/attacker-probe.XXXXXX")
  [[ $SELF == 1 ]] || trap 'rm -rf -- "$WORK"' EXIT
  foreign_material
  local h hosts
  if [[ -n $TARGETS ]]; then hosts=$(tr ',' ' ' <<< "$TARGETS"); else hosts=$(lab_hosts); fi
  # shellcheck disable=SC2086,SC2116 # echo joins the list onto one line
  printf '\n== attacker %s -> %s\n' "$(host_addr attacker)" "$(echo $hosts)" >&2
  for h in $hosts; do probe_host "$(canon_host "$h")"; done
  local table
  table=$(
    echo "| host | port | attempt | result | s | refusal reason |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
  )
  echo "$table"
  [[ -z $OUT ]] || echo "$table" > "$OUT"
  if (( ACCEPTED > 0 )); then log "$ACCEPTED attempt(s) ACCEPTED"; exit 1; fi
  if (( NOT_RUN > 0 )); then log "$NOT_RUN attempt(s) not run"; exit 2; fi
  log "all $(( ${#ROWS[@]} )) attempts refused"
}

main "$@"
