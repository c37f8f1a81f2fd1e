#!/usr/bin/env bash
# Adds a migration for both database providers, so that they never drift apart.
# Usage: scripts/add-migration.sh NameOfTheChange
set -euo pipefail
name=${1:?usage: scripts/add-migration.sh NameOfTheChange}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" --project src/Idrp.Infrastructure \
    --context "${provider}IdrpDbContext" --output-dir "Persistence/Migrations/$provider"
done
