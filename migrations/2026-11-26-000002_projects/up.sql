-- The project catalogue: the strategy's projects and their lifecycle.

-- Substring matching for German compounds ("dorfladen" in "Dorfladenbox").
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE projects (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code                     text        NOT NULL CHECK (code ~ '^[A-Z]{1,6}-[0-9]{1,4}[a-z]?$'),
    title                    text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    summary                  text        NOT NULL DEFAULT '',
    description              text        NOT NULL DEFAULT '',
    field_of_action          text        NOT NULL REFERENCES fields_of_action (code),
    category                 text        NOT NULL CHECK (category IN ('lead', 'potential')),
    lead_organization        text REFERENCES organizations (key),
    tags                     text[]      NOT NULL DEFAULT '{}',
    external_id              text,
    gender_equality_relevant text        NOT NULL DEFAULT 'unknown'
                             CHECK (gender_equality_relevant IN ('yes', 'no', 'unknown')),
    follow_up_costs_note     text,
    internal_note            text,
    status                   text        NOT NULL DEFAULT 'idea'
                             CHECK (status IN ('idea', 'planned', 'approved', 'in_implementation',
                                               'completed', 'on_hold', 'discarded')),
    progress_percent         smallint    NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
    traffic_light            text CHECK (traffic_light IN ('green', 'yellow', 'red')),
    traffic_light_note       text,
    planned_start            date,
    planned_end              date,
    actual_start             date,
    actual_end               date,
    -- Where a seeded project comes from, and whether its field and category were confirmed
    -- there or inferred.
    source_url               text,
    classification_confirmed boolean     NOT NULL DEFAULT true,
    version                  integer     NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    deleted_at               timestamptz,
    search                   tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('german', code || ' ' || title), 'A')
        || setweight(to_tsvector('german', summary), 'B')
        || setweight(to_tsvector('german', description), 'C')
    ) STORED,
    CHECK (planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start),
    CHECK (actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start)
);
-- Codes and external ids stay reserved after a soft delete: they are stable ids elsewhere.
CREATE UNIQUE INDEX projects_code ON projects (code);
CREATE UNIQUE INDEX projects_external_id ON projects (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX projects_live_code ON projects (code) WHERE deleted_at IS NULL;
CREATE INDEX projects_title ON projects (lower(title), id) WHERE deleted_at IS NULL;
CREATE INDEX projects_updated ON projects (updated_at, id);
CREATE INDEX projects_field ON projects (field_of_action, code) WHERE deleted_at IS NULL;
CREATE INDEX projects_status ON projects (status, code) WHERE deleted_at IS NULL;
CREATE INDEX projects_lead ON projects (lead_organization, code) WHERE deleted_at IS NULL;
CREATE INDEX projects_tags ON projects USING gin (tags);
CREATE INDEX projects_search ON projects USING gin (search);
CREATE INDEX projects_trgm ON projects
    USING gin ((lower(code || ' ' || title || ' ' || summary || ' ' || description)) gin_trgm_ops);
SELECT smartregion_guard_writes('projects');

-- Every lifecycle transition, for `/projects/{id}/status-history`.
CREATE TABLE project_status_changes (
    id            bigserial PRIMARY KEY,
    project_id    uuid        NOT NULL REFERENCES projects (id),
    from_status   text,
    to_status     text        NOT NULL,
    reason        text,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    actor_subject text        NOT NULL,
    actor_organization text
);
CREATE INDEX project_status_changes_project ON project_status_changes (project_id, id);
SELECT smartregion_guard_writes('project_status_changes');
