-- Cluster membership: one row per silo process.
CREATE TABLE rt_silo (
    silo_id      text PRIMARY KEY,
    address      text NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    status       text NOT NULL
);

-- Partition ownership: a lease per partition; epoch rises on every takeover and fences writes.
CREATE TABLE rt_partition_lease (
    partition_id int PRIMARY KEY,
    owner_silo   text NULL,
    epoch        bigint NOT NULL DEFAULT 0,
    expires_at   timestamptz NOT NULL
);

-- Grain state, versioned for optimistic concurrency.
CREATE TABLE rt_grain_state (
    grain_type   text NOT NULL,
    grain_key    text NOT NULL,
    partition_id int NOT NULL,
    version      bigint NOT NULL,
    payload      jsonb NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (grain_type, grain_key)
);

-- Durable reminders; period_ms is null for one-shot reminders.
CREATE TABLE rt_reminder (
    grain_type   text NOT NULL,
    grain_key    text NOT NULL,
    name         text NOT NULL,
    partition_id int NOT NULL,
    due_at       timestamptz NOT NULL,
    period_ms    bigint NULL,
    version      bigint NOT NULL,
    PRIMARY KEY (grain_type, grain_key, name)
);

CREATE INDEX rt_reminder_partition_due ON rt_reminder (partition_id, due_at);
