#!/usr/bin/env bash
# Schemathesis against the live service: the binary `cargo test` built (target/debug/smartregion,
# SMARTREGION_BIN overrides it) runs `serve --dev` on a free loopback port with a fresh database of
# its own, seeded through the API (seed.py); Schemathesis then tests the committed
# openapi/openapi.json with every check, every phase and the document's links, with the admins of
# two municipalities as object-level-authorization peers and the steering office as the second
# identity to try (auth.json, Web Fuzzing Commons format). The seeded ids and current ETags that
# the hooks put into half of the requests are in hooks.py. Settings: schemathesis.toml beside this
# file; SCHEMATHESIS_MAX_TIME overrides its time budget (seconds). Any failure fails the run,
# and so does an operation that only ever answered 401/403 or 404 (`fail-on` in the settings).
#
# Needs python3 (3.11, with venv) and PyPI for the first run: Schemathesis is installed, pinned
# with hashes, into a venv under ${XDG_CACHE_HOME:-$HOME/.cache} that later runs reuse.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${SMARTREGION_BIN:-$root/target/debug/smartregion}"
server="${SMARTREGION_TEST_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}"
database="schemathesis_$(date +%s)_$$"
# The fictitious cooperation of profiles/example-cooperation, whose keys the document's examples
# use: so an example names an organization that exists (Musterstadt, Beispielheim).
profile="$root/profiles/example-cooperation"
district="99001"
org_a="99001004" # Musterstadt
org_b="99001008" # Beispielheim
reports="${SCHEMATHESIS_REPORT_DIR:-$root/target/schemathesis}"

if [[ ! -x "$bin" ]]; then
    echo "schemathesis: $bin is missing; run cargo build first" >&2
    exit 1
fi

# The venv, named by the hash of the pinned requirements so that a change installs afresh.
requirements="$here/requirements.txt"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/smartregion/schemathesis-$(sha256sum "$requirements" | cut -c1-16)"
if [[ ! -x "$venv/bin/schemathesis" ]]; then
    echo "schemathesis: installing into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps \
        -r "$requirements"
fi
"$venv/bin/schemathesis" --version

port="$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
work="$(mktemp -d)"
log="$work/service.log"
pid=""
cleanup() {
    status=$?
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null || true
    if [[ $status -ne 0 ]]; then
        echo "schemathesis: failed; the last lines of the service's log:" >&2
        tail -n 40 "$log" >&2 || true
    fi
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT

# A fresh database: the server's user migrates, the service runs as the runtime role.
export SMARTREGION_OWNER_DATABASE_URL="$server/$database"
export DATABASE_URL="${server/\/\/postgres@/\/\/smartregion_app@}/$database"
export SMARTREGION_BIND="127.0.0.1:$port"
export SMARTREGION_PUBLIC_URL="$url"
export SMARTREGION_WORKERS=2
export SMARTREGION_PROFILE="$profile"
# Thousands of requests a minute from one token: the budgets would answer most of them 429.
export SMARTREGION_RATE_LIMIT_ENABLED=false
# The seeded webhooks point at a closed loopback port: deliveries fail and are logged.
export SMARTREGION_WEBHOOK_ALLOW_PRIVATE=true
export RUST_LOG="${RUST_LOG:-warn}"
unset SMARTREGION_JWT_SECRET SMARTREGION_JWT_PUBLIC_KEY_FILE SMARTREGION_JWKS_URL SMARTREGION_JWKS_FILE
"$bin" serve --dev >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
    if curl -fsS "$url/health/ready" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "schemathesis: the service stopped" >&2
        exit 1
    fi
    sleep 0.2
done
curl -fsS "$url/health/ready" >/dev/null

token() { "$bin" token --dev --ttl 14400 "$@"; }
coordinator="$(token --org "$district" --role coordinator --sub schemathesis@landkreis)"
admin_a="$(token --org "$org_a" --role admin --sub schemathesis@musterstadt)"
admin_b="$(token --org "$org_b" --role admin --sub schemathesis@beispielheim)"

SEED_COORDINATOR="$coordinator" SEED_ADMIN_A="$admin_a" SEED_ADMIN_B="$admin_b" \
    SEED_DISTRICT="$district" SEED_ORG_A="$org_a" SEED_ORG_B="$org_b" "$venv/bin/python" "$here/seed.py" "$url" "$work/seeded.json"

# Identities in the order Schemathesis tries them on an operation (it moves on after a 401 or
# 403, trying no credentials second): Musterstadt's admin, the steering office (which may do
# what a town may not, so that an operation reaches it early in a bounded run), Beispielheim's
# admin. The two
# admins are peers: an object one of them reads must not reach the other.
cat >"$work/auth.json" <<EOF
{
  "auth": [
    {"name": "admin-musterstadt", "fixedHeaders": [{"name": "Authorization", "value": "Bearer $admin_a"}]},
    {"name": "coordinator", "fixedHeaders": [{"name": "Authorization", "value": "Bearer $coordinator"}]},
    {"name": "admin-beispielheim", "fixedHeaders": [{"name": "Authorization", "value": "Bearer $admin_b"}]}
  ]
}
EOF
cat >"$work/schemathesis.toml" <<EOF
$(cat "$here/schemathesis.toml")

[auth.wfc]
path = "$work/auth.json"
peers = ["admin-musterstadt", "admin-beispielheim"]
EOF

mkdir -p "$reports"
started=$(date +%s)
set +e
# From the scratch directory, so that Schemathesis' cache (.schemathesis/) stays out of the tree.
(cd "$work" && PYTHONPATH="$here" SCHEMATHESIS_HOOKS=hooks SCHEMATHESIS_SEEDED="$work/seeded.json" \
    SCHEMATHESIS_BASE_URL="$url" SCHEMATHESIS_READER_TOKEN="$coordinator" \
    "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$root/openapi/openapi.json" \
    --url "$url" ${SCHEMATHESIS_MAX_TIME:+--max-time "$SCHEMATHESIS_MAX_TIME"} \
    --report junit,ndjson --report-dir "$reports" "$@")
status=$?
set -e
echo "schemathesis: finished in $(($(date +%s) - started)) s (exit $status); reports in $reports"
if grep -q 'panicked' "$log"; then
    echo "schemathesis: the service panicked" >&2
    status=1
fi
exit $status
