-- The dashboard's counts and sums, kept in the transaction of every write that changes them, so
-- that the dashboard reads a few dozen summary rows instead of aggregating over every project,
-- participation and allocation year (which grows with the catalogue).
--
-- Each summary is split into 16 shards: a write adds its delta to the shard of its backend
-- (`pg_backend_pid() % 16`), so that concurrent writers of different connections rarely wait
-- for each other's row lock until commit; the dashboard sums the shards (at most 16 rows per
-- key, whatever the size of the data). The triggers run inside the writing transaction, so the
-- summaries are exactly as consistent as the rows they describe.

CREATE TABLE dashboard_project_counts (
    field_of_action text     NOT NULL,
    status          text     NOT NULL,
    shard           smallint NOT NULL,
    projects        bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (field_of_action, status, shard)
);

CREATE TABLE dashboard_participation_counts (
    organization_key text     NOT NULL,
    state            text     NOT NULL,
    shard            smallint NOT NULL,
    participations   bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_key, state, shard)
);

CREATE TABLE dashboard_cost_years (
    fiscal_year     integer  NOT NULL,
    shard           smallint NOT NULL,
    total_cents     bigint   NOT NULL DEFAULT 0,
    eligible_cents  bigint   NOT NULL DEFAULT 0,
    funding_cents   bigint   NOT NULL DEFAULT 0,
    own_share_cents bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (fiscal_year, shard)
);

CREATE FUNCTION smartregion_dashboard_shard() RETURNS smallint LANGUAGE sql STABLE AS $$
    SELECT (pg_backend_pid() % 16)::smallint
$$;

-- Live projects per field of action and status.
CREATE FUNCTION smartregion_dashboard_projects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted_at IS NULL THEN
        INSERT INTO dashboard_project_counts AS c (field_of_action, status, shard, projects)
        VALUES (OLD.field_of_action, OLD.status, smartregion_dashboard_shard(), -1)
        ON CONFLICT (field_of_action, status, shard) DO UPDATE SET projects = c.projects - 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.deleted_at IS NULL THEN
        INSERT INTO dashboard_project_counts AS c (field_of_action, status, shard, projects)
        VALUES (NEW.field_of_action, NEW.status, smartregion_dashboard_shard(), 1)
        ON CONFLICT (field_of_action, status, shard) DO UPDATE SET projects = c.projects + 1;
    END IF;
    -- A project deleted or restored takes its participations out of the counts or back in.
    IF TG_OP = 'UPDATE' AND (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) THEN
        INSERT INTO dashboard_participation_counts AS c
               (organization_key, state, shard, participations)
        SELECT x.organization_key, x.state, smartregion_dashboard_shard(),
               CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END * COUNT(*)
          FROM participations x WHERE x.project_id = NEW.id
         GROUP BY x.organization_key, x.state
         ORDER BY x.organization_key, x.state
        ON CONFLICT (organization_key, state, shard) DO UPDATE
           SET participations = c.participations + EXCLUDED.participations;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER projects_dashboard
    AFTER INSERT OR DELETE OR UPDATE OF field_of_action, status, deleted_at ON projects
    FOR EACH ROW EXECUTE FUNCTION smartregion_dashboard_projects();

-- Participations in live projects per organization and state.
CREATE FUNCTION smartregion_dashboard_participations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.state = NEW.state AND OLD.organization_key = NEW.organization_key
       AND OLD.project_id = NEW.project_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE')
       AND EXISTS (SELECT 1 FROM projects WHERE id = OLD.project_id AND deleted_at IS NULL) THEN
        INSERT INTO dashboard_participation_counts AS c
               (organization_key, state, shard, participations)
        VALUES (OLD.organization_key, OLD.state, smartregion_dashboard_shard(), -1)
        ON CONFLICT (organization_key, state, shard) DO UPDATE
           SET participations = c.participations - 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT')
       AND EXISTS (SELECT 1 FROM projects WHERE id = NEW.project_id AND deleted_at IS NULL) THEN
        INSERT INTO dashboard_participation_counts AS c
               (organization_key, state, shard, participations)
        VALUES (NEW.organization_key, NEW.state, smartregion_dashboard_shard(), 1)
        ON CONFLICT (organization_key, state, shard) DO UPDATE
           SET participations = c.participations + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER participations_dashboard
    AFTER INSERT OR DELETE OR UPDATE OF state, organization_key, project_id ON participations
    FOR EACH ROW EXECUTE FUNCTION smartregion_dashboard_participations();

-- Planned costs and funding per fiscal year: the planning scenario's stored allocation years
-- (a deleted project's allocation is removed in its deleting transaction).
CREATE FUNCTION smartregion_dashboard_cost_years() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.scenario = 'planning' THEN
        INSERT INTO dashboard_cost_years AS c (fiscal_year, shard, total_cents, eligible_cents,
                                               funding_cents, own_share_cents)
        VALUES (OLD.fiscal_year, smartregion_dashboard_shard(), -OLD.total_cents,
                -OLD.eligible_cents, -OLD.funding_cents, -OLD.own_share_cents)
        ON CONFLICT (fiscal_year, shard) DO UPDATE
           SET total_cents = c.total_cents + EXCLUDED.total_cents,
               eligible_cents = c.eligible_cents + EXCLUDED.eligible_cents,
               funding_cents = c.funding_cents + EXCLUDED.funding_cents,
               own_share_cents = c.own_share_cents + EXCLUDED.own_share_cents;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.scenario = 'planning' THEN
        INSERT INTO dashboard_cost_years AS c (fiscal_year, shard, total_cents, eligible_cents,
                                               funding_cents, own_share_cents)
        VALUES (NEW.fiscal_year, smartregion_dashboard_shard(), NEW.total_cents,
                NEW.eligible_cents, NEW.funding_cents, NEW.own_share_cents)
        ON CONFLICT (fiscal_year, shard) DO UPDATE
           SET total_cents = c.total_cents + EXCLUDED.total_cents,
               eligible_cents = c.eligible_cents + EXCLUDED.eligible_cents,
               funding_cents = c.funding_cents + EXCLUDED.funding_cents,
               own_share_cents = c.own_share_cents + EXCLUDED.own_share_cents;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER project_allocation_years_dashboard
    AFTER INSERT OR UPDATE OR DELETE ON project_allocation_years
    FOR EACH ROW EXECUTE FUNCTION smartregion_dashboard_cost_years();

-- Business tables: written only with an actor and an audit entry of the entities whose writes
-- change them (the same as for the rows they summarise).
SELECT smartregion_guard_writes('dashboard_project_counts', 'project');
SELECT smartregion_guard_writes('dashboard_participation_counts', 'participation', 'project');
SELECT smartregion_guard_writes('dashboard_cost_years', 'project', 'participation', 'cost_key',
                                'cost_item', 'funding_application', 'funding_programme',
                                'population_figure', 'membership');

-- What exists already.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM projects) THEN
        PERFORM set_config('smartregion.actor', 'system:migration', true);
        INSERT INTO audit_log (actor_subject, action, entity, entity_id)
        VALUES ('system:migration', 'dashboard.summarise', 'project', '*');
        INSERT INTO dashboard_project_counts (field_of_action, status, shard, projects)
        SELECT field_of_action, status, 0, COUNT(*) FROM projects WHERE deleted_at IS NULL
         GROUP BY field_of_action, status;
        INSERT INTO dashboard_participation_counts (organization_key, state, shard, participations)
        SELECT x.organization_key, x.state, 0, COUNT(*)
          FROM participations x JOIN projects p ON p.id = x.project_id AND p.deleted_at IS NULL
         GROUP BY x.organization_key, x.state;
        INSERT INTO dashboard_cost_years (fiscal_year, shard, total_cents, eligible_cents,
                                          funding_cents, own_share_cents)
        SELECT fiscal_year, 0, SUM(total_cents), SUM(eligible_cents), SUM(funding_cents),
               SUM(own_share_cents)
          FROM project_allocation_years WHERE scenario = 'planning' GROUP BY fiscal_year;
    END IF;
END
$$;
