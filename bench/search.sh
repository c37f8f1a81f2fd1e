#!/usr/bin/env bash
# Search benchmark: 100k measurements and 1M data assets on SQLite (a file in a temporary folder) and on a
# throw-away PostgreSQL cluster started like scripts/test.sh does; p50/p95 of text, facet, text + facet and
# numeric-filter searches for an anonymous caller, a proposal member and an admin. Not part of the tests.
#
#   bench/search.sh                                  # the run of RESULTS.md
#   bench/search.sh --measurements 10000 --iterations 10    # a quick look
#
# IDRP_BENCH_PROVIDERS=Sqlite (or Postgres) runs one provider; IDRP_BENCH_MARKDOWN=<file> appends the tables there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/packages.sh
source scripts/lib/postgres.sh

ensure_debian_packages postgresql python3
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d /tmp/idrp-bench-search.XXXXXX)
cleanup() {
  stop_test_postgres
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build (Release)"
dotnet build bench/Idrp.Bench.Search/Idrp.Bench.Search.csproj -c Release -nologo -v quiet
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/{print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"

bench=bench/Idrp.Bench.Search/bin/Release/net10.0/Idrp.Bench.Search.dll
for provider in ${IDRP_BENCH_PROVIDERS:-Sqlite Postgres}; do
  echo "== $provider"
  if [ "$provider" = Postgres ]; then
    start_test_postgres
    dotnet "$bench" --provider Postgres --connection "$IDRP_TEST_POSTGRES;Command Timeout=0" --data "$work/pg" ${IDRP_BENCH_MARKDOWN:+--markdown "$IDRP_BENCH_MARKDOWN"} "$@"
  else
    dotnet "$bench" --provider Sqlite --data "$work/sqlite" ${IDRP_BENCH_MARKDOWN:+--markdown "$IDRP_BENCH_MARKDOWN"} "$@"
  fi
  echo "== load average after $provider: $(cut -d' ' -f1-3 /proc/loadavg)"
done
