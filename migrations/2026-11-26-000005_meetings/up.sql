-- The steering committee ("Lenkungskreis"): its delegates, meetings, agenda items (TOP) with
-- results and votes, attendance, minutes, action items, and the calendar feed tokens.
--
-- Every object that leaves the service (JSON, iCalendar, later OParl) has a uuid that never
-- changes, `created_at`/`updated_at`, and `deleted_at` where it can be removed.

-- The delegates. Names are personal data: published only with `name_public_consent`.
CREATE TABLE committee_members (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_key    text        NOT NULL REFERENCES organizations (key),
    name                text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    function            text CHECK (length(function) BETWEEN 1 AND 200),
    role                text        NOT NULL
                        CHECK (role IN ('chair', 'deputy_chair', 'secretary', 'member', 'deputy')),
    voting_right        boolean     NOT NULL DEFAULT false,
    start_date          date        NOT NULL,
    end_date            date,
    name_public_consent boolean     NOT NULL DEFAULT false,
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX committee_members_organization ON committee_members (organization_key, id)
    WHERE deleted_at IS NULL;
SELECT smartregion_guard_writes('committee_members');

CREATE TABLE meetings (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number              integer     NOT NULL CHECK (number > 0),
    title               text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    starts_at           timestamptz NOT NULL,
    ends_at             timestamptz NOT NULL,
    location_address    text,
    location_room       text,
    online_url          text,
    public              boolean     NOT NULL DEFAULT true,
    state               text        NOT NULL DEFAULT 'planned'
                        CHECK (state IN ('planned', 'invited', 'held', 'minutes_approved', 'cancelled')),
    cancellation_reason text,
    -- The iCalendar SEQUENCE: bumped in the same transaction as every change to the meeting
    -- or anything it embeds (agenda, attendance, minutes), so calendars replace their copy.
    ical_sequence       integer     NOT NULL DEFAULT 0,
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    CHECK (ends_at > starts_at),
    CHECK (location_address IS NOT NULL OR online_url IS NOT NULL),
    CHECK ((state = 'cancelled') = (cancellation_reason IS NOT NULL))
);
-- Numbers stay reserved after a soft delete: they are cited in minutes and resolutions.
CREATE UNIQUE INDEX meetings_number ON meetings (number);
CREATE INDEX meetings_starts_at ON meetings (starts_at, id) WHERE deleted_at IS NULL;
SELECT smartregion_guard_writes('meetings');

-- Agenda items (Tagesordnungspunkte) with their result once the meeting is held.
CREATE TABLE agenda_items (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    meeting_id             uuid        NOT NULL REFERENCES meetings (id),
    position               integer     NOT NULL,
    number                 text        NOT NULL CHECK (length(number) BETWEEN 1 AND 20),
    title                  text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    public                 boolean     NOT NULL DEFAULT true,
    presenter_organization text REFERENCES organizations (key),
    proposed_resolution    text,
    result                 text CHECK (result IN ('adopted', 'adopted_with_changes', 'rejected',
                                                  'noted', 'deferred', 'withdrawn')),
    resolution_text        text,
    votes_yes              integer CHECK (votes_yes >= 0),
    votes_no               integer CHECK (votes_no >= 0),
    votes_abstentions      integer CHECK (votes_abstentions >= 0),
    -- Set when the result was last recorded; the decisions register sorts by meeting.
    decided_at             timestamptz,
    version                integer     NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    deleted_at             timestamptz,
    CHECK ((votes_yes IS NULL) = (votes_no IS NULL) AND (votes_no IS NULL) = (votes_abstentions IS NULL)),
    CHECK (result IS NOT NULL OR (resolution_text IS NULL AND votes_yes IS NULL))
);
-- Positions are unique among live items; a reorder moves them through negative values.
CREATE UNIQUE INDEX agenda_items_position ON agenda_items (meeting_id, position)
    WHERE deleted_at IS NULL;
CREATE INDEX agenda_items_result ON agenda_items (result, meeting_id) WHERE deleted_at IS NULL AND result IS NOT NULL;
SELECT smartregion_guard_writes('agenda_items');

-- The projects an agenda item concerns (OParl: a Consultation of the project's Paper).
CREATE TABLE agenda_item_projects (
    agenda_item_id uuid        NOT NULL REFERENCES agenda_items (id),
    project_id     uuid        NOT NULL REFERENCES projects (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agenda_item_id, project_id)
);
CREATE INDEX agenda_item_projects_project ON agenda_item_projects (project_id, agenda_item_id);
SELECT smartregion_guard_writes('agenda_item_projects');

-- Votes per organization (optional); the item's totals are their sums when present.
CREATE TABLE agenda_item_votes (
    agenda_item_id   uuid        NOT NULL REFERENCES agenda_items (id),
    organization_key text        NOT NULL REFERENCES organizations (key),
    yes              integer     NOT NULL CHECK (yes >= 0),
    no               integer     NOT NULL CHECK (no >= 0),
    abstentions      integer     NOT NULL CHECK (abstentions >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agenda_item_id, organization_key)
);
SELECT smartregion_guard_writes('agenda_item_votes');

-- Attendance per organization and meeting; the delegates are committee members of it.
CREATE TABLE meeting_attendance (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    meeting_id          uuid        NOT NULL REFERENCES meetings (id),
    organization_key    text        NOT NULL REFERENCES organizations (key),
    status              text        NOT NULL CHECK (status IN ('present', 'excused', 'absent', 'substitute')),
    delegate_member_ids uuid[]      NOT NULL DEFAULT '{}',
    arrived_at          timestamptz,
    left_at             timestamptz,
    version             integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (meeting_id, organization_key),
    CHECK (left_at IS NULL OR arrived_at IS NULL OR left_at >= arrived_at)
);
SELECT smartregion_guard_writes('meeting_attendance');

-- The minutes (Niederschrift) of a meeting: a public and a non-public part, as German
-- councils keep them, signed by the chair and the secretary.
CREATE TABLE meeting_minutes (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    meeting_id             uuid        NOT NULL UNIQUE REFERENCES meetings (id),
    public_text            text        NOT NULL DEFAULT '',
    non_public_text        text        NOT NULL DEFAULT '',
    secretary_member_id    uuid REFERENCES committee_members (id),
    chair_member_id        uuid REFERENCES committee_members (id),
    approved_at            timestamptz,
    approved_at_meeting_id uuid REFERENCES meetings (id),
    version                integer     NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
SELECT smartregion_guard_writes('meeting_minutes');

CREATE TABLE action_items (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title              text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    agenda_item_id     uuid REFERENCES agenda_items (id),
    meeting_id         uuid REFERENCES meetings (id),
    owner_organization text        NOT NULL REFERENCES organizations (key),
    due_date           date,
    status             text        NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
    project_id         uuid REFERENCES projects (id),
    version            integer     NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    CHECK ((agenda_item_id IS NULL) = (meeting_id IS NULL))
);
CREATE INDEX action_items_created ON action_items (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX action_items_owner ON action_items (owner_organization, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX action_items_meeting ON action_items (meeting_id) WHERE deleted_at IS NULL;
SELECT smartregion_guard_writes('action_items');

-- Calendar clients cannot send bearer headers; they subscribe with a secret in the URL. Only
-- its SHA-256 is stored, so a database leak reveals no usable token.
CREATE TABLE calendar_feed_tokens (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_key text        NOT NULL REFERENCES organizations (key),
    label            text        NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    token_sha256     bytea       NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    created_by       text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz
);
CREATE INDEX calendar_feed_tokens_organization ON calendar_feed_tokens (organization_key, created_at, id);
SELECT smartregion_guard_writes('calendar_feed_tokens');
