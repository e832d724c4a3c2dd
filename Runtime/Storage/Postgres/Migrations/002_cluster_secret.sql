-- The secret silos and clients present to each other's internal endpoint, made once per cluster
-- when Cluster:Secret is not configured. Readable by whoever can read the database, which already
-- holds all cluster state.
CREATE TABLE rt_cluster_secret (
    id         int PRIMARY KEY CHECK (id = 1),
    secret     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
