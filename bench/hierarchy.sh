#!/usr/bin/env bash
# Measures descendant queries on a 5-level hierarchy of 50,000 places (10 / 90 / 900 / 9,000 /
# 40,000) in PostgreSQL: builds the places and their closure rows in a fresh database, starts
# newsgraph (release) on it and times `locations(filter: { withinId })` for a continent
# (~5,000 descendants, counted), a country and a region, and a casualty roll-up with
# includeDescendants.
# Usage: bench/hierarchy.sh   (needs psql, curl, python3; PGURL to override the server)
set -euo pipefail
cd "$(dirname "$0")/.."
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
DB=newsgraph_bench_hierarchy
PORT=${PORT:-18190}
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
cargo build --release -q --bin newsgraph
DATABASE_URL="$PGURL/$DB" ./target/release/newsgraph migrate
psql "$PGURL/$DB" -q <<'SQL'
-- levels: 10 continents, 9 children each level down to 40,000 sites
INSERT INTO location (id, name, name_norm, kind, latitude, longitude, parent_id)
SELECT g, 'Place ' || g, 'place ' || g,
       CASE WHEN g <= 10 THEN 'CONTINENT' WHEN g <= 100 THEN 'COUNTRY' WHEN g <= 1000 THEN 'REGION' WHEN g <= 10000 THEN 'CITY' ELSE 'SITE' END,
       (g % 170) - 85, (g % 350) - 175,
       CASE WHEN g <= 10 THEN NULL WHEN g <= 100 THEN (g - 11) / 9 + 1 WHEN g <= 1000 THEN (g - 101) / 10 + 11
            WHEN g <= 10000 THEN (g - 1001) / 10 + 101 ELSE (g - 10001) % 9000 + 1001 END
FROM generate_series(1, 50000) g;
SELECT setval(pg_get_serial_sequence('location', 'id'), 50000);
INSERT INTO location_closure SELECT id, id, 0 FROM location;
WITH RECURSIVE up(descendant_id, ancestor_id, depth) AS (
  SELECT id, parent_id, 1 FROM location WHERE parent_id IS NOT NULL
  UNION ALL SELECT up.descendant_id, l.parent_id, up.depth + 1 FROM up JOIN location l ON l.id = up.ancestor_id WHERE l.parent_id IS NOT NULL)
INSERT INTO location_closure (ancestor_id, descendant_id, depth) SELECT ancestor_id, descendant_id, depth FROM up;
ANALYZE;
SQL
DATABASE_URL="$PGURL/$DB" NEWSGRAPH_BIND=127.0.0.1:$PORT RUST_LOG=warn ./target/release/newsgraph serve &
pid=$!
trap 'kill $pid 2>/dev/null; psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
python3 - "$PORT" <<'PY'
import json, sys, time, urllib.request, base64
port = sys.argv[1]
def gid(n): return base64.urlsafe_b64encode(f"Location:{n}".encode()).decode().rstrip("=")
def run(q):
    body = json.dumps({"query": q}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body, {"content-type": "application/json"})
    t = time.perf_counter(); out = json.load(urllib.request.urlopen(req)); dt = (time.perf_counter() - t) * 1000
    assert "errors" not in out, out
    return dt, out
cases = [
    ("continent (4 levels below, ~5,500 places): totalCount + first 20", f'{{ locations(filter: {{ withinId: "{gid(1)}" }}) {{ totalCount nodes {{ name }} }} }}'),
    ("country (~600 places)", f'{{ locations(filter: {{ withinId: "{gid(11)}" }}) {{ totalCount nodes {{ name }} }} }}'),
    ("region (~60 places)", f'{{ locations(filter: {{ withinId: "{gid(101)}" }}) {{ totalCount nodes {{ name }} }} }}'),
    ("casualties of a continent, includeDescendants", f'{{ casualties(filter: {{ locationId: "{gid(1)}", includeDescendants: true }}) {{ totalCount }} }}'),
]
print("| query | median ms (20 runs) | result |")
print("|---|---:|---|")
for name, q in cases:
    times = []
    for _ in range(20):
        dt, out = run(q); times.append(dt)
    times.sort()
    conn = next(iter(out["data"].values()))
    print(f"| {name} | {times[len(times)//2]:.2f} | totalCount {conn['totalCount']} |")
PY
