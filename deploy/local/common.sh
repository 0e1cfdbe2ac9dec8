# shellcheck shell=bash disable=SC2034 # variables here are used by the other sourced files
# Shared helpers for ./virtgate: paths, ports, logging, PID files, port checks.
# Sourced by ./virtgate; expects REPO_ROOT to be set.

VIRTGATE_HOME="$(realpath -m "${VIRTGATE_HOME:-$REPO_ROOT/.virtgate}")"
export VIRTGATE_HOME

RUN_DIR="$VIRTGATE_HOME/run"
LOG_DIR="$VIRTGATE_HOME/logs"
BIND_HOST=127.0.0.1

# While the stack runs, ports.env records the ports it was started with; later commands (status,
# down, a second up) use them unless the environment says otherwise. `down` removes the file.
load_running_ports() {
  local key value
  [[ -f "$VIRTGATE_HOME/ports.env" ]] || return 0
  while IFS='=' read -r key value; do
    [[ "$key" =~ ^VIRTGATE_[A-Z_]+_PORT$ && "$value" =~ ^[0-9]+$ ]] || continue
    [[ -n "${!key:-}" ]] || printf -v "$key" '%s' "$value"
  done <"$VIRTGATE_HOME/ports.env"
}
load_running_ports

# Every port can be overridden from the environment.
KAFKA_PORT="${VIRTGATE_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${VIRTGATE_KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_HOSTS_PORT="${VIRTGATE_KAFKA_HOSTS_PORT:-19094}"
OPENBAO_PORT="${VIRTGATE_OPENBAO_PORT:-18200}"
PG_PORT="${VIRTGATE_PG_PORT:-15432}"

SERVICES=(pki-service credential-service migration-service host-agent)

# service name -> port (env VIRTGATE_PKI_SERVICE_PORT, VIRTGATE_HOST_AGENT_PORT, ...)
service_port() {
  local var defaults
  var="VIRTGATE_$(service_env_name "$1")_PORT"
  case "$1" in
    pki-service) defaults=8081 ;;
    credential-service) defaults=8082 ;;
    migration-service) defaults=8083 ;;
    host-agent) defaults=8084 ;;
    *) die "unknown service: $1" ;;
  esac
  printf '%s\n' "${!var:-$defaults}"
}

# pki-service -> PKI_SERVICE
service_env_name() {
  local name="${1^^}"
  printf '%s\n' "${name//-/_}"
}

# ---------------------------------------------------------------- output

info() { printf '%s\n' "$*"; }
warn() { printf 'virtgate: warning: %s\n' "$*" >&2; }
die() {
  printf 'virtgate: error: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------- state dirs

ensure_state_dirs() {
  mkdir -p "$VIRTGATE_HOME" "$RUN_DIR" "$LOG_DIR"
  # PostgreSQL runs as the postgres user and must be able to traverse to its data dir.
  chmod 0755 "$VIRTGATE_HOME" "$RUN_DIR" "$LOG_DIR"
}

# Serialise up/down/install between concurrent callers. The lock fd (9) must never leak into
# the daemons we start: start_daemon closes it.
take_lock() {
  ensure_state_dirs
  exec 9>"$RUN_DIR/.lock"
  if ! flock -w 300 9; then
    die "another ./virtgate command holds $RUN_DIR/.lock"
  fi
}

# ---------------------------------------------------------------- processes

pid_file() { printf '%s/%s.pid\n' "$RUN_DIR" "$1"; }

read_pid() {
  local f
  f="$(pid_file "$1")"
  [[ -s "$f" ]] || return 1
  local pid
  pid="$(head -n1 "$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "$pid"
}

# True when PID is alive and its command line contains MARKER (guards against PID reuse).
pid_is_ours() {
  local pid="$1" marker="$2" cmdline
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$marker"* ]]
}

# Prints the PID of component NAME when its PID file points at a live process of ours.
running_pid() {
  local name="$1" marker="$2" pid
  pid="$(read_pid "$name")" || return 1
  pid_is_ours "$pid" "$marker" || return 1
  printf '%s\n' "$pid"
}

# start_daemon NAME LOGFILE CMD... : starts CMD detached (own session, stdin from /dev/null,
# output appended to LOGFILE, lock fd closed) and writes its PID file.
start_daemon() {
  local name="$1" logfile="$2"
  shift 2
  setsid "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  local pid=$!
  printf '%s\n' "$pid" >"$(pid_file "$name")"
}

# stop_pid NAME PID TIMEOUT_SECONDS : TERM, wait, then KILL; by PID only.
stop_pid() {
  local name="$1" pid="$2" timeout="$3" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= timeout * 10)); then
      warn "$name (pid $pid) did not stop after ${timeout}s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# ---------------------------------------------------------------- ports

port_answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$BIND_HOST/$1" 2>/dev/null
}

# PIDs of processes listening on TCP port PORT (any address).
port_listener_pids() {
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

port_in_use() {
  [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
}

# Fails with one line when PORT is taken by anything (used before starting NAME).
require_port_free() {
  local port="$1" name="$2" pids
  if port_in_use "$port"; then
    pids="$(port_listener_pids "$port" | paste -sd, -)"
    die "port $port (needed by $name) is already in use by another process${pids:+ (pid $pids)}"
  fi
}

# wait_for NAME SECONDS PID CHECK_CMD... : polls CHECK_CMD until it succeeds; fails early when
# PID dies. Returns non-zero on timeout or death.
wait_for() {
  local name="$1" timeout="$2" pid="$3" tries=0
  shift 3
  until "$@"; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      warn "$name exited during start-up"
      return 1
    fi
    if ((tries >= timeout * 4)); then
      warn "$name not ready after ${timeout}s"
      return 1
    fi
    sleep 0.25
    tries=$((tries + 1))
  done
}

http_code() {
  curl -s -o /dev/null -m 3 -w '%{http_code}' "$1" 2>/dev/null || true
}

