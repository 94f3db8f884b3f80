-- Fair delivery across organizations (issue 18).
--
-- A subscription whose receiver answered successfully but slowly (more than half the request
-- timeout) waits until `not_before` before its next delivery is sent, as a failing one waits
-- for its retry: a receiver at the edge of the timeout does not hold a delivery slot back to
-- back. NULL: no wait.
ALTER TABLE webhook_cursors ADD COLUMN not_before timestamptz;

-- The worker now finds due deliveries through each active subscription's head (the oldest
-- pending delivery, from `webhook_deliveries_pending`) and takes them round-robin across
-- organizations; nothing reads pending deliveries by `next_attempt_at` alone any more, so
-- this index only cost writes.
DROP INDEX webhook_deliveries_due;
