-- A meeting or agenda item that was public and is made non-public must reach OParl mirrors
-- as a tombstone (`deleted: true`), or they keep the content forever. Whether it was ever
-- public is remembered here, so that something that never was public stays unknown (404).
ALTER TABLE meetings ADD COLUMN ever_public boolean NOT NULL DEFAULT false;
ALTER TABLE agenda_items ADD COLUMN ever_public boolean NOT NULL DEFAULT false;

CREATE FUNCTION smartregion_remember_public() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        NEW.ever_public := OLD.ever_public OR NEW.public;
    ELSE
        NEW.ever_public := NEW.public;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER meetings_remember_public BEFORE INSERT OR UPDATE ON meetings
    FOR EACH ROW EXECUTE FUNCTION smartregion_remember_public();
CREATE TRIGGER agenda_items_remember_public BEFORE INSERT OR UPDATE ON agenda_items
    FOR EACH ROW EXECUTE FUNCTION smartregion_remember_public();

-- Rows that are public now were public. Business tables take writes only with an actor and
-- an audit entry (see 000001), so the backfill, where there is anything to fill, brings both.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM meetings WHERE public) OR EXISTS (SELECT 1 FROM agenda_items WHERE public) THEN
        PERFORM set_config('smartregion.actor', 'system:migration', true);
        INSERT INTO audit_log (actor_subject, action, entity, entity_id)
        VALUES ('system:migration', 'meeting.remember_public', 'meeting', '*');
        UPDATE meetings SET ever_public = true WHERE public;
        UPDATE agenda_items SET ever_public = true WHERE public;
    END IF;
END
$$;
