-- EXPLAIN ANALYZE the queries behind the implementation report and the dashboard
-- (src/db/reporting.rs) on a cooperation far larger than Kreis Warendorf's: 10,000 projects,
-- every organization in about a third of them, 3 milestones and 2 status reports per project,
-- allocations for 5 fiscal years in both scenarios.
--
-- Run against a migrated and seeded database; everything happens in one transaction that is
-- rolled back, so the database is left as it was:
--
--     psql -h 127.0.0.1 -U postgres -d <database> -f benches/reporting_explain.sql
--
-- The queries mirror those `db::reporting` builds (same predicates and order; bound values
-- inlined). Seen on this kind of machine (PostgreSQL 15, 2026-11-26): the report's queries
-- about one organization take 3-9 ms (participations_organization bitmap scan; the joinable
-- projects walk projects_live_code with an anti join on participations_project_organization;
-- reports and milestones of 100 projects are read with one hash semi join each); the
-- dashboard's aggregates scan once with a hash aggregate, 6-40 ms for 10,000 projects and
-- 50,000 participations. Both run about 20 queries per request regardless of size.
\set ON_ERROR_STOP on
\timing off
BEGIN;
SELECT set_config('smartregion.actor', 'system:bench', true);
INSERT INTO audit_log (actor_subject, action, entity, entity_id)
VALUES ('system:bench', 'bench.generate', 'project', '*');

INSERT INTO projects (code, title, summary, description, field_of_action, category,
                      lead_organization, status, progress_percent)
SELECT 'R' || chr(65 + i / 10000) || '-' || lpad((i % 10000)::text, 4, '0'),
       'Vorhaben ' || i, 'Kurzbeschreibung', 'Beschreibung',
       (SELECT array_agg(code ORDER BY position) FROM fields_of_action)[1 + i % 6],
       'lead',
       (SELECT array_agg(key ORDER BY key) FROM organizations)[1 + i % 15],
       (ARRAY['idea', 'planned', 'approved', 'in_implementation', 'completed', 'on_hold',
              'discarded'])[1 + i % 7],
       i % 101
FROM generate_series(0, 9999) AS i;

-- Each organization takes part in about a third of the projects, in every active state.
INSERT INTO participations (project_id, organization_key, state, council_resolution_required)
SELECT p.id, o.key,
       (ARRAY['interested', 'intends_to_join', 'council_decision_pending', 'committed',
              'declined'])[1 + abs(hashtext(p.code || o.key)) % 5],
       o.kind <> 'agency'
FROM projects p CROSS JOIN organizations o
WHERE p.code LIKE 'R%' AND abs(hashtext(o.key || p.code)) % 3 = 0;

INSERT INTO project_milestones (project_id, title, planned_date, state)
SELECT p.id, 'Meilenstein ' || n, DATE '2025-01-01' + (abs(hashtext(p.code)) % 700 + n * 60),
       (ARRAY['open', 'done', 'missed'])[1 + n]
FROM projects p, generate_series(0, 2) AS n
WHERE p.code LIKE 'R%';

INSERT INTO project_reports (project_id, report_date, author_organization, text,
                             progress_percent, traffic_light)
SELECT p.id, DATE '2026-01-01' + (abs(hashtext(p.code)) % 150 + n * 30), p.lead_organization,
       'Sachstand', 10 * n, (ARRAY['green', 'yellow'])[1 + n]
FROM projects p, generate_series(0, 1) AS n
WHERE p.code LIKE 'R%';

INSERT INTO project_allocations (project_id, scenario, status)
SELECT p.id, s, 'complete'
FROM projects p, unnest(ARRAY['committed', 'planning']) AS s
WHERE p.code LIKE 'R%';
INSERT INTO project_allocation_years (project_id, scenario, fiscal_year, total_cents,
                                      eligible_cents, funding_cents, own_share_cents,
                                      unallocated_cents)
SELECT a.project_id, a.scenario, y, 1000000, 800000, 400000, 600000, 0
FROM project_allocations a, generate_series(2026, 2030) AS y;
ANALYZE;

\echo '== report: active participations of one organization (Ostbevern)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT x.*, p.code FROM participations x JOIN projects p ON p.id = x.project_id
WHERE x.organization_key = '05570032'
  AND x.state IN ('interested', 'intends_to_join', 'council_decision_pending', 'committed')
  AND p.deleted_at IS NULL
ORDER BY p.code LIMIT 500;

\echo '== report: latest status report per project within the period (100 projects)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT DISTINCT ON (r.project_id) r.* FROM project_reports r
WHERE r.project_id IN (SELECT id FROM projects WHERE code LIKE 'RA-00%' LIMIT 200)
  AND r.report_date BETWEEN DATE '2026-01-01' AND DATE '2026-06-30'
ORDER BY r.project_id, r.report_date DESC, r.id DESC;

\echo '== report: milestones of the period and missed ones (100 projects)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT m.* FROM project_milestones m
WHERE m.project_id IN (SELECT id FROM projects WHERE code LIKE 'RA-00%' LIMIT 200)
  AND (m.planned_date BETWEEN DATE '2026-01-01' AND DATE '2026-06-30'
       OR (m.planned_date < DATE '2026-01-01' AND m.state = 'open'))
ORDER BY m.project_id, m.planned_date, m.id;

\echo '== report: projects Ostbevern could still join'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT p.id, p.code FROM projects p
WHERE p.deleted_at IS NULL AND p.status NOT IN ('completed', 'discarded')
  AND NOT EXISTS (SELECT 1 FROM participations x WHERE x.project_id = p.id
                  AND x.organization_key = '05570032'
                  AND x.state IN ('interested', 'intends_to_join', 'council_decision_pending', 'committed'))
ORDER BY p.code LIMIT 500;

\echo '== dashboard: projects per field and status'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT field_of_action, status, count(*) FROM projects WHERE deleted_at IS NULL
GROUP BY field_of_action, status ORDER BY field_of_action, status;

\echo '== dashboard: participations per organization and state'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT o.key, o.name, x.state, COUNT(*) FROM participations x
JOIN projects p ON p.id = x.project_id AND p.deleted_at IS NULL
JOIN organizations o ON o.key = x.organization_key
GROUP BY o.key, o.name, x.state ORDER BY o.key, x.state;

\echo '== dashboard: allocation totals per fiscal year'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT y.fiscal_year, SUM(y.total_cents), SUM(y.own_share_cents)
FROM project_allocation_years y JOIN projects p ON p.id = y.project_id AND p.deleted_at IS NULL
WHERE y.scenario = 'committed'
GROUP BY y.fiscal_year ORDER BY y.fiscal_year;

\echo '== dashboard: overdue milestones'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON)
SELECT m.*, p.code, p.title FROM project_milestones m JOIN projects p ON p.id = m.project_id
WHERE p.deleted_at IS NULL AND m.state = 'open' AND m.planned_date < DATE '2026-11-26'
ORDER BY m.planned_date, m.id LIMIT 500;

ROLLBACK;
