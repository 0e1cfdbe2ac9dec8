#!/bin/sh
# Gives each control-plane service its own OpenBao identity: policy virtgate-<service> from
# deploy/openbao/policies/<service>.hcl and AppRole virtgate-<service> (settings in service-approle.conf),
# then makes sure OUT_DIR/<service>.env (mode 0600) holds a role-id and secret-id that log in.
# Idempotent: policies and roles are rewritten on every run (an edited policy file takes effect); a
# credentials file whose secret-id still exists is kept; otherwise a new secret-id is issued and every
# other secret-id of that role destroyed. Used by ./virtgate up (deploy/local/openbao.sh) and by the
# compose stack's openbao-init; test-support's OpenBaoServer applies the same files. POSIX sh (the
# OpenBao image has no bash).
#
#   BAO_ADDR=... BAO_TOKEN=<a token that may write policies and AppRoles> bootstrap-services.sh OUT_DIR
#
# Optional environment: BAO_BIN (bao), VIRTGATE_OPENBAO_POLICY_DIR (<this dir>/policies),
# VIRTGATE_OPENBAO_SERVICE_CIDRS (comma-separated CIDRs the services' secret-ids and tokens are bound
# to; empty = none), VIRTGATE_OPENBAO_SERVICES (pki-service credential-service migration-service).
# Neither the admin token nor any secret-id ever appears on a command line or in the output: tokens
# travel in the environment, secret-ids on stdin or in the 0600 files.
set -eu

out_dir="${1:?usage: bootstrap-services.sh OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
bao="${BAO_BIN:-bao}"
policy_dir="${VIRTGATE_OPENBAO_POLICY_DIR:-$here/policies}"
approle_conf="$here/service-approle.conf"
cidrs="${VIRTGATE_OPENBAO_SERVICE_CIDRS:-}"
services="${VIRTGATE_OPENBAO_SERVICES:-pki-service credential-service migration-service}"
: "${BAO_ADDR:?BAO_ADDR is not set}"
: "${BAO_TOKEN:?BAO_TOKEN is not set}"

say() { printf '  openbao: %s\n' "$*"; }
fail() {
  printf 'bootstrap-services: %s\n' "$*" >&2
  exit 1
}

# The role settings shared with test-support: key=value lines, comments and blank lines ignored.
approle_settings() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$approle_conf"; }

field() { sed -n "s/^$1=//p" "$2" | head -n 1; }

umask 077
mkdir -p "$out_dir"
chmod 0700 "$out_dir"

for svc in $services; do
  role="virtgate-$svc"
  policy_file="$policy_dir/$svc.hcl"
  [ -r "$policy_file" ] || fail "no policy file $policy_file"
  "$bao" policy write "$role" "$policy_file" >/dev/null || fail "cannot write policy $role"
  # shellcheck disable=SC2046 # one key=value argument per line of service-approle.conf
  "$bao" write "auth/approle/role/$role" token_policies="$role" secret_id_bound_cidrs="$cidrs" \
    token_bound_cidrs="$cidrs" $(approle_settings) >/dev/null || fail "cannot write AppRole $role"
  role_id="$("$bao" read -field=role_id "auth/approle/role/$role/role-id")" || fail "cannot read the role-id of $role"

  file="$out_dir/$svc.env"
  if [ -r "$file" ] && [ "$(field QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_ROLE_ID "$file")" = "$role_id" ]; then
    # still valid? (a lookup by the secret-id itself, read from the file through stdin)
    if field QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_SECRET_ID "$file" | tr -d '\n' |
      "$bao" write -format=json "auth/approle/role/$role/secret-id/lookup" secret_id=- 2>/dev/null |
      grep -q '"secret_id_accessor"'; then
      chmod 0600 "$file"
      say "$role: policy and AppRole applied, login in $file kept"
      continue
    fi
  fi

  issued="$("$bao" write -f -format=json "auth/approle/role/$role/secret-id")" || fail "cannot issue a secret-id for $role"
  secret_id="$(printf '%s\n' "$issued" | sed -n 's/.*"secret_id": *"\([^"]*\)".*/\1/p')"
  accessor="$(printf '%s\n' "$issued" | sed -n 's/.*"secret_id_accessor": *"\([^"]*\)".*/\1/p')"
  if [ -z "$secret_id" ] || [ -z "$accessor" ]; then fail "unexpected answer issuing a secret-id for $role"; fi
  {
    printf '# %s: its OpenBao AppRole login (deploy/openbao/bootstrap-services.sh). Secret: keep it 0600.\n' "$svc"
    printf 'QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_ROLE_ID=%s\n' "$role_id"
    printf 'QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_SECRET_ID=%s\n' "$secret_id"
  } >"$file.tmp"
  chmod 0600 "$file.tmp"
  mv "$file.tmp" "$file"
  # Only the secret-id just written logs in as this service from now on.
  destroyed=0
  for other in $("$bao" list -format=json "auth/approle/role/$role/secret-id" | tr -d '[]", ' | grep -v '^$'); do
    [ "$other" = "$accessor" ] && continue
    "$bao" write "auth/approle/role/$role/secret-id-accessor/destroy" secret_id_accessor="$other" >/dev/null ||
      fail "cannot destroy an old secret-id of $role"
    destroyed=$((destroyed + 1))
  done
  say "$role: policy and AppRole applied, new login in $file ($destroyed older secret-ids destroyed)"
done
