-- EXPLAIN (ANALYZE, BUFFERS) of the overlap queries, for benches/similarity.sh (run against its
-- database of synthetic initiatives; reads only, apart from the write path's statements, which
-- run in a transaction that is rolled back):
--
--     psql -h 127.0.0.1 -U postgres -d smartregion_bench_similarity -f benches/similarity_explain.sql
--
-- A specific title ("Barrierefreie Wärmeplanung") and a broad one ("Digitaler Dorfladen":
-- "digital" is in a third of all titles). The candidate functions are inlined by the planner,
-- so the plans are those of the statements the service sends (db::similarity).
-- Expected (PostgreSQL 15): for both titles an Index Scan on initiatives_similarity_knn ordered
-- by `<->` that stops after 100 rows, a Bitmap Index Scan on initiatives_search ranked by a
-- top-N sort, and the union read through the primary key; no Seq Scan on initiatives.
\set ON_ERROR_STOP on
\timing off
SELECT id AS specific FROM initiatives WHERE title = 'Barrierefreie Wärmeplanung' ORDER BY id LIMIT 1 \gset
SELECT id AS broad FROM initiatives WHERE title = 'Digitaler Dorfladen' ORDER BY id LIMIT 1 \gset
SELECT id AS project FROM projects WHERE deleted_at IS NULL ORDER BY code LIMIT 1 \gset

-- The source first, as db::similarity::initiative_source reads it; its values are then bound
-- like the service binds them.
SELECT similarity_text AS s_text, search::text AS s_terms,
       smartregion_key_terms(search)::text AS s_key, organization_key AS s_org
  FROM initiatives WHERE id = :'specific' \gset
SELECT similarity_text AS b_text, search::text AS b_terms,
       smartregion_key_terms(search)::text AS b_key, organization_key AS b_org,
       -- Text, not NULL: \gset leaves a NULL column's variable unset.
       coalesce(project_id::text, '') AS b_project
  FROM initiatives WHERE id = :'broad' \gset
SELECT smartregion_similarity_text(title, tags) AS p_text, search::text AS p_terms,
       smartregion_key_terms(search)::text AS p_key
  FROM projects WHERE id = :'project' \gset

\echo '--- GET /initiatives/{id}/similar, specific title: initiatives'
EXPLAIN (ANALYZE, BUFFERS)
SELECT * FROM smartregion_initiative_candidates(:'s_text', :'s_terms'::tsvector, :'s_key'::tsquery,
    true, :'specific', :'s_org', NULL, 0.3, 100);

\echo '--- GET /initiatives/{id}/similar, broad title: initiatives'
EXPLAIN (ANALYZE, BUFFERS)
SELECT * FROM smartregion_initiative_candidates(:'b_text', :'b_terms'::tsvector, :'b_key'::tsquery,
    true, :'broad', :'b_org', NULL, 0.3, 100);

\echo '--- GET /initiatives/{id}/similar, broad title: projects'
EXPLAIN (ANALYZE, BUFFERS)
SELECT * FROM smartregion_project_candidates(:'b_text', :'b_terms'::tsvector, :'b_key'::tsquery,
    NULLIF(:'b_project', '')::uuid, 0.3, 100);

\echo '--- GET /projects/{id}/similar: initiatives'
EXPLAIN (ANALYZE, BUFFERS)
SELECT * FROM smartregion_initiative_candidates(:'p_text', :'p_terms'::tsvector, :'p_key'::tsquery,
    true, NULL, NULL, :'project', 0.3, 100);

\echo '--- GET /initiatives/clusters: the stored pairs'
EXPLAIN (ANALYZE, BUFFERS)
SELECT o.initiative_a, o.initiative_b, o.score FROM initiative_overlaps o
  JOIN initiatives a ON a.id = o.initiative_a JOIN initiatives b ON b.id = o.initiative_b
 WHERE o.score >= 0.3 AND a.deleted_at IS NULL AND b.deleted_at IS NULL
   AND a.project_id IS NULL AND b.project_id IS NULL
   AND a.status IN ('idea', 'planned', 'running') AND b.status IN ('idea', 'planned', 'running')
   AND a.organization_key <> b.organization_key;

\echo '--- write path: the pairs of one initiative (broad title), rolled back'
BEGIN;
SELECT set_config('smartregion.actor', 'bench-similarity', true) \g /dev/null
INSERT INTO audit_log (actor_subject, action, entity, entity_id)
VALUES ('bench-similarity', 'initiative.update', 'initiative', :'broad');
DELETE FROM initiative_overlaps WHERE initiative_a = :'broad' OR initiative_b = :'broad';
EXPLAIN (ANALYZE, BUFFERS)
INSERT INTO initiative_overlaps (initiative_a, initiative_b, score)
SELECT * FROM smartregion_overlap_pairs(:'broad', 0.2, 100, 10) ON CONFLICT DO NOTHING;
ROLLBACK;

\echo '--- before (000032): the candidate query db::similarity sent until then, specific title'
BEGIN;
SELECT set_config('pg_trgm.similarity_threshold', '0.3', true) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS)
SELECT 'initiative' AS kind, c.id, c.title, c.organization, c.status, c.field_of_action,
       c.text_similarity,
       smartregion_term_overlap(c.search, :'s_terms'::tsvector) AS term_overlap,
       smartregion_common_terms(c.search, :'s_terms'::tsvector) AS matching_terms
  FROM (SELECT i.id, i.title, i.organization_key AS organization, i.status, i.field_of_action,
               i.search, similarity(i.similarity_text, :'s_text') AS text_similarity
          FROM initiatives i
         WHERE i.deleted_at IS NULL
           AND (i.similarity_text % :'s_text' OR i.search @@ :'s_key'::tsquery)
           AND (true OR i.visibility = 'public')
           AND i.id IS DISTINCT FROM :'specific'
           AND i.organization_key IS DISTINCT FROM :'s_org'
           AND (NULL::uuid IS NULL OR i.project_id IS DISTINCT FROM NULL)
         ORDER BY similarity(i.similarity_text, :'s_text') + ts_rank(i.search, :'s_key'::tsquery) DESC, i.id
         LIMIT 100) c;
ROLLBACK;

\echo '--- before (000032): the candidate query db::similarity sent until then, broad title'
BEGIN;
SELECT set_config('pg_trgm.similarity_threshold', '0.3', true) \g /dev/null
EXPLAIN (ANALYZE, BUFFERS)
SELECT 'initiative' AS kind, c.id, c.title, c.organization, c.status, c.field_of_action,
       c.text_similarity,
       smartregion_term_overlap(c.search, :'b_terms'::tsvector) AS term_overlap,
       smartregion_common_terms(c.search, :'b_terms'::tsvector) AS matching_terms
  FROM (SELECT i.id, i.title, i.organization_key AS organization, i.status, i.field_of_action,
               i.search, similarity(i.similarity_text, :'b_text') AS text_similarity
          FROM initiatives i
         WHERE i.deleted_at IS NULL
           AND (i.similarity_text % :'b_text' OR i.search @@ :'b_key'::tsquery)
           AND (true OR i.visibility = 'public')
           AND i.id IS DISTINCT FROM :'broad'
           AND i.organization_key IS DISTINCT FROM :'b_org'
           AND (NULL::uuid IS NULL OR i.project_id IS DISTINCT FROM NULL)
         ORDER BY similarity(i.similarity_text, :'b_text') + ts_rank(i.search, :'b_key'::tsquery) DESC, i.id
         LIMIT 100) c;
ROLLBACK;
