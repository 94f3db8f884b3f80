-- Local initiatives: each municipality's own digital initiatives beside the joint projects, so
-- that the steering committee can see what is done side by side ("Nebeneinander").

-- The tags as one text, for the generated search column and the similarity indexes.
-- `array_to_string` is only STABLE in general (element output functions may depend on
-- settings); for text elements it is immutable, which this wrapper states.
CREATE FUNCTION smartregion_tags_text(tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT array_to_string(tags, ' ') $$;

CREATE TABLE initiatives (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The municipality whose initiative it is; never changes.
    organization_key text        NOT NULL REFERENCES organizations (key),
    title            text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    summary          text        NOT NULL DEFAULT '' CHECK (length(summary) <= 2000),
    field_of_action  text        NOT NULL REFERENCES fields_of_action (code),
    status           text        NOT NULL DEFAULT 'idea'
                     CHECK (status IN ('idea', 'planned', 'running', 'completed', 'stopped')),
    start_date       date,
    end_date         date,
    -- A function or unit ("Stabsstelle Digitalisierung"), never a person's name.
    contact_role     text,
    link             text,
    tags             text[]      NOT NULL DEFAULT '{}',
    visibility       text        NOT NULL DEFAULT 'public'
                     CHECK (visibility IN ('public', 'members')),
    -- The joint project the initiative belongs to or became.
    project_id       uuid REFERENCES projects (id),
    -- The id a synchronising system of the municipality gave it; unique per municipality.
    external_id      text,
    version          integer     NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    search           tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('german', title), 'A')
        || setweight(to_tsvector('german', summary), 'B')
        || setweight(to_tsvector('german', smartregion_tags_text(tags)), 'A')
    ) STORED,
    -- Title and tags, lower-cased: the text whose trigrams overlap detection compares.
    similarity_text  text GENERATED ALWAYS AS (lower(title || ' ' || smartregion_tags_text(tags))) STORED,
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
    CHECK (status NOT IN ('running', 'completed') OR start_date IS NOT NULL),
    CHECK (status <> 'completed' OR end_date IS NOT NULL)
);
CREATE UNIQUE INDEX initiatives_external_id ON initiatives (organization_key, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX initiatives_created ON initiatives (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX initiatives_updated ON initiatives (updated_at, id);
CREATE INDEX initiatives_organization ON initiatives (organization_key, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX initiatives_field ON initiatives (field_of_action) WHERE deleted_at IS NULL;
CREATE INDEX initiatives_project ON initiatives (project_id) WHERE project_id IS NOT NULL;
CREATE INDEX initiatives_tags ON initiatives USING gin (tags);
CREATE INDEX initiatives_search ON initiatives USING gin (search);
CREATE INDEX initiatives_trgm ON initiatives
    USING gin ((lower(title || ' ' || summary)) gin_trgm_ops);
SELECT smartregion_guard_writes('initiatives', 'initiative=id');
