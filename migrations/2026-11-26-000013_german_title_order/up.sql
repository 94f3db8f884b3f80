-- Titles sort in German dictionary order (src/db/mod.rs, GERMAN_COLLATION): the default
-- collation put "Ärztehaus" after "Zentrum". The index serves `sort=title` and its cursor.
CREATE INDEX projects_title_de ON projects ((title COLLATE "de-DE-x-icu"), id) WHERE deleted_at IS NULL;
DROP INDEX projects_title;
