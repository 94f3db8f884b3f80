-- Back to the loose audit check of 000001 on every table that has the tied one.
DO $$
DECLARE
    guarded regclass;
BEGIN
    FOR guarded IN
        SELECT tgrelid::regclass FROM pg_trigger
         WHERE tgfoid = 'smartregion_require_audit_of()'::regprocedure
         ORDER BY tgrelid
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', guarded::text || '_requires_audit', guarded);
        EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %s
                        DEFERRABLE INITIALLY DEFERRED
                        FOR EACH ROW EXECUTE FUNCTION smartregion_require_audit()',
                       guarded::text || '_requires_audit', guarded);
    END LOOP;
END
$$;

CREATE INDEX audit_log_tx_id ON audit_log (tx_id);
DROP INDEX audit_log_tx_entity;
COMMENT ON FUNCTION smartregion_guard_writes(regclass) IS NULL;
DROP FUNCTION smartregion_guard_writes(regclass, text[]);
DROP FUNCTION smartregion_require_audit_trigger(regclass, text[]);
DROP FUNCTION smartregion_require_audit_of();
