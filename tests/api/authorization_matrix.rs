//! The authorization matrix (issue 17): every operation of the OpenAPI document, called by
//! every identity (coordinator, admin, editor, viewer, integration of the organization that
//! owns the target and of another one, and anonymous), against real objects of a seeded
//! database, compared with the committed table `tests/fixtures/authorization-matrix.csv`.
//!
//! The table holds one row per operation and identity: `operation_id,role,organization,status`
//! with `organization` one of `own` (the organization owning the target: Ahlen, or the district
//! for the coordinator), `other` (Ostbevern, which owns nothing here) or `none` (anonymous),
//! and the exact status the call must answer. Besides the table, rules that hold for every
//! operation are checked here (no 5xx; the coordinator reaches every `/api/v1` operation with a
//! 2xx, so that the calls are not just 404s; an anonymous or foreign caller never writes), and
//! every write refused with 401 or 403 must leave every table (business rows, audit trail,
//! change feed) exactly as it was.
//!
//! A new operation without rows fails with the rows observed for it, ready to be reviewed and
//! appended. `SMARTREGION_MATRIX_RECORD=1` rewrites the whole table from what is observed
//! (review the diff before committing it).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

const TABLE: &str = "tests/fixtures/authorization-matrix.csv";
const HEADER: &str = "operation_id,role,organization,status";

/// The identities of the matrix, in the order of the table.
const IDENTITIES: [(&str, &str); 11] = [
    ("coordinator", "own"),
    ("coordinator", "other"),
    ("admin", "own"),
    ("admin", "other"),
    ("editor", "own"),
    ("editor", "other"),
    ("viewer", "own"),
    ("viewer", "other"),
    ("integration", "own"),
    ("integration", "other"),
    ("anonymous", "none"),
];

/// The bearer token of an identity: the own organization is Ahlen (the district for the
/// coordinator), the other one Ostbevern (a coordinator token of a town is refused: only the
/// steering office may hold that role).
fn bearer(role: &str, organization: &str) -> Option<String> {
    match (role, organization) {
        ("anonymous", _) => None,
        ("coordinator", "own") => Some(coordinator()),
        (role, "own") => Some(token(AHLEN, &[role])),
        (role, _) => Some(token(OSTBEVERN, &[role])),
    }
}

/// One operation of the OpenAPI document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    pub method: Method,
    pub path: String,
}

pub fn operations() -> Vec<Operation> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                found.push(Operation {
                    id: id.to_owned(),
                    method,
                    path: path.clone(),
                });
            }
        }
    }
    found
}

/// Operations not called here yet (none: every operation has its world objects and bodies). It
/// must not grow: a new operation gets its rows when it is added.
pub const PENDING: &[&str] = &[];

/// `(operation_id, role, organization) -> status` from the committed table.
fn expected() -> BTreeMap<(String, String, String), u16> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/authorization-matrix.csv"
    ))
    .unwrap_or_default();
    let mut rows = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line == HEADER {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        assert_eq!(fields.len(), 4, "{TABLE}:{}: {line}", number + 1);
        let status = fields[3]
            .parse()
            .unwrap_or_else(|_| panic!("{TABLE}:{}: status {:?}", number + 1, fields[3]));
        let key = (fields[0].into(), fields[1].into(), fields[2].into());
        assert!(
            rows.insert(key, status).is_none(),
            "{TABLE}:{}: duplicate row {line}",
            number + 1
        );
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// The seeded world

/// Objects owned by Ahlen (or the steering office), created once; operations that use their
/// target up (deletes, state changes) get fresh objects per call instead.
pub struct World {
    project: Uuid,
    cost_item: String,
    programme: String,
    funding: String,
    indicator: String,
    measurement: String,
    milestone: String,
    report: String,
    snapshot: String,
    meeting: String,
    agenda_item: String,
    /// A held meeting whose minutes are not approved yet: it still takes changes.
    open_meeting: String,
    open_item: String,
    member: String,
    action_item: String,
    goal: String,
    webhook: String,
    feed_token: String,
    /// A public initiative of Ahlen.
    initiative: String,
    /// A working group of the steering office (Ahlen not a member at first).
    working_group: String,
    /// OParl object paths by operation id, taken from the OParl lists.
    oparl: BTreeMap<&'static str, String>,
    /// Objects created for a delete that was refused, reused by the next identity.
    spares: BTreeMap<String, String>,
    counter: u32,
}

async fn created(app: &TestApp, path: &str, body: Value) -> String {
    created_as(app, path, body, coordinator()).await
}

async fn created_as(app: &TestApp, path: &str, body: Value, bearer: String) -> String {
    let response = app
        .post(path)
        .bearer_auth(bearer)
        .json(&body)
        .send()
        .await
        .unwrap();
    let body = json(response, 201).await;
    body["id"].as_str().unwrap().to_owned()
}

pub async fn etag_if_any(app: &TestApp, path: &str) -> Option<String> {
    let response = app.get(path).by_coordinator().send().await.unwrap();
    if response.status() != 200 {
        return None;
    }
    response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
}

async fn put_as_coordinator(app: &TestApp, path: &str, body: Value) {
    let mut request = app.request(Method::PUT, path).by_coordinator().json(&body);
    if let Some(tag) = etag_if_any(app, path).await {
        request = request.header("If-Match", tag);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "PUT {path}: {}",
        response.text().await.unwrap()
    );
}

impl World {
    pub async fn seed(app: &TestApp) -> World {
        let sample = crate::meetings::sample(app).await;
        crate::meetings::approve(app, &sample.meeting).await;
        let project = ProjectBuilder::new("MX-0")
            .lead(AHLEN)
            .status("approved")
            .create(app)
            .await;
        crate::costs::add_standard_items(app, project).await;
        crate::costs::put_key(app, project, json!({"type": "equal"})).await;
        crate::costs::set_state(app, project, AHLEN, "committed").await;
        let p = format!("/api/v1/projects/{project}");
        let cost_item = created(app, &format!("{p}/cost-items"), cost_item_body()).await;
        let programme = created(app, "/api/v1/funding-programmes", programme_body(0)).await;
        let funding = created(app, &format!("{p}/funding"), funding_body(&programme)).await;
        let indicator = created(app, &format!("{p}/indicators"), indicator_body()).await;
        let measurement = created(
            app,
            &format!("{p}/indicators/{indicator}/measurements"),
            measurement_body(0),
        )
        .await;
        let milestone = created(app, &format!("{p}/milestones"), milestone_body()).await;
        let report = created(app, &format!("{p}/reports"), report_body(0)).await;
        let snapshot = created(app, &format!("{p}/allocation/snapshots"), snapshot_body(0)).await;
        let member = crate::meetings::add_member(app, AHLEN, "Anna Matrix", "member", true).await;
        let action_item = created(app, "/api/v1/action-items", action_item_body()).await;
        let goal = created(app, "/api/v1/strategy/goals", goal_body(0)).await;
        let webhook = created_as(
            app,
            "/api/v1/webhooks",
            webhook_body(0),
            token(AHLEN, &["admin"]),
        )
        .await;
        let feed_token = created(app, "/api/v1/calendar-feed-tokens", feed_token_body()).await;
        let initiative = created(app, "/api/v1/initiatives", initiative_body(0)).await;
        let working_group = created(app, "/api/v1/working-groups", working_group_body(0)).await;

        let mut world = World {
            project,
            cost_item,
            programme,
            funding,
            indicator,
            measurement,
            milestone,
            report,
            snapshot,
            meeting: sample.meeting,
            agenda_item: sample.public_item,
            open_meeting: String::new(),
            open_item: String::new(),
            member,
            action_item,
            goal,
            webhook,
            feed_token,
            initiative,
            working_group,
            oparl: BTreeMap::new(),
            spares: BTreeMap::new(),
            counter: 0,
        };
        let (open_meeting, items) = world.fresh_meeting(app, "held").await;
        world.open_meeting = open_meeting;
        world.open_item = items[0].clone();

        let mut oparl = BTreeMap::new();
        for (operation, list) in [
            ("get_oparl_agenda_item", "agenda-items"),
            ("get_oparl_consultation", "consultations"),
            ("get_oparl_file", "files"),
            ("get_oparl_legislative_term", "legislative-terms"),
            ("get_oparl_location", "locations"),
            ("get_oparl_meeting", "meetings"),
            ("get_oparl_membership", "memberships"),
            ("get_oparl_institution", "organizations"),
            ("get_oparl_paper", "papers"),
            ("get_oparl_person", "persons"),
        ] {
            let page = json(
                app.get(&format!("/oparl/v1.1/bodies/smartregion/{list}"))
                    .send()
                    .await
                    .unwrap(),
                200,
            )
            .await;
            let object = page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .find(|id| operation != "get_oparl_institution" || id.contains("/institutions/"))
                .unwrap_or_else(|| panic!("the OParl list {list} is empty: {page}"));
            let path = object.strip_prefix(PUBLIC_URL).unwrap().to_owned();
            oparl.insert(operation, path.clone());
            if operation == "get_oparl_file" {
                oparl.insert("get_oparl_file_access", format!("{path}/access"));
                oparl.insert("get_oparl_file_download", format!("{path}/download"));
            }
        }

        world.oparl = oparl;
        world
    }

    fn next(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    /// A fresh project led by Ahlen (status `planned`).
    async fn fresh_project(&mut self, app: &TestApp) -> Uuid {
        let n = self.next();
        ProjectBuilder::new(&format!("MF-{n}"))
            .lead(AHLEN)
            .create(app)
            .await
    }

    /// A fresh organization (an agency, which no token of the matrix belongs to) that joined in
    /// 2027; when `left`, it left again at the end of 2028.
    async fn fresh_organization(&mut self, app: &TestApp, left: bool) -> String {
        let key = format!("matrix-{}", self.next());
        let response = app
            .post("/api/v1/organizations")
            .by_coordinator()
            .json(&organization_body(&key))
            .send()
            .await
            .unwrap();
        json(response, 201).await;
        if left {
            let response = app
                .post(&format!("/api/v1/organizations/{key}/memberships/leave"))
                .by_coordinator()
                .json(&leave_body())
                .send()
                .await
                .unwrap();
            json(response, 200).await;
        }
        key
    }

    /// A fresh meeting with two agenda items, moved to `state`; with minutes when held.
    async fn fresh_meeting(&mut self, app: &TestApp, state: &str) -> (String, Vec<String>) {
        let n = 100 + i64::from(self.next());
        let meeting = crate::meetings::simple_meeting(app, n, true).await;
        let mut items = Vec::new();
        for number in ["1", "2"] {
            let item = crate::meetings::add_item(
                app,
                &meeting,
                json!({"number": number, "title": format!("Punkt {number}"), "public": true}),
            )
            .await;
            items.push(item["id"].as_str().unwrap().to_owned());
        }
        put_as_coordinator(
            app,
            &format!("/api/v1/meetings/{meeting}/attendance/{AHLEN}"),
            json!({"status": "present", "delegate_member_ids": [self.member]}),
        )
        .await;
        if state != "planned" {
            crate::meetings::transition(app, &meeting, "invited", None).await;
        }
        if state == "held" {
            crate::meetings::transition(app, &meeting, "held", None).await;
            put_as_coordinator(
                app,
                &format!("/api/v1/meetings/{meeting}/minutes"),
                json!({"public_text": "Die Sitzung wurde eröffnet."}),
            )
            .await;
        }
        (meeting, items)
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies (valid for the steering office, so that its call succeeds)

fn cost_item_body() -> Value {
    json!({"category": "licence", "recurrence": "recurring", "first_year": 2027, "last_year": 2028,
           "amount_cents": 120_000, "eligible_for_funding": false, "basis": "estimate",
           "description": "Lizenz"})
}

fn programme_body(n: u32) -> Value {
    json!({"name": format!("Förderprogramm {n}"), "funding_body": "state",
           "rule": {"type": "fixed", "base_cents": 17_500_000, "per_further_partner_cents": 3_500_000,
                    "base_partners": 2, "max_rate_bp": 9000}})
}

fn funding_body(programme: &str) -> Value {
    json!({"programme_id": programme, "first_year": 2027, "last_year": 2028,
           "requested_cents": 100_000, "state": "planned"})
}

fn indicator_body() -> Value {
    json!({"name": "Angeschlossene Sensoren", "unit": "Anzahl", "baseline": 0, "target": 500,
           "target_date": "2027-12-31"})
}

fn measurement_body(n: u32) -> Value {
    // A date of its own per call (one measurement per indicator and day).
    let year = 2026 - n / 336;
    json!({"measured_on": format!("{year}-{:02}-{:02}", 1 + n / 28 % 12, 1 + n % 28), "value": 120})
}

fn milestone_body() -> Value {
    json!({"planned_date": "2026-06-30", "title": "Förderantrag eingereicht"})
}

fn report_body(n: u32) -> Value {
    // A past date of its own per call (reports may not be dated in the future; the calls are
    // counted over all operations, so 2026 alone would reach past today).
    let day = 1 + n % 28;
    let month = 1 + n / 28 % 12;
    let year = 2025 - n / 336;
    json!({"report_date": format!("{year}-{month:02}-{day:02}"), "text": "Standortsuche abgeschlossen.",
           "progress_percent": 40, "traffic_light": "green"})
}

fn snapshot_body(n: u32) -> Value {
    json!({"label": format!("Vorlage {n}"), "from": 2027, "to": 2028})
}

fn action_item_body() -> Value {
    json!({"title": "Förderantrag vorbereiten", "owner_organization": AHLEN, "due_date": "2026-06-30"})
}

fn goal_body(n: u32) -> Value {
    json!({"title": format!("Ziel {n}"), "field_of_action": "town_village_centres", "project_ids": []})
}

fn webhook_body(n: u32) -> Value {
    json!({"url": format!("http://127.0.0.1:9/hooks/{n}"), "event_types": ["project"]})
}

fn feed_token_body() -> Value {
    json!({"label": "Kalender", "organization": AHLEN})
}

fn initiative_body(n: u32) -> Value {
    json!({"organization": AHLEN, "title": format!("Digitale Bürgersprechstunde {n}"),
           "field_of_action": "town_village_centres", "contact_role": "Stabsstelle Digitalisierung",
           "visibility": "public"})
}

fn working_group_body(n: u32) -> Value {
    json!({"name": format!("Arbeitskreis Matrix {n}"), "kind": "working_group",
           "host_organization": DISTRICT, "members": [DISTRICT]})
}

fn organization_body(key: &str) -> Value {
    json!({"key": key, "name": format!("Agentur {key}"), "kind": "agency",
           "joined_on": "2027-01-01", "reason": "Beitritt nach Beschluss"})
}

fn leave_body() -> Value {
    json!({"left_on": "2028-12-31", "reason": "Austritt nach Beschluss"})
}

// ---------------------------------------------------------------------------------------------
// One call

pub struct Call {
    pub path: String,
    pub body: Option<Value>,
    /// Where the `If-Match` of the call is read (as the steering office), if it needs one.
    pub etag_from: Option<String>,
}

/// Fills the path parameters of `operation` with the world's objects (fresh ones for
/// operations that use their target up) and picks a body.
pub async fn prepare(app: &TestApp, world: &mut World, operation: &Operation) -> Call {
    let p = format!("/api/v1/projects/{}", world.project);
    let n = world.next();
    // The target of a refused delete is still there: the next identity gets the same one.
    if operation.method == Method::DELETE
        && let Some(path) = world.spares.get(&operation.id).cloned()
    {
        if app
            .get(&path)
            .by_coordinator()
            .send()
            .await
            .unwrap()
            .status()
            == 200
        {
            return Call {
                etag_from: Some(path.clone()),
                path,
                body: None,
            };
        }
        world.spares.remove(&operation.id);
    }
    let (path, body): (String, Option<Value>) = match operation.id.as_str() {
        // Project scoped.
        "update_project_status" => {
            let fresh = world.fresh_project(app).await;
            (
                format!("/api/v1/projects/{fresh}/status"),
                Some(json!({"status": "approved", "reason": "Lenkungskreis"})),
            )
        }
        "delete_project" => {
            let fresh = world.fresh_project(app).await;
            (format!("/api/v1/projects/{fresh}"), None)
        }
        "put_participation" => {
            let fresh = world.fresh_project(app).await;
            (
                format!("/api/v1/projects/{fresh}/participations/{AHLEN}"),
                Some(json!({"state": "interested"})),
            )
        }
        "delete_cost_item" => {
            let id = created(app, &format!("{p}/cost-items"), cost_item_body()).await;
            (format!("{p}/cost-items/{id}"), None)
        }
        "delete_funding_application" => {
            let programme = created(app, "/api/v1/funding-programmes", programme_body(n)).await;
            let id = created(app, &format!("{p}/funding"), funding_body(&programme)).await;
            (format!("{p}/funding/{id}"), None)
        }
        "delete_project_indicator" => {
            let id = created(app, &format!("{p}/indicators"), indicator_body()).await;
            (format!("{p}/indicators/{id}"), None)
        }
        "delete_indicator_measurement" => {
            let i = &world.indicator;
            let id = created(
                app,
                &format!("{p}/indicators/{i}/measurements"),
                measurement_body(n),
            )
            .await;
            (format!("{p}/indicators/{i}/measurements/{id}"), None)
        }
        "delete_project_milestone" => {
            let id = created(app, &format!("{p}/milestones"), milestone_body()).await;
            (format!("{p}/milestones/{id}"), None)
        }
        // Meetings.
        "delete_meeting" => {
            let (meeting, _) = world.fresh_meeting(app, "planned").await;
            (format!("/api/v1/meetings/{meeting}"), None)
        }
        "update_meeting_state" => {
            let (meeting, _) = world.fresh_meeting(app, "planned").await;
            (
                format!("/api/v1/meetings/{meeting}/state"),
                Some(json!({"state": "invited"})),
            )
        }
        "update_agenda_order" => {
            let (meeting, mut items) = world.fresh_meeting(app, "planned").await;
            items.reverse();
            (
                format!("/api/v1/meetings/{meeting}/agenda-items/order"),
                Some(json!({"item_ids": items})),
            )
        }
        "delete_agenda_item" => {
            let (meeting, items) = world.fresh_meeting(app, "planned").await;
            (
                format!("/api/v1/meetings/{meeting}/agenda-items/{}", items[0]),
                None,
            )
        }
        "delete_attendance" => {
            let (meeting, _) = world.fresh_meeting(app, "planned").await;
            (
                format!("/api/v1/meetings/{meeting}/attendance/{AHLEN}"),
                None,
            )
        }
        "put_minutes" => {
            let (meeting, _) = world.fresh_meeting(app, "held").await;
            (
                format!("/api/v1/meetings/{meeting}/minutes"),
                Some(json!({"public_text": "Die Tagesordnung wurde festgestellt."})),
            )
        }
        "approve_minutes" => {
            let (meeting, _) = world.fresh_meeting(app, "held").await;
            (
                format!("/api/v1/meetings/{meeting}/minutes/approve"),
                Some(json!({})),
            )
        }
        "create_committee_member_erasure" => {
            let id = crate::meetings::add_member(app, AHLEN, "Carla Fort", "member", true).await;
            (format!("/api/v1/committee/members/{id}/erasure"), None)
        }
        "delete_committee_member" => {
            let id = crate::meetings::add_member(app, AHLEN, "Bernd Kurz", "member", true).await;
            (format!("/api/v1/committee/members/{id}"), None)
        }
        "delete_action_item" => {
            let id = created(app, "/api/v1/action-items", action_item_body()).await;
            (format!("/api/v1/action-items/{id}"), None)
        }
        "delete_goal" => {
            let id = created(app, "/api/v1/strategy/goals", goal_body(n)).await;
            (format!("/api/v1/strategy/goals/{id}"), None)
        }
        "delete_webhook" => {
            let id = created_as(
                app,
                "/api/v1/webhooks",
                webhook_body(n),
                token(AHLEN, &["admin"]),
            )
            .await;
            (format!("/api/v1/webhooks/{id}"), None)
        }
        "delete_calendar_feed_token" => {
            let id = created(app, "/api/v1/calendar-feed-tokens", feed_token_body()).await;
            (format!("/api/v1/calendar-feed-tokens/{id}"), None)
        }
        "delete_calendar_feed_tokens" => {
            created(app, "/api/v1/calendar-feed-tokens", feed_token_body()).await;
            (
                format!(
                    "/api/v1/calendar-feed-tokens?created_by=tester%40{AHLEN}&organization={AHLEN}"
                ),
                None,
            )
        }
        // Initiatives and working groups.
        "delete_initiative" => {
            let id = created(app, "/api/v1/initiatives", initiative_body(n)).await;
            (format!("/api/v1/initiatives/{id}"), None)
        }
        "delete_working_group" => {
            let id = created(app, "/api/v1/working-groups", working_group_body(n)).await;
            (format!("/api/v1/working-groups/{id}"), None)
        }
        "delete_working_group_member" => {
            // A group Ahlen belongs to, fresh per call: the removal uses the membership up.
            let mut body = working_group_body(n);
            body["members"] = json!([DISTRICT, AHLEN]);
            let id = created(app, "/api/v1/working-groups", body).await;
            (format!("/api/v1/working-groups/{id}/members/{AHLEN}"), None)
        }
        // Membership periods: only the steering office records them. A fresh organization per
        // call, so that no call makes Ahlen leave the cooperation (a municipality's own admin
        // is refused on its own membership in profile.rs).
        "create_organization_membership" => {
            let key = world.fresh_organization(app, true).await;
            (
                format!("/api/v1/organizations/{key}/memberships"),
                Some(json!({"joined_on": "2030-01-01", "reason": "Wiedereintritt"})),
            )
        }
        "post_organization_membership_leave" => {
            let key = world.fresh_organization(app, false).await;
            (
                format!("/api/v1/organizations/{key}/memberships/leave"),
                Some(leave_body()),
            )
        }
        id if id.starts_with("get_oparl_")
            && operation.path.contains('{')
            && world.oparl.contains_key(id) =>
        {
            (world.oparl[id].clone(), None)
        }
        _ => (
            fill(world, &operation.path, operation.method != Method::GET),
            body_for(world, operation, n),
        ),
    };
    let etag_from = match (operation.id.as_str(), &operation.method) {
        (_, &Method::GET) | (_, &Method::POST)
            if operation.id != "approve_minutes" && operation.id != "update_project_status" =>
        {
            None
        }
        ("approve_minutes", _) => Some(path.trim_end_matches("/approve").to_owned()),
        ("update_project_status", _) | ("update_project_progress", _) => {
            Some(path.rsplit_once('/').unwrap().0.to_owned())
        }
        ("update_meeting_state", _) | ("update_agenda_order", _) => Some(
            path.trim_end_matches("/state")
                .trim_end_matches("/agenda-items/order")
                .to_owned(),
        ),
        _ => Some(path.split('?').next().unwrap().to_owned()),
    };
    if operation.method == Method::DELETE && !path.contains('?') {
        world.spares.insert(operation.id.clone(), path.clone());
    }
    Call {
        path,
        body,
        etag_from,
    }
}

/// The path with its parameters taken from the world's objects.
fn fill(world: &World, template: &str, writes: bool) -> String {
    let segments: Vec<&str> = template.split('/').collect();
    let mut out = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let parent = if i > 0 { segments[i - 1] } else { "" };
        let value = match (*segment, parent) {
            ("{id}", "projects") => world.project.to_string(),
            ("{body}", "bodies") => test_profile().oparl.body_id,
            // Writes need a meeting that still takes changes.
            ("{id}", "meetings") if writes => world.open_meeting.clone(),
            ("{aid}", _) if writes => world.open_item.clone(),
            ("{id}", "meetings") => world.meeting.clone(),
            ("{id}", "action-items") => world.action_item.clone(),
            ("{id}", "webhooks") => world.webhook.clone(),
            ("{id}", "calendar-feed-tokens") => world.feed_token.clone(),
            ("{id}", "initiatives") => world.initiative.clone(),
            ("{id}", "working-groups") => world.working_group.clone(),
            ("{aid}", _) => world.agenda_item.clone(),
            ("{org}", _) | ("{key}", "organizations") => AHLEN.to_owned(),
            ("{mid}", "members") => world.member.clone(),
            ("{mid}", "milestones") => world.milestone.clone(),
            ("{mid}", "measurements") => world.measurement.clone(),
            ("{cid}", _) => world.cost_item.clone(),
            ("{fid}", _) => world.funding.clone(),
            ("{pid}", _) => world.programme.clone(),
            ("{iid}", _) => world.indicator.clone(),
            ("{rid}", _) => world.report.clone(),
            ("{sid}", _) => world.snapshot.clone(),
            ("{gid}", _) => world.goal.clone(),
            ("{version}", _) => "1".to_owned(),
            (other, _) if other.starts_with('{') => {
                // An operation this test does not know yet: a well-formed id that names
                // nothing (the table then records what it answers).
                Uuid::nil().to_string()
            }
            (literal, _) => literal.to_owned(),
        };
        out.push(value);
    }
    let mut path = out.join("/");
    // Queries some reads require.
    match template {
        "/api/v1/organizations/{org}/report" => path.push_str("?from=2026-01-01&to=2026-12-31"),
        "/api/v1/meetings/{id}/export" => path.push_str("?format=json"),
        _ => {}
    }
    path
}

fn body_for(world: &World, operation: &Operation, n: u32) -> Option<Value> {
    let body = match operation.id.as_str() {
        "create_action_item" => action_item_body(),
        "update_action_item" => json!({"status": "in_progress"}),
        "create_calendar_feed_token" => feed_token_body(),
        "create_committee_member" => {
            json!({"organization": AHLEN, "name": format!("Person {n}"), "start_date": "2025-11-01"})
        }
        "update_committee_member" => json!({"function": format!("Funktion {n}")}),
        "create_funding_programme" => programme_body(n),
        "update_funding_programme" => json!({"name": format!("Programm neu {n}")}),
        "create_meeting" => crate::meetings::meeting_body(
            1000 + i64::from(n),
            "2026-09-03T17:00:00+02:00",
            "2026-09-03T19:00:00+02:00",
            true,
        ),
        "update_meeting" => json!({"location_room": format!("Saal {n}")}),
        "create_agenda_item" => {
            json!({"number": format!("{}", 10 + n), "title": "Weiterer Punkt", "public": true})
        }
        "update_agenda_item" => {
            json!({"result": "noted", "resolution_text": format!("Beschluss {n}")})
        }
        "put_attendance" => json!({"status": "present", "delegate_member_ids": [world.member]}),
        "update_organization" => json!({"contact_email": format!("it{n}@ahlen.de")}),
        "create_project" => json!({"code": format!("MC-{n}"), "title": "Neues Projekt",
                                   "field_of_action": "administration", "category": "lead"}),
        "import_projects" => json!([{"code": format!("MI-{n}"), "title": "Importiert",
                                     "field_of_action": "administration", "category": "lead"}]),
        "update_project" => json!({"title": format!("Projekt {n}")}),
        "preview_allocation" => json!({}),
        "create_allocation_snapshot" => snapshot_body(n),
        "create_cost_item" => cost_item_body(),
        "update_cost_item" => json!({"amount_cents": 130_000 + i64::from(n)}),
        "put_cost_key" => json!({"type": "equal", "note": format!("Fassung {n}")}),
        "create_funding_application" => funding_body(&world.programme),
        "update_funding_application" => json!({"requested_cents": 100_000 + i64::from(n)}),
        "create_project_indicator" => indicator_body(),
        "update_project_indicator" => json!({"target": 600 + i64::from(n)}),
        "create_indicator_measurement" => measurement_body(n),
        "create_project_milestone" => milestone_body(),
        "update_project_milestone" => json!({"title": format!("Meilenstein {n}")}),
        "update_project_progress" => json!({"progress_percent": n % 100}),
        "create_project_report" => report_body(n),
        "update_project_report" => json!({"progress_percent": n % 100}),
        "put_strategy" => {
            json!({"vision": format!("Vision {n}"), "guiding_principles": "gemeinsam"})
        }
        "create_goal" => goal_body(n),
        "update_goal" => json!({"title": format!("Ziel neu {n}")}),
        "create_webhook" => webhook_body(n),
        "update_webhook" => json!({"description": format!("Beschreibung {n}")}),
        "create_initiative" => initiative_body(n),
        "update_initiative" => json!({"title": format!("Digitale Bürgersprechstunde neu {n}")}),
        "import_initiatives" => json!([{"organization": AHLEN, "title": format!("Importiert {n}"),
                                        "field_of_action": "town_village_centres",
                                        "status": "idea", "visibility": "public"}]),
        "create_working_group" => working_group_body(1000 + n),
        "update_working_group" => json!({"meeting_rhythm": format!("monatlich ({n})")}),
        "put_working_group_member" => return None,
        "create_organization" => organization_body(&format!("matrix-new-{n}")),
        _ if operation.method == Method::GET || operation.method == Method::DELETE => {
            return None;
        }
        // An operation this test does not know yet.
        _ => json!({}),
    };
    Some(body)
}

// ---------------------------------------------------------------------------------------------
// The state of the database

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Digest {
    #[diesel(sql_type = Text)]
    digest: String,
}

/// The append-only tables (see migration 000001).
const APPEND_ONLY: [&str; 2] = ["audit_log", "changes"];

/// One query that digests every row of every table of the schema (business rows, audit
/// trail, change feed, idempotency store, webhook deliveries: everything).
pub async fn digest_query(app: &TestApp) -> String {
    let mut conn = app.conn().await;
    let tables: Vec<Name> = diesel::sql_query(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' \
         AND tablename <> '__diesel_schema_migrations' ORDER BY tablename",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert!(tables.len() > 10, "too few tables");
    let parts: Vec<String> = tables
        .iter()
        .map(|t| {
            if APPEND_ONLY.contains(&t.name.as_str()) {
                // Append-only (the database refuses updates and deletes): how many rows and
                // the last id say whether anything was added, without reading them all.
                let key = if t.name == "changes" { "seq" } else { "id" };
                return format!(
                    "SELECT '{0}' AS t, count(*)::text || '/' || coalesce(max({key}), 0)::text AS h \
                     FROM \"{0}\"",
                    t.name
                );
            }
            format!(
                "SELECT '{0}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h \
                 FROM \"{0}\" x",
                t.name
            )
        })
        .collect();
    format!(
        "SELECT string_agg(t || ':' || h, ',' ORDER BY t) AS digest FROM ({}) d",
        parts.join(" UNION ALL ")
    )
}

pub async fn digest(app: &TestApp, query: &str) -> String {
    let mut conn = app.conn().await;
    let row: Digest = diesel::sql_query(query)
        .get_result(&mut conn)
        .await
        .unwrap();
    row.digest
}

/// The tables whose digest differs.
pub fn changed_tables(before: &str, after: &str) -> Vec<String> {
    before
        .split(',')
        .zip(after.split(','))
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.split(':').next().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The test

#[actix_web::test]
async fn every_operation_answers_every_identity_as_the_matrix_says() {
    let app = TestApp::builder()
        // No deliveries in the background: the database changes only by the calls.
        .env("SMARTREGION_WEBHOOK_WORKER", "false")
        .env("SMARTREGION_WEBHOOK_ALLOW_PRIVATE", "true")
        .spawn()
        .await;
    let mut world = World::seed(&app).await;
    let digest_sql = digest_query(&app).await;
    let recording = std::env::var("SMARTREGION_MATRIX_RECORD").as_deref() == Ok("1");
    let table = if recording {
        BTreeMap::new()
    } else {
        expected()
    };
    let operations = operations();

    let mut observed: Vec<(String, &str, &str, u16)> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for operation in operations
        .iter()
        .filter(|o| !PENDING.contains(&o.id.as_str()))
    {
        for (role, organization) in IDENTITIES {
            let call = prepare(&app, &mut world, operation).await;
            let mut request = app.request(operation.method.clone(), &call.path);
            if let Some(token) = bearer(role, organization) {
                request = request.bearer_auth(token);
            }
            if let Some(source) = &call.etag_from
                && let Some(tag) = etag_if_any(&app, source).await
            {
                request = request.header("If-Match", tag);
            }
            if let Some(body) = &call.body {
                request = request.json(body);
            }
            let writes = operation.method != Method::GET;
            let before = if writes {
                Some(digest(&app, &digest_sql).await)
            } else {
                None
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            // Every creation names what it created by an absolute URL (`http::respond`), but
            // a membership period, which has no URL of its own (RFC 9110: then the target
            // URI identifies it).
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap_or_default().to_owned());
            if status == 201
                && operation.id != "create_organization_membership"
                && !location
                    .as_deref()
                    .is_some_and(|l| l.starts_with(&format!("{PUBLIC_URL}/api/v1/")))
            {
                failures.push(format!(
                    "{} {}: 201 without an absolute Location ({location:?})",
                    operation.method, call.path
                ));
            }
            let text = response.text().await.unwrap_or_default();
            let who = format!(
                "{} {} ({}) as {role}/{organization}",
                operation.method, call.path, operation.id
            );
            observed.push((operation.id.clone(), role, organization, status));

            // Rules that hold whatever the table says.
            if status >= 500 {
                failures.push(format!("{who}: {status} {text}"));
            }
            let api = operation.path.starts_with("/api/v1/");
            if api
                && role == "coordinator"
                && organization == "own"
                && !(200..300).contains(&status)
            {
                failures.push(format!(
                    "{who}: the steering office must reach every operation (2xx), got {status} {text}"
                ));
            }
            // A foreign caller may create what belongs to itself (its own webhooks); the
            // preview is a read sent as POST.
            if api
                && writes
                && !["preview_allocation", "create_webhook"].contains(&operation.id.as_str())
            {
                let success = (200..300).contains(&status);
                if success && (role == "anonymous" || organization == "other") {
                    failures.push(format!(
                        "{who}: an anonymous or foreign caller wrote ({status})"
                    ));
                }
            }
            if let Some(before) = before
                && (status == 401 || status == 403)
            {
                let after = digest(&app, &digest_sql).await;
                if before != after {
                    failures.push(format!(
                        "{who}: refused with {status} but changed {:?}",
                        changed_tables(&before, &after)
                    ));
                }
            }
            if (status == 401 || status == 403) && !text.contains("\"status\"") {
                failures.push(format!(
                    "{who}: {status} without a problem document: {text}"
                ));
            }

            // The table.
            let key = (
                operation.id.clone(),
                role.to_owned(),
                organization.to_owned(),
            );
            match table.get(&key) {
                Some(&want) if want != status => failures.push(format!(
                    "{who}: the matrix says {want}, the service answered {status} {}",
                    text.chars().take(200).collect::<String>()
                )),
                _ => {}
            }
        }
    }

    if recording {
        let mut out = format!(
            "# The authorization matrix: every operation of openapi/openapi.json, every identity.\n\
             # Checked by tests/api/authorization_matrix.rs (read its module comment).\n{HEADER}\n"
        );
        for (op, role, org, status) in &observed {
            writeln!(out, "{op},{role},{org},{status}").unwrap();
        }
        std::fs::write(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/authorization-matrix.csv"
            ),
            out,
        )
        .unwrap();
    }

    // Operations without rows, and rows of operations the document no longer has.
    let documented: BTreeSet<&str> = operations
        .iter()
        .map(|o| o.id.as_str())
        .filter(|id| !PENDING.contains(id))
        .collect();
    let mut missing = String::new();
    for (op, role, org, status) in observed.iter().filter(|_| !recording) {
        if !table.contains_key(&(op.clone(), role.to_string(), org.to_string())) {
            writeln!(missing, "{op},{role},{org},{status}").unwrap();
        }
    }
    let stale: BTreeSet<&str> = table
        .keys()
        .map(|(op, _, _)| op.as_str())
        .filter(|op| !documented.contains(op))
        .collect();
    let mut message = String::new();
    if !missing.is_empty() {
        writeln!(
            message,
            "operations of openapi/openapi.json without rows in {TABLE}. These are the answers \
             observed now; check each against who may call the operation (README, \"Authentication \
             and roles\"), correct what is wrong in the service, and append the rows (or run with \
             SMARTREGION_MATRIX_RECORD=1 and review the diff). A new operation with path \
             parameters or a body this test does not know needs a case in `prepare`/`body_for` \
             of tests/api/authorization_matrix.rs so that it reaches a real object:\n{missing}"
        )
        .unwrap();
    }
    if !stale.is_empty() {
        writeln!(
            message,
            "rows in {TABLE} for operations the document no longer has: {stale:?}"
        )
        .unwrap();
    }
    if !failures.is_empty() {
        writeln!(
            message,
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        )
        .unwrap();
    }
    assert!(message.is_empty(), "{message}");
}
