#!/bin/sh
# The compose stack's one-shot OpenBao bootstrap (service openbao-init), on every `up`:
#  1. initialises the server on its first start (1 key share; the answer, with the unseal key and
#     the root token, goes to /openbao/keys/init.json, mode 0600, in a volume only this container
#     mounts);
#  2. unseals it (it is sealed after every restart), the key on stdin only;
#  3. enables kv-v2 at secret/, transit/, pki/ and approle auth when missing;
#  4. gives each control-plane service its own policy and AppRole (deploy/openbao/bootstrap-services.sh,
#     as ./virtgate up does) and writes its login into its own volume, owned by the services' user.
# The root token is used here only, in the environment, never on a command line. POSIX sh: the
# OpenBao image has no bash.
set -eu

# The paths are the containers'; the environment may move them (OpenBaoComposeInitTest runs this
# script against a real server outside a container).
keys="${VIRTGATE_OPENBAO_KEYS_DIR:-/openbao/keys}"
init="$keys/init.json"
logins="${VIRTGATE_OPENBAO_LOGIN_DIR:-/run/virtgate}"
owner="${VIRTGATE_OPENBAO_LOGIN_OWNER:-185:185}"
bootstrap="${VIRTGATE_OPENBAO_BOOTSTRAP:-/virtgate/openbao/bootstrap-services.sh}"
export BAO_ADDR="${BAO_ADDR:-http://openbao:8200}"

say() { printf 'openbao-init: %s\n' "$*"; }
fail() {
  printf 'openbao-init: %s\n' "$*" >&2
  exit 1
}
# field NAME: a string field of init.json (unseal_keys_b64's first element or root_token)
field() {
  case "$1" in
    unseal_key) tr -d '\n ' <"$init" | sed -n 's/.*"unseal_keys_b64":\["\([^"]*\)".*/\1/p' ;;
    root_token) tr -d '\n ' <"$init" | sed -n 's/.*"root_token":"\([^"]*\)".*/\1/p' ;;
  esac
}
# status: "initialized sealed" as two words, from `bao status` (exit 2 = sealed, still an answer)
status() {
  out="$(bao status -format=json 2>/dev/null)" || [ $? -eq 2 ] || return 1
  printf '%s\n' "$out" | tr -d '\n ' | sed -n 's/.*"initialized":\([a-z]*\).*"sealed":\([a-z]*\).*/\1 \2/p'
}

tries=0
until state="$(status)" && [ -n "$state" ]; do
  tries=$((tries + 1))
  [ "$tries" -le 60 ] || fail "no answer from $BAO_ADDR after 60 s"
  sleep 1
done

umask 077
mkdir -p "$keys"
case "$state" in
  false*)
    [ ! -e "$init" ] || fail "the server is not initialised but $init exists; refusing to overwrite it"
    bao operator init -key-shares=1 -key-threshold=1 -format=json >"$init.tmp"
    mv "$init.tmp" "$init"
    say "initialised (1 key share, kept in the openbao-keys volume)"
    state="true true"
    ;;
esac
case "$state" in
  *true)
    [ -r "$init" ] || fail "sealed, and no unseal key in $init"
    # printf is a builtin: the key is on no process's command line, and without a newline bao takes it
    printf '%s' "$(field unseal_key)" | bao write sys/unseal key=- >/dev/null
    say "unsealed"
    ;;
esac

BAO_TOKEN="$(field root_token)"
export BAO_TOKEN
[ -n "$BAO_TOKEN" ] || fail "no root token in $init"
tries=0
until mounts="$(bao secrets list -format=json 2>/dev/null)"; do
  tries=$((tries + 1))
  [ "$tries" -le 30 ] || fail "OpenBao does not answer as active after unseal"
  sleep 1
done
auths="$(bao auth list -format=json)"
enable_engine() { # PATH TYPE
  printf '%s' "$mounts" | grep -q "\"$1/\"" && return 0
  bao secrets enable -path="$1" "$2" >/dev/null
  [ "$2" != pki ] || bao secrets tune -max-lease-ttl=87600h "$1" >/dev/null
  say "enabled $2 at $1/"
}
enable_engine secret kv-v2
enable_engine transit transit
enable_engine pki pki
if ! printf '%s' "$auths" | grep -q '"approle/"'; then
  bao auth enable approle >/dev/null
  say "enabled approle auth"
fi

for s in pki-service credential-service migration-service; do
  VIRTGATE_OPENBAO_SERVICES=$s sh "$bootstrap" "$logins/$s"
  chown -R "$owner" "$logins/$s"
done
say "done"
