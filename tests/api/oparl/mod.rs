//! The OParl 1.1 endpoint: every object served is checked against the OParl JSON Schemas and
//! the rules they miss; a crawler follows every link from the System; nothing non-public or
//! unconsented appears anywhere.

mod crawl;
mod schemas;
mod sync;
mod visibility;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{Value, json};
use sha2::{Digest, Sha512};

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;
use crate::meetings::{Sample, add_item, approve, sample, simple_meeting};

pub const BASE: &str = "https://smartregion.test/oparl/v1.1";

/// The sample of the meetings tests (a held public meeting with a public item about project
/// DI-7, a non-public item, delegates with and without consent, approved minutes with a
/// non-public part), plus a second project on the public item, a non-public meeting with a
/// marked item and an unlinked project.
pub struct Scenario {
    pub sample: Sample,
    pub second_project: uuid::Uuid,
    pub hidden_meeting: String,
    pub hidden_item: String,
}

pub async fn scenario(app: &TestApp) -> Scenario {
    let sample = sample(app).await;
    approve(app, &sample.meeting).await;
    // `AB-1` sorts before `DI-7`: the public item names AB-1's consultation. The meeting is
    // frozen now, so the link is written directly (as a trigger-maintained link would be).
    let second_project = ProjectBuilder::new("AB-1")
        .title("Bürgerportal")
        .create(app)
        .await;
    link(app, &sample.public_item, second_project).await;
    let hidden_meeting = simple_meeting(app, 20, false).await;
    let hidden_item = add_item(
        app,
        &hidden_meeting,
        json!({"number": "1", "title": "Geheimsache Haushalt", "public": true}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Scenario {
        sample,
        second_project,
        hidden_meeting,
        hidden_item,
    }
}

/// Links a project to an agenda item through the audited write path.
pub async fn link(app: &TestApp, item: &str, project: uuid::Uuid) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use smartregion::db::schema::agenda_item_projects;
    use smartregion::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
    let item: uuid::Uuid = item.parse().unwrap();
    let mut conn = app.conn().await;
    audited(&mut conn, &Actor::system("test-fixture"), move |conn| {
        async move {
            diesel::insert_into(agenda_item_projects::table)
                .values((
                    agenda_item_projects::agenda_item_id.eq(item),
                    agenda_item_projects::project_id.eq(project),
                ))
                .execute(conn)
                .await?;
            Ok(Recorded::new(()).with(Entry::updated("agenda_item", item)))
        }
        .scope_boxed()
    })
    .await
    .unwrap();
}

/// The test address of a public URL.
pub fn local(app: &TestApp, url: &str) -> String {
    let path = url
        .strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("not ours: {url}"));
    format!("{}{path}", app.address)
}

/// GETs an OParl URL: asserts the CORS header, returns status and body text.
pub async fn fetch(app: &TestApp, url: &str) -> (u16, String) {
    let response = app.client.get(local(app, url)).send().await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("*"),
        "{url}: no CORS header"
    );
    (status, response.text().await.unwrap())
}

pub async fn get(app: &TestApp, url: &str) -> Value {
    let (status, body) = fetch(app, url).await;
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// Every URL of ours in a value.
fn links(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with(BASE) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| links(v, out)),
        Value::Object(map) => map.values().for_each(|v| links(v, out)),
        _ => {}
    }
}

/// Every OParl object in a value (top level and embedded), by id.
pub fn objects(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| objects(v, out)),
        Value::Object(map) => {
            if map.contains_key("id") && map.contains_key("type") {
                out.push(value.clone());
            }
            map.values().for_each(|v| objects(v, out));
        }
        _ => {}
    }
}

/// What a crawl from the System saw.
#[derive(Default)]
pub struct Crawl {
    /// Objects served on their own URL, by URL.
    pub objects: BTreeMap<String, Value>,
    /// List pages, by URL.
    pub pages: BTreeMap<String, Value>,
    /// File contents, by URL.
    pub contents: BTreeMap<String, String>,
    /// Every response body, for searching.
    pub bodies: Vec<String>,
}

impl Crawl {
    /// The ids in the pages of a list (following `next` from its first page).
    pub fn list_ids(&self, list: &str) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        let mut url = Some(list.to_owned());
        while let Some(current) = url {
            let page = &self.pages[&current];
            for item in page["data"].as_array().unwrap() {
                ids.insert(item["id"].as_str().unwrap().to_owned());
            }
            url = page["links"]["next"].as_str().map(str::to_owned);
        }
        ids
    }
}

/// Follows every link from the System, checking statuses, CORS, ids and the schemas.
pub async fn crawl(app: &TestApp, schemas: &schemas::Schemas) -> Crawl {
    let mut crawl = Crawl::default();
    let mut queue = VecDeque::from([format!("{BASE}/system")]);
    let mut seen = BTreeSet::new();
    while let Some(url) = queue.pop_front() {
        if !seen.insert(url.clone()) {
            continue;
        }
        let (status, body) = fetch(app, &url).await;
        assert_eq!(status, 200, "{url} does not resolve: {body}");
        crawl.bodies.push(body.clone());
        if url.ends_with("/access") || url.ends_with("/download") {
            crawl.contents.insert(url, body);
            continue;
        }
        let value: Value = serde_json::from_str(&body).unwrap();
        let mut found = Vec::new();
        if value.get("data").is_some() {
            let page = &value;
            for item in page["data"].as_array().unwrap() {
                schemas.check(&url, item);
            }
            for (name, link) in page["links"].as_object().unwrap() {
                assert!(link.as_str().unwrap().starts_with(BASE), "{url}: {name}");
            }
            links(&page["data"], &mut found);
            if let Some(next) = page["links"]["next"].as_str() {
                found.push(next.to_owned());
            }
            crawl.pages.insert(url.clone(), value);
        } else {
            assert_eq!(value["id"], url, "the id is the URL it is served at");
            schemas.check(&url, &value);
            links(&value, &mut found);
            crawl.objects.insert(url.clone(), value);
        }
        queue.extend(found.into_iter().filter(|u| !seen.contains(u)));
    }
    crawl
}

/// The SHA-512 of bytes, hex.
pub fn sha512(bytes: &[u8]) -> String {
    Sha512::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The agenda item ids of a meeting as the crawl saw them.
pub fn agenda_of(crawl: &Crawl, meeting: &str) -> Vec<Value> {
    crawl.objects[&format!("{BASE}/meetings/{meeting}")]["agendaItem"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub use crate::meetings::SECRETS;
