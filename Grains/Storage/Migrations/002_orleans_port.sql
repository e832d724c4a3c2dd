-- The product runs on Microsoft Orleans: the stand-in runtime's tables go, and notifications are
-- scheduled by bucket (a hash range of the id that one scheduler grain owns) instead of partition.
DROP TABLE IF EXISTS rt_partition_lease, rt_silo, rt_grain_state, rt_reminder, rt_cluster_secret;

ALTER TABLE notifications ADD COLUMN bucket smallint;
-- The first four hex digits of the id's hash, as NotificationId.BucketOf computes them.
UPDATE notifications SET bucket = (('x' || substr(id, 5, 4))::bit(16)::int) % 1024;
ALTER TABLE notifications ALTER COLUMN bucket SET NOT NULL;

DROP INDEX IF EXISTS notifications_pending_due;
ALTER TABLE notifications DROP COLUMN partition_id;
-- Schedulers read due notifications in (next attempt, id) order, then keep their own buckets.
CREATE INDEX notifications_pending_due ON notifications (next_attempt_at, id) WHERE state = 'PENDING';
