#!/usr/bin/env python3
"""Results of benches/run.sh: `result` turns one scenario's wrk and pgbench output into a JSON
line; `render` writes docs/performance.md from all lines."""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return round(float(m.group(1)) * UNITS[m.group(2)], 3) if m else None


def parse_wrk(path):
    out = {}
    text = Path(path).read_text(errors="replace") if path and Path(path).exists() else ""
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        out["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in ([\d.]+)(\w+)", text):
        out["requests"] = int(m.group(1))
    for pct in ("50", "99"):
        if m := re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", text, re.M):
            out[f"p{pct}_ms"] = ms(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    if m := re.search(r"Socket errors: (.*)", text):
        out["socket_errors"] = m.group(1).strip()
    return out


def parse_pgbench(path):
    text = Path(path).read_text(errors="replace") if path and Path(path).exists() else ""
    m = re.search(r"tps = ([\d.]+)", text)
    out = {"pgbench_tps": float(m.group(1)) if m else None}
    m = re.search(r"number of failed transactions: (\d+)", text)
    if m:
        out["pgbench_failed"] = int(m.group(1))
    if "ERROR" in text:
        out["pgbench_error"] = next(l for l in text.splitlines() if "ERROR" in l)[:200]
    return out


def result(args):
    row = {"scale": args.scale, "scenario": args.scenario}
    row.update(parse_wrk(args.wrk))
    row.update(parse_pgbench(args.pgbench))
    requests = row.get("requests") or 0
    if requests:
        row["cpu_us_per_request"] = round(args.cpu_ticks / args.clk * 1e6 / requests, 1)
        row["db_cpu_us_per_request"] = round(args.db_cpu_ticks / args.clk * 1e6 / requests, 1)
        # What the machine's cores could serve at most if they did nothing but this work:
        # the bound no placement or concurrency can pass.
        work = row["cpu_us_per_request"] + row["db_cpu_us_per_request"]
        if work > 0:
            row["core_bound_rps"] = round(os.cpu_count() * 1e6 / work)
    row["peak_rss_mib"] = round(args.rss_kib / 1024, 1)
    if row.get("rps") and row.get("pgbench_tps"):
        row["ratio"] = round(row["rps"] / row["pgbench_tps"], 2)
    plans = Path(args.plans)
    row["plans"] = plans.read_text() if plans.exists() else ""
    row["busy"] = args.busy
    print(json.dumps(row, ensure_ascii=False))


def fmt(value, digits=0):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


SQL_START = re.compile(r"^\s*Query Text: (SELECT|INSERT|UPDATE|DELETE|WITH|BEGIN|COMMIT)\b")


def distinct_plans(text):
    """The plans of statements the service sent, each query text once (the deferred audit
    checks and triggers run at commit repeat the same few statements per row)."""
    seen, out = set(), []
    for plan in re.split(r"\n\n(?=\s*Query Text:)", text.strip()):
        first = plan.lstrip().splitlines()[0] if plan.strip() else ""
        if not SQL_START.match(first) or first in seen:
            continue
        seen.add(first)
        out.append(plan)
    return "\n\n".join(out)


def render(args):
    rows = [json.loads(l) for l in Path(args.results).read_text().splitlines() if l.strip()]
    busy = sorted({r["busy"] for r in rows if r.get("busy")})
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    lines = [
        "# Performance",
        "",
        "Written by `bash benches/run.sh` (see `benches/README.md`); do not edit by hand.",
        "",
        f"- Run: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit "
        f"`{commit}`, {platform.node()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores.",
        f"- Command: `{args.command}`; binary `{args.binary}`.",
        "- Placement: the service with `SMARTREGION_WORKERS=1` on core 0 (`taskset -c 0`), wrk "
        "(`-t1 -c32 --latency`) and pgbench (`-M prepared -c 32 -j 1`) on core 1, PostgreSQL "
        "unpinned.",
        "- pgbench replays the statements one request of the scenario issued (captured from the "
        "server log, parameters inlined); `ratio` = service req/s ÷ pgbench transactions/s. "
        "The write's replay ends in ROLLBACK instead of COMMIT, so that it leaves the data as it "
        "was; it is the SQL's cost without the commit's WAL flush.",
        "- CPU µs per request: the service's user+system time (`/proc/PID/stat`) over the wrk run "
        "divided by the requests; DB CPU µs the same for every PostgreSQL process (backends, WAL "
        "writer, checkpointer). Core bound: the requests per second all cores could serve if "
        "they did nothing but this work (cores × 10⁶ ÷ (CPU µs + DB CPU µs)), an upper bound no "
        "placement or concurrency can pass. Peak RSS: `VmHWM`, reset before each scenario.",
        "",
    ]
    if busy:
        lines += [
            "> **BUSY RUN — the numbers below are not authoritative.** The machine was busy "
            f"while measuring {sum(1 for r in rows if r.get('busy'))} of {len(rows)} results, "
            f"e.g. {busy[0]}",
            "",
        ]
    for bench in sorted(Path(args.bench_data).glob("*/bench-data.txt")):
        lines.append(f"- `{bench.read_text().strip()}`")
    lines += [
        "",
        "| scenario | scale | req/s | p50 ms | p99 ms | non-2xx | pgbench tps | ratio | CPU µs/req "
        "| DB CPU µs/req | core bound req/s | peak RSS MiB | flag |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['scale']:,} | {fmt(r.get('rps'))} | {fmt(r.get('p50_ms'), 2)} "
            f"| {fmt(r.get('p99_ms'), 2)} | {fmt(r.get('non_2xx'))} | {fmt(r.get('pgbench_tps'))} "
            f"| {fmt(r.get('ratio'), 2)} | {fmt(r.get('cpu_us_per_request'), 1)} "
            f"| {fmt(r.get('db_cpu_us_per_request'), 1)} | {fmt(r.get('core_bound_rps'))} "
            f"| {fmt(r.get('peak_rss_mib'), 1)} | {'busy' if r.get('busy') else ''} |"
        )
    lines += ["", "## Plans", "",
              "What auto_explain logged (ANALYZE, BUFFERS) for the statements of one request of "
              "each scenario, per scale.", ""]
    for r in rows:
        plans = distinct_plans(r.get("plans") or "")
        if not plans:
            continue
        lines += [
            f"<details><summary>{r['scenario']}, scale {r['scale']:,}</summary>",
            "",
            "```",
            plans.rstrip(),
            "```",
            "",
            "</details>",
            "",
        ]
    # The section benches/similarity.sh's figures are copied into is kept as it is.
    out = Path(args.out)
    kept = overlap_section(out.read_text()) if out.exists() else ""
    out.write_text("\n".join(lines) + "\n" + (("\n" + kept) if kept else ""))


def overlap_section(text):
    """The "## Overlap detection" section of an earlier report, up to the next "## " heading."""
    start = text.find("\n## Overlap detection")
    if start < 0:
        return ""
    end = text.find("\n## ", start + 1)
    return text[start + 1:end + 1 if end >= 0 else len(text)].rstrip() + "\n"


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="action", required=True)
    r = sub.add_parser("result")
    r.add_argument("--scale", type=int, required=True)
    r.add_argument("--scenario", required=True)
    r.add_argument("--wrk", required=True)
    r.add_argument("--pgbench", default="")
    r.add_argument("--cpu-ticks", type=int, default=0)
    r.add_argument("--db-cpu-ticks", type=int, default=0)
    r.add_argument("--clk", type=int, default=100)
    r.add_argument("--rss-kib", type=int, default=0)
    r.add_argument("--plans", default="")
    r.add_argument("--busy", default="")
    d = sub.add_parser("render")
    d.add_argument("--results", required=True)
    d.add_argument("--out", required=True)
    d.add_argument("--command", default="bash benches/run.sh")
    d.add_argument("--bench-data", default="target/bench")
    d.add_argument("--binary", default="target/release/smartregion")
    args = parser.parse_args()
    result(args) if args.action == "result" else render(args)


if __name__ == "__main__":
    main()
