-- Project details: milestones, status reports, indicators with their measurements, and the key
-- that keeps the seed of known projects idempotent.

-- The seed marks the rows it loaded (`projects_known:<title>`), so that a second run adds
-- nothing even after the steering office renamed, re-coded or deleted a seeded project.
ALTER TABLE projects ADD COLUMN seed_key text;
CREATE UNIQUE INDEX projects_seed_key ON projects (seed_key) WHERE seed_key IS NOT NULL;

CREATE TABLE project_milestones (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id   uuid        NOT NULL REFERENCES projects (id),
    title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    planned_date date        NOT NULL,
    actual_date  date,
    state        text        NOT NULL DEFAULT 'open'
                 CHECK (state IN ('open', 'done', 'missed', 'dropped')),
    version      integer     NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_milestones_project ON project_milestones (project_id, planned_date, id);
SELECT smartregion_guard_writes('project_milestones');

-- Dated status reports. A report can be corrected for 24 hours after it was posted; after that
-- it is only superseded by a newer report naming it in `supersedes`.
CREATE TABLE project_reports (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id          uuid        NOT NULL REFERENCES projects (id),
    report_date         date        NOT NULL,
    author_organization text        NOT NULL REFERENCES organizations (key),
    text                text        NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
    progress_percent    smallint    NOT NULL CHECK (progress_percent BETWEEN 0 AND 100),
    traffic_light       text        NOT NULL CHECK (traffic_light IN ('green', 'yellow', 'red')),
    traffic_light_note  text,
    next_steps          text        NOT NULL DEFAULT '',
    risks               text        NOT NULL DEFAULT '',
    supersedes          uuid REFERENCES project_reports (id),
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_reports_project ON project_reports (project_id, report_date, id);
-- A report is superseded at most once.
CREATE UNIQUE INDEX project_reports_supersedes ON project_reports (supersedes)
    WHERE supersedes IS NOT NULL;
SELECT smartregion_guard_writes('project_reports');

-- Backstop for the 24-hour rule the service checks first: a report older than 24 hours (by the
-- database clock) is never changed or removed.
CREATE FUNCTION smartregion_reports_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.created_at <= now() - interval '24 hours' THEN
        RAISE EXCEPTION 'status report % is older than 24 hours and frozen', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER project_reports_frozen BEFORE UPDATE OR DELETE ON project_reports
    FOR EACH ROW EXECUTE FUNCTION smartregion_reports_frozen();

-- Indicators for the strategy's evaluation. Values are measurements (counts, percentages,
-- kWh), never money, so double precision is adequate; NaN and infinities are refused.
CREATE TABLE project_indicators (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id  uuid        NOT NULL REFERENCES projects (id),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    unit        text        NOT NULL CHECK (length(unit) BETWEEN 1 AND 50),
    description text        NOT NULL DEFAULT '',
    baseline    double precision CHECK (baseline IS NULL OR baseline BETWEEN -1e15 AND 1e15),
    target      double precision CHECK (target IS NULL OR target BETWEEN -1e15 AND 1e15),
    target_date date,
    version     integer     NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_indicators_project ON project_indicators (project_id, created_at, id);
SELECT smartregion_guard_writes('project_indicators');

CREATE TABLE project_measurements (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    indicator_id uuid        NOT NULL REFERENCES project_indicators (id),
    measured_on  date        NOT NULL,
    value        double precision NOT NULL CHECK (value BETWEEN -1e15 AND 1e15),
    note         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- One value per indicator and date; the unique index also orders the list.
    UNIQUE (indicator_id, measured_on)
);
SELECT smartregion_guard_writes('project_measurements');
