# shellcheck shell=bash
# PostgreSQL 15 from Debian's packages, own cluster under $VIRTGATE_HOME/postgres, run as the
# postgres user (PostgreSQL refuses to run as root), own port, Unix socket inside the state dir.

PG_DIR="$VIRTGATE_HOME/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCKET_DIR="$PG_DIR/socket"
# A Unix socket path must fit in 107 bytes; a deep VIRTGATE_HOME gets a short directory in /tmp instead.
if (( ${#PG_SOCKET_DIR} > 90 )); then
  PG_SOCKET_DIR="/tmp/virtgate-pg-$(printf '%s' "$VIRTGATE_HOME" | cksum | cut -d' ' -f1)"
fi
PG_LOG="$LOG_DIR/postgres.log"
PG_ROLE=virtgate
PG_PASSWORD=virtgate # local development only
PG_DATABASES=(virtgate_pki virtgate_credential virtgate_migration)

# Runs a PostgreSQL binary as the postgres user from a directory it can read.
as_postgres() {
  (cd / && runuser -u postgres -- "$@")
}

pg_pid() {
  local pid
  [[ -s "$PG_DATA/postmaster.pid" ]] || return 1
  pid="$(head -n1 "$PG_DATA/postmaster.pid")"
  [[ "$pid" =~ ^[0-9]+$ ]] && pid_is_ours "$pid" "$PG_DATA" || return 1
  printf '%s\n' "$pid"
}

pg_ready() { port_answers "$PG_PORT"; }

pg_init_cluster() {
  mkdir -p "$PG_DIR"
  chmod 0755 "$PG_DIR"
  as_postgres test -x "$PG_DIR" ||
    die "postgres: user postgres cannot reach $PG_DIR; set VIRTGATE_HOME to a world-traversable path"
  mkdir -p "$PG_SOCKET_DIR"
  chown postgres:postgres "$PG_SOCKET_DIR"
  touch "$PG_LOG"
  chown postgres:postgres "$PG_LOG"
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  info "  postgres: initdb $PG_DATA"
  mkdir -p "$PG_DATA"
  chown postgres:postgres "$PG_DATA"
  chmod 0700 "$PG_DATA"
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=reject >>"$PG_LOG" 2>&1 ||
    die "postgres: initdb failed (see $PG_LOG)"
  # Superuser only through the socket as the postgres OS user; everyone else with a password.
  cat >"$PG_DATA/pg_hba.conf" <<'EOF'
# Written by ./virtgate (initdb); local development cluster.
local   all   postgres                 peer
local   all   all                      scram-sha-256
host    all   all        127.0.0.1/32  scram-sha-256
EOF
  chown postgres:postgres "$PG_DATA/pg_hba.conf"
  chmod 0600 "$PG_DATA/pg_hba.conf"
}

psql_admin() {
  as_postgres "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" \
    -U postgres -d postgres "$@"
}

# Idempotent: role virtgate and one database per service.
pg_provision() {
  psql_admin -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE') THEN
        CREATE ROLE $PG_ROLE LOGIN PASSWORD '$PG_PASSWORD';
      END IF;
    END \$\$;" >/dev/null || die "postgres: cannot create role $PG_ROLE"
  local db
  for db in "${PG_DATABASES[@]}"; do
    if [[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
      psql_admin -c "CREATE DATABASE $db OWNER $PG_ROLE" >/dev/null || die "postgres: cannot create database $db"
      info "  postgres: created database $db"
    fi
  done
}

start_postgres() {
  local pid
  if pid="$(pg_pid)"; then
    wait_for postgres 30 "$pid" pg_ready || die "postgres (pid $pid) runs but port $PG_PORT does not answer"
    info "  postgres: already running (pid $pid)"
  else
    require_port_free "$PG_PORT" postgres
    pg_init_cluster
    UP_STARTED+=(postgres)
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
      -o "-p $PG_PORT -k $PG_SOCKET_DIR -c listen_addresses=$BIND_HOST" start >/dev/null 9>&- ||
      die "postgres did not start (see $PG_LOG)"
    pid="$(pg_pid)" || die "postgres: no postmaster.pid after start (see $PG_LOG)"
    info "  postgres: started (pid $pid, $BIND_HOST:$PG_PORT)"
  fi
  printf '%s\n' "$pid" >"$(pid_file postgres)"
  pg_provision
}

stop_postgres() {
  if pg_pid >/dev/null; then
    info "  postgres: stopping (pid $(pg_pid))"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null ||
      warn "postgres: pg_ctl stop failed (see $PG_LOG)"
  fi
  rm -f "$(pid_file postgres)"
}

status_postgres() {
  local pid state="down"
  if pid="$(pg_pid)"; then
    if pg_ready; then state="running"; else state="starting"; fi
  else
    pid="-"
  fi
  status_row postgres "$pid" "$PG_PORT" "$state"
  [[ "$state" == running ]]
}
