DROP INDEX IF EXISTS changes_occurred_at;
ALTER TABLE fields_of_action DROP COLUMN updated_at;
