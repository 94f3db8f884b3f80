#!/usr/bin/env python3
"""Turns the PostgreSQL server log of run.sh's capture phase into, per scenario, a pgbench
script replaying the statements one request issued (parameters inlined) and the plans
auto_explain logged for them.

    capture.py <capture.log> <database> <out-dir>

The capture phase logs every statement of the bench database (log_min_duration_statement = 0)
and its plan (auto_explain with ANALYZE and BUFFERS); run.sh brackets each scenario's request
with `SELECT 'bench-marker:<scenario>:start'` and `...:end` from psql.
"""
import re
import sys
from pathlib import Path

START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (?:(\S*@\S*) )?(\w+):  (.*)$")
MARKER = re.compile(r"bench-marker:([a-z_]+):(start|end)")
PARAM = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")
EXECUTE = re.compile(r"^duration: [\d.]+ ms  (?:execute [^:]+|statement): (.*)$", re.S)
PLAN = re.compile(r"^duration: [\d.]+ ms  plan:\n(.*)$", re.S)


def records(lines):
    record = None
    for line in lines:
        m = START.match(line)
        if m:
            if record:
                yield record
            pid, who, level, text = m.groups()
            record = {"pid": pid, "who": who or "", "level": level, "text": text}
        elif record is not None:
            record["text"] += "\n" + line
    if record:
        yield record


def inline(sql, params):
    values = dict(PARAM.findall(params))
    return re.sub(r"\$(\d+)\b", lambda m: values.get(m.group(1), m.group(0)), sql)


def main():
    log, database, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    lines = Path(log).read_text(errors="replace").splitlines()
    scenario = None
    statements = {}
    plans = {}
    pending = None  # the last execute of a pid, waiting for its DETAIL line
    for rec in records(lines):
        if not rec["who"].endswith("@" + database):
            continue
        text = rec["text"]
        marker = MARKER.search(text)
        if marker and rec["level"] == "LOG" and "statement:" in text:
            scenario = marker.group(1) if marker.group(2) == "start" else None
            pending = None
            continue
        if scenario is None:
            continue
        if rec["level"] == "DETAIL" and pending is not None and text.startswith("parameters:"):
            stmts = statements[pending[0]]
            stmts[pending[1]] = inline(stmts[pending[1]], text)
            pending = None
            continue
        if rec["level"] != "LOG":
            continue
        m = EXECUTE.match(text)
        if m:
            sql = m.group(1).strip().rstrip(";")
            stmts = statements.setdefault(scenario, [])
            stmts.append(sql)
            pending = (scenario, len(stmts) - 1)
            continue
        m = PLAN.match(text)
        if m and "bench-marker:" not in text:
            plans.setdefault(scenario, []).append(m.group(1).rstrip())
    for name, stmts in statements.items():
        if name == "optin_write":
            # Replaying a write must not change the data the other scenarios read.
            stmts = ["ROLLBACK" if s.upper() == "COMMIT" else s for s in stmts]
        (out / f"{name}.pgbench.sql").write_text("".join(s + ";\n" for s in stmts))
    for name, texts in plans.items():
        (out / f"{name}.plans.txt").write_text("\n\n".join(texts) + "\n")
    print(f"captured {sum(len(s) for s in statements.values())} statements of "
          f"{len(statements)} scenarios", file=sys.stderr)


if __name__ == "__main__":
    main()
