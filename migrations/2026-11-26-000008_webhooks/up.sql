-- Webhooks: an organization's subscriptions to the change feed, and the deliveries the
-- background worker sends for them.

-- The subscription itself is business data (created, changed and deleted by members, disabled
-- by the worker after too many failures): guarded and audited like every business table.
--
-- `secret` is the signing secret (`whsec_<base64>`). Signatures need the secret itself, so it
-- cannot be hashed; it is kept in this column only, never in the audit trail, a response (but
-- the one that creates it), or a log line. Whoever can read this table can forge signatures:
-- restrict database access and backups accordingly.
CREATE TABLE webhooks (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_key text        NOT NULL REFERENCES organizations (key),
    url              text        NOT NULL CHECK (length(url) BETWEEN 10 AND 2000),
    -- `<entity>`, `<entity>.<operation>` or `*`, e.g. {project, participation.created}.
    event_types      text[]      NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 20),
    secret           text        NOT NULL CHECK (secret LIKE 'whsec\_%'),
    active           boolean     NOT NULL DEFAULT true,
    description      text        CHECK (length(description) <= 500),
    -- Why the worker disabled the subscription, until it is activated again.
    disabled_reason  text,
    version          integer     NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_organization ON webhooks (organization_key, id);
SELECT smartregion_guard_writes('webhooks');

-- The worker's bookkeeping per subscription. Operational state, not business data (it changes
-- with every delivery attempt): written outside `db::write::audited`, no write guards.
CREATE TABLE webhook_cursors (
    webhook_id           uuid PRIMARY KEY REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The change records up to this sequence number have been turned into deliveries.
    last_seq             bigint  NOT NULL CHECK (last_seq >= 0),
    -- Failed attempts since the last successful one; at SMARTREGION_WEBHOOK_MAX_FAILURES the
    -- subscription is disabled.
    consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0)
);

-- One event for one subscription, and the log of sending it. Operational, like the cursors.
-- A delivery is sent only while it is the oldest pending one of its subscription (order per
-- subscription); a worker claims it by setting a lease (`leased_until`, `lease_token`) in a
-- short transaction with `FOR UPDATE SKIP LOCKED`, sends it without holding a transaction,
-- and records the outcome only if it still holds the lease.
CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id      uuid        NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    change_seq      bigint      NOT NULL,
    event_type      text        NOT NULL,
    payload         jsonb       NOT NULL,
    state           text        NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'succeeded', 'abandoned')),
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    leased_until    timestamptz,
    lease_token     uuid,
    last_attempt_at timestamptz,
    -- The HTTP status of the last attempt; NULL when it got no response.
    last_status     smallint,
    last_error      text,
    created_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    UNIQUE (webhook_id, change_seq),
    CHECK ((state = 'pending') = (completed_at IS NULL))
);
-- The head (oldest pending delivery) of each subscription, and the due ones.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, change_seq)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
