-- Calendar feed tokens may expire: a token past `expires_at` no longer opens the feed. NULL
-- keeps the former behaviour (valid until revoked).
ALTER TABLE calendar_feed_tokens
    ADD COLUMN expires_at timestamptz,
    ADD CONSTRAINT calendar_feed_tokens_expires_after_creation
        CHECK (expires_at IS NULL OR expires_at > created_at);

-- Revoking every live token one person created (`DELETE /calendar-feed-tokens?created_by=`).
CREATE INDEX calendar_feed_tokens_live_by_creator
    ON calendar_feed_tokens (organization_key, created_by)
    WHERE revoked_at IS NULL;
