#!/usr/bin/env bash
# Web UI page benchmark: the search benchmark's data set (100k measurements, 1M data assets) plus a proposal with
# 1,000 measurements in 20 experiments, one of them with 10,000 files; the real server (Release, as a process) on
# that database; the Server-Timing app/db time and query count of every main page for an admin and a proposal
# member, 20 requests after 30 warm-up ones (the first reported on its own). Not part of the tests. SQLite only unless IDRP_BENCH_PROVIDERS says so.
#
#   bench/pages.sh                                                  # the run of RESULTS.md
#   bench/pages.sh --measurements 10000 --files 2000 --iterations 5 # a quick look
#
# IDRP_BENCH_PROVIDERS="Sqlite Postgres" runs both; IDRP_BENCH_MARKDOWN=<file> appends the tables there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/packages.sh
source scripts/lib/postgres.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d /tmp/idrp-bench-pages.XXXXXX)
cleanup() {
  stop_test_postgres
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build (Release)"
dotnet build src/Idrp.Server/Idrp.Server.csproj -c Release -nologo -v quiet
dotnet build bench/Idrp.Bench.Pages/Idrp.Bench.Pages.csproj -c Release -nologo -v quiet
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/{print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"

bench=bench/Idrp.Bench.Pages/bin/Release/net10.0/Idrp.Bench.Pages.dll
server=src/Idrp.Server/bin/Release/net10.0/Idrp.Server.dll
for provider in ${IDRP_BENCH_PROVIDERS:-Sqlite}; do
  echo "== $provider"
  if [ "$provider" = Postgres ]; then
    ensure_debian_packages postgresql python3
    start_test_postgres
    dotnet "$bench" --server "$server" --provider Postgres --connection "$IDRP_TEST_POSTGRES;Command Timeout=0" --data "$work/pg" ${IDRP_BENCH_MARKDOWN:+--markdown "$IDRP_BENCH_MARKDOWN"} "$@"
  else
    dotnet "$bench" --server "$server" --provider Sqlite --data "$work/sqlite" ${IDRP_BENCH_MARKDOWN:+--markdown "$IDRP_BENCH_MARKDOWN"} "$@"
  fi
  echo "== load average after $provider: $(cut -d' ' -f1-3 /proc/loadavg)"
done
