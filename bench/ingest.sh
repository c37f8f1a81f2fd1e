#!/usr/bin/env bash
# Ingest benchmark: `idrp ingest` (the real CLI) against the real server (Release, SQLite, local store), each its own
# process on loopback, beside `cp -r` of the same files on the same disk in the same run. Cases: one 4 GiB file and
# 10,000 files of 100 kB. Reports seconds, MB/s, files/s, the share of cp's throughput and the peak RSS of server and
# CLI; the big file is also downloaded back (SHA-256 checked) with the server's memory sampled.
#
#   bench/ingest.sh                                     # the run of RESULTS.md
#   bench/ingest.sh --cases small --small-count 2000     # a quick look
#
# Arguments go to bench/Idrp.Bench.Ingest (see its Program.cs); the last one given wins. Needs ~2x the data size
# free under IDRP_BENCH_WORK (default /tmp): the source files plus the copy or the server's store.
# IDRP_BENCH_MARKDOWN=<file> also writes the table there.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d "${IDRP_BENCH_WORK:-/tmp}/idrp-bench-ingest.XXXXXX")
cleanup() {
  if [ -s "$work/server.pid" ]; then kill -9 "$(cat "$work/server.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build (Release)"
dotnet build src/Idrp.Server/Idrp.Server.csproj -c Release -nologo -v quiet
dotnet build src/Idrp.Cli/Idrp.Cli.csproj -c Release -nologo -v quiet
dotnet build bench/Idrp.Bench.Ingest/Idrp.Bench.Ingest.csproj -c Release -nologo -v quiet
# Run copies, so that another build of the tree during the run cannot swap assemblies under the processes.
cp -r src/Idrp.Server/bin/Release/net10.0 "$work/server"
cp -r src/Idrp.Cli/bin/Release/net10.0 "$work/cli"

echo "== disk: $(df -h "$work" | awk 'NR==2{print $4" free on "$1}')"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/{print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
timeout --signal=TERM --kill-after=30 "${IDRP_BENCH_TIMEOUT:-1800}" \
  dotnet bench/Idrp.Bench.Ingest/bin/Release/net10.0/Idrp.Bench.Ingest.dll \
    --server "$work/server/Idrp.Server.dll" \
    --cli "$work/cli/idrp.dll" \
    --work "$work/data" \
    --pid-file "$work/server.pid" \
    ${IDRP_BENCH_MARKDOWN:+--markdown "$IDRP_BENCH_MARKDOWN"} \
    "$@"
