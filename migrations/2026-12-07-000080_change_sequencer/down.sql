-- Back to numbering at insertion: every pending record gets its position first.
SELECT public.smartregion_number_changes();

DROP TRIGGER changes_append_only ON changes;
CREATE TRIGGER changes_append_only BEFORE UPDATE OR DELETE ON changes
    FOR EACH ROW EXECUTE FUNCTION smartregion_refuse_rewrite();
DROP FUNCTION public.smartregion_number_changes();
DROP FUNCTION public.smartregion_refuse_change_rewrite();

ALTER TABLE changes ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX changes_tx_id ON changes (tx_id);

DROP INDEX changes_unnumbered;
ALTER TABLE changes DROP CONSTRAINT changes_seq_key;
ALTER TABLE changes DROP CONSTRAINT changes_pkey;
ALTER TABLE changes DROP COLUMN id;
ALTER TABLE changes ALTER COLUMN seq SET NOT NULL;
CREATE SEQUENCE changes_seq_seq OWNED BY changes.seq;
SELECT setval('changes_seq_seq', coalesce(max(seq), 0) + 1, false) FROM changes;
ALTER TABLE changes ALTER COLUMN seq SET DEFAULT nextval('changes_seq_seq');
ALTER TABLE changes ADD CONSTRAINT changes_pkey PRIMARY KEY (seq);
