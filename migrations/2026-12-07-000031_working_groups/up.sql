-- Working groups, networks and project groups that already exist, so that new efforts use them
-- instead of building duplicate structures ("bestehende Arbeitskreise bzw. kommunale Netzwerke").

CREATE TABLE working_groups (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    kind              text        NOT NULL
                      CHECK (kind IN ('working_group', 'network', 'project_group')),
    description       text        NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    host_organization text REFERENCES organizations (key),
    fields_of_action  text[]      NOT NULL DEFAULT '{}',
    -- Free text such as "quartalsweise" or "monthly, first Tuesday".
    meeting_rhythm    text,
    -- A function or unit, never a person's name.
    contact_role      text,
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);
CREATE INDEX working_groups_live_name ON working_groups (name, id) WHERE deleted_at IS NULL;
CREATE INDEX working_groups_updated ON working_groups (updated_at, id);
SELECT smartregion_guard_writes('working_groups', 'working_group=id');

-- The member organizations of a group.
CREATE TABLE working_group_members (
    working_group_id uuid        NOT NULL REFERENCES working_groups (id),
    organization_key text        NOT NULL REFERENCES organizations (key),
    joined_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (working_group_id, organization_key)
);
CREATE INDEX working_group_members_organization ON working_group_members (organization_key);
SELECT smartregion_guard_writes('working_group_members', 'working_group=working_group_id');

-- The joint projects a group serves or carries.
CREATE TABLE working_group_projects (
    working_group_id uuid NOT NULL REFERENCES working_groups (id),
    project_id       uuid NOT NULL REFERENCES projects (id),
    PRIMARY KEY (working_group_id, project_id)
);
CREATE INDEX working_group_projects_project ON working_group_projects (project_id);
SELECT smartregion_guard_writes('working_group_projects', 'working_group=working_group_id');

-- The working group that carries a local initiative.
ALTER TABLE initiatives ADD COLUMN working_group_id uuid REFERENCES working_groups (id);
CREATE INDEX initiatives_working_group ON initiatives (working_group_id)
    WHERE working_group_id IS NOT NULL;
