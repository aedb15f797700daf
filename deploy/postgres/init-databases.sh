#!/usr/bin/env bash
# One database per service, owned by a role of the same name that may connect to it alone:
# no service reads another's tables (../../../shared/DESIGN.md). The postgres image runs this
# once, on an empty data directory (docker-entrypoint-initdb.d).
set -euo pipefail

: "${GOVHALL_DB_PASSWORD:?GOVHALL_DB_PASSWORD is not set}"
SERVICES="${GOVHALL_SERVICES:-registry staffing inspection notification}"

for service in $SERVICES; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v service="$service" -v password="$GOVHALL_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'service', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'service') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'service', :'service')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'service') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'service') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'service', :'service') \gexec
SQL
  echo "govhall: database $service ready"
done
