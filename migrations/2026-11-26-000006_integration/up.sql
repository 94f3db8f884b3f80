-- Integration: the change feed's visibility index, `modified_since` on organizations, and the
-- stored answers of idempotent POST requests.

-- Members other than the coordinator read the feed filtered to their own organization's data
-- (plus public entities); this keeps that filter an index range scan in sequence order.
CREATE INDEX changes_organization ON changes (organization_key, seq);

-- The feed stops before the first record of a transaction not older than the oldest running
-- one (see src/db/changes.rs); this finds those few young records without a scan.
CREATE INDEX changes_tx_id ON changes (tx_id);

-- `GET /organizations?modified_since=`.
CREATE INDEX organizations_updated ON organizations (updated_at, key);

-- The answer of a POST sent with an `Idempotency-Key`, per organization and key. This is a
-- cache of HTTP responses, not business data: it is written outside `db::write::audited` and
-- has no write guards. `state` is `in_flight` while the first request runs (a concurrent request
-- with the same key gets 409) and `completed` once its answer is stored.
CREATE TABLE idempotency_keys (
    organization_key text        NOT NULL,
    key              text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- SHA-256 of the token subject, method, path, query and body of the first request.
    request_hash     bytea       NOT NULL,
    state            text        NOT NULL CHECK (state IN ('in_flight', 'completed')),
    status           smallint CHECK (status BETWEEN 100 AND 599),
    -- The response headers to replay, as `[[name, value], ...]`.
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (organization_key, key),
    CHECK ((state = 'completed') = (status IS NOT NULL))
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
