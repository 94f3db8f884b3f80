#!/usr/bin/env bash
# The benchmark: every scenario through the service (wrk) and as pgbench replaying the SQL the
# endpoint issues, at scales 1, 100 and 10,000; writes docs/performance.md.
#
#   bash benches/run.sh                      # scales 1 100 10000, 10 s per run
#   BENCH_SCALES="1" BENCH_DURATION=5s bash benches/run.sh
#
# See benches/README.md for what it measures, how, and the settings.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCALES=${BENCH_SCALES:-"1 100 10000"}
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PORT=${BENCH_PORT:-18080}
PGHOST=${BENCH_PGHOST:-127.0.0.1}
PGPORT=${BENCH_PGPORT:-5432}
BIN=${BENCH_BIN:-$ROOT/target/release/smartregion}
OUT=${BENCH_OUT:-$ROOT/target/bench}
DOC=${BENCH_DOC:-$ROOT/docs/performance.md}
ALLOW_BUSY=${BENCH_ALLOW_BUSY:-0}
REFRESH=${BENCH_REFRESH:-0}
PG_LOG=${BENCH_PG_LOG:-$(ls -1 /var/log/postgresql/postgresql-*-main.log 2>/dev/null | tail -1)}
SERVICE_CPU=${BENCH_SERVICE_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
SCENARIOS=${BENCH_SCENARIOS:-"health projects_page project org_participations search dashboard matrix changes changes_cursor budget allocation meeting_ics optin_write mixed"}

export PGHOST PGPORT PGUSER=postgres
for tool in wrk pgbench psql taskset curl python3; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (apt-get install wrk postgresql-client curl python3)" >&2; exit 2; }
done

# The CPU time (clock ticks, user + system) of every PostgreSQL process: the backends serving
# the service's pooled connections, and the WAL writer, checkpointer and background writer whose
# work the requests cause. A backend that ends during a run takes its ticks with it; the pool
# keeps its connections, so the service's backends last the whole run.
pg_ticks() {
  local total=0 pid t
  for pid in $(pgrep -x postgres); do
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + ${t:-0}))
  done
  echo "$total"
}

# --- Is the machine quiet? ---------------------------------------------------------------------
# A compiler or any process above 20 % CPU besides PostgreSQL distorts every number. Without
# BENCH_ALLOW_BUSY=1 the run refuses; with it, each result carries the reason as a flag.
busy_reason() {
  local with_load=${1:-yes}
  local reasons=()
  local compilers
  # pgrep matches at most 15 characters of a name, so the names are compared here.
  compilers=$(ps -eo comm= | grep -cxE 'rustc|cc1|cc1plus|ld|lld|cargo|clippy-driver' || true)
  [ "${compilers:-0}" -gt 0 ] && reasons+=("$compilers compiler processes (rustc, cargo, cc1, ld)")
  local hogs
  hogs=$(ps -eo pcpu=,comm= --sort=-pcpu | awk -v me="$$" '$1 > 20 && $2 !~ /^(postgres|smartregion|wrk|pgbench|ps|awk)$/ {printf "%s(%s%%) ", $2, $1}' | head -c 200)
  [ -n "$hogs" ] && reasons+=("busy processes: $hogs")
  # The load average counts the benchmark's own service and load generator too, so it is
  # looked at before the run only; between scenarios the process checks above decide.
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  if [ "$with_load" = yes ] && awk -v l="$load" -v n="$(nproc)" 'BEGIN {exit !(l > n * 0.5)}'; then
    reasons+=("load average $load on $(nproc) cores")
  fi
  local IFS='; '
  echo "${reasons[*]:-}"
}

check_quiet() {
  local reason
  reason=$(busy_reason "${1:-yes}")
  if [ -n "$reason" ]; then
    if [ "$ALLOW_BUSY" = 1 ]; then
      echo "BUSY: $reason" >&2
      BUSY_FLAG="busy: $reason"
    else
      echo "run.sh: the machine is busy ($reason); numbers would be meaningless." >&2
      echo "        Wait for a quiet machine, or set BENCH_ALLOW_BUSY=1 to run and flag the results." >&2
      exit 3
    fi
  else
    BUSY_FLAG=""
  fi
}

BUSY_FLAG=""
check_quiet

if [ ! -x "$BIN" ]; then
  echo "building the release binary" >&2
  (cd "$ROOT" && cargo build --release --quiet)
fi
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
SECRET=$(head -c 32 /dev/urandom | base64)
export SMARTREGION_JWT_SECRET=$SECRET

service_env() {
  local db=$1
  echo "DATABASE_URL=postgres://smartregion_app@$PGHOST:$PGPORT/$db" \
       "SMARTREGION_OWNER_DATABASE_URL=postgres://postgres@$PGHOST:$PGPORT/$db" \
       "SMARTREGION_BIND=127.0.0.1:$PORT" \
       "SMARTREGION_WORKERS=1" \
       "SMARTREGION_RATE_LIMIT_ENABLED=false" \
       "SMARTREGION_WEBHOOK_WORKER=false" \
       "SMARTREGION_DB_POOL_SIZE=${BENCH_POOL_SIZE:-32}" \
       "RUST_LOG=warn"
}

SERVICE_PID=""
start_service() {
  local db=$1
  # shellcheck disable=SC2046
  env $(service_env "$db") taskset -c "$SERVICE_CPU" "$BIN" serve >"$OUT/service-$db.log" 2>&1 &
  SERVICE_PID=$!
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$OUT/service-$db.log" >&2; exit 4; }
    sleep 0.2
  done
  echo "run.sh: the service did not become ready" >&2
  exit 4
}

stop_service() {
  if [ -n "$SERVICE_PID" ]; then
    kill -TERM "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=""
  fi
}
trap stop_service EXIT

# scenario -> "<wrk script args>" (path templates use {id}; files are written per scale)
scenario_args() {
  local s=$1 dir=$2
  case $s in
    health) echo "request.lua /health/live" ;;
    projects_page) echo "request.lua /api/v1/projects?limit=50" ;;
    project) echo "request.lua /api/v1/projects/{id} $dir/projects.txt" ;;
    org_participations) echo "request.lua /api/v1/organizations/05570032/participations?limit=50" ;;
    search) echo "request.lua /api/v1/projects?q=dorfladen&limit=50" ;;
    dashboard) echo "request.lua /api/v1/dashboard" ;;
    matrix) echo "request.lua /api/v1/participation-matrix?limit=50" ;;
    changes) echo "request.lua /api/v1/changes?limit=100 - $dir/coordinator.token" ;;
    changes_cursor) echo "request.lua /api/v1/changes?after={id}&limit=100 $dir/cursors.txt $dir/coordinator.token" ;;
    budget) echo "request.lua /api/v1/organizations/05570004/budget - $dir/ahlen.token" ;;
    allocation) echo "request.lua /api/v1/projects/{id}/allocation?include=pending $dir/projects.txt $dir/coordinator.token" ;;
    meeting_ics) echo "request.lua /api/v1/meetings/{id}/export?format=ics $dir/meetings.txt" ;;
    optin_write) echo "optin.lua $dir/pairs.txt $dir/coordinator.token" ;;
    mixed) echo "optin.lua $dir/pairs.txt $dir/coordinator.token 90 $dir/templates.txt $dir/projects.txt" ;;
  esac
}

# The first concrete request of a scenario, for the SQL capture.
first_path() {
  local s=$1 dir=$2
  local args template idfile
  read -r -a args <<<"$(scenario_args "$s" "$dir")"
  case ${args[0]} in
    optin.lua) echo "PUT"; return ;;
  esac
  template=${args[1]}
  idfile=${args[2]:--}
  if [ "$idfile" != "-" ]; then
    template=${template//\{id\}/$(head -1 "$idfile")}
  fi
  echo "$template"
}

token_of() {
  local s=$1 dir=$2
  local args
  read -r -a args <<<"$(scenario_args "$s" "$dir")"
  case ${args[0]} in
    optin.lua) cat "${args[2]}" ;;
    *) [ "${args[3]:--}" != "-" ] && cat "${args[3]}" || true ;;
  esac
}

psql_db() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" "${@:2}"; }

# The opt-ins the write scenarios move, with their current versions.
write_pairs() {
  psql_db "$1" -F ' ' -c "SELECT x.id, x.project_id, x.organization_key, x.state, x.version FROM participations x JOIN projects p ON p.id = x.project_id WHERE p.code LIKE 'SYN%' AND x.state IN ('council_decision_pending', 'intends_to_join') ORDER BY random() LIMIT 100000" > "$2/pairs.txt"
}

for scale in $SCALES; do
  db=smartregion_bench_$scale
  dir=$OUT/$scale
  mkdir -p "$dir"
  if [ "$REFRESH" = 1 ] || ! psql_db postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql_db postgres -c "DROP DATABASE IF EXISTS $db"
    psql_db postgres -c "CREATE DATABASE $db"
    echo "scale $scale: bench-data" >&2
    # shellcheck disable=SC2046
    env $(service_env "$db") "$BIN" bench-data --scale "$scale" | tee "$dir/bench-data.txt"
    psql_db "$db" -c "VACUUM ANALYZE"
  fi

  # Ids for the scripts, tokens, the opt-ins the write scenario moves.
  psql_db "$db" -c "SELECT id FROM projects WHERE code LIKE 'SYN%' AND deleted_at IS NULL ORDER BY random() LIMIT 100000" > "$dir/projects.txt"
  psql_db "$db" -c "SELECT id FROM meetings WHERE public AND deleted_at IS NULL ORDER BY random() LIMIT 100000" > "$dir/meetings.txt"
  psql_db "$db" -c "SELECT s FROM generate_series((SELECT COALESCE(min(seq), 0) FROM changes), (SELECT COALESCE(max(seq), 0) FROM changes)) AS s ORDER BY random() LIMIT 1000" > "$dir/cursors.txt"
  write_pairs "$db" "$dir"
  printf '%s\n' "/api/v1/projects?limit=50" "/api/v1/projects/{id}" "/api/v1/projects/{id}/allocation?include=pending" "/api/v1/organizations/05570032/participations?limit=50" "/api/v1/changes?limit=100" > "$dir/templates.txt"
  "$BIN" token --org 05570 --role coordinator --ttl 86400 > "$dir/coordinator.token"
  "$BIN" token --org 05570004 --role viewer --ttl 86400 > "$dir/ahlen.token"

  # --- Capture: the SQL and plans of one request per scenario, from the server log ------------
  if [ -n "$PG_LOG" ] && [ -r "$PG_LOG" ]; then
    psql_db postgres -c "ALTER DATABASE $db SET log_min_duration_statement = 0" \
      -c "ALTER DATABASE $db SET session_preload_libraries = 'auto_explain'" \
      -c "ALTER DATABASE $db SET auto_explain.log_min_duration = 0" \
      -c "ALTER DATABASE $db SET auto_explain.log_analyze = on" \
      -c "ALTER DATABASE $db SET auto_explain.log_buffers = on"
    offset=$(stat -c %s "$PG_LOG")
    start_service "$db"
    for s in $SCENARIOS; do
      path=$(first_path "$s" "$dir")
      [ "$path" = PUT ] && continue
      token=$(token_of "$s" "$dir")
      psql_db "$db" -c "SELECT 'bench-marker:$s:start'" >/dev/null
      if [ -n "$token" ]; then
        curl -sS -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT$path"
      else
        curl -sS -o /dev/null "http://127.0.0.1:$PORT$path"
      fi
      psql_db "$db" -c "SELECT 'bench-marker:$s:end'" >/dev/null
    done
    # One opt-in change.
    read -r pid proj org state version < "$dir/pairs.txt"
    target=$([ "$state" = council_decision_pending ] && echo intends_to_join || echo council_decision_pending)
    psql_db "$db" -c "SELECT 'bench-marker:optin_write:start'" >/dev/null
    curl -sS -o /dev/null -X PUT -H "Authorization: Bearer $(cat "$dir/coordinator.token")" \
      -H 'Content-Type: application/json' -H "If-Match: \"$version\"" \
      -d "{\"state\":\"$target\",\"reason\":\"bench capture\"}" \
      "http://127.0.0.1:$PORT/api/v1/projects/$proj/participations/$org"
    psql_db "$db" -c "SELECT 'bench-marker:optin_write:end'" >/dev/null
    stop_service
    psql_db postgres -c "ALTER DATABASE $db RESET ALL"
    tail -c +"$((offset + 1))" "$PG_LOG" > "$dir/capture.log"
    python3 "$ROOT/benches/capture.py" "$dir/capture.log" "$db" "$dir"
    # The opt-in moved: read the pairs again.
    write_pairs "$db" "$dir"
  else
    echo "run.sh: cannot read the PostgreSQL log ($PG_LOG): no SQL capture, no pgbench, no plans" >&2
  fi

  # --- Measure ------------------------------------------------------------------------------
  start_service "$db"
  clk=$(getconf CLK_TCK)
  secs=${DURATION%s}
  for s in $SCENARIOS; do
    check_quiet no
    read -r -a args <<<"$(scenario_args "$s" "$dir")"
    script=$ROOT/benches/lua/${args[0]}
    # The write scenarios start from the opt-ins' current versions.
    [ "${args[0]}" = optin.lua ] && write_pairs "$db" "$dir"
    echo 5 > "/proc/$SERVICE_PID/clear_refs" 2>/dev/null || true
    cpu0=$(awk '{print $14 + $15}' "/proc/$SERVICE_PID/stat")
    db0=$(pg_ticks)
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" \
      "http://127.0.0.1:$PORT" -- "${args[@]:1}" > "$dir/$s.wrk.txt" 2>&1 || true
    cpu1=$(awk '{print $14 + $15}' "/proc/$SERVICE_PID/stat")
    db1=$(pg_ticks)
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$SERVICE_PID/status")
    pgb=""
    if [ -s "$dir/$s.pgbench.sql" ]; then
      taskset -c "$LOAD_CPU" pgbench -n -M prepared -c "$CONNECTIONS" -j 1 -T "$secs" \
        -f "$dir/$s.pgbench.sql" "$db" > "$dir/$s.pgbench.txt" 2>&1 || true
      pgb=$dir/$s.pgbench.txt
    fi
    python3 "$ROOT/benches/report.py" result --scale "$scale" --scenario "$s" \
      --wrk "$dir/$s.wrk.txt" --pgbench "$pgb" --cpu-ticks "$((cpu1 - cpu0))" --db-cpu-ticks "$((db1 - db0))" --clk "$clk" \
      --rss-kib "${rss:-0}" --plans "$dir/$s.plans.txt" --busy "$BUSY_FLAG" >> "$RESULTS"
    tail -1 "$RESULTS" >&2
  done
  stop_service
done

python3 "$ROOT/benches/report.py" render --results "$RESULTS" --out "$DOC" \
  --command "BENCH_SCALES=\"$SCALES\" BENCH_DURATION=$DURATION bash benches/run.sh" \
  --bench-data "$OUT" --binary "${BIN#"$ROOT"/}"
echo "wrote $DOC" >&2
