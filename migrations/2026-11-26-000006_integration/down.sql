DROP TABLE idempotency_keys;
DROP INDEX organizations_updated;
DROP INDEX changes_tx_id;
DROP INDEX changes_organization;
