-- Synthetic local initiatives for benches/similarity.sh: :n initiatives (psql variable) spread
-- over the organizations with a population, each marked synthetic ("[SYN]" in the summary).
-- Titles combine an adjective, a noun and sometimes a place from small word lists, so that some
-- terms are broad ("digital" in about a third of the titles) and others specific. The same :n
-- gives the same data (setseed).
--
-- Runs in one transaction with an actor and one bulk audit entry per entity (entity id `*`, the
-- bulk form of the audit tie that bench-data uses as well), then fills the pair table through
-- the write path's own function, one initiative after another.
\set ON_ERROR_STOP on
BEGIN;
SELECT set_config('smartregion.actor', 'bench-similarity', true);
INSERT INTO audit_log (actor_subject, action, entity, entity_id)
VALUES ('bench-similarity', 'bench_data.load', 'initiative', '*');
SELECT setseed(0.16);

CREATE TEMP TABLE words (kind text, n int, word text) ON COMMIT DROP;
INSERT INTO words
SELECT 'adj', row_number() OVER (), w FROM unnest(ARRAY[
    'Digitaler', 'Digitale', 'Digitales', 'Smarte', 'Vernetzte', 'Offene', 'Mobile',
    'Kommunale', 'Interkommunale', 'Nachhaltige', 'Automatisierte', 'Barrierefreie',
    'Regionale', 'Intelligente', 'Papierlose', 'Sichere']) AS w
UNION ALL
SELECT 'noun', row_number() OVER (), w FROM unnest(ARRAY[
    'Dorfladen', 'Bürgerservice', 'Straßenbeleuchtung', 'Parkraumsteuerung', 'Verwaltung',
    'Bauantragsverfahren', 'Schule', 'Ratsinformationssystem', 'Terminvergabe',
    'Abfallwirtschaft', 'Mitfahrbank', 'Ehrenamtsbörse', 'Breitbandausbau', 'Wasserzähler',
    'Bürgerbeteiligung', 'Tourismusplattform', 'Gewerbeflächenbörse', 'Seniorenhilfe',
    'Pflegeberatung', 'Feuerwehr', 'Bibliothek', 'Sportstättenbuchung', 'Hochwasserwarnung',
    'Energieberatung', 'Ladeinfrastruktur', 'Rufbus', 'Wochenmarkt', 'Heimatapp',
    'Friedhofsverwaltung', 'Kita-Anmeldung', 'Jugendbeteiligung', 'Klimaanpassung',
    'Wärmeplanung', 'Geodateninfrastruktur', 'E-Akte', 'Schülerbeförderung', 'Radwegenetz',
    'Leerstandsmanagement', 'Coworking-Space', 'Mängelmelder']) AS w
UNION ALL
SELECT 'place', row_number() OVER (), w FROM unnest(ARRAY[
    'im Ortskern', 'für Senioren', 'im ländlichen Raum', 'mit Sensoren', 'per App',
    'für Vereine', 'im Kreis', 'mit KI', 'für Pendler', 'im Quartier']) AS w
UNION ALL
SELECT 'tag', row_number() OVER (), w FROM unnest(ARRAY[
    'digitalisierung', 'mobilität', 'nahversorgung', 'verwaltung', 'bildung', 'iot',
    'open-data', 'ehrenamt', 'klima', 'tourismus', 'gesundheit', 'sicherheit', 'energie',
    'beteiligung', 'wirtschaft']) AS w;

CREATE TEMP TABLE picks ON COMMIT DROP AS
SELECT g,
       -- "Digital…" in about a third of the titles: the broad term.
       CASE WHEN random() < 0.33 THEN 1 + floor(random() * 3)::int
            ELSE 4 + floor(random() * 13)::int END AS adj,
       1 + floor(random() * 40)::int AS noun,
       CASE WHEN random() < 0.4 THEN 1 + floor(random() * 10)::int END AS place,
       1 + floor(random() * 40)::int AS noun2,
       1 + floor(random() * 15)::int AS tag1,
       1 + floor(random() * 15)::int AS tag2,
       random() AS r1, random() AS r2, random() AS r3
  FROM generate_series(1, :n) AS g;

INSERT INTO initiatives (organization_key, title, summary, field_of_action, status, start_date,
                         end_date, contact_role, tags, visibility, external_id)
SELECT o.key,
       a.word || ' ' || nn.word || coalesce(' ' || pl.word, ''),
       '[SYN] Synthetische Initiative: ' || a.word || ' ' || nn.word || ' und '
           || n2.word || ' für die Bürgerinnen und Bürger der Gemeinde.',
       f.code,
       s.status,
       CASE WHEN s.status IN ('running', 'completed') THEN date '2025-01-01' END,
       CASE WHEN s.status = 'completed' THEN date '2026-06-30' END,
       'Stabsstelle Digitalisierung',
       ARRAY[t1.word] || CASE WHEN p.tag2 <> p.tag1 THEN ARRAY[t2.word] ELSE '{}' END,
       CASE WHEN p.r2 < 0.8 THEN 'public' ELSE 'members' END,
       'SYN-' || p.g
  FROM picks p
  JOIN words a ON a.kind = 'adj' AND a.n = p.adj
  JOIN words nn ON nn.kind = 'noun' AND nn.n = p.noun
  JOIN words n2 ON n2.kind = 'noun' AND n2.n = p.noun2
  LEFT JOIN words pl ON pl.kind = 'place' AND pl.n = p.place
  JOIN words t1 ON t1.kind = 'tag' AND t1.n = p.tag1
  JOIN words t2 ON t2.kind = 'tag' AND t2.n = p.tag2
  CROSS JOIN LATERAL (SELECT key FROM organizations WHERE population IS NOT NULL
                       ORDER BY key OFFSET (p.g % (SELECT count(*) FROM organizations
                                                   WHERE population IS NOT NULL)) LIMIT 1) o
  CROSS JOIN LATERAL (SELECT code FROM fields_of_action
                       ORDER BY position OFFSET (p.g % (SELECT count(*) FROM fields_of_action))
                       LIMIT 1) f
  CROSS JOIN LATERAL (SELECT (ARRAY['idea', 'planned', 'running', 'completed', 'stopped'])
                             [1 + floor(p.r1 * 5)::int] AS status) s;
COMMIT;
