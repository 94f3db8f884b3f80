-- Back to 000070's function, which replaced the name in the documents' JSON text.
CREATE OR REPLACE FUNCTION smartregion_erase_member_name(member uuid, replacement text)
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
REVOKE ALL ON FUNCTION smartregion_erase_member_name(uuid, text) FROM PUBLIC;
DROP FUNCTION smartregion_jsonb_replace_in_texts(jsonb, text, text);
