-- Cost plans, funding and the exact sharing of each project's own share among its paying
-- participants. Money is integer euro cents, rates basis points (10 000 bp = 100 %).

-- One cost item of a project: `amount_cents` in every fiscal year from `first_year` to
-- `last_year` (the same year for one-off items).
CREATE TABLE cost_items (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id           uuid        NOT NULL REFERENCES projects (id),
    category             text        NOT NULL
                         CHECK (category IN ('investment', 'licence', 'service', 'personnel', 'other')),
    recurrence           text        NOT NULL CHECK (recurrence IN ('one_off', 'recurring')),
    first_year           integer     NOT NULL CHECK (first_year BETWEEN 2000 AND 2100),
    last_year            integer     NOT NULL CHECK (last_year BETWEEN 2000 AND 2100),
    amount_cents         bigint      NOT NULL CHECK (amount_cents BETWEEN 0 AND 100000000000),
    eligible_for_funding boolean     NOT NULL,
    basis                text        NOT NULL CHECK (basis IN ('estimate', 'actual')),
    description          text        NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    -- A lead organization's proposal counts only once the steering office has accepted it.
    status               text        NOT NULL CHECK (status IN ('proposed', 'accepted')),
    proposed_by          text REFERENCES organizations (key),
    version              integer     NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (last_year >= first_year),
    CHECK (recurrence = 'recurring' OR last_year = first_year)
);
CREATE INDEX cost_items_project ON cost_items (project_id, id);
SELECT smartregion_guard_writes('cost_items');

-- Funding programmes: a rate of eligible costs with an optional cap, or a fixed amount for
-- `base_partners` partners plus an amount per further partner, at most `max_rate_bp`.
CREATE TABLE funding_programmes (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                      text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    funding_body              text        NOT NULL CHECK (funding_body IN ('federal', 'state', 'eu', 'other')),
    rule                      text        NOT NULL CHECK (rule IN ('rate', 'fixed')),
    rate_bp                   integer CHECK (rate_bp BETWEEN 1 AND 10000),
    cap_cents                 bigint CHECK (cap_cents BETWEEN 0 AND 100000000000),
    base_cents                bigint CHECK (base_cents BETWEEN 0 AND 100000000000),
    per_further_partner_cents bigint CHECK (per_further_partner_cents BETWEEN 0 AND 100000000000),
    base_partners             integer CHECK (base_partners BETWEEN 1 AND 100),
    max_rate_bp               integer CHECK (max_rate_bp BETWEEN 1 AND 10000),
    version                   integer     NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    CHECK (rule <> 'rate' OR (rate_bp IS NOT NULL AND base_cents IS NULL
                              AND per_further_partner_cents IS NULL AND base_partners IS NULL
                              AND max_rate_bp IS NULL)),
    CHECK (rule <> 'fixed' OR (rate_bp IS NULL AND cap_cents IS NULL AND base_cents IS NOT NULL
                               AND per_further_partner_cents IS NOT NULL
                               AND base_partners IS NOT NULL))
);
CREATE UNIQUE INDEX funding_programmes_name ON funding_programmes (lower(name));
SELECT smartregion_guard_writes('funding_programmes');

-- A project's application to a programme, covering the fiscal years `first_year..last_year`.
CREATE TABLE funding_applications (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id       uuid        NOT NULL REFERENCES projects (id),
    programme_id     uuid        NOT NULL REFERENCES funding_programmes (id),
    state            text        NOT NULL CHECK (state IN ('planned', 'submitted', 'granted', 'rejected')),
    requested_cents  bigint CHECK (requested_cents BETWEEN 0 AND 100000000000),
    granted_cents    bigint CHECK (granted_cents BETWEEN 0 AND 100000000000),
    decision_date    date,
    notice_reference text CHECK (length(notice_reference) BETWEEN 1 AND 200),
    first_year       integer     NOT NULL CHECK (first_year BETWEEN 2000 AND 2100),
    last_year        integer     NOT NULL CHECK (last_year BETWEEN 2000 AND 2100),
    proposed_by      text REFERENCES organizations (key),
    version          integer     NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (last_year >= first_year),
    CHECK ((state = 'granted') = (granted_cents IS NOT NULL)),
    CHECK (state NOT IN ('granted', 'rejected') OR decision_date IS NOT NULL)
);
CREATE INDEX funding_applications_project ON funding_applications (project_id, id);
CREATE INDEX funding_applications_programme ON funding_applications (programme_id, project_id);
SELECT smartregion_guard_writes('funding_applications');

-- Every version of a project's cost key. Never rewritten: a snapshot or a council may refer to
-- a version, so a change is a new version.
CREATE TABLE cost_keys (
    project_id        uuid        NOT NULL REFERENCES projects (id),
    version           integer     NOT NULL CHECK (version >= 1),
    rule              text        NOT NULL
                      CHECK (rule IN ('equal', 'population', 'fixed_percentages', 'mixed', 'custom_weights')),
    population_date   date,
    equal_part_bp     integer CHECK (equal_part_bp BETWEEN 0 AND 10000),
    district_share_bp integer CHECK (district_share_bp BETWEEN 0 AND 10000),
    -- {organization key: basis points} and {organization key: weight}.
    basis_points      jsonb,
    weights           jsonb,
    -- {organization key: cap in cents}.
    caps_cents        jsonb       NOT NULL DEFAULT '{}',
    note              text CHECK (length(note) <= 2000),
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text        NOT NULL,
    PRIMARY KEY (project_id, version),
    CHECK ((rule = 'fixed_percentages') = (basis_points IS NOT NULL)),
    CHECK ((rule = 'custom_weights') = (weights IS NOT NULL)),
    CHECK ((rule = 'mixed') = (equal_part_bp IS NOT NULL))
);
SELECT smartregion_guard_writes('cost_keys');
CREATE TRIGGER cost_keys_append_only BEFORE UPDATE OR DELETE ON cost_keys
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_rewrite();

-- The stored allocation of every project in two scenarios: `committed` (committed
-- participants, granted funding) and `planning` (council decision pending too, expected
-- funding too). Recomputed in the transaction of every change that affects it, under the
-- project's row lock.
CREATE TABLE project_allocations (
    project_id      uuid        NOT NULL REFERENCES projects (id),
    scenario        text        NOT NULL CHECK (scenario IN ('committed', 'planning')),
    -- complete, no_cost_key, no_paying_participants or key_does_not_fit (see `problem`).
    status          text        NOT NULL,
    problem         text,
    key_version     integer,
    population_date date,
    payers          text[]      NOT NULL DEFAULT '{}',
    -- {organization key: population used}.
    populations     jsonb       NOT NULL DEFAULT '{}',
    computed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, scenario)
);
SELECT smartregion_guard_writes('project_allocations');

CREATE TABLE project_allocation_years (
    project_id        uuid    NOT NULL,
    scenario          text    NOT NULL,
    fiscal_year       integer NOT NULL,
    total_cents       bigint  NOT NULL,
    eligible_cents    bigint  NOT NULL,
    funding_cents     bigint  NOT NULL,
    own_share_cents   bigint  NOT NULL,
    unallocated_cents bigint  NOT NULL,
    PRIMARY KEY (project_id, scenario, fiscal_year),
    FOREIGN KEY (project_id, scenario) REFERENCES project_allocations (project_id, scenario)
        ON DELETE CASCADE
);
SELECT smartregion_guard_writes('project_allocation_years');

CREATE TABLE project_allocation_shares (
    project_id        uuid    NOT NULL,
    scenario          text    NOT NULL,
    fiscal_year       integer NOT NULL,
    organization_key  text    NOT NULL REFERENCES organizations (key),
    -- committed or council_decision_pending: which column of the budget summary it feeds.
    participant_state text    NOT NULL,
    share_cents       bigint  NOT NULL CHECK (share_cents >= 0),
    PRIMARY KEY (project_id, scenario, fiscal_year, organization_key),
    FOREIGN KEY (project_id, scenario, fiscal_year)
        REFERENCES project_allocation_years (project_id, scenario, fiscal_year) ON DELETE CASCADE
);
-- One organization's per-project lines of its budget view.
CREATE INDEX project_allocation_shares_organization
    ON project_allocation_shares (organization_key, fiscal_year, project_id);
SELECT smartregion_guard_writes('project_allocation_shares');

-- Each organization's shares across all projects per fiscal year: what it has committed to pay,
-- and what it would pay for the projects whose council decision is pending. Maintained by delta
-- in the same transaction as every change of a project's stored allocation, so that the budget
-- view is one indexed read instead of an aggregate over all projects.
CREATE TABLE organization_budget_years (
    organization_key text    NOT NULL REFERENCES organizations (key),
    fiscal_year      integer NOT NULL,
    -- No CHECK (>= 0): an upsert's proposed row carries a delta, which may be negative.
    committed_cents  bigint  NOT NULL DEFAULT 0,
    pending_cents    bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_key, fiscal_year)
);
SELECT smartregion_guard_writes('organization_budget_years');

-- A frozen allocation: what a council saw stays as it was. Never rewritten.
CREATE TABLE allocation_snapshots (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id      uuid        NOT NULL REFERENCES projects (id),
    include_pending boolean     NOT NULL,
    key_version     integer     NOT NULL,
    population_date date,
    participants    text[]      NOT NULL,
    populations     jsonb       NOT NULL,
    from_year       integer     NOT NULL,
    to_year         integer     NOT NULL,
    -- The years with their totals and each participant's share, as the allocation shows them.
    years           jsonb       NOT NULL,
    label           text        NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL,
    FOREIGN KEY (project_id, key_version) REFERENCES cost_keys (project_id, version),
    CHECK (to_year >= from_year)
);
CREATE INDEX allocation_snapshots_project ON allocation_snapshots (project_id, created_at, id);
SELECT smartregion_guard_writes('allocation_snapshots');
CREATE TRIGGER allocation_snapshots_append_only BEFORE UPDATE OR DELETE ON allocation_snapshots
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_rewrite();

-- A council resolution names the snapshot its council approved (see the participations
-- migration, which left the column without a foreign key for this one to add).
ALTER TABLE council_resolutions
    ADD CONSTRAINT council_resolutions_allocation_snapshot
    FOREIGN KEY (allocation_snapshot_id) REFERENCES allocation_snapshots (id);
CREATE INDEX council_resolutions_allocation_snapshot_id
    ON council_resolutions (allocation_snapshot_id) WHERE allocation_snapshot_id IS NOT NULL;
