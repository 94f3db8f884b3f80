-- Every list accepts `modified_since`. Fields of action are reference data without a
-- change time so far; existing rows count as changed when this migration ran. A later
-- migration that edits a field of action sets `updated_at = now()` with it.
ALTER TABLE fields_of_action ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- The change feed can start at a point in time (`modified_since`) instead of a sequence
-- number; without this index that start would scan the feed from its beginning.
CREATE INDEX changes_occurred_at ON changes (occurred_at, seq);
