# Throwaway PostgreSQL for the benchmark and the soak, started from the installed server binaries.
# Source this file, then: pg_start DIR durable|fast ; ... ; pg_stop
#   durable: fsync, synchronous_commit and full_page_writes stay ON (the benchmark's setting);
#   fast:    all three OFF (only for quick soak runs, where durability of PostgreSQL itself is not under test).
# Sets PG_CONN (an Npgsql connection string to the database "notifications") and PG_PORT.

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
  else
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
  fi
}

pg_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

pg_start() {
  PG_DIR="$1"
  local mode="${2:-durable}"
  PG_BIN="$(pg_bindir)"
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL server binaries not found; install them with: apt-get install -y postgresql" >&2
    return 1
  fi
  PG_RUN=()
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" = "0" ]; then
    # initdb and postgres refuse to run as root: the server runs as the postgres system user.
    chmod 755 "$(dirname "$PG_DIR")"
    chown postgres "$PG_DIR"
    PG_RUN=(runuser -u postgres --)
  fi
  PG_PORT="$(pg_free_port)"
  "${PG_RUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1
  # Sized for a 2-core machine with plenty of RAM: big WAL so no checkpoint lands inside a 60 s hold.
  local opts="-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=600"
  opts="$opts -c shared_buffers=1GB -c wal_buffers=64MB -c max_wal_size=16GB -c min_wal_size=2GB"
  opts="$opts -c checkpoint_timeout=30min -c checkpoint_completion_target=0.9 -c effective_cache_size=8GB"
  # PG_EXTRA_OPTS adds server options, e.g. "-c shared_preload_libraries=pg_stat_statements" to profile statements.
  opts="$opts ${PG_EXTRA_OPTS:-}"
  if [ "$mode" = "fast" ]; then
    opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  else
    opts="$opts -c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  fi
  "${PG_RUN[@]}" "$PG_BIN/pg_ctl" start -w -D "$PG_DIR/data" -l "$PG_DIR/server.log" -o "$opts" >/dev/null
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -q -c "CREATE DATABASE notifications" >/dev/null
  PG_CONN="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=notifications"
  echo "PostgreSQL ($mode: $(if [ "$mode" = fast ]; then echo 'fsync off'; else echo 'fsync on, synchronous_commit on'; fi)) on 127.0.0.1:$PG_PORT, data in $PG_DIR/data"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    "${PG_RUN[@]}" "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m fast >/dev/null 2>&1 || true
    if [ "${BENCH_KEEP_DATA:-0}" != "1" ]; then
      rm -rf "$PG_DIR/data"
    fi
  fi
}
