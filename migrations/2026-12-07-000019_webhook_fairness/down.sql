CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
ALTER TABLE webhook_cursors DROP COLUMN not_before;
