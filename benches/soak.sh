#!/usr/bin/env bash
# A bounded soak of the service on loopback (not part of CI; see docs/reliability.md).
#
# Starts the binary (`serve`, a fresh signing secret) on a free port against a database of its
# own on the test server, drives it with benches/soak.py at a fixed rate of mixed reads and
# writes, and fails unless: zero errors, p99 latency after warm-up within the bound, resident
# memory growth under 10 % from the end of warm-up, a flat number of database sessions.
# Afterwards it stops the service (SIGTERM) and drops its database.
#
# Settings (environment):
#   SOAK_DURATION_SECS  300   how long to drive the load
#   SOAK_WARMUP_SECS    60    excluded from latency, memory and session checks
#   SOAK_RATE           40    requests per second (open loop)
#   SOAK_P99_MS         250   p99 latency bound after warm-up
#   SOAK_BIN            target/release/smartregion (built with `cargo build --release` if absent)
#   SOAK_DATABASE_SERVER  postgres://postgres@127.0.0.1:5432 (a user that may create databases)
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${SOAK_DURATION_SECS:-300}
warmup=${SOAK_WARMUP_SECS:-60}
rate=${SOAK_RATE:-40}
p99=${SOAK_P99_MS:-250}
bin=${SOAK_BIN:-target/release/smartregion}
server=${SOAK_DATABASE_SERVER:-postgres://postgres@127.0.0.1:5432}
pool=10

if [ ! -x "$bin" ]; then
    cargo build --release
fi

database="smartregion_soak_$(date +%s)_$$"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
runtime_url=$(python3 -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
host = p.hostname + (f":{p.port}" if p.port else "")
print(f"{p.scheme}://smartregion_app@{host}/{sys.argv[2]}")' "$server" "$database")
log=$(mktemp -t smartregion-soak.XXXXXX.log)

cleanup() {
    if [ -n "${service_pid:-}" ] && kill -0 "$service_pid" 2>/dev/null; then
        kill -TERM "$service_pid" && wait "$service_pid" || true
    fi
    psql "$server/postgres" -qc "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" || true
}
trap cleanup EXIT

export SMARTREGION_JWT_SECRET="$secret"
DATABASE_URL="$runtime_url" \
SMARTREGION_OWNER_DATABASE_URL="$server/$database" \
SMARTREGION_BIND="127.0.0.1:$port" \
SMARTREGION_RATE_LIMIT_ENABLED=false \
SMARTREGION_DB_POOL_SIZE=$pool \
RUST_LOG=warn \
    "$bin" serve >"$log" 2>&1 &
service_pid=$!

for _ in $(seq 1 600); do
    if curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null; then
        break
    fi
    kill -0 "$service_pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.2
done
token=$("$bin" token --org 05570 --role coordinator --ttl $((duration + 3600)))

echo "soak: $bin (pid $service_pid) on 127.0.0.1:$port, database $database, ${duration}s at ${rate}/s, log $log" >&2
status=0
python3 benches/soak.py \
    --url "http://127.0.0.1:$port" --token "$token" --pid "$service_pid" \
    --database "$database" --server-url "$server/postgres" \
    --duration "$duration" --warmup "$warmup" --rate "$rate" --p99-ms "$p99" \
    --pool-size "$pool" || status=$?
if grep -q '"level":"ERROR"\|ERROR' "$log"; then
    echo "soak: the service logged errors:" >&2
    grep 'ERROR' "$log" | head -20 >&2
    status=1
fi
exit $status
