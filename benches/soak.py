#!/usr/bin/env python3
"""A bounded soak of a running smartregion service (not part of CI; `benches/soak.sh` starts
the service and calls this).

Open loop at a fixed rate: a scheduler hands out request slots at RATE per second, worker
threads with keep-alive connections take them, so a slow service shows as latency and lag
instead of a lower rate. The mix is 70 % reads (project list, one project, its allocation,
the change feed, the organizations, the dashboard) and 30 % writes (create a project, change a
project's title with If-Match, add a cost item that recomputes the shares). Every few seconds
it samples the service's resident memory and open file descriptors (/proc) and the database
sessions of its database (pg_stat_activity through psql).

It passes when there were no errors at all (every answer 2xx), the p99 latency after warm-up
is within the bound, resident memory grew less than 10 % from the end of warm-up to the end,
and the database sessions stayed flat (no more than the pool size, no growth after warm-up).
Only the Python standard library is used.
"""

import argparse
import http.client
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit


class Client:
    """One keep-alive HTTP connection."""

    def __init__(self, base, token):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.token = token
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        all_headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if body is not None:
            body = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, dict(response.getheaders()), data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


class Soak:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.samples = []  # (t, latency_ms, kind, ok)
        self.errors = []
        self.projects = []  # (id,) created by setup for shared work
        self.codes = 0
        self.start = None

    # -- setup ---------------------------------------------------------------------------
    def setup(self):
        client = Client(self.args.url, self.args.token)
        for n in range(self.args.projects):
            status, _, data = client.request(
                "POST",
                "/api/v1/projects",
                {
                    "code": f"SOAK-{n + 1}",
                    "title": f"Soak {n + 1}",
                    "field_of_action": "administration",
                    "category": "lead",
                    "lead_organization": "05570004",
                },
            )
            check(status == 201, f"creating a project: {status} {data[:200]!r}")
            pid = json.loads(data)["id"]
            status, _, data = client.request(
                "PUT", f"/api/v1/projects/{pid}/cost-key", {"type": "equal"}, {"If-Match": "*"}
            )
            check(status == 200, f"setting a cost key: {status} {data[:200]!r}")
            for org in ("05570004", "05570008"):
                etag = None
                for state in ("intends_to_join", "committed"):
                    headers = {"If-Match": etag} if etag else {}
                    status, response_headers, data = client.request(
                        "PUT",
                        f"/api/v1/projects/{pid}/participations/{org}",
                        {"state": state, "council_resolution_required": False},
                        headers,
                    )
                    check(200 <= status < 300, f"participation: {status} {data[:200]!r}")
                    etag = header(response_headers, "etag")
            self.projects.append(pid)

    def next_code(self):
        with self.lock:
            self.codes += 1
            n = self.codes
        # Codes are `^[A-Z]{1,6}-[0-9]{1,4}[a-z]?$`: a prefix per 9999 projects.
        prefix = "SK" + chr(ord("A") + (n - 1) // 9999)
        return f"{prefix}-{(n - 1) % 9999 + 1}"

    # -- one operation -------------------------------------------------------------------
    def operation(self, client, rng, own):
        project = rng.choice(self.projects)
        roll = rng.random()
        if roll < 0.20:
            return "read list", client.request("GET", "/api/v1/projects?limit=50")
        if roll < 0.35:
            return "read project", client.request("GET", f"/api/v1/projects/{project}")
        if roll < 0.50:
            return "read allocation", client.request(
                "GET", f"/api/v1/projects/{project}/allocation"
            )
        if roll < 0.60:
            after = rng.randint(0, 50)
            return "read changes", client.request("GET", f"/api/v1/changes?after={after}&limit=100")
        if roll < 0.65:
            return "read organizations", client.request("GET", "/api/v1/organizations?limit=50")
        if roll < 0.70:
            return "read dashboard", client.request("GET", "/api/v1/dashboard")
        if roll < 0.80:
            code = self.next_code()
            return "create project", client.request(
                "POST",
                "/api/v1/projects",
                {"code": code, "title": f"Soak {code}", "field_of_action": "economy_work",
                 "category": "lead"},
            )
        if roll < 0.90:
            # Each worker changes a project of its own, so that no If-Match race can fail.
            status, headers, data = client.request("GET", f"/api/v1/projects/{own}")
            if status != 200:
                return "update project", (status, headers, data)
            return "update project", client.request(
                "PATCH",
                f"/api/v1/projects/{own}",
                {"title": f"Soak {rng.randint(0, 10**9)}"},
                {"If-Match": header(headers, "etag")},
            )
        return "add cost item", client.request(
            "POST",
            f"/api/v1/projects/{project}/cost-items",
            {"category": "service", "recurrence": "one_off",
             "fiscal_year": rng.randint(2027, 2030), "amount_cents": rng.randint(100, 10**7),
             "eligible_for_funding": False, "basis": "estimate",
             "description": f"Soak {rng.randint(0, 10**9)}"},
        )

    def worker(self, slots, seed):
        client = Client(self.args.url, self.args.token)
        rng = random.Random(seed)
        own = self.projects[seed]
        while True:
            slot = slots.get()
            if slot is None:
                return
            sent = time.monotonic()
            try:
                kind, (status, _, data) = self.operation(client, rng, own)
                ok = 200 <= status < 300
                detail = None if ok else f"{status} {data[:300]!r}"
            except Exception as error:  # noqa: BLE001 - every failure counts
                kind, ok, status, detail = "transport", False, None, repr(error)
            done = time.monotonic()
            with self.lock:
                self.samples.append((sent - self.start, (done - sent) * 1000, kind, ok,
                                     (sent - slot) * 1000, status))
                if not ok:
                    self.errors.append((round(sent - self.start, 1), kind, detail))

    # -- the run -------------------------------------------------------------------------
    def run(self):
        args = self.args
        slots = queue.Queue()
        workers = [threading.Thread(target=self.worker, args=(slots, n), daemon=True)
                   for n in range(args.concurrency)]
        for w in workers:
            w.start()
        resources = []
        self.start = time.monotonic()
        next_sample = 0.0
        interval = 1.0 / args.rate
        n = 0
        while True:
            now = time.monotonic() - self.start
            if now >= args.duration:
                break
            if now >= next_sample:
                resources.append((now, *self.resources()))
                next_sample += args.sample_every
            due = n * interval
            if due > now:
                time.sleep(min(due - now, 0.05))
                continue
            slots.put(self.start + due)
            n += 1
        for _ in workers:
            slots.put(None)
        for w in workers:
            w.join()
        resources.append((time.monotonic() - self.start, *self.resources()))
        return self.report(resources, n)

    def resources(self):
        rss_kib = 0
        with open(f"/proc/{self.args.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss_kib = int(line.split()[1])
        fds = len(os.listdir(f"/proc/{self.args.pid}/fd"))
        sessions = subprocess.run(
            ["psql", self.args.server_url, "-Atc",
             f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{self.args.database}'"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        return rss_kib, fds, int(sessions)

    def report(self, resources, scheduled):
        args = self.args
        warm = [s for s in self.samples if s[0] >= args.warmup]
        latencies = sorted(s[1] for s in warm)
        lags = sorted(s[4] for s in warm)
        after = [r for r in resources if r[0] >= args.warmup]
        rss_start, rss_end = after[0][1], after[-1][1]
        rss_growth = (rss_end - rss_start) / rss_start * 100
        sessions = [r[3] for r in after]
        fds = [r[2] for r in after]
        by_kind = {}
        for s in self.samples:
            by_kind.setdefault(s[2], 0)
            by_kind[s[2]] += 1
        statuses = {}
        for s in self.samples:
            statuses[str(s[5])] = statuses.get(str(s[5]), 0) + 1
        result = {
            "duration_s": args.duration,
            "rate_per_s": args.rate,
            "warmup_s": args.warmup,
            "requests": len(self.samples),
            "scheduled": scheduled,
            "by_kind": by_kind,
            "statuses": statuses,
            "errors": len(self.errors),
            "first_errors": self.errors[:10],
            "latency_ms_after_warmup": {
                "p50": pct(latencies, 50), "p95": pct(latencies, 95),
                "p99": pct(latencies, 99), "max": latencies[-1] if latencies else None,
            },
            "queue_lag_ms_p99": pct(lags, 99),
            "rss_kib": {"end_of_warmup": rss_start, "end": rss_end,
                        "max": max(r[1] for r in after), "growth_percent": round(rss_growth, 2)},
            "open_fds": {"min": min(fds), "max": max(fds)},
            "db_sessions": {"min": min(sessions), "max": max(sessions),
                            "samples": [r[3] for r in resources]},
        }
        checks = {
            "zero errors": len(self.errors) == 0,
            f"p99 <= {args.p99_ms} ms": latencies and pct(latencies, 99) <= args.p99_ms,
            "RSS growth < 10 %": rss_growth < 10,
            f"db sessions flat (<= pool {args.pool_size}, no growth after warm-up)":
                max(sessions) <= args.pool_size + 1 and sessions[-1] <= sessions[0] + 1,
        }
        result["checks"] = {name: bool(ok) for name, ok in checks.items()}
        print(json.dumps(result, indent=2))
        return all(checks.values())


def pct(values, p):
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))
    return round(values[index], 1)


def header(headers, name):
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def check(condition, message):
    if not condition:
        sys.exit(f"soak setup failed: {message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--pid", required=True, type=int)
    parser.add_argument("--database", required=True)
    parser.add_argument("--server-url", required=True, help="psql URL of the server's postgres db")
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--rate", type=float, default=40)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--p99-ms", type=float, default=250)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--projects", type=int, default=24)
    parser.add_argument("--sample-every", type=float, default=5)
    args = parser.parse_args()
    if args.projects < args.concurrency:
        parser.error("--projects must be at least --concurrency (one project per worker)")
    soak = Soak(args)
    soak.setup()
    sys.exit(0 if soak.run() else 1)


if __name__ == "__main__":
    main()
