-- With SMARTREGION_WEBHOOK_SECRET_KEY set, a signing secret is stored encrypted
-- (`enc:v1:<base64>`, see src/webhooks/secret_store.rs); without it, as before.
ALTER TABLE webhooks DROP CONSTRAINT webhooks_secret_check;
ALTER TABLE webhooks ADD CONSTRAINT webhooks_secret_check
    CHECK (secret LIKE 'whsec\_%' OR secret LIKE 'enc:v1:%');
