"""Seeds a fresh smartregion service through its API, so that the Schemathesis run finds data
behind every operation: projects led by the two peer municipalities, their opt-ins, cost plans,
funding, indicators, milestones, reports, meetings with agenda, attendance and minutes,
delegates, action items, goals, webhooks and calendar feed tokens.

Usage: python seed.py BASE_URL  (tokens in SEED_COORDINATOR, SEED_ADMIN_A, SEED_ADMIN_B;
organization keys in SEED_ORG_A, SEED_ORG_B). Any unexpected answer stops with a message.
"""

import os
import sys

import requests

BASE = sys.argv[1].rstrip("/") + "/api/v1"
COORDINATOR = os.environ["SEED_COORDINATOR"]
ADMIN = {os.environ["SEED_ORG_A"]: os.environ["SEED_ADMIN_A"], os.environ["SEED_ORG_B"]: os.environ["SEED_ADMIN_B"]}
ORG_A, ORG_B = os.environ["SEED_ORG_A"], os.environ["SEED_ORG_B"]
DISTRICT = "05570"


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


def project(code, title, lead, field):
    return call(
        "POST",
        "/projects",
        COORDINATOR,
        {"code": code, "title": title, "field_of_action": field, "category": "lead", "lead_organization": lead},
    )["id"]


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

    projects = {}
    for n, (org, field) in enumerate([(ORG_A, fields[0]), (ORG_B, fields[1]), (ORG_A, fields[2]), (ORG_B, fields[3])]):
        pid = project(f"ST-{n + 1:02d}", f"Seed-Projekt {n + 1} ({org})", org, field)
        projects.setdefault(org, []).append(pid)
        for participant in (ORG_A, ORG_B):
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
        call(
            "POST",
            f"/projects/{pid}/cost-items",
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
        )
        call("PUT", f"/projects/{pid}/cost-key", COORDINATOR, {"type": "equal"})
        call(
            "POST",
            f"/projects/{pid}/funding",
            COORDINATOR,
            {"programme_id": programme, "state": "submitted", "first_year": 2027, "last_year": 2029, "requested_cents": 1000000},
        )
        indicator = call("POST", f"/projects/{pid}/indicators", ADMIN[org], {"name": "Sensoren", "unit": "Anzahl", "baseline": 0, "target": 500})["id"]
        call("POST", f"/projects/{pid}/indicators/{indicator}/measurements", ADMIN[org], {"measured_on": "2026-06-30", "value": 120})
        call("POST", f"/projects/{pid}/milestones", ADMIN[org], {"title": "Förderantrag eingereicht", "planned_date": "2026-06-30"})
        call(
            "POST",
            f"/projects/{pid}/reports",
            ADMIN[org],
            {"report_date": "2026-03-31", "text": "Standortsuche abgeschlossen.", "progress_percent": 40, "traffic_light": "green"},
        )
        call("POST", f"/projects/{pid}/status", COORDINATOR, {"status": "planned", "reason": "Seed"})
        call("POST", f"/projects/{pid}/allocation/snapshots", COORDINATOR, {"label": "Vorlage Rat", "include_pending": True})

    members = {}
    for org in (ORG_A, ORG_B, DISTRICT):
        members[org] = call(
            "POST",
            "/committee/members",
            COORDINATOR,
            {"organization": org, "name": f"Delegierte {org}", "function": "Bürgermeisterin", "name_public_consent": True, "role": "member", "start_date": "2025-11-01", "voting_right": True},
        )["id"]

    for number, public in ((1, True), (2, False)):
        meeting = call(
            "POST",
            "/meetings",
            COORDINATOR,
            {
                "number": number,
                "title": f"{number}. Sitzung des Lenkungskreises (Seed)",
                "starts_at": f"2026-0{number + 2}-26T17:00:00+01:00",
                "ends_at": f"2026-0{number + 2}-26T19:00:00+01:00",
                "public": public,
                "location_room": "Sitzungssaal 1",
                "location_address": "Waldenburger Straße 2, 48231 Warendorf",
            },
        )["id"]
        items = [
            call(
                "POST",
                f"/meetings/{meeting}/agenda-items",
                COORDINATOR,
                {"number": str(top), "title": f"TOP {top}", "public": True, "project_ids": [projects[ORG_A][0]], "presenter_organization": ORG_A},
            )["id"]
            for top in (1, 2)
        ]
        call("PUT", f"/meetings/{meeting}/state", COORDINATOR, {"state": "invited"})
        for org in (ORG_A, ORG_B):
            call("PUT", f"/meetings/{meeting}/attendance/{org}", ADMIN[org], {"status": "present", "delegate_member_ids": [members[org]]})
        call("PUT", f"/meetings/{meeting}/state", COORDINATOR, {"state": "held"})
        call("PUT", f"/meetings/{meeting}/minutes", COORDINATOR, {"public_text": "## TOP 1\nEröffnung.", "chair_member_id": members[DISTRICT]})
        for org in (ORG_A, ORG_B):
            call("POST", "/action-items", COORDINATOR, {"title": f"Aufgabe für {org}", "owner_organization": org, "agenda_item_id": items[0], "due_date": "2026-06-30"})

    call("PUT", "/strategy", COORDINATOR, {"vision": "Eine vernetzte Region.", "guiding_principles": "- gemeinsam"})
    call("POST", "/strategy/goals", COORDINATOR, {"title": "Nahversorgung sichern", "field_of_action": fields[0], "project_ids": projects[ORG_A]})

    for org in (ORG_A, ORG_B):
        call("POST", "/webhooks", ADMIN[org], {"url": f"http://127.0.0.1:9/hooks/{org}", "event_types": ["*"], "description": "Seed"})
        call("POST", "/calendar-feed-tokens", ADMIN[org], {"label": f"Kalender {org}"})
    print(f"seed: {sum(len(v) for v in projects.values())} projects, 2 meetings, webhooks and feed tokens for {ORG_A} and {ORG_B}")


if __name__ == "__main__":
    main()
