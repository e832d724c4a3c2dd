-- Notification records: indexed columns for queries, the full record as JSON.
CREATE TABLE notifications (
    id              text PRIMARY KEY,
    tenant_id       text NOT NULL,
    idempotency_key text NOT NULL,
    partition_id    int NOT NULL,
    type            text NOT NULL,
    channel         text NOT NULL,
    priority        text NOT NULL,
    state           text NOT NULL,
    user_id         text NULL,
    merchant_id     text NULL,
    attempt_count   int NOT NULL,
    next_attempt_at timestamptz NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    completed_at    timestamptz NULL,
    version         bigint NOT NULL,
    payload         jsonb NOT NULL,
    -- The last line against duplicates, whatever happens above it.
    CONSTRAINT notifications_tenant_idempotency_key UNIQUE (tenant_id, idempotency_key)
);

CREATE INDEX notifications_tenant_created ON notifications (tenant_id, created_at DESC, id DESC);
CREATE INDEX notifications_tenant_state_created ON notifications (tenant_id, state, created_at DESC, id DESC);
CREATE INDEX notifications_tenant_user_created ON notifications (tenant_id, user_id, created_at DESC, id DESC) WHERE user_id IS NOT NULL;
CREATE INDEX notifications_pending_due ON notifications (partition_id, next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX notifications_failed_completed ON notifications (completed_at DESC, id DESC) WHERE state = 'FAILED';
CREATE INDEX notifications_created ON notifications (created_at DESC, id DESC);

-- Tenants and their API keys (stored as SHA-256 hashes of high-entropy keys).
CREATE TABLE tenants (
    id         text PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

CREATE TABLE api_keys (
    id         text PRIMARY KEY,
    tenant_id  text NOT NULL REFERENCES tenants (id),
    prefix     text NOT NULL,
    key_hash   bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz NULL
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
