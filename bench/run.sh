#!/usr/bin/env bash
# The benchmark in one command: bash bench/run.sh [extra bench options]
#
# Starts a throwaway PostgreSQL (durable: fsync on, synchronous_commit on), runs the pgbench single-row INSERT
# baseline at the generator's concurrency, then for 1 and 3 silo processes finds the highest sustainable rate and
# holds it, then a long run at 70 % of that rate while the silos' RSS is sampled from /proc. Prints accepted/s,
# delivered/s, accept p99, delivery p99 and the ratios to the baseline, and the targets met or missed.
#
# Environment (defaults in brackets):
#   BENCH_QUICK=1          short run: hold 20s, steps 5s, baseline 10s, no memory run, 1 silo
#   BENCH_SILOS ["1,3"]    cluster sizes       BENCH_CONCURRENCY [64]   generator and pgbench clients
#   BENCH_HOLD [60s]       hold duration       BENCH_STEP [10s]         search step
#   BENCH_BASELINE [30s]   pgbench duration    BENCH_MEMORY [10m]       memory run (0 to skip)
#   BENCH_START_RATE [500] first rate tried    BENCH_OUT [a new /tmp folder]  JSON, text, silo and server logs
#   BENCH_KEEP_DATA=1      keep PostgreSQL's data folder
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=postgres.sh
source "$here/postgres.sh"

if [ "${BENCH_QUICK:-0}" = "1" ]; then
  : "${BENCH_SILOS:=1}" "${BENCH_HOLD:=20s}" "${BENCH_STEP:=5s}" "${BENCH_BASELINE:=10s}" "${BENCH_MEMORY:=0s}"
fi
silos="${BENCH_SILOS:-1,3}"
concurrency="${BENCH_CONCURRENCY:-64}"
hold="${BENCH_HOLD:-60s}"
step="${BENCH_STEP:-10s}"
baseline="${BENCH_BASELINE:-30s}"
memory="${BENCH_MEMORY:-10m}"
start_rate="${BENCH_START_RATE:-500}"
out="${BENCH_OUT:-$(mktemp -d /tmp/notifications-bench-XXXXXX)}"
mkdir -p "$out"

echo "Building the silo and the load generator (Release)..."
dotnet build "$root/LoadTest/LoadTest.csproj" -c Release -nologo -v q -clp:ErrorsOnly
generator="$root/LoadTest/bin/Release/net10.0/PaymentNotifications.LoadTest.dll"

pg_start "$out/pg" durable
trap pg_stop EXIT

dotnet "$generator" bench \
  --postgres "$PG_CONN" \
  --silos "$silos" \
  --concurrency "$concurrency" \
  --baseline-duration "$baseline" \
  --step "$step" \
  --hold "$hold" \
  --start-rate "$start_rate" \
  --memory-duration "$memory" \
  --logs "$out/silo-logs" \
  --json "$out/bench.json" \
  "$@" 2>&1 | tee "$out/bench.txt"
status=${PIPESTATUS[0]}
echo "Results in $out (bench.txt, bench.json, silo-logs/, pg/server.log)"
exit "$status"
