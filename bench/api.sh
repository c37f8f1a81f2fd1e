#!/usr/bin/env bash
# Metadata API benchmark: registration throughput and GET latency over real HTTP on loopback, on the embedded
# SQLite database and on a throw-away PostgreSQL cluster. Builds in Release, runs bench/Idrp.Bench.Api (which
# starts the server as its own process and kills it at the end) and prints the result tables.
#
#   bench/api.sh                      # the full run of RESULTS.md: 2,000 records per level (6,000 per provider), 15 s per GET case
#   bench/api.sh --records 300 --get-seconds 3 --providers Sqlite    # a quick look
#
# Any argument is passed to the load client (see bench/Idrp.Bench.Api/BenchOptions.cs); the last one given wins.
# The whole run is bounded: the client is stopped after IDRP_BENCH_TIMEOUT seconds (default 900).
# IDRP_BENCH_MARKDOWN=<file> also writes the tables there. IDRP_BENCH_PG_OPTIONS="Max Auto Prepare=20" appends
# Npgsql settings to the server's PostgreSQL connection string; --server-env "KEY=VALUE;..." sets server variables.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/packages.sh
source scripts/lib/postgres.sh

ensure_debian_packages postgresql python3
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d /tmp/idrp-bench-api.XXXXXX)
cleanup() {
  # The client kills its server itself; this covers a client that was killed outright.
  if [ -s "$work/server.pid" ]; then kill -9 "$(cat "$work/server.pid")" 2>/dev/null || true; fi
  stop_test_postgres
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build (Release)"
dotnet build src/Idrp.Server/Idrp.Server.csproj -c Release -nologo -v quiet
dotnet build bench/Idrp.Bench.Api/Idrp.Bench.Api.csproj -c Release -nologo -v quiet
# Run a copy, so that another build of the tree during the run cannot swap assemblies under the server.
cp -r src/Idrp.Server/bin/Release/net10.0 "$work/server"

echo "== PostgreSQL"
start_test_postgres
postmaster=$(head -1 "$IDRP_PG_DIR/data/postmaster.pid")

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/{print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
timeout --signal=TERM --kill-after=30 "${IDRP_BENCH_TIMEOUT:-900}" \
  dotnet bench/Idrp.Bench.Api/bin/Release/net10.0/Idrp.Bench.Api.dll \
    --server "$work/server/Idrp.Server.dll" \
    --providers Sqlite,Postgres \
    --postgres "$IDRP_TEST_POSTGRES${IDRP_BENCH_PG_OPTIONS:+;$IDRP_BENCH_PG_OPTIONS}" \
    --postgres-pid "$postmaster" \
    --records 2000 --concurrency 1,8,32 --max-registration-seconds 60 --get-seconds 15 --warmup 200 \
    --pid-file "$work/server.pid" \
    ${IDRP_BENCH_MARKDOWN:+--markdown "$IDRP_BENCH_MARKDOWN"} \
    "$@"
