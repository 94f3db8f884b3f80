-- Finished deliveries are removed after SMARTREGION_WEBHOOK_RETENTION_DAYS; the worker finds
-- the oldest through this index.
CREATE INDEX webhook_deliveries_completed ON webhook_deliveries (completed_at)
    WHERE state <> 'pending';
