DROP TRIGGER agenda_items_remember_public ON agenda_items;
DROP TRIGGER meetings_remember_public ON meetings;
DROP FUNCTION smartregion_remember_public();
ALTER TABLE agenda_items DROP COLUMN ever_public;
ALTER TABLE meetings DROP COLUMN ever_public;
