DROP FUNCTION smartregion_erase_member_name(uuid, text);
DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_rewrite();
DROP FUNCTION smartregion_refuse_audit_rewrite();
ALTER TABLE committee_members DROP COLUMN name_erased_at;
