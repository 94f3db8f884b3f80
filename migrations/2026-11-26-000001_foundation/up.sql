-- Foundation: organizations, fields of action, and the traceability tables every write goes through.

-- Every business write runs inside a transaction that first names its actor
-- (`SELECT set_config('smartregion.actor', <subject>, true)`), and records an audit entry in the
-- same transaction. Both rules are enforced here, by the database, so that no code path can
-- forget them: the guard triggers below are attached to every business table.
CREATE FUNCTION smartregion_require_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('smartregion.actor', true), '') = '' THEN
        RAISE EXCEPTION 'write to % without an actor', TG_TABLE_NAME
            USING ERRCODE = 'P0001', HINT = 'run business writes through db::write::audited';
    END IF;
    RETURN NULL;
END
$$;

CREATE TABLE audit_log (
    id                 bigserial PRIMARY KEY,
    tx_id              xid8        NOT NULL DEFAULT pg_current_xact_id(),
    occurred_at        timestamptz NOT NULL DEFAULT now(),
    request_id         text,
    actor_subject      text        NOT NULL CHECK (actor_subject <> ''),
    actor_organization text,
    actor_roles        text[]      NOT NULL DEFAULT '{}',
    on_behalf_of       text,
    action             text        NOT NULL CHECK (action <> ''),
    entity             text        NOT NULL CHECK (entity <> ''),
    entity_id          text        NOT NULL,
    organization_key   text,
    before             jsonb,
    after              jsonb
);
CREATE INDEX audit_log_tx_id ON audit_log (tx_id);
CREATE INDEX audit_log_entity ON audit_log (entity, id);
CREATE INDEX audit_log_organization ON audit_log (organization_key, id);
CREATE INDEX audit_log_occurred_at ON audit_log (occurred_at, id);

-- The change records that the change feed and webhooks read. `tx_id` lets a reader skip
-- nothing when sequence values commit out of order (it only reads below the oldest running
-- transaction, see the change-feed issue).
CREATE TABLE changes (
    seq              bigserial PRIMARY KEY,
    tx_id            xid8        NOT NULL DEFAULT pg_current_xact_id(),
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    entity           text        NOT NULL,
    entity_id        text        NOT NULL,
    operation        text        NOT NULL CHECK (operation IN ('created', 'updated', 'deleted')),
    organization_key text,
    audit_id         bigint      NOT NULL REFERENCES audit_log (id)
);
CREATE INDEX changes_entity ON changes (entity, seq);

-- Audit and change records are append-only, for everyone, including the service itself.
CREATE FUNCTION smartregion_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_rewrite();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION smartregion_refuse_rewrite();
CREATE TRIGGER changes_append_only BEFORE UPDATE OR DELETE ON changes
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_rewrite();
CREATE TRIGGER changes_no_truncate BEFORE TRUNCATE ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION smartregion_refuse_rewrite();
CREATE TRIGGER audit_log_requires_actor BEFORE INSERT ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION smartregion_require_actor();

-- A business row may only change in a transaction that also wrote an audit entry. Deferred to
-- commit, so the audit entry may be written after the change it describes.
CREATE FUNCTION smartregion_require_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_log WHERE tx_id = pg_current_xact_id()) THEN
        RAISE EXCEPTION 'write to % without an audit entry', TG_TABLE_NAME
            USING ERRCODE = 'P0001', HINT = 'run business writes through db::write::audited';
    END IF;
    RETURN NULL;
END
$$;

-- Attaches both guards to a business table; every later migration calls it for its tables.
CREATE FUNCTION smartregion_guard_writes(table_name regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s
                    FOR EACH STATEMENT EXECUTE FUNCTION smartregion_require_actor()',
                   table_name::text || '_requires_actor', table_name);
    EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s
                    DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION smartregion_require_audit()',
                   table_name::text || '_requires_audit', table_name);
END
$$;

CREATE TABLE organizations (
    key               text PRIMARY KEY
                      CHECK (key ~ '^([0-9]{5}|[0-9]{8}|[a-z][a-z0-9-]{1,31})$'),
    name              text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind              text        NOT NULL CHECK (kind IN ('kreis', 'stadt', 'gemeinde', 'agency')),
    contact_email     text,
    contact_phone     text,
    website_url       text,
    population        integer CHECK (population > 0),
    population_date   date,
    population_source text,
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((population IS NULL) = (population_date IS NULL))
);
SELECT smartregion_guard_writes('organizations');

-- Every population figure an organization ever had, by reference date: cost keys name the
-- reference date they use, so older figures must stay readable after an update.
CREATE TABLE organization_populations (
    organization_key text        NOT NULL REFERENCES organizations (key),
    reference_date   date        NOT NULL,
    population       integer     NOT NULL CHECK (population > 0),
    source           text,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_key, reference_date)
);
SELECT smartregion_guard_writes('organization_populations');

CREATE TABLE fields_of_action (
    code     text PRIMARY KEY CHECK (code ~ '^[a-z][a-z_]{1,63}$'),
    name_de  text    NOT NULL,
    name_en  text    NOT NULL,
    position integer NOT NULL UNIQUE
);
SELECT smartregion_guard_writes('fields_of_action');
