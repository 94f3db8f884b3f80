-- OParl 1.1: every link between an agenda item and a project is a Consultation, and OParl
-- clients that sync with `modified_since` must learn when one disappears. The link table
-- (`agenda_item_projects`) deletes its rows, so this table keeps every link that ever existed
-- with the time it was removed. It is derived data, maintained by triggers in the same
-- transaction as the business write (which names its actor and writes its audit entry).
CREATE TABLE oparl_consultations (
    agenda_item_id uuid        NOT NULL REFERENCES agenda_items (id),
    project_id     uuid        NOT NULL REFERENCES projects (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    removed_at     timestamptz,
    PRIMARY KEY (agenda_item_id, project_id)
);
CREATE INDEX oparl_consultations_project ON oparl_consultations (project_id, agenda_item_id);

INSERT INTO oparl_consultations (agenda_item_id, project_id, created_at, updated_at)
SELECT agenda_item_id, project_id, created_at, updated_at FROM agenda_item_projects;

-- A (re-)added link is live again; its first `created_at` stays.
CREATE FUNCTION oparl_consultation_linked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO oparl_consultations (agenda_item_id, project_id, created_at, updated_at)
    VALUES (NEW.agenda_item_id, NEW.project_id, NEW.created_at, NEW.updated_at)
    ON CONFLICT (agenda_item_id, project_id) DO UPDATE
        SET removed_at = NULL,
            -- Replacing an item's projects deletes and re-inserts unchanged links in one
            -- transaction: such a link did not change.
            updated_at = CASE WHEN oparl_consultations.removed_at = now()
                              THEN oparl_consultations.updated_at ELSE now() END;
    RETURN NULL;
END
$$;

CREATE FUNCTION oparl_consultation_unlinked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE oparl_consultations SET removed_at = now()
     WHERE agenda_item_id = OLD.agenda_item_id AND project_id = OLD.project_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER agenda_item_projects_oparl_linked AFTER INSERT ON agenda_item_projects
    FOR EACH ROW EXECUTE FUNCTION oparl_consultation_linked();
CREATE TRIGGER agenda_item_projects_oparl_unlinked AFTER DELETE ON agenda_item_projects
    FOR EACH ROW EXECUTE FUNCTION oparl_consultation_unlinked();

SELECT smartregion_guard_writes('oparl_consultations');
