"""Schemathesis hooks for the CI run (loaded through SCHEMATHESIS_HOOKS by run.sh).

Two request values depend on the service's state, not on a form a schema could state, so a
schema-valid value may still be refused. Only these refusals are set aside, each by its exact
problem, and only for the check that expects schema-valid requests to be accepted:

- `cursor`: an opaque page cursor the service handed out (`next_cursor`). The document gives its
  alphabet (base64url) and says that any other value is a 400 "cursor is not a cursor this list
  handed out"; a generated string of that alphabet is almost never one.
- `If-Match`: the ETag of the version read. A generated value names no current version, so the
  service answers 412 "the resource has changed" (documented on every update). The stateful
  phase passes real ETags through the document's links, and those must succeed. A PUT that
  creates (cost key, minutes, attendance) needs none, the same PUT on an existing record 428.

Beyond these, `CROSS_FIELD_RULES` lists the rules between values that a schema cannot carry.

Generated ids almost never name a stored object and generated bodies rarely keep the rules
between fields, so on their own most operations would only ever answer 404 or 422. `map_case`
therefore seeds every positive case and half of the negative ones with the ids of seeded objects
(`seed.py`, the file in SCHEMATHESIS_SEEDED; a DELETE takes only the spares seeded for it, and
operations that move a record one way get one made for the case) and, in a positive body,
references to seeded records and values that keep those rules. `before_call` gives a seeded
update the resource's current ETag, so that it can succeed; the stateful phase, the negative
cases and the ids Schemathesis draws from earlier answers test the 412.
"""

import collections
import itertools
import json
import os
import random
import re
import threading
import uuid

import hypothesis.internal.lambda_sources as _lambda_sources
import jsonschema_rs
import requests
import schemathesis

# CPython 3.11's compiler can fail with "SystemError: AST constructor recursion depth mismatch"
# when Hypothesis parses a module's whole source to describe a lambda for a strategy's repr (seen
# once in the coverage phase, as a run error). The description is only a label in reports, so a
# fixed one stands in when the parse fails.
_describe_lambda = _lambda_sources._lambda_description


def _lambda_description(f, *args, **kwargs):
    try:
        return _describe_lambda(f, *args, **kwargs)
    except SystemError:
        return "lambda: <source not described>"


_lambda_sources._lambda_description = _lambda_description

# Rules between several values, or between a value and stored state, that JSON Schema cannot
# state; each is documented in the field's description and answered with the problem below.
# A refusal is set aside only when every error it names is one of these.
CROSS_FIELD_RULES = [
    re.compile(pattern)
    for pattern in (
        # from/to pairs in query strings and bodies (reports, allocations, audit, decisions).
        r"must not be after",
        r"must not be before (first_year|from)",
        r"covers at most \d+ days",
        # A meeting ends after it starts and has a place (an address or an online URL).
        r"^must be after starts_at$",
        r"^a meeting needs an address or an online_url$",
        r"^must not be before (start_date|actual_start|planned_start|arrived_at|joined_on)$",
        r"^at most \d+ fiscal years at once",
        # Keys and ids that must name existing records (of the same parent).
        r"is not on this agenda",
        r"^organization .* does not exist$",
        r"is not an organization of the cooperation$",
        r"^names no funding programme$",
        r"^is not a field of action",
        r"^no such (agenda item|project)$",
        r"^is not a project of the catalogue$",
        r"^must list every item of the agenda$",
        # An organization's key depends on its kind (a district's AGS has 5 digits, a town's 8).
        r"is not the \d-digit AGS of a",
        # Relative to the clock: an expiry must lie ahead.
        r"^must be in the future$",
        r"^must not be in the future$",
        r"^must be at most \d+ days ahead$",
        # Fields required or allowed by the value of another field, or by stored state.
        r"^is required when (granted|rejected)",
        r"^only a granted application has a granted amount$",
        r"^a grant never exceeds the eligible costs",
        r"^(recurring|one-off) items name ",
        r"^a meeting lasts at most 24 hours$",
        r"^only when present or substitute$",
        r"^a withdrawal needs an effective date and a reason$",
        r"^each organization once$",
        r"^the percentages must sum to exactly \d+ basis points",
        # Distinct items (JSON Schema's `uniqueItems`, which the derive macro cannot emit).
        r" is listed twice$",
        r"^only an? [\w ]+ key has ",
        r"^is required for an? ",
        r"^minutes_approved is reached with POST",
        r"^is needed once the initiative runs$",
        r"^is needed for a completed initiative$",
        # What a role may propose but not decide (a lead organization's admin proposes, the
        # steering office decides): the same body is valid for the one and not for the other.
        r"^only the steering office accepts cost items",
        r"^a lead organization proposes planned or submitted applications",
        # Ids and keys that must name stored records.
        r"^(project|meeting|committee member) \S+ does not exist$",
        r"is not a project \(or was deleted\)$",
        r"^is not a report of this project$",
        r"^is not a working group$",
        r"is not an indicator of a project$",
        r"is no committee member of organization",
        r"^there is no field of action ",
        r"is not an agency key",
        # A host name that the URL parser refuses although it has no space or control character.
        r"^is not a URL: ",
        # Names, not contact data, in the role fields (personal data stays out of the catalogue).
        r"^must be a role or unit, not ",
        r"^only a withdrawn participation has a withdrawal$",
        # A council resolution decides the state it goes with (approving: committed, rejected:
        # declined), and committing needs one where the stored participation requires it.
        r"^a council resolution with outcome \w+ moves the participation to \w+$",
        r"^committing needs the council resolution that approved it",
        # The consultations before a resolution come in the order they were held (an order
        # between items that JSON Schema cannot state).
        r"^consultations are listed in the order they were held$",
        r"^only a cancellation takes a reason$",
        r"^a cancellation needs a reason$",
        r"^no population figure on \d{4}-\d\d-\d\d for the paying participant",
        # A CSV import needs its header row with the exchange's columns; JSON Schema cannot
        # describe the lines of a CSV file (the JSON form of the same import has its schema).
        r"^the file is empty$",
        r"^the file has no rows$",
        r"^the column `[^`]+` is missing$",
        r"is not a column of this exchange$",
    )
]


# Fields that another field makes required (a one-off cost item needs `fiscal_year`, a
# recurring one `first_year` and `last_year`; a population key its `population_date`): the
# schema marks them optional, and the service names them "is required" when the other value
# asks for them.
POINTER_RULES = [
    (re.compile(pointer), re.compile(detail))
    for pointer, detail in (
        (r"/(fiscal_year|first_year|last_year|population_date|end_date|reason)$", r"^is required"),
    )
]


def _set_aside(error):
    pointer, detail = error
    return any(rule.search(detail) for rule in CROSS_FIELD_RULES) or any(
        where.search(pointer) and what.search(detail) for where, what in POINTER_RULES
    )


def _problem_detail(response):
    try:
        body = response.json()
    except Exception:  # not JSON: nothing to set aside
        return ""
    # problem+json names it `detail`, an OParl error object `message`.
    return (body.get("detail") or body.get("message") or "") if isinstance(body, dict) else ""


def _readable_by_other_municipalities():
    """The operations that the committed authorization matrix lets another municipality's admin
    call with success: what they answer is shared among the members by design (a project's
    funding applications, the catalogue), so one peer reading what the other read is no leak."""
    matrix = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "authorization-matrix.csv")
    shared = set()
    with open(matrix, encoding="utf-8") as rows:
        for row in rows:
            fields = row.strip().split(",")
            if len(fields) == 4 and fields[1:3] == ["admin", "other"] and fields[3].startswith("2"):
                shared.add(fields[0])
    return shared


SHARED_WITH_MEMBERS = _readable_by_other_municipalities()


def _sent_values_are_valid(case):
    """Whether every parameter component generated as negative is valid as sent after all:
    Schemathesis draws ids it saw in earlier answers into generated cases, and a drawn id in a
    path generated as invalid makes it valid, while the case stays marked negative."""
    meta = case.meta
    if meta is None:
        return False
    sent = {
        "path": case.path_parameters or {},
        "query": case.query or {},
        "header": {name.lower(): value for name, value in (case.headers or {}).items()},
    }
    parameters = case.operation.definition.raw.get("parameters", [])
    for place, info in (meta.components or {}).items():
        if getattr(info.mode, "value", info.mode) != "negative":
            continue
        location = getattr(place, "value", place)
        if location not in sent:  # a body: judged by the check itself
            return False
        for parameter in parameters:
            if parameter.get("in") != location:
                continue
            name = parameter["name"].lower() if location == "header" else parameter["name"]
            if name not in sent[location]:
                if parameter.get("required"):
                    return False
                continue
            schema = parameter.get("schema", {})
            if not jsonschema_rs.Draft202012Validator(schema, validate_formats=True).is_valid(sent[location][name]):
                return False
    return True


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    code = getattr(failure, "code", None)
    if code == "ST201" and _sent_values_are_valid(case):  # "Schema-violating request accepted"
        return False
    if code == "ST402":  # "Object-level authorization bypass"
        return case.operation.definition.raw.get("operationId") not in SHARED_WITH_MEMBERS
    if code != "ST202":  # "Schema-valid request rejected"
        return True
    query = case.query or {}
    headers = {name.lower(): value for name, value in (case.headers or {}).items()}
    detail = _problem_detail(response)
    if response.status_code == 400 and "cursor" in query and detail.startswith("cursor is not a cursor"):
        return False
    if response.status_code == 412 and "if-match" in headers:
        return False
    # A resource deleted earlier in the run (by a DELETE the run itself sent) is gone: 410.
    if response.status_code == 410 and detail.endswith("was deleted"):
        return False
    # A PUT that creates needs no If-Match, the same PUT on an existing record does (428).
    if response.status_code == 428 and "if-match" not in headers:
        return False
    if response.status_code in (400, 422):
        errors = _problem_errors(response) or [("", detail)]
        if errors and all(_set_aside(error) for error in errors):
            return False
    return True


def _problem_errors(response):
    """The `(pointer, detail)` of each invalid field a problem names."""
    try:
        body = response.json()
    except Exception:
        return []
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    return [
        (str(error.get("pointer", "")), str(error.get("detail", "")))
        for error in body["errors"]
        if isinstance(error, dict)
    ]


def _load_seeded():
    path = os.environ.get("SCHEMATHESIS_SEEDED")
    if not path:
        return {"paths": [], "spares": [], "values": {}}
    with open(path, encoding="utf-8") as seeded:
        return json.load(seeded)


SEEDED = _load_seeded()
VALUES = SEEDED.get("values", {})
_CANDIDATES = {}


def _template_pattern(template, whole):
    """A regex for the paths `template` names. Unless `whole`, the literal segments at its end
    are left out and a longer path matches too: `/meetings/{id}/minutes/approve` takes its id
    from any seeded path below a meeting."""
    segments = template.strip("/").split("/")
    if not whole:
        while segments and "{" not in segments[-1]:
            segments.pop()
    parts = []
    for segment in segments:
        name = re.fullmatch(r"\{(\w+)\}", segment)
        parts.append(f"(?P<{name.group(1)}>[^/]+)" if name else re.escape(segment))
    return re.compile("^/" + "/".join(parts) + ("$" if whole else "(?:/|$)"))


def _object_path(template, params):
    """The path of the object `params` name in `template` (its literal tail left out)."""
    segments = template.strip("/").split("/")
    while segments and "{" not in segments[-1]:
        segments.pop()
    return "/" + "/".join(params.get(segment[1:-1], segment) if segment.startswith("{") else segment
                          for segment in segments)


def _alive(method, template, params):
    """Whether the seeded object is still there (for a PUT, which may create it, the object
    above it): the run's own deletes (through the ids Schemathesis gathers from responses) may
    have removed it."""
    path = _object_path(template, params)
    if method == "PUT":
        path = path.rsplit("/", 1)[0]
    return _read(path).status_code not in (404, 410)


def _candidates(method, template):
    """The path parameters of seeded objects for `template`: spares for a DELETE."""
    key = (method, template)
    if key not in _CANDIDATES:
        whole = method == "DELETE"
        pattern = _template_pattern(template, whole)
        found = []
        for path in SEEDED["spares"] if whole else SEEDED["paths"]:
            match = pattern.match(path)
            if match and match.groupdict() not in found:
                found.append(match.groupdict())
        _CANDIDATES[key] = found
    return _CANDIDATES[key]


def _is_positive(case, location):
    """Whether `case` generated its `location` (path, header, ...) as valid data."""
    meta = case.meta
    if meta is None:
        return True
    for place, info in (meta.components or {}).items():
        if getattr(place, "value", place) == location:
            return getattr(info.mode, "value", info.mode) == "positive"
    return getattr(meta.generation.mode, "value", meta.generation.mode) == "positive"


_TURNS = collections.Counter()
_TURNS_LOCK = threading.Lock()


def _in_turn(key, items):
    """The items one after another, per key. Not `random.choice`: Hypothesis seeds the `random`
    module for each case, so every case of an operation would take the same one."""
    with _TURNS_LOCK:
        _TURNS[("turn", key)] += 1
        return items[_TURNS[("turn", key)] % len(items)]


def _every_second(*key):
    """True on the first call with the same key and every second one after it: exactly half,
    however alike the generated values are (a coin seeded by the value would land the same way
    for every case that repeats an example)."""
    with _TURNS_LOCK:
        _TURNS[key] += 1
        return _TURNS[key] % 2 == 1


# Body members that name stored records or organizations: in a seeded case they name seeded
# ones. An organization is the first peer's, whom the run tries first.
def _organization():
    return VALUES["organizations"][0]


_REFERENCES = {
    "organization": _organization,
    "lead_organization": _organization,
    "presenter_organization": _organization,
    "owner_organization": _organization,
    "host_organization": _organization,
    "field_of_action": lambda: VALUES["fields_of_action"][0],
    "programme_id": lambda: VALUES["programme_id"],
    "project_id": lambda: VALUES["project_ids"][0],
    "project_ids": lambda: VALUES["project_ids"][:1],
    "agenda_item_id": lambda: VALUES["agenda_item_id"],
    "working_group_id": lambda: VALUES["working_group_id"],
    "chair_member_id": lambda: VALUES["committee_members"][VALUES["district"]][0],
    "secretary_member_id": lambda: VALUES["committee_members"][VALUES["district"]][0],
}

# Pairs of members where the second must not come before the first.
_ORDERED = [
    ("planned_start", "planned_end"),
    ("actual_start", "actual_end"),
    ("start_date", "end_date"),
    ("first_year", "last_year"),
    ("arrived_at", "left_at"),
    ("starts_at", "ends_at"),
    ("from", "to"),
]


def _with_references(value):
    """`value` with its references replaced by seeded ones and its ordered pairs in order."""
    if isinstance(value, list):
        return [_with_references(item) for item in value]
    if not isinstance(value, dict):
        return value
    value = dict(value)
    for name, seeded in _REFERENCES.items():
        if value.get(name) is not None:
            value[name] = seeded()
    for first, second in _ORDERED:
        a, b = value.get(first), value.get(second)
        if a is not None and b is not None and type(a) is type(b) and b < a:
            value[first], value[second] = b, a
    return value


def _unique(prefix):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


# Hypothesis seeds the `random` module for each case, so values that must be unique in the
# run (project codes, meeting numbers) come from counters.
_PROJECT_CODES = itertools.count(1)
_MEETING_NUMBERS = itertools.count(50000)


def _project_code():
    return f"TF-{next(_PROJECT_CODES)}"


def _meeting_times(body):
    # A meeting lasts at most 24 hours and needs a place.
    if "starts_at" in body or "ends_at" in body:
        day = random.randint(1, 28)
        body["starts_at"] = f"2027-03-{day:02d}T17:00:00+01:00"
        body["ends_at"] = f"2027-03-{day:02d}T19:00:00+01:00"
    if body.get("location_address") is None and body.get("online_url") is None:
        body["location_address"] = "Kreishausplatz 1, 99999 Musterstadt"
    return body


def _new_meeting(body, path):
    body = _meeting_times(body)
    body["number"] = next(_MEETING_NUMBERS)
    return body


def _funding(body, path):
    # A lead organization proposes, the steering office decides: a proposal fits both.
    for decided in ("granted_cents", "decision_date"):
        body.pop(decided, None)
    body["state"] = "submitted"
    return body


def _new_organization(body, path):
    body.update({"key": _unique("st-"), "kind": "agency"})
    return body


def _attendance(body, path):
    members = VALUES["committee_members"].get(path.get("org"), [])
    if body.get("delegate_member_ids"):
        body["delegate_member_ids"] = members[:1]
    if body.get("status") not in ("present", "substitute"):
        for only_present in ("delegate_member_ids", "arrived_at", "left_at"):
            body.pop(only_present, None)
    return body


def _agenda_change(body, path):
    # A vote and its result are recorded while the meeting is held; the targets are invited.
    for held_only in ("result", "resolution_text", "votes", "votes_by_organization"):
        body.pop(held_only, None)
    return body


def _project_rows(rows, path):
    # New projects (a code and external id of their own), at least one.
    rows = [row for row in rows if isinstance(row, dict)][:3] or [
        {"title": "Importiertes Projekt", "category": "lead", "field_of_action": VALUES["fields_of_action"][0]}
    ]
    return [{**row, "code": _project_code(), "external_id": None} for row in rows]


def _initiative_rows(rows, path):
    # New initiatives of the first peer, at least one.
    rows = [row for row in rows if isinstance(row, dict)][:3] or [
        {"title": "Importierte Initiative", "status": "idea", "visibility": "public"}
    ]
    return [
        {**row, "id": None, "external_id": None, "organization": _organization(),
         "field_of_action": VALUES["fields_of_action"][0]}
        for row in rows
    ]


# Coherence that a schema cannot state, per operation, after the references.
_REPAIRS = {
    "POST /api/v1/meetings": _new_meeting,
    "PATCH /api/v1/meetings/{id}": lambda body, path: _meeting_times(body) if "starts_at" in body or "ends_at" in body else body,
    "POST /api/v1/projects": lambda body, path: {**body, "code": _project_code(), "external_id": None},
    "POST /api/v1/projects/import": _project_rows,
    "POST /api/v1/initiatives/import": _initiative_rows,
    "POST /api/v1/projects/{id}/funding": _funding,
    "POST /api/v1/organizations": _new_organization,
    "POST /api/v1/organizations/{key}/memberships": lambda body, path: {**body, "joined_on": "2027-01-01"},
    "POST /api/v1/organizations/{key}/memberships/leave": lambda body, path: {**body, "left_on": "2027-12-31"},
    "PUT /api/v1/meetings/{id}/attendance/{org}": _attendance,
    "PATCH /api/v1/meetings/{id}/agenda-items/{aid}": _agenda_change,
    # The made project is an idea: it moves on to planned.
    "POST /api/v1/projects/{id}/status": lambda body, path: {**body, "status": "planned"},
}


def _api(method, path, body=None):
    """A write below /api/v1 as the steering office, with the current version where the
    record has one; the answer's JSON."""
    base = os.environ["SCHEMATHESIS_BASE_URL"] + "/api/v1"
    headers = {"Authorization": f"Bearer {os.environ['SCHEMATHESIS_READER_TOKEN']}"}
    if method in ("PUT", "PATCH"):
        versioned = path.rsplit("/", 1)[0] if path.endswith("/state") else path
        current = _current_etag("/api/v1" + versioned, walk_up=False)
        if current:
            headers["If-Match"] = current
    answer = requests.request(method, base + path, json=body, headers=headers, timeout=30)
    answer.raise_for_status()
    return answer.json() if answer.content else None


def _fresh_meeting(state, items=0):
    """A meeting made for one case, moved on to `state` (planned, invited or held)."""
    mid = _api("POST", "/meetings", {
        "number": next(_MEETING_NUMBERS), "title": "Sitzung für einen Testfall", "public": False,
        "starts_at": "2026-05-06T17:00:00+02:00", "ends_at": "2026-05-06T19:00:00+02:00",
        "location_address": "Kreishausplatz 1, 99999 Musterstadt",
    })["id"]
    item_ids = [
        _api("POST", f"/meetings/{mid}/agenda-items", {"number": str(top), "title": f"TOP {top}", "public": True})["id"]
        for top in range(1, items + 1)
    ]
    for step in ("invited", "held")[: ("planned", "invited", "held").index(state)]:
        _api("PUT", f"/meetings/{mid}/state", {"state": step})
    return mid, item_ids


def _fresh_organization(member):
    key = _unique("st-")
    _api("POST", "/organizations", {"key": key, "name": f"Agentur {key}", "kind": "agency", "joined_on": "2026-01-01"})
    if not member:
        _api("POST", f"/organizations/{key}/memberships/leave", {"left_on": "2026-06-30", "reason": "Testfall"})
    return {"key": key}


def _fresh_project():
    return _api("POST", "/projects", {
        "code": _project_code(), "title": "Projekt für einen Testfall", "category": "lead",
        "field_of_action": VALUES["fields_of_action"][0], "lead_organization": _organization(),
    })["id"]


def _held_with_minutes():
    mid, _ = _fresh_meeting("held")
    _api("PUT", f"/meetings/{mid}/minutes", {"public_text": "## TOP 1\nEröffnung."})
    return {"id": mid}


def _with_items():
    mid, items = _fresh_meeting("invited", items=2)
    return {"id": mid, "aid": items[0]}


def _with_attendance_to_record():
    mid, _ = _fresh_meeting("invited")
    return {"id": mid, "org": _organization()}


# Operations that change an object's state one way (a meeting is held once, minutes are
# approved once, an organization leaves once): a seeded case gets an object made for it, in
# the state the operation starts from, instead of a seeded one the run may have moved on.
_FACTORIES = {
    "POST /api/v1/meetings/{id}/minutes/approve": _held_with_minutes,
    "PUT /api/v1/meetings/{id}/minutes": lambda: {"id": _fresh_meeting("held")[0]},
    "PUT /api/v1/meetings/{id}/state": lambda: {"id": _fresh_meeting("planned")[0]},
    "POST /api/v1/meetings/{id}/agenda-items": _with_items,
    "PUT /api/v1/meetings/{id}/agenda-items/order": _with_items,
    "PATCH /api/v1/meetings/{id}/agenda-items/{aid}": _with_items,
    "PUT /api/v1/meetings/{id}/attendance/{org}": _with_attendance_to_record,
    "POST /api/v1/organizations/{key}/memberships": lambda: _fresh_organization(member=False),
    "POST /api/v1/organizations/{key}/memberships/leave": lambda: _fresh_organization(member=True),
    "PUT /api/v1/projects/{id}/participations/{org}": lambda: {"id": _fresh_project(), "org": _organization()},
    "POST /api/v1/projects/{id}/status": lambda: {"id": _fresh_project()},
}

# The cases map_case seeded (by case id): before_call gives them the current version; and the
# ones that get a record made for them.
_SEEDED_CASES = set()
_MADE_FOR = set()


@schemathesis.hook
def map_case(ctx, case):
    """Seeded cases: ids of seeded (or freshly made) objects in the path, and in a positive body
    references to seeded records and values that keep the rules between fields."""
    operation = ctx.operation
    method = operation.method.upper()
    label = f"{method} {operation.path}"
    # The stateful phase takes its ids from the answers it follows through the links.
    phase = getattr(getattr(case.meta, "phase", None), "name", None)
    # Every positive case (a valid request names stored records), and half of the negative
    # ones (an invalid body or query against a stored record, or a generated id).
    mode = getattr(getattr(case.meta, "generation", None), "mode", "positive")
    if getattr(phase, "value", phase) == "stateful" or (
        getattr(mode, "value", mode) != "positive" and not _every_second(label)
    ):
        return case
    _SEEDED_CASES.add(case.id)
    # No requests here: this runs while Hypothesis generates, which must stay fast. The records
    # made for a case, and the check that a seeded one is still there, wait for `before_call`.
    if case.path_parameters and _is_positive(case, "path") and label in _FACTORIES:
        _MADE_FOR.add(case.id)
        if "org" in case.path_parameters:
            case.path_parameters = {**case.path_parameters, "org": _organization()}
    elif case.path_parameters and _is_positive(case, "path"):
        candidates = _candidates(method, operation.path)
        if candidates:
            case.path_parameters = {**case.path_parameters, **_in_turn(label, candidates)}
    if VALUES and isinstance(case.body, (dict, list)) and _is_positive(case, "body"):
        body = _with_references(case.body)
        repair = _REPAIRS.get(label)
        case.body = repair(body, case.path_parameters or {}) if repair else body
    return case


def _read(path):
    """GET `path` as the steering office."""
    base = os.environ["SCHEMATHESIS_BASE_URL"]
    authorization = {"Authorization": f"Bearer {os.environ['SCHEMATHESIS_READER_TOKEN']}"}
    return requests.get(base + path, headers=authorization, timeout=30)


def _current_etag(path, walk_up=True):
    """The ETag of the resource at `path`, or (`walk_up`) of the nearest resource above it that
    has one (a meeting's state and agenda order are versioned by the meeting, minutes' approval
    by the minutes), read as the steering office."""
    while True:
        answer = _read(path)
        if answer.status_code == 200 and answer.headers.get("ETag"):
            return answer.headers["ETag"]
        if not walk_up or path.count("/") <= 3:  # not above /api/v1/<collection>
            return None
        path = path.rsplit("/", 1)[0]


_SPARES = set(SEEDED["spares"])
# What the other operations read: a DELETE must not take it away from them.
_KEPT = set(SEEDED["paths"]) - _SPARES


def _spare_instead(method, template, label, case):
    """Points a DELETE that names a kept seeded object (an id Schemathesis drew from an earlier
    answer, with a version as guessable as `"1"`) at a spare of its template, or at an id that
    does not exist when there is no spare: the run's own deletes once took the only seeded
    projects, and every project-scoped operation after them answered 404 or 410."""
    if method != "DELETE" or case.formatted_path not in _KEPT:
        return
    spares = _candidates(method, template)
    if spares:
        case.path_parameters = {**case.path_parameters, **_in_turn(label, spares)}
        return
    last = re.findall(r"\{(\w+)\}", template)[-1]
    try:
        uuid.UUID(str(case.path_parameters.get(last)))
    except ValueError:
        return
    case.path_parameters = {**case.path_parameters, last: str(uuid.uuid4())}


@schemathesis.hook
def before_call(ctx, case, kwargs):
    method = ctx.operation.method.upper()
    label = f"{method} {ctx.operation.path}"
    headers = case.headers or {}
    name = next((key for key in headers if key.lower() == "if-match"), None)
    seeded = case.id in _SEEDED_CASES
    _spare_instead(method, ctx.operation.path, label, case)
    if case.id in _MADE_FOR:
        # Only the template's own parameters: an extra one would make the path invalid.
        made = _FACTORIES[label]()
        case.path_parameters = {name: made.get(name, value) for name, value in case.path_parameters.items()}
    elif seeded and method != "DELETE" and case.path_parameters and _is_positive(case, "path"):
        # A seeded object the run has deleted meanwhile is dropped for the rest of the run.
        candidates = _candidates(method, ctx.operation.path)
        while candidates and not _alive(method, ctx.operation.path, case.path_parameters):
            gone = {key: case.path_parameters.get(key) for key in candidates[0]}
            if gone in candidates:
                candidates.remove(gone)
            if candidates:
                case.path_parameters = {**case.path_parameters, **_in_turn(label, candidates)}
    if name is None:
        # A PUT that creates or replaces (a participation, a cost key, attendance, minutes)
        # needs the current version once the record exists.
        if method == "PUT" and seeded:
            current = _current_etag(case.formatted_path, walk_up=False)
            if current:
                case.headers = {**headers, "If-Match": current}
    elif _is_positive(case, "header") and seeded:
        # A DELETE gets a valid version for a spare only: the seeded records the other
        # operations read stay, and so do records a case created and another case may still be
        # reading (the run shares ids between cases and workers).
        if method != "DELETE" or case.formatted_path in _SPARES:
            # An agenda's order is versioned by the meeting, not by the list of its items.
            versioned = case.formatted_path
            if label == "PUT /api/v1/meetings/{id}/agenda-items/order":
                versioned = versioned.rsplit("/", 2)[0]
            current = _current_etag(versioned)
            if current:
                case.headers = {**headers, name: current}
    # A new order names every item of the agenda once: a seeded case names the stored items.
    if label == "PUT /api/v1/meetings/{id}/agenda-items/order" and isinstance(case.body, dict) \
            and _is_positive(case, "body") and seeded:
        answer = _read(case.formatted_path.rsplit("/", 1)[0])
        if answer.status_code == 200:
            items = [item["id"] for item in answer.json().get("items", [])]
            random.shuffle(items)
            case.body = {**case.body, "item_ids": items}

