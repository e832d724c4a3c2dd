-- =============================================================================
-- Orleans ADO.NET clustering (cluster membership) for PostgreSQL
--
-- Consumer : Microsoft.Orleans.Clustering.AdoNet 10.4.2, Invariant = "Npgsql"
--            (silos: UseAdoNetClustering; clients: gateway list via the same rows)
-- Apply    : once, inside a transaction. Re-applying is harmless: tables and
--            indexes use IF NOT EXISTS and the query rows are upserted.
--            NOTE: IF NOT EXISTS does not reshape a pre-existing table of the same
--            name; this file assumes it owns these names.
--
-- How Orleans uses this:
--  * It loads every statement from orleansquery at start-up and refuses to start
--    unless all 9 required clustering keys below are present ("Not all required
--    queries found"). Note the odd key spelling UpdateIAmAlivetimeKey - it must
--    be kept. A 10th, optional key (CleanupDefunctSiloEntryKey, singular) is read
--    by 10.4.2 when present and then replaces the bulk defunct-row clean-up with
--    a per-row compare-and-delete; it is provided below.
--  * Parameters are bound by name (@Name in the text, no "@" in the parameter
--    name). Their types follow the C# value: strings -> text, int -> integer,
--    DateTime -> timestamptz (Npgsql refuses non-UTC DateTime for timestamptz;
--    Orleans always sends UTC).
--  * Result columns are read BY NAME (Address, Port, Generation, SiloName,
--    HostName, Status, ProxyPort, SuspectTimes, StartTime, IAmAliveTime,
--    Version). Our columns are snake_case, so every SELECT aliases them to the
--    exact names Orleans asks for (quoted, so the match does not depend on
--    Npgsql's case-insensitive fallback). Statements that Orleans treats as
--    "true/false" must return exactly one row with one column (read by ordinal).
--  * 10.4.2 uses the table version as every row's ETag and only sends an
--    UpdateMembershipKey when the caller's row ETag equals the table version it
--    passes, so a single version column is all the concurrency state needed.
--  * The protocol is optimistic concurrency on ONE version row per cluster:
--    every read returns that version (joined to the silo rows, in one snapshot),
--    and every insert/update of a silo row must compare-and-increment it in the
--    same statement. A writer holding a stale version changes nothing and gets
--    "false", after which Orleans re-reads and retries.
-- =============================================================================

-- Orleans reads this table with the hard-coded, UNQUOTED statement
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- PostgreSQL folds unquoted identifiers to lower case, so the table has to be
-- named orleansquery with columns querykey/querytext (snake_case is not possible
-- for this one table). Shared by the clustering, reminder and persistence files;
-- each file creates it if missing so any of them can be applied on its own.
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  varchar(64)   NOT NULL,
    querytext varchar(8000) NOT NULL,
    CONSTRAINT orleansquery_pk PRIMARY KEY (querykey)
);

-- One row per cluster (Orleans calls the ClusterId "DeploymentId").
-- version is the membership table's ETag: compared-and-incremented by every
-- silo row insert/update. integer because Orleans parses it with int.Parse and
-- sends it back as a 32-bit parameter.
CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id text        NOT NULL,
    version       integer     NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now(),  -- diagnostics only
    CONSTRAINT orleans_membership_version_pk PRIMARY KEY (deployment_id)
);

-- One row per silo incarnation: (address, port, generation) identifies a silo
-- process; a restarted silo on the same endpoint gets a new generation and a new
-- row (the old row is then marked Dead by Orleans, not deleted).
--   status        : Orleans SiloStatus (1 Created, 2 Joining, 3 Active,
--                   4 ShuttingDown, 5 Stopping, 6 Dead)
--   proxy_port    : gateway port, 0 = not a gateway. NOT NULL because Orleans
--                   reads it with GetInt32 (a NULL would throw).
--   silo_name     : NOT NULL because Orleans casts it straight to string.
--   suspect_times : Orleans' own "silo,time|silo,time" text (death votes);
--                   stored verbatim.
--   *_time        : timestamptz, values are UTC (Orleans sends UTC DateTime).
-- ON DELETE CASCADE lets DeleteMembershipTableEntriesKey remove a cluster with
-- a single statement.
CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   text        NOT NULL,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL DEFAULT 0,
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    CONSTRAINT orleans_membership_pk
        PRIMARY KEY (deployment_id, address, port, generation),
    CONSTRAINT orleans_membership_version_fk
        FOREIGN KEY (deployment_id)
        REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE
);
-- No further index: every statement filters on deployment_id (leading PK
-- column) and a cluster has only a handful of rows.

INSERT INTO orleansquery (querykey, querytext) VALUES

-- Called by every silo at start-up. Creates the cluster's version row if it is
-- missing; racing silos are resolved by the primary key (ON CONFLICT), never by
-- a NOT EXISTS probe. Returns one boolean: true if this call created the row
-- (Orleans only logs it).
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id, version, updated_at)
    VALUES (@DeploymentId, 0, now())
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT count(*) > 0 FROM created
$q$),

-- Full membership read. The version row drives the query (LEFT JOIN) so the
-- version comes back even when the cluster has no silo rows yet; Orleans takes
-- the ETag from the first row and treats a NULL StartTime as "no silo here".
-- One statement = one snapshot, so the version matches the rows returned.
('MembershipReadAllKey', $q$
SELECT
    v.version           AS "Version",
    m.address           AS "Address",
    m.port              AS "Port",
    m.generation        AS "Generation",
    m.silo_name         AS "SiloName",
    m.host_name         AS "HostName",
    m.status            AS "Status",
    m.proxy_port        AS "ProxyPort",
    m.suspect_times     AS "SuspectTimes",
    m.start_time        AS "StartTime",
    m.i_am_alive_time   AS "IAmAliveTime"
FROM orleans_membership_version AS v
LEFT JOIN orleans_membership AS m
       ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId
$q$),

-- Same as above for a single silo; the silo filter sits in the JOIN condition
-- (not in WHERE) so the version row is still returned when the silo is absent.
('MembershipReadRowKey', $q$
SELECT
    v.version           AS "Version",
    m.address           AS "Address",
    m.port              AS "Port",
    m.generation        AS "Generation",
    m.silo_name         AS "SiloName",
    m.host_name         AS "HostName",
    m.status            AS "Status",
    m.proxy_port        AS "ProxyPort",
    m.suspect_times     AS "SuspectTimes",
    m.start_time        AS "StartTime",
    m.i_am_alive_time   AS "IAmAliveTime"
FROM orleans_membership_version AS v
LEFT JOIN orleans_membership AS m
       ON m.deployment_id = v.deployment_id
      AND m.address       = @Address
      AND m.port          = @Port
      AND m.generation    = @Generation
WHERE v.deployment_id = @DeploymentId
$q$),

-- A silo announces itself (status Joining). Compare-and-increment the version
-- first: the UPDATE row-locks the version row, so concurrent writers of the
-- same cluster are serialised and a writer whose @Version is stale matches
-- nothing, inserts nothing and gets false. The silo row's primary key plus
-- ON CONFLICT DO NOTHING guards a duplicate (address, port, generation); in
-- that case the statement returns false and the version has merely been bumped,
-- which is harmless (it only forces other writers to re-read).
('InsertMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version
       SET version    = version + 1,
           updated_at = now()
     WHERE deployment_id = @DeploymentId
       AND version       = @Version
    RETURNING deployment_id
), inserted AS (
    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name,
         status, proxy_port, suspect_times, start_time, i_am_alive_time)
    SELECT b.deployment_id, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, NULL, @StartTime, @IAmAliveTime
      FROM bumped AS b
    ON CONFLICT (deployment_id, address, port, generation) DO NOTHING
    RETURNING 1
)
SELECT count(*) > 0 FROM inserted
$q$),

-- Status / death-vote change of one silo row. The version is compared-and-
-- incremented only when the target silo row exists (join), and the silo row is
-- updated only if that increment happened, so the statement is all-or-nothing:
-- a stale @Version (or a missing row) changes nothing and returns false.
('UpdateMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version AS v
       SET version    = v.version + 1,
           updated_at = now()
      FROM orleans_membership AS m
     WHERE v.deployment_id = @DeploymentId
       AND v.version       = @Version
       AND m.deployment_id = v.deployment_id
       AND m.address       = @Address
       AND m.port          = @Port
       AND m.generation    = @Generation
    RETURNING v.deployment_id
), updated AS (
    UPDATE orleans_membership AS m
       SET status          = @Status,
           suspect_times   = @SuspectTimes,
           i_am_alive_time = @IAmAliveTime
      FROM bumped AS b
     WHERE m.deployment_id = b.deployment_id
       AND m.address       = @Address
       AND m.port          = @Port
       AND m.generation    = @Generation
    RETURNING 1
)
SELECT count(*) > 0 FROM updated
$q$),

-- Heartbeat. Deliberately NOT versioned: by protocol, I-am-alive updates must
-- not invalidate other writers' ETags. Orleans ignores the result.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership
   SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId
   AND address       = @Address
   AND port          = @Port
   AND generation    = @Generation
$q$),

-- Gateway list for clients (and silos' gateway manager): Active silos with a
-- gateway port. Orleans passes @Status = 3 (Active) and reads Address,
-- ProxyPort and Generation by name.
('GatewaysQueryKey', $q$
SELECT
    address    AS "Address",
    proxy_port AS "ProxyPort",
    generation AS "Generation"
FROM orleans_membership
WHERE deployment_id = @DeploymentId
  AND status        = @Status
  AND proxy_port    > 0
$q$),

-- Removes the whole cluster (version row + silo rows via ON DELETE CASCADE).
-- Only used by tooling/tests; a running silo cannot read membership again until
-- InsertMembershipVersionKey has recreated the version row.
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version
 WHERE deployment_id = @DeploymentId
$q$),

-- Periodic clean-up of defunct silo rows (ClusterMembershipOptions.
-- DefunctSiloCleanupPeriod / DefunctSiloExpiration / MaxDefunctSiloEntries).
-- Orleans passes a cut-off time as @IAmAliveTime. Only Dead (6) rows are
-- removed: a Joining/ShuttingDown row may belong to a live process, and the
-- count-based cut-off (MaxDefunctSiloEntries) can be only minutes old. Not
-- versioned, like Orleans' own providers: dead rows carry no protocol state.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
 WHERE deployment_id   = @DeploymentId
   AND status          = 6
   AND i_am_alive_time < @IAmAliveTime
$q$),

-- OPTIONAL key (Orleans 10.4.2 uses it instead of the bulk statement above when
-- it exists). Orleans reads the table, picks Dead rows whose start time, last
-- heartbeat and every death vote are older than the cut-off, and issues this
-- once per row with the values it saw (@StartTime, @IAmAliveTime,
-- @SuspectTimes). The row is deleted only if it is still Dead and still holds
-- exactly those values, so a row that changed after the read is left alone.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_membership
 WHERE deployment_id   = @DeploymentId
   AND address         = @Address
   AND port            = @Port
   AND generation      = @Generation
   AND status          = 6
   AND start_time      = @StartTime
   AND i_am_alive_time = @IAmAliveTime
   AND suspect_times IS NOT DISTINCT FROM @SuspectTimes
$q$)

ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
