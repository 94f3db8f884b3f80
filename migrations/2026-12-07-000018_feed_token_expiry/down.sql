DROP INDEX calendar_feed_tokens_live_by_creator;
ALTER TABLE calendar_feed_tokens
    DROP CONSTRAINT calendar_feed_tokens_expires_after_creation,
    DROP COLUMN expires_at;
