-- Summaries without a shared row lock (issue 14).
--
-- The budget summaries (`organization_budget_years`) had one row per organization and fiscal
-- year, and every recomputation of a project's allocation added its difference to those rows:
-- with 15 organizations and five fiscal years every opt-in change, on whatever project, locked
-- some of the same ~70 rows until its commit, so concurrent changes of different projects
-- committed one after another (pg_stat_activity: Lock:transactionid on the budget upsert). The
-- dashboard summaries (000060) spread their rows over 16 shards by `pg_backend_pid() % 16`,
-- but with more than 16 connections two of them always share a shard, and a writer waiting
-- there holds its budget rows meanwhile, so the waits chained up as well.
--
-- Now every summary row belongs to a write slot, and a writing transaction owns one slot
-- until it ends: `smartregion_write_slot()` takes the first free one of `slots` (a
-- transaction-scoped advisory lock per slot, tried without waiting, starting at
-- `pg_backend_pid() % slots` so that a connection usually gets the same slot again) and
-- remembers it for the rest of the transaction. A summary row of slot `s` is only written by
-- the transaction owning `s`, so writers never wait for each other's summary rows; only the
-- 33rd concurrent writer of summaries waits, for a slot. A summary is the sum over the slots
-- (at most 32 rows per key, whatever the size of the data), exact in every snapshot, because
-- each delta is written in the transaction of the change it describes.

CREATE FUNCTION smartregion_write_slot() RETURNS smallint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    slots   CONSTANT integer := 32;
    -- The advisory lock class of the slots ("SRSL"); slot `s` is the lock (class, s).
    class   CONSTANT integer := 1397904204;
    owned   text := current_setting('smartregion.write_slot', true);
    first   integer := pg_backend_pid() % slots;
    slot    integer;
BEGIN
    IF coalesce(owned, '') <> '' THEN
        RETURN owned::smallint;
    END IF;
    FOR i IN 0 .. slots - 1 LOOP
        slot := (first + i) % slots;
        IF pg_try_advisory_xact_lock(class, slot) THEN
            PERFORM set_config('smartregion.write_slot', slot::text, true);
            RETURN slot;
        END IF;
    END LOOP;
    -- Every slot is owned: wait for this connection's usual one.
    PERFORM pg_advisory_xact_lock(class, first);
    PERFORM set_config('smartregion.write_slot', first::text, true);
    RETURN first;
END
$$;

-- The dashboard summaries keep their shard column; a shard is now a write slot.
CREATE OR REPLACE FUNCTION smartregion_dashboard_shard() RETURNS smallint LANGUAGE sql VOLATILE
AS $$ SELECT smartregion_write_slot() $$;

-- The budget summaries: one row per organization, fiscal year and slot. What exists stays
-- in slot 0.
ALTER TABLE organization_budget_years ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE organization_budget_years DROP CONSTRAINT organization_budget_years_pkey;
ALTER TABLE organization_budget_years
    ADD PRIMARY KEY (organization_key, fiscal_year, shard);
ALTER TABLE organization_budget_years ALTER COLUMN shard DROP DEFAULT;

-- What the budget view reads: the sum over the slots per organization and year. A filter on
-- the organization and the years reaches the primary key's range read through the grouping.
CREATE VIEW organization_budget_totals AS
SELECT organization_key, fiscal_year, SUM(committed_cents)::bigint AS committed_cents,
       SUM(pending_cents)::bigint AS pending_cents
  FROM organization_budget_years
 GROUP BY organization_key, fiscal_year;
