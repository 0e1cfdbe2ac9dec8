# shellcheck shell=bash
# Throwaway lab PKI and SASL set-up shared by smoke.sh, bench-modes.sh and attacker.sh
# (sourced after lib/common.sh). Independent of virtgate's Java code: certtool/openssl CA,
# per-host ECDSA P-256 certificates in the libvirt and QEMU layouts, a digest-md5 SASL user with
# /etc/libvirt/auth.conf for peer-to-peer migration, and the lock-down of libvirtd.conf.
# Settings: H1 H2 (default vg-h1 vg-h2), SASL_USER (vg-migrate), LAB_PKI_DIR ($LAB_STATE/smoke-pki).

: "${H1:=vg-h1}" "${H2:=vg-h2}" "${SASL_USER:=vg-migrate}"
LAB_PKI_DIR="${LAB_PKI_DIR:-$LAB_STATE/smoke-pki}"
fqdn() { host_fqdn "$1"; }
hd()   { host_dir "$1"; }
declare -F ok >/dev/null || ok() { printf '   ok: %s\n' "$*" >&2; }

# ---- PKI -------------------------------------------------------------------------
gen_key() { certtool --generate-privkey --key-type ecdsa --curve secp256r1 --no-text --outfile "$1" 2>/dev/null; }

make_ca() {   # make_ca DIR NAME
  local d=$1
  mkdir -p "$d"
  gen_key "$d/ca-key.pem"
  cat > "$d/ca.info" <<EOF
cn = $2
organization = virtgate-lab
ca
cert_signing_key
crl_signing_key
expiration_days = 2
EOF
  certtool --generate-self-signed --load-privkey "$d/ca-key.pem" --template "$d/ca.info" \
           --outfile "$d/ca-cert.pem" >/dev/null 2>&1
}

make_cert() {   # make_cert CADIR OUTPREFIX CN [DNS...] -- [IP...]
  # certtool makes the key; the leaf is signed with openssl because certtool 3.7 always writes
  # a CRITICAL keyUsage of digitalSignature only for EC keys (it drops encryption_key), and
  # libvirt (virNetTLSContextCheckCertKeyUsage) refuses a critical keyUsage without
  # keyEncipherment: "usage does not permit key encipherment".
  local ca=$1 out=$2 cn=$3; shift 3
  local san=() ip=0 a
  for a in "$@"; do
    if [[ $a == -- ]]; then ip=1; continue; fi
    if [[ $ip == 1 ]]; then san+=("IP:$a"); else san+=("DNS:$a"); fi
  done
  gen_key "$out-key.pem"
  cat > "$out.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = $(IFS=,; echo "${san[*]}")
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  # MAKE_CERT_SUBJECT: the DN before CN (default /O=virtgate-lab; the agents' proxy wants /O=virtgate/OU=<cluster>)
  openssl req -new -key "$out-key.pem" -subj "${MAKE_CERT_SUBJECT:-/O=virtgate-lab}/CN=$cn" -out "$out.csr" 2>/dev/null
  openssl x509 -req -in "$out.csr" -CA "$ca/ca-cert.pem" -CAkey "$ca/ca-key.pem" -days 2 \
    -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -extfile "$out.ext" -out "$out-cert.pem" 2>/dev/null
  certtool --verify --load-ca-certificate "$ca/ca-cert.pem" --infile "$out-cert.pem" >/dev/null 2>&1 ||
    die "certificate $out-cert.pem does not verify against $ca/ca-cert.pem"
}

install_pki() {   # install_pki HOST CADIR PREFIX [CA_BUNDLE]: libvirt and QEMU layouts in the host's /etc/pki
  local p; p="$(hd "$1")/etc/pki"
  local bundle=${4:-$2/ca-cert.pem}
  mkdir -p "$p/CA" "$p/libvirt/private" "$p/qemu"
  install -m 0644 "$bundle" "$p/CA/cacert.pem"
  install -m 0644 "$3-cert.pem" "$p/libvirt/servercert.pem"
  install -m 0644 "$3-cert.pem" "$p/libvirt/clientcert.pem"
  install -m 0600 "$3-key.pem" "$p/libvirt/private/serverkey.pem"
  install -m 0600 "$3-key.pem" "$p/libvirt/private/clientkey.pem"
  install -m 0644 "$bundle" "$p/qemu/ca-cert.pem"
  install -m 0644 "$3-cert.pem" "$p/qemu/server-cert.pem"
  install -m 0644 "$3-cert.pem" "$p/qemu/client-cert.pem"
  install -m 0600 "$3-key.pem" "$p/qemu/server-key.pem"
  install -m 0600 "$3-key.pem" "$p/qemu/client-key.pem"
}

setup_pki() {
  local pki="$LAB_PKI_DIR" h
  make_ca "$pki/ca" "virtgate lab smoke CA"
  for h in $H1 $H2; do
    make_cert "$pki/ca" "$pki/$h" "$(fqdn "$h")" "$(fqdn "$h")" "$h" -- "$(host_addr "$h")"
    install_pki "$h" "$pki/ca" "$pki/$h"
  done
  # attacker 1: a certificate from the lab CA whose DN is not allowed
  make_cert "$pki/ca" "$pki/attacker" "$(fqdn attacker)" "$(fqdn attacker)" -- "$(host_addr attacker)"
  # attacker 2: its own CA; its CA file trusts both CAs so that the client does present the
  # foreign certificate and the SERVER is the one refusing
  make_ca "$pki/evil-ca" "evil CA"
  make_cert "$pki/evil-ca" "$pki/evil" "$(fqdn attacker)" "$(fqdn attacker)" -- "$(host_addr attacker)"
  cat "$pki/ca/ca-cert.pem" "$pki/evil-ca/ca-cert.pem" > "$pki/both-cas.pem"
  ok "CA (certtool) + ECDSA P-256 leaf certs (SAN DNS+IP, EKU serverAuth+clientAuth, KU digitalSignature+keyEncipherment) for $H1 $H2, attacker, evil CA"
}

# ---- lock down -----------------------------------------------------------------------
lockdown_conf() {   # lockdown_conf HOST : TLS on, TCP only with SASL, only lab host DNs over TLS
  local c; c="$(hd "$1")/etc/libvirt/libvirtd.conf"
  sed -i -e 's/^listen_tls = .*/listen_tls = 1/' -e 's/^auth_tcp = .*/auth_tcp = "sasl"/' "$c"
  # DN as virt-pki-query-dn prints it; one entry per lab host
  echo "tls_allowed_dn_list = [\"O=virtgate-lab,CN=$(fqdn "$H1")\", \"O=virtgate-lab,CN=$(fqdn "$H2")\"]" >> "$c"
}

setup_sasl() {   # user in each hypervisor's db (realm = FQDN), client credentials for p2p
  local h pw
  pw=$(head -c 18 /dev/urandom | base64)
  for h in $H1 $H2; do
    printf '%s' "$pw" | in_host "$h" saslpasswd2 -a libvirt -f /etc/libvirt/passwd.db -u "$(fqdn "$h")" -p "$SASL_USER"
    {
      echo "[credentials-vg]"
      echo "authname=$SASL_USER"
      echo "password=$pw"
      local peer
      for peer in $H1 $H2; do echo "[auth-libvirt-$(fqdn "$peer")]"; echo "credentials=vg"; done
    } > "$(hd "$h")/etc/libvirt/auth.conf"
    chmod 600 "$(hd "$h")/etc/libvirt/auth.conf"
  done
  ok "SASL user $SASL_USER (digest-md5) in each host's db; /etc/libvirt/auth.conf for peer-to-peer"
}
