-- Erasure of a delegate's name on request (GDPR Art. 17), see docs/personal-data.md.
--
-- The name of a committee member is replaced by the member's function (or committee role) and
-- organization, e.g. "Bürgermeisterin (Ahlen)". `name_erased_at` says when; an erased name is
-- never restored.
ALTER TABLE committee_members ADD COLUMN name_erased_at timestamptz;

-- The audit trail stays append-only with one exception: while `smartregion_erase_member_name`
-- (below) runs, it may rewrite the `before`/`after` documents of entries, and nothing else of
-- them. The setting it uses is only honoured for a role that may UPDATE audit_log at all,
-- which the runtime role may not (db::roles revokes it): the function runs as the owner.
CREATE FUNCTION smartregion_refuse_audit_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND coalesce(current_setting('smartregion.erasing_member', true), '') <> ''
       AND to_jsonb(NEW) - 'before' - 'after' = to_jsonb(OLD) - 'before' - 'after' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_audit_rewrite();

-- Erases the name of committee member `member`: sets the member's name to `replacement`,
-- stamps `name_erased_at`, and replaces the name, as written, in the `before`/`after`
-- documents of every audit entry (a member's own entries, and minutes or agenda texts that
-- quoted the name). Returns the number of audit entries redacted, or NULL when the member does
-- not exist or its name is already erased.
--
-- SECURITY DEFINER, owned by the schema owner: the one way to change an audit entry, scoped to
-- one member's name and only together with that name's erasure. The caller's transaction must
-- write the audit entry of the erasure itself (the deferred audit check of committee_members
-- holds it to that), and authorizes the call: the service lets only the steering office erase.
CREATE FUNCTION smartregion_erase_member_name(member uuid, replacement text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    old_name   text;
    needle     text;
    substitute text;
    redacted   integer;
BEGIN
    IF replacement IS NULL OR length(replacement) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'a replacement of 1 to 200 characters is required';
    END IF;
    SELECT name INTO old_name FROM committee_members
     WHERE id = member AND name_erased_at IS NULL
       FOR UPDATE;
    IF old_name IS NULL THEN
        RETURN NULL;
    END IF;
    -- The name as it appears inside a JSON string of jsonb's text form (escapes included).
    needle := to_jsonb(old_name)::text;
    needle := substr(needle, 2, length(needle) - 2);
    substitute := to_jsonb(replacement)::text;
    substitute := substr(substitute, 2, length(substitute) - 2);
    PERFORM set_config('smartregion.erasing_member', member::text, true);
    UPDATE audit_log
       SET before = replace(before::text, needle, substitute)::jsonb,
           after = replace(after::text, needle, substitute)::jsonb
     WHERE strpos(before::text, needle) > 0 OR strpos(after::text, needle) > 0;
    GET DIAGNOSTICS redacted = ROW_COUNT;
    PERFORM set_config('smartregion.erasing_member', '', true);
    UPDATE committee_members
       SET name = replacement, name_public_consent = false, name_erased_at = now(),
           version = version + 1, updated_at = now()
     WHERE id = member;
    RETURN redacted;
END
$$;
-- Only the roles the owner grants it to (db::roles grants the runtime role).
REVOKE ALL ON FUNCTION smartregion_erase_member_name(uuid, text) FROM PUBLIC;
