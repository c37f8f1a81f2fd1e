#!/usr/bin/env bash
# Runs the whole test suite: every test project on the embedded defaults (SQLite, local folder), then
# the server's integration tests again on the production components: a throw-away PostgreSQL cluster
# and an S3-compatible store (moto_server). Installs what a fresh Debian machine lacks. Exits non-zero
# when any test fails; the last line says how many passed and failed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/packages.sh
source scripts/lib/postgres.sh
source scripts/lib/s3.sh

# postgresql: the second database; gwyddion and ffmpeg: independent checks of the STM exports;
# nodejs and npm: the browser libraries the web UI vendors at build time; chromium: the browser tests.
ensure_debian_packages postgresql python3 gwyddion ffmpeg nodejs chromium
# Some nodejs builds bring npm along; Debian's own nodejs needs its npm package.
command -v npm >/dev/null || ensure_debian_packages npm
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The browser tests use Debian's Chromium; Playwright must never try to download one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
trap 'stop_test_postgres; stop_test_s3' EXIT

log=$(mktemp /tmp/idrp-test.XXXXXX.log)
echo "== build"
dotnet build Idrp.slnx -c Release -nologo -v quiet

status=0
echo "== all test projects on the embedded defaults (SQLite, local folder)"
dotnet test --solution Idrp.slnx -c Release --no-build 2>&1 | tee -a "$log" || status=1

echo "== server integration tests on PostgreSQL and S3"
start_test_postgres
start_test_s3
dotnet test --project tests/Idrp.Server.Tests -c Release --no-build 2>&1 | tee -a "$log" || status=1

passed=$(awk '/^ *succeeded: /{s+=$2} END{print s+0}' "$log")
failed=$(awk '/^ *failed: /{s+=$2} END{print s+0}' "$log")
skipped=$(awk '/^ *skipped: /{s+=$2} END{print s+0}' "$log")
rm -f "$log"
if [ "$passed" -eq 0 ]; then
  echo "No test ran." >&2
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
