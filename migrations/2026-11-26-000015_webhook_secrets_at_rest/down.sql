-- Encrypted secrets cannot be turned back here; the down migration fails while any exist.
ALTER TABLE webhooks DROP CONSTRAINT webhooks_secret_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_secret_check CHECK (secret LIKE 'whsec\_%');
