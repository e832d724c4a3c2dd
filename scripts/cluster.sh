#!/usr/bin/env bash
# A local Orleans cluster: a PostgreSQL started from the installed server binaries (as the tests do;
# as root it runs as the postgres user) and N silo processes of the Release Silo executable. Silos find
# each other through Orleans' membership table in PostgreSQL and talk Orleans TCP on their silo ports.
#
#   scripts/cluster.sh start [N]   start PostgreSQL and silo-1..N (default 3), wait until each is ready
#   scripts/cluster.sh status      silo processes, and Orleans' membership as the orleans_membership table has it
#   scripts/cluster.sh kill I      kill -9 silo I (failover drill: the others declare it Dead within seconds)
#   scripts/cluster.sh restart I   start silo I again (stopping it gracefully first if it runs; a new I adds a silo)
#   scripts/cluster.sh stop        SIGTERM every silo (each leaves the membership gracefully), then stop PostgreSQL
#   scripts/cluster.sh clean       stop, then delete the cluster folder (database and keys included)
#
# Silo I listens on HTTP BASE_PORT+I-1 (API, /dashboard, /orleans, /metrics), Orleans silo port
# SILO_BASE_PORT+I-1 and gateway GATEWAY_BASE_PORT+I-1, as Orleans__Name=silo-I at 127.0.0.1.
# Environment: CLUSTER_DIR (default /tmp/notifications-cluster), PG_PORT (55432), BASE_PORT (5080),
# SILO_BASE_PORT (11111), GATEWAY_BASE_PORT (30000), READY_TIMEOUT (seconds, 120), SKIP_BUILD=1 (use the
# built Silo as it is), and any silo setting in its environment form, passed to every silo, e.g.
# Storage__MaxPoolSize=10 or Orleans__Membership__ProbeTimeout=00:00:02. The encryption key and the admin
# key are generated once and kept in the cluster folder, so restarts reuse them.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${CLUSTER_DIR:-${TMPDIR:-/tmp}/notifications-cluster}"
PG_PORT="${PG_PORT:-55432}"
BASE_PORT="${BASE_PORT:-5080}"
SILO_BASE_PORT="${SILO_BASE_PORT:-11111}"
GATEWAY_BASE_PORT="${GATEWAY_BASE_PORT:-30000}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"
CLUSTER_ID="${Orleans__ClusterId:-notifications}"
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

http_port() { echo $((BASE_PORT + $1 - 1)); }
silo_port() { echo $((SILO_BASE_PORT + $1 - 1)); }
gateway_port() { echo $((GATEWAY_BASE_PORT + $1 - 1)); }

# The silo numbers started from this folder, in order.
silo_numbers() {
  local file
  for file in "$DIR"/silo-*.pid; do
    [ -e "$file" ] || continue
    file="${file##*/silo-}"
    echo "${file%.pid}"
  done | sort -n
}

silo_pid() {
  cat "$DIR/silo-$1.pid" 2>/dev/null || true
}

silo_running() {
  local pid
  pid="$(silo_pid "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
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

# A key made once per cluster folder and reused by every silo and every restart.
kept_key() {
  local file="$DIR/$1"
  if [ ! -s "$file" ]; then
    (umask 077; "${@:2}" >"$file")
  fi
  cat "$file"
}

# Seals webhook secrets at rest: base64 of 32 random bytes.
encryption_key() { kept_key encryption.key sh -c 'head -c 32 /dev/urandom | base64'; }

# Reaches /v1/admin/*, /dashboard and /orleans.
admin_key() { kept_key admin.key sh -c 'head -c 24 /dev/urandom | base64 | tr "+/" "-_"'; }

check_ports_free() {
  local i="$1" port
  for port in "$(http_port "$i")" "$(silo_port "$i")" "$(gateway_port "$i")"; do
    if port_in_use "$port"; then
      echo "Port $port (silo-$i) is taken by another program; move the silos with BASE_PORT, SILO_BASE_PORT or GATEWAY_BASE_PORT" >&2
      exit 1
    fi
  done
}

start_silo() {
  local i="$1"
  rm -f "$DIR/silo-$i.killed"
  # A local trial cluster: webhook receivers on this machine over http are allowed.
  ConnectionStrings__Postgres="$CONNECTION" \
    Orleans__Name="silo-$i" \
    Orleans__Endpoints__SiloPort="$(silo_port "$i")" \
    Orleans__Endpoints__GatewayPort="$(gateway_port "$i")" \
    Orleans__Endpoints__AdvertisedIPAddress=127.0.0.1 \
    Security__EncryptionKey="${Security__EncryptionKey:-$(encryption_key)}" \
    Api__AdminKey="${Api__AdminKey:-$(admin_key)}" \
    Webhooks__AllowedNetworks="${Webhooks__AllowedNetworks:-127.0.0.0/8}" Webhooks__RequireHttps="${Webhooks__RequireHttps:-false}" \
    nohup dotnet "$SILO_DLL" --urls "http://127.0.0.1:$(http_port "$i")" >>"$DIR/silo-$i.log" 2>&1 &
  echo $! >"$DIR/silo-$i.pid"
  echo "silo-$i starting: http://127.0.0.1:$(http_port "$i"), silo port $(silo_port "$i"), gateway $(gateway_port "$i") (log $DIR/silo-$i.log)"
}

# Ready = storage answers and the silo is Active in the Orleans membership.
wait_ready() {
  local i="$1" deadline=$((SECONDS + READY_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -fs "http://127.0.0.1:$(http_port "$i")/health/ready" >/dev/null 2>&1; then
      echo "silo-$i ready"
      return 0
    fi
    if ! silo_running "$i"; then
      echo "silo-$i exited; see $DIR/silo-$i.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "silo-$i was not ready within $READY_TIMEOUT s; see $DIR/silo-$i.log" >&2
  return 1
}

build_silo() {
  if [ "${SKIP_BUILD:-0}" = 1 ]; then
    [ -f "$SILO_DLL" ] || { echo "$SILO_DLL is missing: build it with dotnet build Silo -c Release" >&2; exit 1; }
    return 0
  fi
  echo "Building the silo (Release)..."
  dotnet build Silo -c Release --nologo -v quiet >/dev/null
}

cmd_start() {
  local count="${1:-3}" i
  mkdir -p "$DIR"
  for i in $(silo_numbers); do
    if silo_running "$i"; then
      echo "A cluster is already running from $DIR (silo-$i); stop it first, or use restart I." >&2
      exit 1
    fi
  done
  for i in $(seq 1 "$count"); do
    check_ports_free "$i"
  done
  start_postgres
  build_silo
  for i in $(seq 1 "$count"); do
    start_silo "$i"
  done
  for i in $(seq 1 "$count"); do
    wait_ready "$i"
  done
  echo "API: http://127.0.0.1:$BASE_PORT (every silo serves it, on its own HTTP port)"
  echo
  cmd_status
}

# Orleans SiloStatus as stored in orleans_membership.status.
status_name() {
  case "$1" in
    0) echo None ;; 1) echo Created ;; 2) echo Joining ;; 3) echo Active ;;
    4) echo ShuttingDown ;; 5) echo Stopping ;; 6) echo Dead ;; *) echo "status-$1" ;;
  esac
}

plural() {
  if [ "$1" -gt 1 ]; then echo s; fi
}

print_membership() {
  # Latest incarnation of each silo name. suspect_times is Orleans' "address:port@generation,yyyy-MM-dd HH:mm:ss.fff GMT|..."
  # list of death votes: votes of other silos mean it was declared dead; a silo that stops gracefully only records its own.
  local rows
  rows="$(psql_cluster "$DATABASE" "
    SELECT DISTINCT ON (m.silo_name)
           m.silo_name, m.address || ':' || m.port, m.proxy_port, m.status,
           round(extract(epoch FROM now() - m.i_am_alive_time)::numeric, 1),
           round(extract(epoch FROM now() - m.start_time)::numeric, 1),
           (SELECT count(DISTINCT split_part(v, ',', 1)) FROM unnest(string_to_array(nullif(m.suspect_times, ''), '|')) v
             WHERE split_part(v, ',', 1) <> m.address || ':' || m.port || '@' || m.generation),
           coalesce((SELECT extract(epoch FROM max((replace(split_part(v, ',', 2), ' GMT', '') || '+00')::timestamptz))
                       FROM unnest(string_to_array(nullif(m.suspect_times, ''), '|')) v)::text, ''),
           (SELECT count(*) - 1 FROM orleans_membership o WHERE o.deployment_id = m.deployment_id AND o.silo_name = m.silo_name),
           extract(epoch FROM now())
      FROM orleans_membership m
     WHERE m.deployment_id = '$CLUSTER_ID'
     ORDER BY m.silo_name, m.start_time DESC" 2>/dev/null)" || { echo "  (no membership table yet)"; return; }
  if [ -z "$rows" ]; then
    echo "  (no silo has joined cluster '$CLUSTER_ID' yet)"
    return
  fi
  local name endpoint gateway status alive up votes voted_at earlier now line killed n
  while IFS='|' read -r name endpoint gateway status alive up votes voted_at earlier now; do
    line="$(printf '  %-9s %-16s gateway %-6s %-13s' "$name" "$endpoint" "$gateway" "$(status_name "$status")")"
    if [ "$status" = 6 ]; then
      if [ "$votes" -gt 0 ] && [ -n "$voted_at" ]; then
        line+="declared dead by $votes silo$(plural "$votes") $(awk -v n="$now" -v v="$voted_at" 'BEGIN { printf "%.1f", n - v }') s ago"
        n="${name#silo-}"
        killed="$(cat "$DIR/silo-$n.killed" 2>/dev/null || true)"
        if [ -n "$killed" ]; then
          line+=", $(awk -v v="$voted_at" -v k="$killed" 'BEGIN { printf "%.1f", v - k }') s after kill -9"
        fi
      elif [ -n "$voted_at" ]; then
        line+="left gracefully $(awk -v n="$now" -v v="$voted_at" 'BEGIN { printf "%.1f", n - v }') s ago"
      else
        line+="left, last alive $alive s ago"
      fi
    else
      line+="alive $alive s ago, up $up s"
    fi
    if [ "$earlier" -gt 0 ]; then
      line+="  (+$earlier earlier incarnation$(plural "$earlier"))"
    fi
    echo "$line"
  done <<<"$rows"
}

cmd_status() {
  local i pid
  if [ -z "$(silo_numbers)" ]; then
    echo "No silos started from $DIR"
  fi
  for i in $(silo_numbers); do
    pid="$(silo_pid "$i")"
    if silo_running "$i"; then
      echo "silo-$i: running (pid $pid)  http://127.0.0.1:$(http_port "$i")  silo port $(silo_port "$i")  gateway $(gateway_port "$i")"
    elif [ -f "$DIR/silo-$i.killed" ]; then
      echo "silo-$i: not running (killed with kill -9)"
    else
      echo "silo-$i: not running"
    fi
  done
  if pg_running; then
    echo
    echo "Orleans membership of cluster '$CLUSTER_ID' (orleans_membership, PostgreSQL 127.0.0.1:$PG_PORT):"
    print_membership
    if [ -s "$DIR/admin.key" ] && [ -z "${Api__AdminKey:-}" ]; then
      local port="$BASE_PORT"
      for i in $(silo_numbers); do
        if silo_running "$i"; then port="$(http_port "$i")"; break; fi
      done
      echo
      echo "admin key: $(cat "$DIR/admin.key")  (dashboards: http://127.0.0.1:$port/dashboard, http://127.0.0.1:$port/orleans)"
    fi
  else
    echo "PostgreSQL: not running"
  fi
}

cmd_kill() {
  local i="$1" pid
  pid="$(silo_pid "$i")"
  [ -n "$pid" ] || { echo "no silo-$i in $DIR" >&2; exit 1; }
  silo_running "$i" || { echo "silo-$i is not running" >&2; exit 1; }
  kill -9 "$pid"
  date +%s.%N >"$DIR/silo-$i.killed"
  echo "killed silo-$i (kill -9, pid $pid); 'status' shows when the others declare it Dead"
}

# SIGTERM, then wait for the graceful shutdown (the host's 30 s timeout, plus a margin) before kill -9.
stop_silo() {
  local i="$1" pid
  silo_running "$i" || return 0
  pid="$(silo_pid "$i")"
  kill -TERM "$pid" 2>/dev/null || true
  wait_stopped "$i" "$pid"
}

wait_stopped() {
  local i="$1" pid="$2" deadline=$((SECONDS + 40))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "silo-$i did not stop within 40 s; killing it" >&2
    kill -9 "$pid" 2>/dev/null || true
  else
    echo "silo-$i stopped"
  fi
}

cmd_restart() {
  local i="$1"
  mkdir -p "$DIR"
  stop_silo "$i"
  check_ports_free "$i"
  start_postgres
  build_silo
  start_silo "$i"
  wait_ready "$i"
}

cmd_stop() {
  local i running=()
  # All at once, so they leave the membership side by side.
  for i in $(silo_numbers); do
    if silo_running "$i"; then
      running+=("$i")
      kill -TERM "$(silo_pid "$i")" 2>/dev/null || true
    fi
  done
  for i in "${running[@]}"; do
    wait_stopped "$i" "$(silo_pid "$i")"
  done
  for i in $(silo_numbers); do
    rm -f "$DIR/silo-$i.pid" "$DIR/silo-$i.killed"
  done
  if pg_running; then
    as_postgres "$(pg_bin)/pg_ctl" stop -D "$DIR/pg/data" -m fast >/dev/null
    echo "PostgreSQL stopped (data and keys kept in $DIR; 'clean' deletes them)"
  fi
}

# The comment block at the top of this file.
usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
}

case "${1:-}" in
  start) cmd_start "${2:-3}" ;;
  status) cmd_status ;;
  kill) cmd_kill "${2:?silo number}" ;;
  restart) cmd_restart "${2:?silo number}" ;;
  stop) cmd_stop ;;
  clean) cmd_stop; rm -rf "$DIR"; echo "removed $DIR" ;;
  -h | --help | help) usage ;;
  *) usage; exit 2 ;;
esac
