#!/usr/bin/env bash
# Generates the TypeScript client from openapi/openapi.json, type-checks it, and runs it against
# a live service on a fresh database: lists projects, opts an organization in, reads the
# allocation. Needs Node.js 20 with npm (registry access for `npm ci`), PostgreSQL on
# SMARTREGION_TEST_DATABASE_SERVER (default postgres://postgres@127.0.0.1:5432) and psql.
# Uses target/debug/smartregion (run `cargo build` first; SMARTREGION_BIN overrides it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${SMARTREGION_BIN:-$root/target/debug/smartregion}"
server="${SMARTREGION_TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
database="ts_client_check_$(date +%s)_$$"
# A secret of its own each run: `serve` refuses values published in the repository.
secret="ts-client-check-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
org="05570004" # Ahlen

if [[ ! -x "$bin" ]]; then
    echo "check.sh: $bin is missing; run cargo build first" >&2
    exit 1
fi

cd "$here"
npm ci --no-audit --no-fund
npm run --silent generate
npm run --silent typecheck
npm run --silent build

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
log="$(mktemp)"
pid=""
cleanup() {
    status=$?
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null || true
    if [[ $status -ne 0 ]]; then
        echo "check.sh: failed; the service's log:" >&2
        cat "$log" >&2
    fi
    rm -f "$log"
    exit $status
}
trap cleanup EXIT

# The service runs as the runtime role (it owns no table); the server's user migrates.
export SMARTREGION_OWNER_DATABASE_URL="$server/$database"
export DATABASE_URL="$(node -e 'const u=new URL(process.argv[1]);u.username="smartregion_app";u.password="";console.log(u.href)' "$server/$database")"
export SMARTREGION_BIND="127.0.0.1:$port"
export SMARTREGION_PUBLIC_URL="http://127.0.0.1:$port"
export SMARTREGION_JWT_SECRET="$secret"
export SMARTREGION_WORKERS=1
export RUST_LOG="${RUST_LOG:-warn}"
"$bin" serve >"$log" 2>&1 &
pid=$!

url="http://127.0.0.1:$port"
for _ in $(seq 1 150); do
    if curl -fsS "$url/health/ready" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "check.sh: the service exited" >&2
        exit 1
    fi
    sleep 0.2
done
curl -fsS "$url/health/ready" >/dev/null

SMARTREGION_URL="$url" \
    SMARTREGION_ORG="$org" \
    SMARTREGION_ADMIN_TOKEN="$("$bin" token --org "$org" --role admin --sub ts-client-check)" \
    node dist/smoke.js
echo "check.sh: the generated TypeScript client works"
