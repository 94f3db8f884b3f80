"""Seeds a fresh smartregion service through its API, so that the Schemathesis run finds data
behind every operation: projects led by the two peer municipalities, their opt-ins, cost plans,
funding, indicators, milestones, reports, meetings with agenda, attendance and minutes,
delegates, action items, goals, initiatives, working groups, webhooks and calendar feed tokens.

It writes the paths of what it made to OUT (JSON: `paths`, and `spares`, made only to be
deleted), together with the OParl objects the service derives from them; `hooks.py` puts
their ids into half of the generated requests, so that every operation reaches real data, and
the deletes take spares only, so that they do not eat the data the other operations need.
`values` holds the keys and ids that request bodies refer to.

Usage: python seed.py BASE_URL OUT  (tokens in SEED_COORDINATOR, SEED_ADMIN_A, SEED_ADMIN_B;
organization keys in SEED_DISTRICT, SEED_ORG_A, SEED_ORG_B). Any unexpected answer stops with a message.
"""

import json
import os
import sys
from urllib.parse import urlsplit

import requests

PATHS = []
SPARES = []
# Stored values that bodies refer to (organization keys, ids), for the hooks' body repairs.
VALUES = {}
# How many spares of each deletable resource: a DELETE gets a few dozen cases in a run.
SPARE_COUNT = 3
# Set by `configure()` from the command line and the environment. Nothing is read at import:
# Schemathesis imports the modules beside its hooks to collect their constants.
ROOT = BASE = OUT = COORDINATOR = ORG_A = ORG_B = DISTRICT = None
ADMIN = {}


def configure():
    global ROOT, BASE, OUT, COORDINATOR, ORG_A, ORG_B, DISTRICT
    ROOT = sys.argv[1].rstrip("/")
    BASE = ROOT + "/api/v1"
    OUT = sys.argv[2]
    COORDINATOR = os.environ["SEED_COORDINATOR"]
    ORG_A, ORG_B = os.environ["SEED_ORG_A"], os.environ["SEED_ORG_B"]
    ADMIN.update({ORG_A: os.environ["SEED_ADMIN_A"], ORG_B: os.environ["SEED_ADMIN_B"]})
    DISTRICT = os.environ["SEED_DISTRICT"]


def call(method, path, token, body=None, expect=(200, 201, 204), if_match=None):
    headers = {"Authorization": f"Bearer {token}"}
    if if_match is None and method in ("PATCH", "PUT", "DELETE"):
        # Updates need the current ETag; a PUT that creates needs none (412/428 tell us).
        # A state or order below an item is versioned by the item itself.
        for versioned in (path.rsplit("/", 1)[0],) if path.endswith("/state") else (path,):
            current = requests.get(BASE + versioned, headers=headers, timeout=30)
            if current.status_code == 200 and current.headers.get("ETag"):
                if_match = current.headers["ETag"]
                break
    if if_match:
        headers["If-Match"] = if_match
    response = requests.request(method, BASE + path, json=body, headers=headers, timeout=30)
    if response.status_code not in expect:
        sys.exit(f"seed: {method} {path} answered {response.status_code}: {response.text[:500]}")
    return response.json() if response.content and "json" in response.headers.get("Content-Type", "") else None


def keep(path, spare=False):
    """Records the path (below /api/v1) of something made, for the hooks."""
    (SPARES if spare else PATHS).append("/api/v1" + path)


def oparl_paths():
    """The paths of the OParl objects the service derives from the seeded data (first pages)."""
    headers = {"Authorization": f"Bearer {COORDINATOR}"}
    system = requests.get(ROOT + "/oparl/v1.1/system", headers=headers, timeout=30).json()
    found = set()
    bodies = requests.get(system["body"], headers=headers, timeout=30).json()["data"]
    for body in bodies:
        found.add(urlsplit(body["id"]).path)
        for member in ("organization", "person", "meeting", "paper", "agendaItem", "consultation", "file",
                       "locationList", "legislativeTermList", "membership"):
            listing = body.get(member)
            if not listing:
                continue
            for item in requests.get(listing, headers=headers, timeout=30).json().get("data", [])[:5]:
                found.add(urlsplit(item["id"]).path)
    return sorted(found)


def project(code, title, lead, field):
    return call(
        "POST",
        "/projects",
        COORDINATOR,
        {"code": code, "title": title, "field_of_action": field, "category": "lead", "lead_organization": lead},
    )["id"]


def project_children(pid, org, programme, spare=False):
    """A project's cost item, funding, indicator with a measurement, milestone and report."""
    p = f"/projects/{pid}"
    item = call(
        "POST",
        f"{p}/cost-items",
        COORDINATOR,
        {
            "category": "licence",
            "recurrence": "recurring",
            "amount_cents": 1200000,
            "eligible_for_funding": True,
            "basis": "estimate",
            "description": "Lizenz Netzwerkserver",
            "first_year": 2027,
            "last_year": 2029,
        },
    )["id"]
    keep(f"{p}/cost-items/{item}", spare)
    funding = call(
        "POST",
        f"{p}/funding",
        COORDINATOR,
        {"programme_id": programme, "state": "submitted", "first_year": 2027, "last_year": 2029, "requested_cents": 1000000},
    )["id"]
    keep(f"{p}/funding/{funding}", spare)
    indicator = call("POST", f"{p}/indicators", ADMIN[org], {"name": "Sensoren", "unit": "Anzahl", "baseline": 0, "target": 500})["id"]
    measurement = call("POST", f"{p}/indicators/{indicator}/measurements", ADMIN[org], {"measured_on": "2026-06-30", "value": 120})["id"]
    # A spare measurement hangs off an indicator that stays.
    keep(f"{p}/indicators/{indicator}/measurements/{measurement}", spare)
    if not spare:
        keep(f"{p}/indicators/{indicator}")
    else:
        spare_indicator = call("POST", f"{p}/indicators", ADMIN[org], {"name": "Spare", "unit": "Anzahl", "baseline": 0, "target": 5})["id"]
        keep(f"{p}/indicators/{spare_indicator}", True)
    milestone = call("POST", f"{p}/milestones", ADMIN[org], {"title": "Förderantrag eingereicht", "planned_date": "2026-06-30"})["id"]
    keep(f"{p}/milestones/{milestone}", spare)
    if not spare:
        report = call(
            "POST",
            f"{p}/reports",
            ADMIN[org],
            {"report_date": "2026-03-31", "text": "Standortsuche abgeschlossen.", "progress_percent": 40, "traffic_light": "green"},
        )["id"]
        keep(f"{p}/reports/{report}")


def main():
    fields = [f["code"] for f in call("GET", "/fields-of-action", COORDINATOR)["items"]]
    programme = call(
        "POST",
        "/funding-programmes",
        COORDINATOR,
        {
            "name": "Förderung interkommunaler Zusammenarbeit NRW (Seed)",
            "funding_body": "state",
            "rule": {"type": "rate", "rate_bp": 5000},
        },
        expect=(201,),
    )["id"]
    keep(f"/funding-programmes/{programme}")
    for org in (ORG_A, ORG_B):
        keep(f"/organizations/{org}")

    projects = {}
    codes = iter(range(1, 100))
    for i, org in enumerate((ORG_A, ORG_B, ORG_A, ORG_B)):
        field = fields[i % len(fields)]
        n = next(codes)
        pid = project(f"ST-{n:02d}", f"Seed-Projekt {n} ({org})", org, field)
        projects.setdefault(org, []).append(pid)
        keep(f"/projects/{pid}")
        # Only the lead takes part: the two peers share no project, so what one of them may read
        # of its own project (the allocation, the snapshots) the other may not.
        for participant in (org,):
            call("PUT", f"/projects/{pid}/participations/{participant}", ADMIN[participant], {"state": "intends_to_join"})
            call(
                "PUT",
                f"/projects/{pid}/participations/{participant}",
                ADMIN[participant],
                {
                    "state": "committed",
                    "joined_on": "2026-04-01",
                    "council_resolution": {"decided_on": "2026-03-10", "deciding_body": "Rat", "outcome": "approved", "paper_reference": "V 2026/001"},
                },
            )
            keep(f"/projects/{pid}/participations/{participant}")
        call("PUT", f"/projects/{pid}/cost-key", COORDINATOR, {"type": "equal"})
        keep(f"/projects/{pid}/cost-key/versions/1")
        project_children(pid, org, programme)
        for _ in range(SPARE_COUNT):
            project_children(pid, org, programme, spare=True)
        call("POST", f"/projects/{pid}/status", COORDINATOR, {"status": "planned", "reason": "Seed"})
        snapshot = call("POST", f"/projects/{pid}/allocation/snapshots", COORDINATOR, {"label": "Vorlage Rat", "include_pending": True})["id"]
        keep(f"/projects/{pid}/allocation/snapshots/{snapshot}")
    for _ in range(SPARE_COUNT):
        n = next(codes)
        keep(f"/projects/{project(f'ST-{n:02d}', f'Seed-Projekt {n} (Ersatz)', ORG_A, fields[0])}", True)

    members = {}
    for org in (ORG_A, ORG_B, DISTRICT):
        members[org] = call(
            "POST",
            "/committee/members",
            COORDINATOR,
            {"organization": org, "name": f"Delegierte {org}", "function": "Bürgermeisterin", "name_public_consent": True, "role": "member", "start_date": "2025-11-01", "voting_right": True},
        )["id"]
        keep(f"/committee/members/{members[org]}")
    for n in range(SPARE_COUNT):
        spare = call(
            "POST",
            "/committee/members",
            COORDINATOR,
            {"organization": ORG_A, "name": f"Vertretung {n}", "function": "Beigeordneter", "name_public_consent": False, "role": "deputy", "start_date": "2025-11-01", "voting_right": False},
        )["id"]
        keep(f"/committee/members/{spare}", True)

    def meeting(number, public, title):
        return call(
            "POST",
            "/meetings",
            COORDINATOR,
            {
                "number": number,
                "title": title,
                "starts_at": f"2026-{number % 12 + 1:02d}-26T17:00:00+01:00",
                "ends_at": f"2026-{number % 12 + 1:02d}-26T19:00:00+01:00",
                "public": public,
                "location_room": "Sitzungssaal 1",
                "location_address": "Waldenburger Straße 2, 48231 Warendorf",
            },
        )["id"]

    def agenda_item(meeting_id, top):
        return call(
            "POST",
            f"/meetings/{meeting_id}/agenda-items",
            COORDINATOR,
            {"number": str(top), "title": f"TOP {top}", "public": True, "project_ids": [projects[ORG_A][0]], "presenter_organization": ORG_A},
        )["id"]

    for number, public in ((1, True), (2, False)):
        mid = meeting(number, public, f"{number}. Sitzung des Lenkungskreises (Seed)")
        keep(f"/meetings/{mid}")
        items = [agenda_item(mid, top) for top in (1, 2)]
        VALUES.setdefault("agenda_item_id", items[0])
        for item in items:
            keep(f"/meetings/{mid}/agenda-items/{item}")
        call("PUT", f"/meetings/{mid}/state", COORDINATOR, {"state": "invited"})
        for org in (ORG_A, ORG_B):
            call("PUT", f"/meetings/{mid}/attendance/{org}", ADMIN[org], {"status": "present", "delegate_member_ids": [members[org]]})
            keep(f"/meetings/{mid}/attendance/{org}")
        call("PUT", f"/meetings/{mid}/state", COORDINATOR, {"state": "held"})
        call("PUT", f"/meetings/{mid}/minutes", COORDINATOR, {"public_text": "## TOP 1\nEröffnung.", "chair_member_id": members[DISTRICT]})
        if public:
            # Approved minutes are published: OParl then lists them as a file.
            minutes = requests.get(f"{BASE}/meetings/{mid}/minutes", headers={"Authorization": f"Bearer {COORDINATOR}"}, timeout=30)
            call("POST", f"/meetings/{mid}/minutes/approve", COORDINATOR, {}, if_match=minutes.headers["ETag"])
        for org in (ORG_A, ORG_B):
            action = call("POST", "/action-items", COORDINATOR, {"title": f"Aufgabe für {org}", "owner_organization": org, "agenda_item_id": items[0], "due_date": "2026-06-30"})["id"]
            keep(f"/action-items/{action}")
            action = call("POST", "/action-items", COORDINATOR, {"title": f"Erledigt für {org}", "owner_organization": org, "agenda_item_id": items[1], "due_date": "2026-06-30"})["id"]
            keep(f"/action-items/{action}", True)
    # A planned meeting with spare agenda items and spare attendance, and spare meetings.
    mid = meeting(3, True, "3. Sitzung des Lenkungskreises (Seed)")
    keep(f"/meetings/{mid}")
    for top in range(1, SPARE_COUNT + 1):
        keep(f"/meetings/{mid}/agenda-items/{agenda_item(mid, top)}", True)
    call("PUT", f"/meetings/{mid}/state", COORDINATOR, {"state": "invited"})
    for org in (ORG_A, ORG_B):
        call("PUT", f"/meetings/{mid}/attendance/{org}", ADMIN[org], {"status": "excused"})
        keep(f"/meetings/{mid}/attendance/{org}", True)
    for n in range(SPARE_COUNT):
        keep(f"/meetings/{meeting(10 + n, True, f'Sondersitzung {n + 1} (Seed)')}", True)

    # Meetings whose agenda and attendance may still change (invited).
    for number in (4, 5):
        mid = meeting(number, True, f"{number}. Sitzung des Lenkungskreises (Seed)")
        keep(f"/meetings/{mid}")
        for top in (1, 2):
            keep(f"/meetings/{mid}/agenda-items/{agenda_item(mid, top)}")
        call("PUT", f"/meetings/{mid}/state", COORDINATOR, {"state": "invited"})
        for org in (ORG_A, ORG_B):
            call("PUT", f"/meetings/{mid}/attendance/{org}", ADMIN[org], {"status": "excused"})
            keep(f"/meetings/{mid}/attendance/{org}")

    VALUES.update(
        {
            "organizations": [ORG_A, ORG_B],
            "district": DISTRICT,
            "fields_of_action": fields,
            "programme_id": programme,
            "project_ids": projects[ORG_A],
            "committee_members": {org: [member] for org, member in members.items()},
        }
    )

    call("PUT", "/strategy", COORDINATOR, {"vision": "Eine vernetzte Region.", "guiding_principles": "- gemeinsam"})
    goal = call("POST", "/strategy/goals", COORDINATOR, {"title": "Nahversorgung sichern", "field_of_action": fields[0], "project_ids": projects[ORG_A]})["id"]
    keep(f"/strategy/goals/{goal}")
    for n in range(SPARE_COUNT):
        goal = call("POST", "/strategy/goals", COORDINATOR, {"title": f"Ziel {n + 1}", "field_of_action": fields[1]})["id"]
        keep(f"/strategy/goals/{goal}", True)

    for org in (ORG_A, ORG_B):
        for n in range(1 + SPARE_COUNT):
            initiative = call(
                "POST",
                "/initiatives",
                ADMIN[org],
                {"organization": org, "title": f"Digitaler Dorfladen {org} {n}", "field_of_action": fields[0],
                 "contact_role": "Stabsstelle Digitalisierung", "visibility": "public", "summary": "Ein Dorfladen mit Paketstation."},
            )["id"]
            keep(f"/initiatives/{initiative}", n > 0)
    for n in range(1 + SPARE_COUNT):
        group = call(
            "POST",
            "/working-groups",
            COORDINATOR,
            {"name": f"Arbeitskreis Digitalisierung {n}", "kind": "working_group", "host_organization": DISTRICT,
             "members": [DISTRICT, ORG_A, ORG_B]},
        )["id"]
        keep(f"/working-groups/{group}", n > 0)
        if n == 0:
            VALUES["working_group_id"] = group
            keep(f"/working-groups/{group}/members/{ORG_A}")
            keep(f"/working-groups/{group}/members/{ORG_B}", True)

    for org in (ORG_A, ORG_B):
        for n in range(1 + SPARE_COUNT):
            hook = call("POST", "/webhooks", ADMIN[org], {"url": f"http://127.0.0.1:9/hooks/{org}/{n}", "event_types": ["*"], "description": "Seed"})["id"]
            keep(f"/webhooks/{hook}", n > 0)
            token = call("POST", "/calendar-feed-tokens", ADMIN[org], {"label": f"Kalender {org} {n}"})["id"]
            keep(f"/calendar-feed-tokens/{token}", n > 0)

    paths = sorted(set(PATHS + oparl_paths()))
    with open(OUT, "w", encoding="utf-8") as out:
        json.dump({"paths": paths, "spares": sorted(set(SPARES)), "values": VALUES}, out, indent=1)
    print(f"seed: {sum(len(v) for v in projects.values())} projects, {len(paths)} paths and {len(SPARES)} spares in {OUT}")


if __name__ == "__main__":
    configure()
    main()
