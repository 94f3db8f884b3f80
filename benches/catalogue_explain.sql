-- EXPLAIN the catalogue's list, filter and search queries on 100,000 generated projects.
--
-- Run against a migrated and seeded database; everything happens in one transaction that is
-- rolled back, so the database is left as it was:
--
--     psql -h 127.0.0.1 -U postgres -d <database> -f benches/catalogue_explain.sql
--
-- The queries mirror those `db::projects::list` builds (same predicates, order and limit;
-- bound values inlined). Expected (PostgreSQL 15): ordered index scans that stop after the
-- page (projects_code / projects_lead / projects_title_de / projects_updated) for lists and
-- frequent filter values, and a BitmapOr of the GIN indexes projects_search and projects_trgm
-- for selective searches. Frequent filter values are cheaper read in code order and filtered
-- than read through their own index and sorted; the planner picks that by itself.
\set ON_ERROR_STOP on
\timing off
BEGIN;
SELECT set_config('smartregion.actor', 'system:bench', true);
INSERT INTO audit_log (actor_subject, action, entity, entity_id)
VALUES ('system:bench', 'bench.generate', 'project', '*');

-- 100,000 projects: codes BA-0000 .. BJ-9999, German titles from a small vocabulary, a
-- description of a few hundred characters, spread over fields, states, leads and tags; 5 %
-- deleted.
WITH words AS (
    SELECT ARRAY['Smarte', 'Digitale', 'Kommunale', 'Vernetzte', 'Nachhaltige', 'Offene']   AS adj,
           ARRAY['Dorfladenbox', 'Straßenbeleuchtung', 'Bürgerplattform', 'Grünflächenkataster',
                 'Mobilitätsstation', 'Parkraumsensorik', 'Schulportal', 'Wärmeplanung',
                 'Fußgängerzone', 'Datenplattform', 'Funknetz', 'Raumvermittlung']        AS noun,
           (SELECT array_agg(code ORDER BY position) FROM fields_of_action)                AS fields,
           ARRAY['idea', 'planned', 'approved', 'in_implementation', 'completed', 'on_hold',
                 'discarded']                                                              AS states,
           (SELECT array_agg(key ORDER BY key) FROM organizations)                         AS orgs
)
INSERT INTO projects (code, title, summary, description, field_of_action, category,
                      lead_organization, tags, status, progress_percent, updated_at, deleted_at)
SELECT 'B' || chr(65 + i / 10000) || '-' || lpad((i % 10000)::text, 4, '0'),
       adj[1 + i % 6] || ' ' || noun[1 + (i / 6) % 12] || ' ' || i,
       'Kurzbeschreibung ' || noun[1 + (i / 7) % 12] || ' für die Gemeinde',
       repeat('Im Rahmen der Smart-Region-Strategie wird das Vorhaben ' || noun[1 + i % 12]
              || ' gemeinsam umgesetzt. ', 1 + i % 4),
       fields[1 + i % 6],
       CASE WHEN i % 5 = 0 THEN 'potential' ELSE 'lead' END,
       orgs[1 + i % 15],
       ARRAY['tag' || (i % 50), 'thema' || (i % 7)],
       states[1 + i % 7],
       i % 101,
       now() - make_interval(secs => 100000 - i),
       CASE WHEN i % 20 = 0 THEN now() END
FROM words, generate_series(0, 99999) AS i;
ANALYZE projects;

\echo '== 1. first page, sort=code'
EXPLAIN (COSTS OFF) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL ORDER BY code LIMIT 51;

\echo '== 2. a later page, sort=code (the code is unique: it is the keyset)'
EXPLAIN (COSTS OFF) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL AND projects.code > 'BE-5000'
ORDER BY code LIMIT 51;

\echo '== 3. sort=title (German collation), later page'
EXPLAIN (COSTS OFF) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL AND (projects.title COLLATE "de-DE-x-icu", projects.id) > ('Offene Wärmeplanung 5', '00000000-0000-0000-0000-000000000000')
ORDER BY projects.title COLLATE "de-DE-x-icu", id LIMIT 51;

\echo '== 4. sort=updated_at with modified_since'
EXPLAIN (COSTS OFF) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL AND updated_at >= now() - interval '1 hour'
ORDER BY updated_at, id LIMIT 51;

\echo '== 5. filter field_of_action'
EXPLAIN (COSTS OFF) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL AND field_of_action = 'administration' ORDER BY code LIMIT 51;

\echo '== 6. filter lead'
EXPLAIN (COSTS OFF) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL AND lead_organization = '05570004' ORDER BY code LIMIT 51;

\echo '== 7. filter status (several)'
EXPLAIN (COSTS OFF) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL AND status = ANY(ARRAY['approved', 'on_hold']) ORDER BY code LIMIT 51;

\echo '== 8. filter tag (rare)'
EXPLAIN (COSTS OFF) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL AND tags @> ARRAY['tag7'] ORDER BY code LIMIT 51;

\echo '== 9. search q=dorfladen (full text OR substring)'
EXPLAIN (COSTS OFF) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL
  AND (projects.search @@ websearch_to_tsquery('german', 'dorfladen')
       OR lower(projects.code || ' ' || projects.title || ' ' || projects.summary || ' ' || projects.description) LIKE lower('%dorfladen%'))
ORDER BY code LIMIT 51;

\echo '== 10. search for a rare word, q=Wärmeplanung 4711'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT id, code, title FROM projects
WHERE deleted_at IS NULL
  AND (projects.search @@ websearch_to_tsquery('german', 'Wärmeplanung 4711')
       OR lower(projects.code || ' ' || projects.title || ' ' || projects.summary || ' ' || projects.description) LIKE lower('%wärmeplanung 4711%'))
ORDER BY code LIMIT 51;

\echo '== 11. the page query of the list, timed'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) SELECT * FROM projects
WHERE deleted_at IS NULL AND field_of_action = 'administration'
  AND projects.code > 'BE-5000'
ORDER BY code LIMIT 51;

ROLLBACK;
