-- Retention: a finished notification's data and content are removed after a while (Retention:*); the row,
-- its state and attempts stay. The sweep finds what is due through these two small partial indexes.
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS content_removed_at timestamptz NULL;

CREATE INDEX IF NOT EXISTS notifications_content_kept_critical ON notifications (completed_at)
    WHERE content_removed_at IS NULL AND completed_at IS NOT NULL AND priority = 'critical';
CREATE INDEX IF NOT EXISTS notifications_content_kept ON notifications (completed_at)
    WHERE content_removed_at IS NULL AND completed_at IS NOT NULL;
