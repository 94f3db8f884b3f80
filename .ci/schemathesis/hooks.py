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

Generated ids almost never name a stored object, so on their own most operations would only
ever answer 404. `map_case` therefore puts the ids of seeded objects (`seed.py`, the file in
SCHEMATHESIS_SEEDED) into half of the positive cases; a DELETE takes only the spares seeded for
it. `before_call` likewise gives half of the positive updates the resource's current ETag, so
that an update can succeed; the other half keep the generated value and test the 412.
"""

import json
import os
import random
import re
from urllib.parse import urlsplit

import hypothesis.internal.lambda_sources as _lambda_sources
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
        # Distinct items (JSON Schema's `uniqueItems`, which the derive macro cannot emit).
        r" is listed twice$",
        r"^only an? [\w ]+ key has ",
        r"^is required for an? ",
        r"^minutes_approved is reached with POST",
        r"^is needed once the initiative runs$",
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
        r"^only a cancellation takes a reason$",
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


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    code = getattr(failure, "code", None)
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
        return {"paths": [], "spares": []}
    with open(path, encoding="utf-8") as seeded:
        return json.load(seeded)


SEEDED = _load_seeded()
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


def _coin(*parts):
    """A fair coin that lands the same way for the same case, so a seed reproduces a run."""
    return random.Random(repr(parts)).random() < 0.5


@schemathesis.hook
def map_case(ctx, case):
    operation = ctx.operation
    if not case.path_parameters or not _is_positive(case, "path"):
        return case
    method = operation.method.upper()
    candidates = _candidates(method, operation.path)
    if not candidates or _coin(operation.label, sorted(case.path_parameters.items())):
        return case
    chosen = random.Random(repr(sorted(case.path_parameters.items()))).choice(candidates)
    case.path_parameters = {**case.path_parameters, **chosen}
    return case


def _current_etag(path):
    """The ETag of the resource at `path`, or of the nearest resource above it that has one (a
    meeting's state and agenda order are versioned by the meeting, minutes' approval by the
    minutes), read as the steering office."""
    base = os.environ["SCHEMATHESIS_BASE_URL"]
    authorization = {"Authorization": f"Bearer {os.environ['SCHEMATHESIS_READER_TOKEN']}"}
    while path.count("/") > 3:  # not above /api/v1/<collection>
        answer = requests.get(base + path, headers=authorization, timeout=30)
        if answer.status_code == 200 and answer.headers.get("ETag"):
            return answer.headers["ETag"]
        path = path.rsplit("/", 1)[0]
    return None


_SPARES = set(SEEDED["spares"])


@schemathesis.hook
def before_call(ctx, case, kwargs):
    headers = case.headers or {}
    name = next((key for key in headers if key.lower() == "if-match"), None)
    if name is None or not _is_positive(case, "header") or _coin(ctx.operation.label, headers[name]):
        return
    # A DELETE gets a valid version for a spare only: the seeded records the other operations
    # read stay, and so do records a case created and another case may still be reading (the
    # run shares ids between cases and workers).
    if ctx.operation.method.upper() == "DELETE" and case.formatted_path not in _SPARES:
        return
    current = _current_etag(case.formatted_path)
    if current:
        case.headers = {**headers, name: current}
