# shellcheck shell=bash
# Operator access to the local stack: an RSA key pair whose public half the services verify bearer
# JWTs with, and `./virtgate token ROLE [NAME]` to mint a short-lived token signed by the private half.

JWT_DIR="$VIRTGATE_HOME/jwt"
JWT_PRIVATE_KEY="$JWT_DIR/privateKey.pem"
JWT_PUBLIC_KEY="$JWT_DIR/publicKey.pem"
JWT_ISSUER="https://virtgate.local/issuer"

ensure_jwt_keys() {
  [[ -f "$JWT_PRIVATE_KEY" && -f "$JWT_PUBLIC_KEY" ]] && return 0
  mkdir -p "$JWT_DIR"
  chmod 0700 "$JWT_DIR"
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$JWT_PRIVATE_KEY" 2>/dev/null) ||
    die "cannot generate the JWT signing key (openssl genpkey)"
  openssl pkey -in "$JWT_PRIVATE_KEY" -pubout -out "$JWT_PUBLIC_KEY" 2>/dev/null || die "cannot derive the JWT public key"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# Prints a bearer token for ROLE (operator implies viewer), valid for VIRTGATE_TOKEN_TTL seconds.
cmd_token() {
  local role="${1:-}" name="${2:-${USER:-operator}}" ttl="${VIRTGATE_TOKEN_TTL:-3600}" now header payload groups signature
  case "$role" in
    operator) groups='["operator","viewer"]' ;;
    viewer) groups='["viewer"]' ;;
    *) die "usage: ./virtgate token operator|viewer [name]" ;;
  esac
  [[ "$name" =~ ^[A-Za-z0-9._@-]{1,64}$ ]] || die "token name must match [A-Za-z0-9._@-]{1,64}"
  ensure_jwt_keys
  now="$(date +%s)"
  header="$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)"
  payload="$(printf '{"iss":"%s","sub":"%s","upn":"%s","groups":%s,"iat":%s,"exp":%s,"jti":"%s"}' \
    "$JWT_ISSUER" "$name" "$name" "$groups" "$now" "$((now + ttl))" "$(openssl rand -hex 16)" | b64url)"
  signature="$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$JWT_PRIVATE_KEY" -binary | b64url)"
  printf '%s.%s.%s\n' "$header" "$payload" "$signature"
}
