#!/usr/bin/env bash
# Loads the peers' deterministic dataset (shared/peers/sql/generate.sql) into one PostgreSQL
# database: schema "news" for pgbench and PostGraphile, and the same rows copied into
# newsgraph's migrated tables (bench/peers/convert.sql), ids unchanged.
# Usage: bench/peers/load.sh DATABASE SCALE   (PGURL, PEERS_DIR to override)
set -euo pipefail
cd "$(dirname "$0")/../.."
DB=${1:?database name}
SCALE=${2:-1}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
PEERS_DIR=${PEERS_DIR:-../shared/peers}
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
psql "$PGURL/$DB" -q -v ON_ERROR_STOP=1 -f "$PEERS_DIR/sql/schema.sql" >/dev/null
psql "$PGURL/$DB" -q -v ON_ERROR_STOP=1 -v scale="$SCALE" -f "$PEERS_DIR/sql/generate.sql" >/dev/null
DATABASE_URL="$PGURL/$DB" ./target/release/newsgraph migrate
psql "$PGURL/$DB" -q -v ON_ERROR_STOP=1 -f bench/peers/convert.sql >/dev/null
psql "$PGURL/$DB" -Atc "SELECT 'loaded: ' || (SELECT count(*) FROM article) || ' articles, ' || (SELECT count(*) FROM statement) || ' statements, ' || (SELECT count(*) FROM location) || ' places, ' || (SELECT count(*) FROM casualty) || ' casualty figures'"
