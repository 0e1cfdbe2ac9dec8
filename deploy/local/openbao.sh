# shellcheck shell=bash
# OpenBao: a real (non-dev) server with integrated (raft) storage under $VIRTGATE_HOME/openbao.
# Initialised once with a single key share; unsealed on every `up`. The unseal key and root
# token live only in openbao/init.json (0600, dir 0700) and are never printed; only this bootstrap
# uses the root token. Each service logs in with its own AppRole (openbao/services/<svc>.env, 0600).

OPENBAO_DIR="$VIRTGATE_HOME/openbao"
OPENBAO_CONFIG="$OPENBAO_DIR/config.hcl"
OPENBAO_INIT="$OPENBAO_DIR/init.json"
OPENBAO_CLUSTER_PORT="${VIRTGATE_OPENBAO_CLUSTER_PORT:-18201}"
OPENBAO_ADDR="http://$BIND_HOST:$OPENBAO_PORT"
# Each service's AppRole login (role-id, secret-id), one 0600 file per service, written by the bootstrap.
OPENBAO_SERVICE_LOGINS="$OPENBAO_DIR/services"

openbao_pid() { running_pid openbao "$OPENBAO_CONFIG"; }

write_openbao_config() {
  mkdir -p "$OPENBAO_DIR/data"
  chmod 0700 "$OPENBAO_DIR"
  cat >"$OPENBAO_CONFIG" <<EOF
# Written by ./virtgate up; edits are overwritten. Local development only: plain HTTP on loopback.
storage "raft" {
  path    = "$OPENBAO_DIR/data"
  node_id = "virtgate-local-1"
  # Single voter: short raft timeouts, so that election after start/init takes ~1 s, not ~10 s.
  performance_multiplier = 1
}
listener "tcp" {
  address         = "$BIND_HOST:$OPENBAO_PORT"
  cluster_address = "$BIND_HOST:$OPENBAO_CLUSTER_PORT"
  tls_disable     = true
}
api_addr     = "$OPENBAO_ADDR"
cluster_addr = "https://$BIND_HOST:$OPENBAO_CLUSTER_PORT"
ui           = false
EOF
}

openbao_answers() { port_answers "$OPENBAO_PORT"; }

# HTTP code of sys/health: 200 active+unsealed, 429 standby, 501 not initialised, 503 sealed.
openbao_health() { http_code "$OPENBAO_ADDR/v1/sys/health"; }
openbao_active() { [[ "$(openbao_health)" == 200 ]]; }

# Reads a field of init.json (as written by `bao operator init -format=json`) without putting it
# on a command line or in a trace: unseal_key or root_token.
openbao_init_field() {
  local json pattern
  json="$(<"$OPENBAO_INIT")"
  case "$1" in
    unseal_key) pattern='"unseal_keys_b64":[[:space:]]*\[[[:space:]]*"([^"]+)"' ;;
    root_token) pattern='"root_token":[[:space:]]*"([^"]+)"' ;;
  esac
  [[ "$json" =~ $pattern ]] || return 1
  printf '%s\n' "${BASH_REMATCH[1]}"
}

openbao_root_token() { openbao_init_field root_token; }

openbao_initialize() {
  [[ "$(openbao_health)" == 501 ]] || return 0
  [[ -e "$OPENBAO_INIT" ]] && die "openbao: server is not initialised but $OPENBAO_INIT exists; refusing to overwrite it"
  info "  openbao: initialising (1 key share; keys in $OPENBAO_INIT)"
  (
    umask 077
    BAO_ADDR="$OPENBAO_ADDR" "$BAO_BIN" operator init -key-shares=1 -key-threshold=1 \
      -format=json >"$OPENBAO_INIT.tmp"
  ) || die "openbao: operator init failed"
  mv "$OPENBAO_INIT.tmp" "$OPENBAO_INIT"
  chmod 0600 "$OPENBAO_INIT"
}

openbao_unseal() {
  [[ "$(openbao_health)" == 503 ]] || return 0
  [[ -r "$OPENBAO_INIT" ]] || die "openbao: sealed and no unseal key in $OPENBAO_INIT"
  # The key travels on stdin to curl, never on a command line or in a trace.
  (
    set +x
    printf '{"key":"%s"}' "$(openbao_init_field unseal_key)" |
      curl -s -m 10 -o /dev/null -X PUT --data-binary @- "$OPENBAO_ADDR/v1/sys/unseal"
  )
  [[ "$(openbao_health)" != 503 ]] || die "openbao: unseal failed"
  info "  openbao: unsealed"
}

# bao CLI authenticated with the root token (passed through the environment only; tracing is
# switched off so that `bash -x ./virtgate` does not print it either).
bao_root() (
  set +x
  BAO_ADDR="$OPENBAO_ADDR" BAO_TOKEN="$(openbao_root_token)" "$BAO_BIN" "$@"
)

# Idempotent: kv-v2 at secret/, transit at transit/, pki at pki/, approle auth; then every service's
# own policy and AppRole (deploy/openbao), the only place the root token is used after init.
openbao_configure() {
  local mounts auths
  mounts="$(bao_root secrets list -format=json)" || die "openbao: cannot list secret engines"
  auths="$(bao_root auth list -format=json)" || die "openbao: cannot list auth methods"
  enable_engine "$mounts" secret kv-v2
  enable_engine "$mounts" transit transit
  enable_engine "$mounts" pki pki
  if ! grep -q '"approle/"' <<<"$auths"; then
    bao_root auth enable approle >/dev/null || die "openbao: cannot enable approle auth"
    info "  openbao: enabled approle auth"
  fi
  openbao_bootstrap_services
}

# Policy virtgate-<svc> from deploy/openbao/policies/<svc>.hcl and AppRole virtgate-<svc> for each
# service; its login in $OPENBAO_SERVICE_LOGINS/<svc>.env (0600), kept while it still logs in. Bound to
# loopback: every service reaches OpenBao from $BIND_HOST. The root token goes in the environment only.
openbao_bootstrap_services() {
  (
    set +x
    BAO_ADDR="$OPENBAO_ADDR" BAO_TOKEN="$(openbao_root_token)" BAO_BIN="$BAO_BIN" \
      VIRTGATE_OPENBAO_SERVICE_CIDRS="$BIND_HOST/32" \
      sh "$REPO_ROOT/deploy/openbao/bootstrap-services.sh" "$OPENBAO_SERVICE_LOGINS"
  ) || die "openbao: cannot give the services their own policies and AppRoles"
}

# Exports SVC's AppRole login from its 0600 file (QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_ROLE_ID and
# _SECRET_ID), for the service being launched: into its environment, never onto a command line.
export_openbao_login() {
  local file="$OPENBAO_SERVICE_LOGINS/$1.env" key value
  [[ -r "$file" ]] || return 1
  while IFS='=' read -r key value; do
    case "$key" in
      QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_ROLE_ID | QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_SECRET_ID)
        export "$key=$value"
        ;;
    esac
  done <"$file"
}

enable_engine() {
  local mounts="$1" path="$2" type="$3"
  grep -q "\"$path/\"" <<<"$mounts" && return 0
  bao_root secrets enable -path="$path" "$type" >/dev/null || die "openbao: cannot enable $type at $path/"
  if [[ "$type" == pki ]]; then
    bao_root secrets tune -max-lease-ttl=87600h "$path" >/dev/null || die "openbao: cannot tune $path/"
  fi
  info "  openbao: enabled $type at $path/"
}

start_openbao() {
  local pid
  if pid="$(openbao_pid)"; then
    wait_for openbao 30 "$pid" openbao_answers || die "openbao (pid $pid) runs but port $OPENBAO_PORT does not answer"
    info "  openbao: already running (pid $pid)"
  else
    require_port_free "$OPENBAO_PORT" openbao
    require_port_free "$OPENBAO_CLUSTER_PORT" "openbao cluster"
    write_openbao_config
    start_daemon openbao "$LOG_DIR/openbao.log" "$BAO_BIN" server -config="$OPENBAO_CONFIG"
    UP_STARTED+=(openbao)
    pid="$(read_pid openbao)"
    wait_for openbao 30 "$pid" openbao_answers || die "openbao did not start (see $LOG_DIR/openbao.log)"
    info "  openbao: started (pid $pid, $OPENBAO_ADDR)"
  fi
  openbao_initialize
  openbao_unseal
  wait_for openbao 30 "$pid" openbao_active || die "openbao did not become active (see $LOG_DIR/openbao.log)"
  openbao_configure
}

stop_openbao() {
  local pid
  if pid="$(openbao_pid)"; then
    info "  openbao: stopping (pid $pid)"
    stop_pid openbao "$pid" 30
  fi
  rm -f "$(pid_file openbao)"
}

status_openbao() {
  local pid state="down"
  if pid="$(openbao_pid)"; then
    case "$(openbao_health)" in
      200) state="running" ;;
      503) state="sealed" ;;
      501) state="not initialised" ;;
      429) state="standby" ;;
      *) state="starting" ;;
    esac
  else
    pid="-"
  fi
  status_row openbao "$pid" "$OPENBAO_PORT" "$state"
  [[ "$state" == running ]]
}
