CREATE INDEX projects_title ON projects (lower(title), id) WHERE deleted_at IS NULL;
DROP INDEX projects_title_de;
