#!/usr/bin/env bash
# One database per service and two roles that may connect to it alone: no service reads
# another's tables. <service>_owner owns the database and its schema and runs the migrations;
# <service>, the service's own login, owns nothing: `govhall migrate` grants it DML on the
# tables but only INSERT and SELECT on audit_log, so it cannot edit the audit trail nor switch
# its trigger off. The postgres image runs this once, on an empty data directory
# (docker-entrypoint-initdb.d).
set -euo pipefail

: "${GOVHALL_DB_PASSWORD:?GOVHALL_DB_PASSWORD is not set}"
: "${GOVHALL_DB_OWNER_PASSWORD:?GOVHALL_DB_OWNER_PASSWORD is not set}"
SERVICES="${GOVHALL_SERVICES:-registry staffing inspection notification}"

for service in $SERVICES; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v service="$service" -v owner="${service}_owner" \
    -v password="$GOVHALL_DB_PASSWORD" -v owner_password="$GOVHALL_DB_OWNER_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'owner', :'owner_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'service', :'password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'service') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'service', :'owner')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'service') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'service') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'service', :'owner') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'service', :'service') \gexec
SQL
  echo "govhall: database $service ready"
done
