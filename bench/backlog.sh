#!/usr/bin/env bash
# The backlog check in one command: bash bench/backlog.sh
#
# A million PENDING notifications waiting for later retries (a merchant down for a day) must cost a silo no memory per
# notification, and the schedulers' reads must stay cheap. Starts a throwaway PostgreSQL and one silo, writes
# BACKLOG_ROWS notifications due 1-6 h from now straight into the notifications table (as the grains store them),
# then prints the silo's RSS and activations before and after, and the cost of the schedulers' once-a-second read and of
# a reconciliation sweep over that table (EXPLAIN ANALYZE). Finally it moves BACKLOG_DUE of them to "due now" and times
# until the schedulers have woken and attempted every one (they go NOT_APPLY: the merchant has no endpoint).
#
# Environment: BACKLOG_ROWS [1000000]  BACKLOG_DUE [20000]  BACKLOG_OUT [a new /tmp folder]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=postgres.sh
source "$here/postgres.sh"
rows="${BACKLOG_ROWS:-1000000}"
due="${BACKLOG_DUE:-20000}"
out="${BACKLOG_OUT:-$(mktemp -d /tmp/notifications-backlog-XXXXXX)}"
mkdir -p "$out"

echo "Building the silo (Release)..."
dotnet build "$root/Silo/Silo.csproj" -c Release -nologo -v q -clp:ErrorsOnly
pg_start "$out/pg" durable
silo_pid=""
cleanup() { [ -n "$silo_pid" ] && kill "$silo_pid" 2>/dev/null; pg_stop; }
trap cleanup EXIT
psql_q() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d notifications -v ON_ERROR_STOP=1 -qtAX "$@"; }
# The plan's buffers read and its execution time.
explain() { psql_q -c "EXPLAIN (ANALYZE, BUFFERS, SUMMARY) $1" | grep -E "Buffers: shared|Execution Time" | sed -n '1p;$p' | sed 's/^ */  /'; }

port=$(pg_free_port)
admin="$(head -c 24 /dev/urandom | base64 | tr "+/" "-_")"
encryption_key="$(head -c 32 /dev/urandom | base64)"
# Starts the silo in the background (its log appended to silo.log); the restart reuses the same keys.
start_silo() {
  ConnectionStrings__Postgres="$PG_CONN" Api__AdminKey="$admin" Security__EncryptionKey="$encryption_key" \
  Orleans__Endpoints__SiloPort=$(pg_free_port) Orleans__Endpoints__GatewayPort=$(pg_free_port) Orleans__Endpoints__AdvertisedIPAddress=127.0.0.1 \
  Logging__LogLevel__Default=Warning \
    nohup dotnet "$root/Silo/bin/Release/net10.0/PaymentNotifications.Silo.dll" --urls "http://127.0.0.1:$port" >>"$out/silo.log" 2>&1 &
  silo_pid=$!
}
start_silo
for _ in $(seq 1 120); do curl -fsS -m 2 "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS -m 2 "http://127.0.0.1:$port/health/ready" >/dev/null

rss() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$silo_pid/status"; }
activations() {
  curl -fsS -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/v1/admin/silo" |
    python3 -c 'import sys,json; r=json.load(sys.stdin); print(r["activations"], r["activationsByType"].get("NotificationGrain", 0))'
}
sleep 5
echo "before: silo RSS $(rss) MB; activations (all, notifications): $(activations)"

echo "writing $rows PENDING notifications due in 1-6 h..."
start=$(date +%s)
psql_q <<SQL
INSERT INTO notifications (id, tenant_id, idempotency_key, bucket, type, channel, priority, state, merchant_id, attempt_count,
    next_attempt_at, created_at, updated_at, version, payload)
SELECT id, 'ten_backlog', key, (('x' || substr(id, 5, 4))::bit(16)::int) % 1024, 'charge.paid', 'webhook', 'normal', 'PENDING', 'm-down', 3,
    due, now(), now(), 1,
    jsonb_build_object('schemaVersion', 1, 'id', id, 'tenantId', 'ten_backlog', 'idempotencyKey', key, 'requestHash', 'x',
        'type', 'charge.paid', 'channel', 'webhook', 'priority', 'normal', 'state', 'PENDING',
        'recipient', jsonb_build_object('merchantId', 'm-down'), 'data', jsonb_build_object('n', n),
        'attempts', '[]'::jsonb, 'budgetStart', 0, 'nextAttemptAt', due, 'createdAt', now(), 'updatedAt', now())
FROM (SELECT n, 'ntf_' || md5(n::text) AS id, 'backlog-' || n AS key, now() + interval '1 hour' + (n % 18000) * interval '1 second' AS due
      FROM generate_series(1, $rows) AS n) AS s;
ANALYZE notifications;
SQL
echo "  written in $(( $(date +%s) - start )) s; table $(psql_q -c "SELECT pg_size_pretty(pg_total_relation_size('notifications'))")"
sleep 30
echo "after 30 s: silo RSS $(rss) MB; activations (all, notifications): $(activations)"

echo "one scheduler's poll (1/8 of the buckets, the next 2 s):"
explain "SELECT id, next_attempt_at FROM notifications
  WHERE state = 'PENDING' AND next_attempt_at <= now() + interval '2 seconds' AND bucket >= 0 AND bucket < 128
    AND (next_attempt_at, id) > (now() + interval '1 second', '') ORDER BY next_attempt_at, id LIMIT 1000"
echo "one scheduler's reconciliation sweep (overdue by 1 min, none are):"
explain "SELECT id, next_attempt_at FROM notifications
  WHERE state = 'PENDING' AND next_attempt_at <= now() - interval '1 minute' AND bucket >= 0 AND bucket < 128
  ORDER BY next_attempt_at, id LIMIT 10000"
echo "a scheduler's first read after a failover or restart (the whole range, everything due in the next 2 s):"
explain "SELECT id, next_attempt_at FROM notifications
  WHERE state = 'PENDING' AND next_attempt_at <= now() + interval '2 seconds' AND bucket >= 0 AND bucket < 128
  ORDER BY next_attempt_at, id LIMIT 1000"

echo "moving $due of them to due now..."
psql_q -c "UPDATE notifications SET next_attempt_at = now(), payload = jsonb_set(payload, '{nextAttemptAt}', to_jsonb(now()))
  WHERE id IN (SELECT id FROM notifications WHERE state = 'PENDING' ORDER BY id LIMIT $due)" >/dev/null
# The schedulers have read past "now" already: a moved-back row is found by a rescan or reconciliation. Restarting the
# silo makes every scheduler read its range again, as after a failover.
kill "$silo_pid"; wait "$silo_pid" 2>/dev/null || true
start_silo
start=$(date +%s.%N)
for _ in $(seq 1 600); do
  left=$(psql_q -c "SELECT count(*) FROM notifications WHERE state = 'PENDING' AND next_attempt_at <= now()")
  [ "$left" = 0 ] && break
  sleep 1
done
elapsed=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
echo "  all $due attempted $elapsed s after the restart (start-up included): $(psql_q -c "SELECT count(*) FROM notifications WHERE state = 'NOT_APPLY'") NOT_APPLY"
echo "  silo RSS $(rss) MB; activations (all, notifications): $(activations)"
echo "Logs in $out"
