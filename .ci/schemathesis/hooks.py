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
"""

import re

import schemathesis

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
        r"^must not be before start_date$",
        r"^at most \d+ fiscal years at once",
        # Keys and ids that must name existing records (of the same parent).
        r"is not on this agenda",
        r"^organization \S+ does not exist$",
        r"is not an organization of the cooperation$",
        r"^names no funding programme$",
        r"^is not a field of action",
        # Fields required or allowed by the value of another field, or by stored state.
        r"^is required when (granted|rejected)",
        r"^only a withdrawn participation has a withdrawal$",
        r"^no population figure on \d{4}-\d\d-\d\d for the paying participant",
        # A CSV import needs at least its header row.
        r"^the file is empty$",
    )
]


def _problem_detail(response):
    try:
        body = response.json()
    except Exception:  # not JSON: nothing to set aside
        return ""
    # problem+json names it `detail`, an OParl error object `message`.
    return (body.get("detail") or body.get("message") or "") if isinstance(body, dict) else ""


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    if getattr(failure, "code", None) != "ST202":  # "Schema-valid request rejected"
        return True
    query = case.query or {}
    headers = {name.lower(): value for name, value in (case.headers or {}).items()}
    detail = _problem_detail(response)
    if response.status_code == 400 and "cursor" in query and detail.startswith("cursor is not a cursor"):
        return False
    if response.status_code == 412 and "if-match" in headers:
        return False
    # A PUT that creates needs no If-Match, the same PUT on an existing record does (428).
    if response.status_code == 428 and "if-match" not in headers:
        return False
    if response.status_code in (400, 422):
        errors = _problem_errors(response) or [detail]
        if errors and all(any(rule.search(error) for rule in CROSS_FIELD_RULES) for error in errors):
            return False
    return True


def _problem_errors(response):
    try:
        body = response.json()
    except Exception:
        return []
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    return [str(error.get("detail", "")) for error in body["errors"] if isinstance(error, dict)]
