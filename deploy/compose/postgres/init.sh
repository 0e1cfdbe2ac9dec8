#!/usr/bin/env bash
# Runs once, on the first start of the postgres container (docker-entrypoint-initdb.d), as the
# superuser, which stays with this bootstrap: one login role per service with its own password,
# each the owner of only its own database; no other role may connect to that database or create
# in its public schema. Passwords come from the container's environment through psql's \getenv:
# on no command line, in no script text, never in the server log.
set -euo pipefail

for name in pki credential migration; do
  var="VIRTGATE_PG_${name^^}_PASSWORD"
  [[ -n "${!var:-}" ]] || { echo "init.sh: $var is not set" >&2; exit 1; }
  psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres <<SQL
\getenv password $var
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
CREATE ROLE virtgate_$name LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
CREATE DATABASE virtgate_$name OWNER virtgate_$name;
REVOKE ALL ON DATABASE virtgate_$name FROM PUBLIC;
\connect virtgate_$name
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
done
