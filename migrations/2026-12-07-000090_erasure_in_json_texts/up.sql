-- An erased name is replaced in the *texts* of the audit trail's documents only. 000070 replaced
-- it in the documents' JSON text, so that a name that also occurs as something other than text
-- (`true`, `0`, a member name such as `id`, a lone quote) broke the document (a failed cast,
-- answered 500) or rewrote keys and values that were no name at all.

-- `doc` with `needle` replaced by `substitute` in every string value (keys stay as they are).
CREATE FUNCTION smartregion_jsonb_replace_in_texts(doc jsonb, needle text, substitute text)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE STRICT SET search_path = pg_catalog, public AS $$
DECLARE
    result jsonb;
BEGIN
    CASE jsonb_typeof(doc)
    WHEN 'string' THEN
        RETURN to_jsonb(replace(doc #>> '{}', needle, substitute));
    WHEN 'object' THEN
        SELECT coalesce(jsonb_object_agg(key, smartregion_jsonb_replace_in_texts(value, needle, substitute)), '{}'::jsonb)
          INTO result FROM jsonb_each(doc);
        RETURN result;
    WHEN 'array' THEN
        SELECT coalesce(jsonb_agg(smartregion_jsonb_replace_in_texts(value, needle, substitute) ORDER BY position), '[]'::jsonb)
          INTO result FROM jsonb_array_elements(doc) WITH ORDINALITY AS element(value, position);
        RETURN result;
    ELSE
        RETURN doc;
    END CASE;
END
$$;

CREATE OR REPLACE FUNCTION smartregion_erase_member_name(member uuid, replacement text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    old_name   text;
    needle     text;
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
    -- The name as it appears inside a JSON string of jsonb's text form (escapes included):
    -- a cheap filter for the entries that may quote it; the replacement itself walks the texts.
    needle := to_jsonb(old_name)::text;
    needle := substr(needle, 2, length(needle) - 2);
    PERFORM set_config('smartregion.erasing_member', member::text, true);
    UPDATE audit_log
       SET before = smartregion_jsonb_replace_in_texts(before, old_name, replacement),
           after = smartregion_jsonb_replace_in_texts(after, old_name, replacement)
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
