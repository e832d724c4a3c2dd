-- =============================================================================
-- Orleans ADO.NET grain storage for PostgreSQL
--
-- Consumer : Microsoft.Orleans.Persistence.AdoNet 10.4.2, Invariant = "Npgsql"
--            (silos: AddAdoNetGrainStorage)
-- Apply    : once, inside a transaction. Re-applying is harmless (IF NOT EXISTS,
--            query rows upserted). IF NOT EXISTS does not reshape an existing
--            table of the same name.
--
-- How Orleans uses this:
--  * At start-up the provider loads WriteToStorageKey, ReadFromStorageKey and
--    ClearStorageKey (required) and DeleteStorageKey (only required when
--    AdoNetGrainStorageOptions.DeleteStateOnClear = true).
--  * Parameters (bound by name): ServiceId text, GrainTypeString text - which is
--    the STATE NAME given to [PersistentState("name")], not the grain class -
--    GrainIdN0 / GrainIdN1 bigint (Guid halves or the integer key),
--    GrainIdExtensionString text (key extension, or the whole key for string
--    keys; NULL when there is none), GrainStateVersion integer (the ETag; NULL
--    when the grain has never seen a stored version), PayloadBinary bytea,
--    plus GrainIdHash / GrainTypeHash integer, which these statements do not use.
--  * Results, read by name: PayloadBinary + Version (read), NewGrainStateVersion
--    (write); clear/delete return the new version in their first column.
--  * Conflict detection is done by Orleans on the returned version: if a write
--    returns no row (or the same version it sent) it throws
--    InconsistentStateException. So every statement below changes the row only
--    when the caller's version is current, and returns nothing otherwise.
--
-- Identity of a row = (service_id, state_name, grain_id_n0, grain_id_n1,
-- grain_id_extension). The grain TYPE is not part of it (Orleans does not pass
-- it): two grain classes that use the same state name and the same key share a
-- row, so give states names that are unique across grain types.
-- The hash parameters are deliberately not stored: lookups use the natural key
-- directly, so changing the provider's HashPicker can never orphan data.
-- =============================================================================

-- Shared Orleans query table (see orleans_clustering.sql for why the name is
-- not snake_case: Orleans selects from it with an unquoted, fixed statement).
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64)   NOT NULL,
    querytext varchar(8000) NOT NULL,
    CONSTRAINT orleansquery_pk PRIMARY KEY (querykey)
);

--   grain_id_extension : '' instead of NULL when the key has no extension, so
--                        it can sit in the primary key (NULLs never conflict in
--                        a PostgreSQL unique index before v15's NULLS NOT
--                        DISTINCT) and ON CONFLICT can act as the first-write
--                        guard on any PostgreSQL version. The statements map
--                        NULL -> '' with COALESCE.
--   payload            : NULL after ClearState (row and version are kept so a
--                        stale writer still conflicts after a clear).
--   version            : the ETag; integer because Orleans int.Parse()s it and
--                        sends it back as a 32-bit parameter. Incremented on
--                        every write and wraps to 1 before int overflow (a hot
--                        grain at 1000 writes/s would otherwise fail after ~25
--                        days).
--   modified_at        : diagnostics only, UTC (timestamptz).
-- B-tree limit: the primary-key entry must stay under ~2.7 kB, i.e. very long
-- string grain keys (> ~2.5 kB) cannot be stored.
CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id         text        NOT NULL,
    state_name         text        NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_id_extension text        NOT NULL DEFAULT '',
    payload            bytea       NULL,
    version            integer     NOT NULL,
    modified_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orleans_grain_state_pk
        PRIMARY KEY (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_extension)
);

INSERT INTO orleansquery (querykey, querytext) VALUES

-- Read. No row -> Orleans creates a default state with ETag NULL. A cleared row
-- (payload NULL) still returns its version, so the next write is an update of
-- that version rather than a first insert.
('ReadFromStorageKey', $q$
SELECT
    s.payload AS "PayloadBinary",
    s.version AS "Version"
FROM orleans_grain_state AS s
WHERE s.service_id         = @ServiceId
  AND s.state_name         = @GrainTypeString
  AND s.grain_id_n0        = @GrainIdN0
  AND s.grain_id_n1        = @GrainIdN1
  AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
$q$),

-- Write. Exactly one of the two branches can act:
--  * @GrainStateVersion IS NULL (first write): INSERT with version 1. Two
--    activations racing to create the row are resolved by the primary key:
--    ON CONFLICT DO NOTHING returns no row to the loser -> InconsistentState.
--    A NULL ETag against an existing row is likewise a conflict.
--  * otherwise: compare-and-increment UPDATE. A stale ETag matches no row and
--    returns nothing; two writers with the same ETag are serialised by the row
--    lock and the second re-checks the version, finds it moved, and updates
--    nothing. A row deleted meanwhile is NOT silently re-created.
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans_grain_state AS s
       SET payload     = @PayloadBinary,
           version     = CASE WHEN s.version = 2147483647 THEN 1 ELSE s.version + 1 END,
           modified_at = now()
     WHERE @GrainStateVersion IS NOT NULL
       AND s.service_id         = @ServiceId
       AND s.state_name         = @GrainTypeString
       AND s.grain_id_n0        = @GrainIdN0
       AND s.grain_id_n1        = @GrainIdN1
       AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
       AND s.version            = @GrainStateVersion
    RETURNING s.version
), inserted AS (
    INSERT INTO orleans_grain_state
        (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_extension,
         payload, version, modified_at)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
           COALESCE(@GrainIdExtensionString, ''), @PayloadBinary, 1, now()
     WHERE @GrainStateVersion IS NULL
    ON CONFLICT (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_extension)
        DO NOTHING
    RETURNING version
)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version FROM inserted
$q$),

-- ClearState (default, DeleteStateOnClear = false): drop the payload but keep
-- the row and bump its version, so the clear is itself a versioned write and a
-- writer holding a pre-clear ETag still conflicts afterwards. Returns the new
-- version (first column); nothing on a stale ETag -> InconsistentState.
('ClearStorageKey', $q$
UPDATE orleans_grain_state AS s
   SET payload     = NULL,
       version     = CASE WHEN s.version = 2147483647 THEN 1 ELSE s.version + 1 END,
       modified_at = now()
 WHERE s.service_id         = @ServiceId
   AND s.state_name         = @GrainTypeString
   AND s.grain_id_n0        = @GrainIdN0
   AND s.grain_id_n1        = @GrainIdN1
   AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
   AND s.version            = @GrainStateVersion
RETURNING s.version AS "NewGrainStateVersion"
$q$),

-- ClearState with DeleteStateOnClear = true: remove the row if the ETag is
-- current. Orleans expects "old version + 1" back (so it differs from the ETag
-- it sent) and then resets the grain's ETag to NULL. Caveat of deleting: the
-- next first write restarts at version 1, so a long-stale writer that still
-- holds ETag 1 from before the delete could match again (ABA). Prefer the
-- default ClearStorageKey behaviour unless rows must really disappear.
('DeleteStorageKey', $q$
DELETE FROM orleans_grain_state AS s
 WHERE s.service_id         = @ServiceId
   AND s.state_name         = @GrainTypeString
   AND s.grain_id_n0        = @GrainIdN0
   AND s.grain_id_n1        = @GrainIdN1
   AND s.grain_id_extension = COALESCE(@GrainIdExtensionString, '')
   AND s.version            = @GrainStateVersion
RETURNING CASE WHEN s.version = 2147483647 THEN 1 ELSE s.version + 1 END AS "NewGrainStateVersion"
$q$)

ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
