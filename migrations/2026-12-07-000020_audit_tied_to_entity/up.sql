-- Every business row is tied to an audit entry of its own transaction that describes it.
--
-- Until now the deferred audit check (000001, `smartregion_require_audit`) asked only whether
-- the transaction wrote SOME audit entry: a code path that audited one change could slip any
-- other business write through unrecorded. Now each table's `<table>_requires_audit` trigger
-- names the entities whose audit entries may describe a change of its rows, and, where a row
-- carries the entity's id, the column(s) holding it: the row (NEW, OLD for a delete, both for an
-- update) must have an entry of this transaction for one of them.
--
-- A trigger argument is `<entity>=<column>[/<column>...]`: an entry for `<entity>` whose
-- `entity_id` is the row's column value as text (the values of several columns joined with `/`,
-- as `Entry::created("cost_key", format!("{project_id}/{version}"))` does), or `*`, which a
-- migration's backfill may use to describe every row of the entity at once (see 000014). A
-- bare `<entity>` accepts any entry for that entity: only for derived rows that legitimately
-- change under several entities whose ids they do not carry (an allocation recomputed after a
-- cost item, funding or population change; the budget summaries it maintains; the strategy,
-- whose one row has the entity id `strategy`).
--
-- The mapping follows the write paths (the `Entry::` each handler records, see db::write):
-- change it together with them.

-- Deferred to commit like the check it replaces, so the entry may be written after the change.
CREATE FUNCTION smartregion_require_audit_of() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx             xid8 := pg_current_xact_id();
    described_rows jsonb[];
    described      jsonb;
    alternative    text;
    entity_name    text;
    id_columns     text[];
    wanted         text;
    matched        boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        described_rows := ARRAY[to_jsonb(NEW)];
    ELSIF TG_OP = 'DELETE' THEN
        described_rows := ARRAY[to_jsonb(OLD)];
    ELSE
        -- An update that moves a row to another parent changes both.
        described_rows := ARRAY[to_jsonb(NEW), to_jsonb(OLD)];
    END IF;
    FOREACH alternative IN ARRAY TG_ARGV LOOP
        entity_name := split_part(alternative, '=', 1);
        IF position('=' IN alternative) = 0 THEN
            matched := EXISTS (SELECT 1 FROM audit_log
                                WHERE tx_id = tx AND entity = entity_name);
        ELSE
            id_columns := string_to_array(split_part(alternative, '=', 2), '/');
            matched := true;
            FOREACH described IN ARRAY described_rows LOOP
                -- NULL when a column is NULL: such a row is described only by `*`.
                SELECT CASE WHEN bool_and(described ->> c IS NOT NULL)
                            THEN string_agg(described ->> c, '/' ORDER BY n) END
                  INTO wanted
                  FROM unnest(id_columns) WITH ORDINALITY AS u(c, n);
                matched := EXISTS (SELECT 1 FROM audit_log
                                    WHERE tx_id = tx AND entity = entity_name
                                      AND entity_id IN (wanted, '*'));
                EXIT WHEN NOT matched;
            END LOOP;
        END IF;
        IF matched THEN
            RETURN NULL;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'write to % without an audit entry for the row', TG_TABLE_NAME
        USING ERRCODE = 'P0001',
              DETAIL = format('%s of %s needs an audit entry of its transaction for one of: %s',
                              TG_OP, TG_TABLE_NAME, array_to_string(TG_ARGV, ', ')),
              HINT = 'run business writes through db::write::audited, recording an Entry for '
                     'what changed';
END
$$;

-- (Re)creates a table's deferred audit check tied to `entities` (arguments as described above).
-- Refuses malformed arguments and unknown columns, so that a typo cannot disable the check.
CREATE FUNCTION smartregion_require_audit_trigger(table_name regclass, VARIADIC entities text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    alternative text;
    id_column   text;
BEGIN
    IF cardinality(entities) = 0 THEN
        RAISE EXCEPTION 'the audit check of % needs at least one entity', table_name;
    END IF;
    FOREACH alternative IN ARRAY entities LOOP
        IF alternative !~ '^[a-z][a-z_]*(=[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)*)?$' THEN
            RAISE EXCEPTION 'malformed audit entity % for %', alternative, table_name;
        END IF;
        IF position('=' IN alternative) > 0 THEN
            FOREACH id_column IN ARRAY string_to_array(split_part(alternative, '=', 2), '/') LOOP
                IF NOT EXISTS (SELECT 1 FROM pg_attribute
                                WHERE attrelid = table_name AND attname = id_column
                                  AND attnum > 0 AND NOT attisdropped) THEN
                    RAISE EXCEPTION 'audit entity %: % has no column %',
                        alternative, table_name, id_column;
                END IF;
            END LOOP;
        END IF;
    END LOOP;
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s',
                   table_name::text || '_requires_audit', table_name);
    EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s
                    DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION smartregion_require_audit_of(%s)',
                   table_name::text || '_requires_audit', table_name,
                   (SELECT string_agg(quote_literal(e), ', ') FROM unnest(entities) AS e));
END
$$;

-- The form later migrations use for a new business table: both guards, the audit check tied to
-- the entities that describe the table's rows. The one-argument form of 000001 still attaches
-- the old check (some audit entry in the transaction); prefer this one.
CREATE FUNCTION smartregion_guard_writes(table_name regclass, VARIADIC entities text[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s
                    FOR EACH STATEMENT EXECUTE FUNCTION smartregion_require_actor()',
                   table_name::text || '_requires_actor', table_name);
    PERFORM smartregion_require_audit_trigger(table_name, VARIADIC entities);
END
$$;

COMMENT ON FUNCTION smartregion_guard_writes(regclass) IS
    'Loose form: the audit check only asks for some audit entry in the transaction. '
    'New tables use smartregion_guard_writes(table, VARIADIC entities) instead.';

-- Each row check looks up (transaction, entity, id); the transaction alone (the old index) may
-- hold hundreds of entries in an import or the seed. The new index also serves every lookup by
-- transaction, so it replaces the old one.
CREATE INDEX audit_log_tx_entity ON audit_log (tx_id, entity, entity_id);
DROP INDEX audit_log_tx_id;

-- Reference data and the catalogue.
SELECT smartregion_require_audit_trigger('organizations', 'organization=key');
SELECT smartregion_require_audit_trigger('organization_populations',
                                         'population_figure=organization_key/reference_date');
SELECT smartregion_require_audit_trigger('fields_of_action', 'field_of_action=code');
SELECT smartregion_require_audit_trigger('projects', 'project=id');
SELECT smartregion_require_audit_trigger('project_status_changes', 'project=project_id');
SELECT smartregion_require_audit_trigger('project_milestones', 'milestone=id');
SELECT smartregion_require_audit_trigger('project_reports', 'report=id');
SELECT smartregion_require_audit_trigger('project_indicators', 'indicator=id');
SELECT smartregion_require_audit_trigger('project_measurements', 'measurement=id');

-- Participations.
SELECT smartregion_require_audit_trigger('participations', 'participation=id');
SELECT smartregion_require_audit_trigger('council_resolutions', 'council_resolution=id');
SELECT smartregion_require_audit_trigger('council_consultations',
                                         'council_resolution=resolution_id');
SELECT smartregion_require_audit_trigger('participation_history',
                                         'participation=participation_id');

-- The steering committee. A reorder changes many items under one meeting entry.
SELECT smartregion_require_audit_trigger('committee_members', 'committee_member=id');
SELECT smartregion_require_audit_trigger('meetings', 'meeting=id');
SELECT smartregion_require_audit_trigger('agenda_items', 'agenda_item=id', 'meeting=meeting_id');
SELECT smartregion_require_audit_trigger('agenda_item_projects', 'agenda_item=agenda_item_id');
SELECT smartregion_require_audit_trigger('agenda_item_votes', 'agenda_item=agenda_item_id');
SELECT smartregion_require_audit_trigger('oparl_consultations', 'agenda_item=agenda_item_id');
SELECT smartregion_require_audit_trigger('meeting_attendance', 'attendance=id');
SELECT smartregion_require_audit_trigger('meeting_minutes', 'minutes=id');
SELECT smartregion_require_audit_trigger('action_items', 'action_item=id');
SELECT smartregion_require_audit_trigger('calendar_feed_tokens', 'calendar_feed_token=id');

-- Costs. The stored allocation and the budget summaries are recomputed in the transaction of
-- every change that affects them: a project's deletion, an opt-in or withdrawal, a cost key,
-- cost item, funding application or programme, a new population figure.
SELECT smartregion_require_audit_trigger('cost_items', 'cost_item=id');
SELECT smartregion_require_audit_trigger('funding_programmes', 'funding_programme=id');
SELECT smartregion_require_audit_trigger('funding_applications', 'funding_application=id');
SELECT smartregion_require_audit_trigger('cost_keys', 'cost_key=project_id/version');
SELECT smartregion_require_audit_trigger('allocation_snapshots', 'allocation_snapshot=id');
SELECT smartregion_require_audit_trigger(t, 'project=project_id', 'participation', 'cost_key',
                                         'cost_item', 'funding_application', 'funding_programme',
                                         'population_figure')
  FROM unnest(ARRAY['project_allocations', 'project_allocation_years',
                    'project_allocation_shares']::regclass[]) AS t;
SELECT smartregion_require_audit_trigger('organization_budget_years', 'project', 'participation',
                                         'cost_key', 'cost_item', 'funding_application',
                                         'funding_programme', 'population_figure');

-- Webhooks and the strategy.
SELECT smartregion_require_audit_trigger('webhooks', 'webhook=id');
SELECT smartregion_require_audit_trigger('strategy', 'strategy');
SELECT smartregion_require_audit_trigger('strategy_goals', 'strategy_goal=id');
SELECT smartregion_require_audit_trigger('project_goals', 'strategy_goal=goal_id');
SELECT smartregion_require_audit_trigger('goal_indicators', 'strategy_goal=goal_id',
                                         'indicator=indicator_id');

-- Every guarded table is tied now; a table added above without its entities would keep the loose
-- check unnoticed.
DO $$
DECLARE
    loose text;
BEGIN
    SELECT string_agg(tgrelid::regclass::text, ', ') INTO loose
      FROM pg_trigger
     WHERE tgfoid = 'smartregion_require_audit()'::regprocedure;
    IF loose IS NOT NULL THEN
        RAISE EXCEPTION 'audit check not tied to an entity on: %', loose;
    END IF;
END
$$;
