#!/usr/bin/env bash
# Overlap detection at 10,000 local initiatives (issue 16): builds a fresh database with the
# reference data, bench-data's scale-1 catalogue and BENCH_INITIATIVES synthetic initiatives
# (benches/similarity_data.sql), fills the pair table through the write path's own function,
# then prints EXPLAIN (ANALYZE, BUFFERS) and pgbench timings of the overlap queries
# (benches/similarity_explain.sql and the pgbench scripts below) for a specific and a broad title.
#
#   bash benches/similarity.sh
#   BENCH_BIN=/path/to/smartregion BENCH_INITIATIVES=2000 BENCH_TIME=5 bash benches/similarity.sh
#   BENCH_REUSE=1 bash benches/similarity.sh    # plans and timings again on the same data
#
# See benches/README.md ("Overlap detection").
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_INITIATIVES:-10000}
DB=${BENCH_DB:-smartregion_bench_similarity}
TIME=${BENCH_TIME:-10}
JOBS=${BENCH_JOBS:-2}
PGHOST=${BENCH_PGHOST:-127.0.0.1}
PGPORT=${BENCH_PGPORT:-5432}
BIN=${BENCH_BIN:-$ROOT/target/release/smartregion}
OUT=${BENCH_OUT:-$ROOT/target/bench/similarity}
export PGHOST PGPORT PGUSER=postgres

for tool in pgbench psql; do
  command -v "$tool" >/dev/null || { echo "similarity.sh: $tool is missing" >&2; exit 2; }
done
if [ ! -x "$BIN" ]; then
  echo "similarity.sh: no binary at $BIN (cargo build --release, or set BENCH_BIN)" >&2
  exit 2
fi
mkdir -p "$OUT"
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$@"; }

# --- Data --------------------------------------------------------------------------------------
# BENCH_REUSE=1 keeps a database an earlier run filled (filling the pair table takes minutes).
if [ "${BENCH_REUSE:-0}" = 1 ] && [ -n "$(psql_db postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
  echo "== data: reusing $DB"
else
  echo "== data: $N initiatives in $DB (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  psql_db postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  DATABASE_URL=postgres://smartregion_app@$PGHOST:$PGPORT/$DB \
  SMARTREGION_OWNER_DATABASE_URL=postgres://postgres@$PGHOST:$PGPORT/$DB \
  RUST_LOG=warn "$BIN" bench-data --scale 1 >/dev/null
  start=$(date +%s.%N)
  psql_db "$DB" -v n="$N" -f "$ROOT/benches/similarity_data.sql" >/dev/null
  echo "initiatives inserted in $(echo "$(date +%s.%N) - $start" | bc) s"

  # The pair table as the write path keeps it: each initiative's pairs through
  # smartregion_overlap_pairs, computed in BENCH_JOBS sessions into a staging table (two sessions
  # inserting the same pair into initiative_overlaps would deadlock), then stored at once: the
  # union of every initiative's pairs.
  start=$(date +%s.%N)
  psql_db "$DB" -c "CREATE UNLOGGED TABLE bench_pairs (a uuid, b uuid, score double precision)"
  for job in $(seq 0 $((JOBS - 1))); do
    psql_db "$DB" -c "INSERT INTO bench_pairs
      SELECT p.initiative_a, p.initiative_b, p.score
        FROM initiatives i CROSS JOIN LATERAL smartregion_overlap_pairs(i.id, 0.2, 100, 10) p
       WHERE i.deleted_at IS NULL AND abs(hashtext(i.id::text)) % $JOBS = $job" &
  done
  wait
  psql_db "$DB" >/dev/null <<SQL
BEGIN;
SELECT set_config('smartregion.actor', 'bench-similarity', true);
INSERT INTO audit_log (actor_subject, action, entity, entity_id)
VALUES ('bench-similarity', 'bench_data.load', 'initiative', '*');
INSERT INTO initiative_overlaps (initiative_a, initiative_b, score)
SELECT DISTINCT ON (a, b) a, b, score FROM bench_pairs ORDER BY a, b
ON CONFLICT DO NOTHING;
COMMIT;
DROP TABLE bench_pairs;
SQL
  elapsed=$(echo "$(date +%s.%N) - $start" | bc)
  echo "pairs stored in $elapsed s with $JOBS sessions:" \
       "$(psql_db "$DB" -c "SELECT count(*) FROM initiative_overlaps") pairs," \
       "$(echo "scale=1; $elapsed * $JOBS * 1000 / $N" | bc) ms per initiative"
  psql_db "$DB" -c "VACUUM ANALYZE" >/dev/null
  psql_db "$DB" -c "SELECT count(*) || ' initiatives, ' || count(*) FILTER (WHERE search @@ 'digital'::tsquery) || ' with the term \"digital\", ' || count(*) FILTER (WHERE search @@ 'dorflad'::tsquery) || ' with \"dorflad\"' FROM initiatives"
fi

# --- Plans -------------------------------------------------------------------------------------
echo "== plans (EXPLAIN ANALYZE, BUFFERS)"
psql -X -v ON_ERROR_STOP=1 -d "$DB" -f "$ROOT/benches/similarity_explain.sql" | tee "$OUT/plans.txt"

# --- Timings -----------------------------------------------------------------------------------
# One client, BENCH_TIME seconds each, the statements the service issues.
specific=$(psql_db "$DB" -c "SELECT id FROM initiatives WHERE title = 'Barrierefreie Wärmeplanung' ORDER BY id LIMIT 1")
broad=$(psql_db "$DB" -c "SELECT id FROM initiatives WHERE title = 'Digitaler Dorfladen' ORDER BY id LIMIT 1")
project=$(psql_db "$DB" -c "SELECT id FROM projects WHERE deleted_at IS NULL ORDER BY code LIMIT 1")
script() { # name, SQL
  printf '%s\n' "$2" > "$OUT/$1.sql"
}
# As the service: the source first (db::similarity::initiative_source), then both candidate
# queries with its values bound as parameters (pgbench -M extended).
similar_initiative() { # id
  cat <<SQL
SELECT similarity_text AS text, search::text AS terms, smartregion_key_terms(search)::text AS key,
       organization_key AS org, coalesce(project_id::text, '') AS project
  FROM initiatives WHERE id = '$1' AND deleted_at IS NULL \\gset
SELECT * FROM smartregion_initiative_candidates(:text, :terms::tsvector, :key::tsquery, true, '$1', :org, NULL, 0.3, 100);
SELECT * FROM smartregion_project_candidates(:text, :terms::tsvector, :key::tsquery, NULLIF(:project, '')::uuid, 0.3, 100);
SQL
}
script similar_initiative_specific "$(similar_initiative "$specific")"
script similar_initiative_broad "$(similar_initiative "$broad")"
script similar_project "SELECT smartregion_similarity_text(title, tags) AS text, search::text AS terms, smartregion_key_terms(search)::text AS key
  FROM projects WHERE id = '$project' AND deleted_at IS NULL \\gset
SELECT * FROM smartregion_initiative_candidates(:text, :terms::tsvector, :key::tsquery, true, NULL, NULL, '$project', 0.3, 100);
SELECT * FROM smartregion_project_candidates(:text, :terms::tsvector, :key::tsquery, '$project', 0.3, 100);"
script clusters "SELECT o.initiative_a, o.initiative_b, o.score FROM initiative_overlaps o
  JOIN initiatives a ON a.id = o.initiative_a JOIN initiatives b ON b.id = o.initiative_b
 WHERE o.score >= 0.3 AND a.deleted_at IS NULL AND b.deleted_at IS NULL
   AND a.project_id IS NULL AND b.project_id IS NULL
   AND a.status IN ('idea', 'planned', 'running') AND b.status IN ('idea', 'planned', 'running')
   AND a.organization_key <> b.organization_key;"
# The write path of a create (insert, the pairs, then likely_overlaps), rolled back.
create() { # title
  cat <<SQL
BEGIN;
SELECT set_config('smartregion.actor', 'bench-similarity', true);
INSERT INTO audit_log (actor_subject, action, entity, entity_id) VALUES ('bench-similarity', 'initiative.create', 'initiative', '*');
INSERT INTO initiatives (id, organization_key, title, summary, field_of_action, tags)
SELECT '00000000-0000-4000-8000-000000000016', key, '$1', 'Ein Angebot rund um die Uhr.', (SELECT code FROM fields_of_action ORDER BY position LIMIT 1), '{nahversorgung}'
  FROM organizations WHERE population IS NOT NULL ORDER BY key LIMIT 1;
DELETE FROM initiative_overlaps WHERE initiative_a = '00000000-0000-4000-8000-000000000016' OR initiative_b = '00000000-0000-4000-8000-000000000016';
INSERT INTO initiative_overlaps (initiative_a, initiative_b, score) SELECT * FROM smartregion_overlap_pairs('00000000-0000-4000-8000-000000000016', 0.2, 100, 10) ON CONFLICT DO NOTHING;
$(similar_initiative 00000000-0000-4000-8000-000000000016)
ROLLBACK;
SQL
}
script create_specific "$(create 'Barrierefreie Wärmeplanung')"
script create_broad "$(create 'Digitaler Dorfladen')"

echo "== timings (pgbench, 1 client, ${TIME} s each; load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-28s %10s %12s\n' scenario tps "latency ms"
for name in similar_initiative_specific similar_initiative_broad similar_project clusters create_specific create_broad; do
  result=$(pgbench -n -M extended -c 1 -T "$TIME" -f "$OUT/$name.sql" "$DB" 2>&1)
  tps=$(echo "$result" | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  latency=$(echo "$result" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
  printf '%-28s %10s %12s\n' "$name" "$tps" "$latency"
done | tee "$OUT/timings.txt"
