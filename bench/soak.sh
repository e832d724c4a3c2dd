#!/usr/bin/env bash
# The chaos soak in one command: bash bench/soak.sh [extra soak options]
#
# Starts a throwaway PostgreSQL (durable), then N silo processes against it, steady load with client retries
# (same idempotency key), kill -9 of a random silo every 60 s (restarted after), 10 % random provider failures,
# one provider down for 2 minutes; then drains, stops the cluster and checks the invariants. Exits 1 when one fails.
#
# Environment (defaults in brackets):
#   SOAK_SILOS [3]  SOAK_DURATION [10m]  SOAK_RATE [100]  SOAK_KILL_EVERY [60s]  SOAK_DOWN_AT [4m]  SOAK_DOWN_FOR [2m]
#   SOAK_DOWN_PROVIDER [webhook]  SOAK_DRAIN [3m]  SOAK_OUT [a new /tmp folder]  SOAK_PG [durable|fast]
#   SOAK_MIX [webhook=0.7,sms=0.1,email=0.1,push=0.1]  channels, so the sandbox providers' faults are crossed too
# With SOAK_SILOS=1 the same invariants are checked across kill -9 and restart of that one silo.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=postgres.sh
source "$here/postgres.sh"

out="${SOAK_OUT:-$(mktemp -d /tmp/notifications-soak-XXXXXX)}"
mkdir -p "$out"

echo "Building the silo and the load generator (Release)..."
dotnet build "$root/LoadTest/LoadTest.csproj" -c Release -nologo -v q -clp:ErrorsOnly
generator="$root/LoadTest/bin/Release/net10.0/PaymentNotifications.LoadTest.dll"

pg_start "$out/pg" "${SOAK_PG:-durable}"
trap pg_stop EXIT

dotnet "$generator" soak \
  --postgres "$PG_CONN" \
  --silos "${SOAK_SILOS:-3}" \
  --duration "${SOAK_DURATION:-10m}" \
  --rate "${SOAK_RATE:-100}" \
  --kill-every "${SOAK_KILL_EVERY:-60s}" \
  --down-provider "${SOAK_DOWN_PROVIDER:-webhook}" \
  --mix "${SOAK_MIX:-webhook=0.7,sms=0.1,email=0.1,push=0.1}" \
  --down-at "${SOAK_DOWN_AT:-4m}" \
  --down-for "${SOAK_DOWN_FOR:-2m}" \
  --drain "${SOAK_DRAIN:-3m}" \
  --logs "$out/silo-logs" \
  --json "$out/soak.json" \
  "$@" 2>&1 | tee "$out/soak.txt"
status=${PIPESTATUS[0]}
echo "Results in $out (soak.txt, soak.json, silo-logs/, pg/server.log)"
exit "$status"
