-- Participations (opt-ins): one record per project and organization, the council resolutions
-- that decide them (with their Beratungsfolge), and the history of every change.

CREATE TABLE participations (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id                  uuid        NOT NULL REFERENCES projects (id),
    organization_key            text        NOT NULL REFERENCES organizations (key),
    state                       text        NOT NULL
                                CHECK (state IN ('interested', 'intends_to_join',
                                                 'council_decision_pending', 'committed',
                                                 'withdrawn', 'declined')),
    council_resolution_required boolean     NOT NULL,
    -- Staff contribution in hundredths of a full-time equivalent (150 = 1.5 FTE).
    staff_fte_hundredths        integer CHECK (staff_fte_hundredths BETWEEN 0 AND 10000),
    -- A function ("Digitalisierungsbeauftragte"), never a person's name.
    contact_role                text CHECK (length(contact_role) BETWEEN 1 AND 200),
    -- Member-only.
    note                        text CHECK (length(note) <= 4000),
    joined_on                   date,
    left_on                     date,
    withdrawal_effective_date   date,
    withdrawal_reason           text CHECK (length(withdrawal_reason) BETWEEN 1 AND 1000),
    version                     integer     NOT NULL DEFAULT 1,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK (left_on IS NULL OR joined_on IS NULL OR left_on >= joined_on),
    -- A withdrawal always says when and why; other states carry no withdrawal.
    CHECK ((state = 'withdrawn') = (withdrawal_effective_date IS NOT NULL)),
    CHECK ((state = 'withdrawn') = (withdrawal_reason IS NOT NULL))
);
CREATE UNIQUE INDEX participations_project_organization
    ON participations (project_id, organization_key);
-- The portfolio of one organization and the `participant=` project filter.
CREATE INDEX participations_organization ON participations (organization_key, project_id);
SELECT smartregion_guard_writes('participations');

-- A council's resolution on a participation. Never rewritten: a council decided it.
CREATE TABLE council_resolutions (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    participation_id       uuid        NOT NULL REFERENCES participations (id),
    deciding_body          text        NOT NULL CHECK (length(deciding_body) BETWEEN 1 AND 200),
    decided_on             date        NOT NULL,
    paper_reference        text        NOT NULL CHECK (length(paper_reference) BETWEEN 1 AND 100),
    outcome                text        NOT NULL
                           CHECK (outcome IN ('approved', 'approved_with_changes', 'rejected')),
    resolution_text        text CHECK (length(resolution_text) <= 20000),
    url                    text CHECK (length(url) <= 500),
    -- The frozen cost-allocation snapshot the council approved. The cost-sharing issue adds
    -- the snapshot table and the foreign key; until then it stays NULL.
    allocation_snapshot_id uuid,
    recorded_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX council_resolutions_participation
    ON council_resolutions (participation_id, decided_on, id);
SELECT smartregion_guard_writes('council_resolutions');

-- The Beratungsfolge of a resolution: the bodies that deliberated, in order.
CREATE TABLE council_consultations (
    resolution_id uuid     NOT NULL REFERENCES council_resolutions (id),
    position      smallint NOT NULL CHECK (position >= 1),
    body          text     NOT NULL CHECK (length(body) BETWEEN 1 AND 200),
    held_on       date     NOT NULL,
    role          text     NOT NULL CHECK (role IN ('preliminary', 'decision', 'noting')),
    result        text     NOT NULL CHECK (length(result) BETWEEN 1 AND 200),
    PRIMARY KEY (resolution_id, position)
);
SELECT smartregion_guard_writes('council_consultations');

CREATE TRIGGER council_resolutions_append_only BEFORE UPDATE OR DELETE ON council_resolutions
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_rewrite();
CREATE TRIGGER council_consultations_append_only BEFORE UPDATE OR DELETE ON council_consultations
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_rewrite();

-- Every change of a participation: from which state to which, when, by whom, for whom, why.
CREATE TABLE participation_history (
    id                    bigserial PRIMARY KEY,
    participation_id      uuid        NOT NULL REFERENCES participations (id),
    -- NULL when the participation was created.
    from_state            text,
    to_state              text        NOT NULL,
    changed_at            timestamptz NOT NULL DEFAULT now(),
    actor_subject         text        NOT NULL,
    actor_organization    text,
    on_behalf_of          text,
    reason                text,
    council_resolution_id uuid REFERENCES council_resolutions (id)
);
CREATE INDEX participation_history_participation ON participation_history (participation_id, id);
SELECT smartregion_guard_writes('participation_history');
CREATE TRIGGER participation_history_append_only BEFORE UPDATE OR DELETE ON participation_history
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_rewrite();
