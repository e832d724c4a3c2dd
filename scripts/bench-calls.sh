#!/usr/bin/env bash
# Grain-call latency: in-silo calls against cross-silo calls (p50/p99), silo-to-silo over the shared
# HTTP/1.1 listener and over an HTTP/2-only listener, in a two-silo in-process cluster on a throwaway
# PostgreSQL. Runs the CallLatencyBenchmark test in Release and prints its figures.
#
#   scripts/bench-calls.sh [calls per measurement, default 5000]
set -euo pipefail
cd "$(dirname "$0")/.."

export BENCH_CALLS="${1:-5000}"
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

dotnet test Tests -c Release --nologo \
  --filter "FullyQualifiedName~CallLatencyBenchmark" \
  --results-directory "$results" \
  --logger "console;verbosity=detailed" 2>&1 \
  | awk '/Standard Output Messages:/ { show = 1; next } /^ *(Passed|Failed|Skipped) / { show = 0 } show && NF { sub(/^ /, ""); print } /Failed |error/ { print }'
