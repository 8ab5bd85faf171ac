#!/bin/sh
# Fail when the committed OpenAPI schema (openapi.json) or the client types generated
# from it (src/api/schema.gen.ts) differ from what the backend produces now.
#
# Regenerates both into a temporary directory and compares bytes, so the check reads
# neither git nor the working tree's other state. The schema is dumped twice: a dump
# that is not reproducible would otherwise look like a stale client.
# Usage, from `web/`: `npm run api:check` (PYTHON: the backend's interpreter,
# default ../.venv/bin/python).
set -eu
cd "$(dirname "$0")/.."
python="${PYTHON:-../.venv/bin/python}"
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT

"$python" scripts/dump_openapi.py "$fresh/openapi.json"
"$python" scripts/dump_openapi.py "$fresh/openapi.again.json"
if ! cmp -s "$fresh/openapi.json" "$fresh/openapi.again.json"; then
  echo "the OpenAPI dump is not reproducible: two runs of scripts/dump_openapi.py differ" >&2
  exit 1
fi
node_modules/.bin/openapi-typescript "$fresh/openapi.json" -o "$fresh/schema.gen.ts" >/dev/null

stale=""
for committed in openapi.json src/api/schema.gen.ts; do
  generated="$fresh/$(basename "$committed")"
  if ! cmp -s "$committed" "$generated"; then
    diff -u "$committed" "$generated" | head -n 40 >&2
    stale="${stale:+$stale }web/$committed"
  fi
done
if [ -n "$stale" ]; then
  echo "the generated API client is stale ($stale): run \`make gen-api\` (cd web && npm run gen:api) and commit" >&2
  exit 1
fi
echo "the generated API client is up to date"
