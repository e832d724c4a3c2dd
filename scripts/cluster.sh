#!/usr/bin/env bash
# A local multi-silo cluster: a PostgreSQL started from the installed server binaries (as the tests
# do; as root it runs as the postgres user) and N silo processes of the built Silo executable, each
# with its own listener. Silos find each other through PostgreSQL only. Silo 1 also serves the HTTP
# API on http://127.0.0.1:$BASE_PORT.
#
#   scripts/cluster.sh start [N]   start PostgreSQL and N silos (default 3)
#   scripts/cluster.sh status      silo processes, membership and partitions per silo
#   scripts/cluster.sh kill I      kill -9 silo I (a failover drill; its partitions move within ~10 s)
#   scripts/cluster.sh stop        SIGTERM every silo (graceful handover), then stop PostgreSQL
#   scripts/cluster.sh clean       stop, then delete the cluster folder (database included)
#
# Environment: CLUSTER_DIR (default /tmp/notifications-cluster), PG_PORT (default 55432),
# BASE_PORT (default 5080; silo I listens on BASE_PORT+I-1), and any silo setting in its
# environment form, e.g. Cluster__PartitionCount=64 or Cluster__Secret=... (passed to every silo).
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${CLUSTER_DIR:-${TMPDIR:-/tmp}/notifications-cluster}"
PG_PORT="${PG_PORT:-55432}"
BASE_PORT="${BASE_PORT:-5080}"
DATABASE=notifications
CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$DATABASE"
SILO_DLL=Silo/bin/Release/net10.0/PaymentNotifications.Silo.dll

pg_bin() {
  local bin
  bin="$(pg_config --bindir 2>/dev/null || true)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  fi
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL server binaries not found; install them with: apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "$bin"
}

# initdb and postgres refuse to run as root.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_cluster() {
  "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -v ON_ERROR_STOP=1 -qtAX -c "$2"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pg_running() {
  [ -f "$DIR/pg/data/postmaster.pid" ] && as_postgres "$(pg_bin)/pg_ctl" status -D "$DIR/pg/data" >/dev/null 2>&1
}

silo_pids() {
  ls "$DIR"/silo-*.pid 2>/dev/null || true
}

start_postgres() {
  local bin
  bin="$(pg_bin)"
  mkdir -p "$DIR/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR/pg"
  if [ ! -d "$DIR/pg/data" ]; then
    as_postgres "$bin/initdb" -D "$DIR/pg/data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  if ! pg_running; then
    if port_in_use "$PG_PORT"; then
      echo "Port $PG_PORT is taken by another program; choose another with PG_PORT=..." >&2
      exit 1
    fi
    as_postgres "$bin/pg_ctl" start -w -D "$DIR/pg/data" -l "$DIR/pg/server.log" \
      -o "-p $PG_PORT -k $DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null
  fi
  if [ "$(psql_cluster postgres "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
    psql_cluster postgres "CREATE DATABASE $DATABASE"
  fi
  echo "PostgreSQL on 127.0.0.1:$PG_PORT (data in $DIR/pg)"
}

# The cluster's encryption key for secrets at rest: made once, shared by every silo of this cluster folder.
encryption_key() {
  if [ ! -s "$DIR/encryption.key" ]; then
    head -c 32 /dev/urandom | base64 >"$DIR/encryption.key"
    chmod 600 "$DIR/encryption.key"
  fi
  cat "$DIR/encryption.key"
}

start_silo() {
  local i="$1" port=$((BASE_PORT + $1 - 1))
  # A local trial cluster: webhook receivers on this machine over http are allowed.
  ConnectionStrings__Postgres="$CONNECTION" Cluster__SiloId="silo-$i" \
    Security__EncryptionKey="${Security__EncryptionKey:-$(encryption_key)}" \
    Webhooks__AllowedNetworks="${Webhooks__AllowedNetworks:-127.0.0.0/8}" Webhooks__RequireHttps="${Webhooks__RequireHttps:-false}" \
    nohup dotnet "$SILO_DLL" --urls "http://127.0.0.1:$port" >"$DIR/silo-$i.log" 2>&1 &
  echo $! >"$DIR/silo-$i.pid"
  echo "silo-$i starting on http://127.0.0.1:$port (log $DIR/silo-$i.log)"
}

wait_ready() {
  local i="$1" port=$((BASE_PORT + $1 - 1))
  for _ in $(seq 1 120); do
    if curl -fs "http://127.0.0.1:$port/health/live" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$(cat "$DIR/silo-$i.pid")" 2>/dev/null; then
      echo "silo-$i exited; see $DIR/silo-$i.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "silo-$i did not come up within 60 s; see $DIR/silo-$i.log" >&2
  return 1
}

cmd_start() {
  local count="${1:-3}"
  if [ -n "$(silo_pids)" ]; then
    echo "A cluster is already running from $DIR; stop it first." >&2
    exit 1
  fi
  for i in $(seq 1 "$count"); do
    if port_in_use $((BASE_PORT + i - 1)); then
      echo "Port $((BASE_PORT + i - 1)) is taken by another program; choose other silo ports with BASE_PORT=..." >&2
      exit 1
    fi
  done
  start_postgres
  echo "Building the silo (Release)..."
  dotnet build Silo -c Release --nologo -v quiet >/dev/null
  for i in $(seq 1 "$count"); do
    start_silo "$i"
  done
  for i in $(seq 1 "$count"); do
    wait_ready "$i"
  done
  sleep 2
  cmd_status
}

cmd_status() {
  local file pid name
  for file in $(silo_pids); do
    pid="$(cat "$file")"
    name="$(basename "$file" .pid)"
    if kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: not running"; fi
  done
  if pg_running; then
    echo
    echo "membership and partitions (PostgreSQL 127.0.0.1:$PG_PORT):"
    psql_cluster "$DATABASE" "
      SELECT rpad(s.silo_id, 12) || rpad(s.address, 26)
             || rpad(CASE WHEN s.status = 'Active' AND now() - s.heartbeat_at > interval '5 seconds' THEN 'Dead' ELSE s.status END, 14)
             || 'heartbeat ' || lpad(to_char(extract(epoch FROM now() - s.heartbeat_at), 'FM99990.0'), 7) || ' s ago   '
             || (SELECT count(*) FROM rt_partition_lease l WHERE l.owner_silo = s.silo_id AND l.expires_at > now()) || ' partitions'
      FROM rt_silo s ORDER BY s.started_at DESC, s.silo_id" 2>/dev/null || echo "(no cluster tables yet)"
  else
    echo "PostgreSQL: not running"
  fi
}

cmd_kill() {
  local file="$DIR/silo-$1.pid"
  [ -f "$file" ] || { echo "no silo-$1 in $DIR" >&2; exit 1; }
  kill -9 "$(cat "$file")" && echo "killed silo-$1 (kill -9)"
  rm -f "$file"
}

cmd_stop() {
  local file pid
  for file in $(silo_pids); do
    pid="$(cat "$file")"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for file in $(silo_pids); do
    pid="$(cat "$file")"
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$(basename "$file" .pid) did not stop within 30 s; killing it" >&2
      kill -9 "$pid" 2>/dev/null || true
    else
      echo "$(basename "$file" .pid) stopped"
    fi
    rm -f "$file"
  done
  if pg_running; then
    as_postgres "$(pg_bin)/pg_ctl" stop -D "$DIR/pg/data" -m fast >/dev/null
    echo "PostgreSQL stopped (data kept in $DIR/pg; 'clean' deletes it)"
  fi
}

case "${1:-}" in
  start) cmd_start "${2:-3}" ;;
  status) cmd_status ;;
  kill) cmd_kill "${2:?silo number}" ;;
  stop) cmd_stop ;;
  clean) cmd_stop; rm -rf "$DIR"; echo "removed $DIR" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
