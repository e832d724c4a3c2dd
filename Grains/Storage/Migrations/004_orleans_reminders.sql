-- =============================================================================
-- Orleans ADO.NET reminder table for PostgreSQL
--
-- Consumer : Microsoft.Orleans.Reminders.AdoNet 10.4.2, Invariant = "Npgsql"
--            (silos: UseAdoNetReminderService)
-- Apply    : once, inside a transaction. Re-applying is harmless (IF NOT EXISTS,
--            query rows upserted). IF NOT EXISTS does not reshape an existing
--            table of the same name.
--
-- How Orleans uses this:
--  * All 7 reminder keys below must exist in orleansquery or the reminder
--    service fails to start.
--  * Parameters (bound by name): ServiceId text, GrainId text (GrainId.ToString(),
--    e.g. "mygrain/key"), ReminderName text, StartTime timestamptz (UTC),
--    Period integer or bigint (milliseconds; bigint only when > int.MaxValue),
--    GrainHash / BeginHash / EndHash integer (the uint grain hash cast to a
--    SIGNED 32-bit int), Version integer (the ETag Orleans got back).
--  * Result columns are read BY NAME: GrainId, ReminderName, StartTime, Period,
--    Version (aliased below from snake_case). DeleteReminderRowKey must return
--    one row with one boolean-convertible column (read by ordinal).
--  * Reminders are owned by ranges of the grain-hash ring; each silo reads its
--    ranges with ReadRangeRows1Key/ReadRangeRows2Key, hence the
--    (service_id, grain_hash) index.
-- =============================================================================

-- Shared Orleans query table (see orleans_clustering.sql for why the name is
-- not snake_case: Orleans selects from it with an unquoted, fixed statement).
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64)   NOT NULL,
    querytext varchar(8000) NOT NULL,
    CONSTRAINT orleansquery_pk PRIMARY KEY (querykey)
);

--   period_ms  : bigint so periods above ~24.8 days (int.MaxValue ms) fit;
--                Orleans reads it with GetInt64.
--   grain_hash : GrainId.GetUniformHashCode() cast to signed int, exactly as
--                Orleans sends it; the range queries compare it signed.
--   version    : the reminder's ETag; integer because Orleans int.Parse()s it.
CREATE TABLE IF NOT EXISTS orleans_reminder
(
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    start_time    timestamptz NOT NULL,
    period_ms     bigint      NOT NULL,
    grain_hash    integer     NOT NULL,
    version       integer     NOT NULL,
    CONSTRAINT orleans_reminder_pk PRIMARY KEY (service_id, grain_id, reminder_name)
);

-- Range reads by ring ownership (ReadRangeRows1Key / ReadRangeRows2Key) run on
-- every silo at start-up and on every membership change.
CREATE INDEX IF NOT EXISTS orleans_reminder_service_hash_ix
    ON orleans_reminder (service_id, grain_hash);

INSERT INTO orleansquery (querykey, querytext) VALUES

-- All reminders of one grain (PK prefix).
('ReadReminderRowsKey', $q$
SELECT
    grain_id      AS "GrainId",
    reminder_name AS "ReminderName",
    start_time    AS "StartTime",
    period_ms     AS "Period",
    version       AS "Version"
FROM orleans_reminder
WHERE service_id = @ServiceId
  AND grain_id   = @GrainId
$q$),

-- One reminder (full PK).
('ReadReminderRowKey', $q$
SELECT
    grain_id      AS "GrainId",
    reminder_name AS "ReminderName",
    start_time    AS "StartTime",
    period_ms     AS "Period",
    version       AS "Version"
FROM orleans_reminder
WHERE service_id    = @ServiceId
  AND grain_id      = @GrainId
  AND reminder_name = @ReminderName
$q$),

-- Ring range (BeginHash, EndHash] that does not wrap: Orleans picks this key
-- when (int)BeginHash < (int)EndHash.
('ReadRangeRows1Key', $q$
SELECT
    grain_id      AS "GrainId",
    reminder_name AS "ReminderName",
    start_time    AS "StartTime",
    period_ms     AS "Period",
    version       AS "Version"
FROM orleans_reminder
WHERE service_id = @ServiceId
  AND grain_hash > @BeginHash
  AND grain_hash <= @EndHash
$q$),

-- Ring range that wraps around (or the full ring when BeginHash = EndHash):
-- everything above BeginHash plus everything up to EndHash. Written as two
-- index range scans instead of one OR filter (which would read every row of
-- the service). Orleans only uses this key when (int)BeginHash >= (int)EndHash,
-- so the two halves are disjoint and UNION ALL returns no duplicates.
('ReadRangeRows2Key', $q$
SELECT
    grain_id      AS "GrainId",
    reminder_name AS "ReminderName",
    start_time    AS "StartTime",
    period_ms     AS "Period",
    version       AS "Version"
FROM orleans_reminder
WHERE service_id = @ServiceId
  AND grain_hash > @BeginHash
UNION ALL
SELECT grain_id, reminder_name, start_time, period_ms, version
FROM orleans_reminder
WHERE service_id = @ServiceId
  AND grain_hash <= @EndHash
$q$),

-- Register / re-register. Orleans' contract here is last-writer-wins (no ETag
-- is passed in), so this is a plain upsert; the primary key + ON CONFLICT makes
-- concurrent first registrations safe. The version is incremented on every
-- update (wrapping before int overflow) and returned as the new ETag.
('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminder AS r
    (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
   SET start_time = EXCLUDED.start_time,
       period_ms  = EXCLUDED.period_ms,
       grain_hash = EXCLUDED.grain_hash,
       version    = CASE WHEN r.version = 2147483647 THEN 0 ELSE r.version + 1 END
RETURNING r.version AS "Version"
$q$),

-- Unregister: deletes only if the caller's ETag is current (a stale ETag
-- deletes nothing and returns false).
('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans_reminder
     WHERE service_id    = @ServiceId
       AND grain_id      = @GrainId
       AND reminder_name = @ReminderName
       AND version       = @Version
    RETURNING 1
)
SELECT count(*) > 0 FROM deleted
$q$),

-- Test/tooling only (IReminderTable.TestOnlyClearTable): all reminders of a service.
('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminder
 WHERE service_id = @ServiceId
$q$)

ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
