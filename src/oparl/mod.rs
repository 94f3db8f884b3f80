//! OParl 1.1, the open standard API of German council information systems: a public,
//! read-only, stateless view of the steering committee under `/oparl/v1.1/`.
//!
//! The mapping (see `../shared/docs/domain.md`):
//! - the cooperation is the one Body; the steering committee is an Organization of type
//!   "Gremium", the members are Organizations of type "Institution";
//! - delegates who consented to publication are Persons, each with one Membership in the
//!   committee `onBehalfOf` their organization;
//! - public meetings are Meetings with their public agenda items embedded as AgendaItems
//!   (`order` counts the public items only: the public never learns how many non-public items
//!   there are beyond what the printed numbers show), their place as a Location, and their
//!   approved minutes (the public part, Markdown) as a File;
//! - projects are Papers (`reference` = project code); every link between a public agenda
//!   item and a project is a Consultation. An AgendaItem names one Consultation: the one of
//!   its first project by code; every Paper embeds all of its Consultations.
//!
//! What the public may see is decided by the same rules as the JSON API (public meetings,
//! public items, approved minutes' public part, delegates with consent); `rows.rs` states the
//! SQL side of them in one place.
//!
//! Deleted objects: a soft-deleted row (meeting, agenda item, project, delegate) or a removed
//! agenda-item/project link answers 200 with `deleted: true` when the object was public in its
//! last state. A delegate who withdraws consent also becomes such a tombstone (no personal
//! data), so that clients erase the name. A meeting or agenda item that is made non-public
//! becomes a tombstone too (with what it embeds: agenda items, minutes, location,
//! consultations), so that mirrors drop the content; one that never was public stays 404.
//!
//! `created`/`modified`: an object's `modified` is the latest change of any row it is built
//! from (a meeting's row moves with every change to its agenda, attendance and minutes; the
//! projects linked from its items add theirs). Synthetic objects (System, Body, committee,
//! legislative term) take the steering office's organization's timestamps.

pub mod agenda_item;
pub mod body;
pub mod file;
pub mod handlers;
pub mod lists;
pub mod location;
pub mod meeting;
pub mod organization;
pub mod paper;
pub mod person;
pub mod time;

use serde_json::{Map, Value};
use uuid::Uuid;

pub const VERSION_URL: &str = "https://schema.oparl.org/1.1/";

/// The OParl type URL of an object type.
pub fn type_url(name: &str) -> String {
    format!("{VERSION_URL}{name}")
}

/// Every URL the endpoint hands out, built from `SMARTREGION_PUBLIC_URL`.
#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
    body_id: String,
    term_key: String,
}

impl Urls {
    /// `body_id` and `term_key`: the profile's Body id and legislative term (a service serves
    /// one cooperation: one Body, one LegislativeTerm).
    pub fn new(public_url: &str, body_id: &str, term_key: &str) -> Self {
        Self {
            base: format!("{}/oparl/v1.1", public_url.trim_end_matches('/')),
            body_id: body_id.to_owned(),
            term_key: term_key.to_owned(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn system(&self) -> String {
        format!("{}/system", self.base)
    }

    pub fn bodies(&self) -> String {
        format!("{}/bodies", self.base)
    }

    pub fn body(&self) -> String {
        format!("{}/bodies/{}", self.base, self.body_id)
    }

    /// A list of the body, e.g. `meetings`.
    pub fn list(&self, name: &str) -> String {
        format!("{}/{name}", self.body())
    }

    pub fn committee(&self) -> String {
        format!("{}/organizations/lenkungskreis", self.base)
    }

    pub fn institution(&self, key: &str) -> String {
        format!("{}/organizations/institutions/{key}", self.base)
    }

    pub fn person(&self, id: Uuid) -> String {
        format!("{}/persons/{id}", self.base)
    }

    pub fn membership(&self, id: Uuid) -> String {
        format!("{}/memberships/{id}", self.base)
    }

    pub fn meeting(&self, id: Uuid) -> String {
        format!("{}/meetings/{id}", self.base)
    }

    pub fn agenda_item(&self, id: Uuid) -> String {
        format!("{}/agenda-items/{id}", self.base)
    }

    pub fn location(&self, meeting: Uuid) -> String {
        format!("{}/locations/{meeting}", self.base)
    }

    pub fn file(&self, id: Uuid) -> String {
        format!("{}/files/{id}", self.base)
    }

    pub fn file_access(&self, id: Uuid) -> String {
        format!("{}/files/{id}/access", self.base)
    }

    pub fn file_download(&self, id: Uuid) -> String {
        format!("{}/files/{id}/download", self.base)
    }

    pub fn paper(&self, id: Uuid) -> String {
        format!("{}/papers/{id}", self.base)
    }

    pub fn consultation(&self, agenda_item: Uuid, project: Uuid) -> String {
        format!("{}/consultations/{agenda_item}/{project}", self.base)
    }

    pub fn legislative_term(&self) -> String {
        format!("{}/legislative-terms/{}", self.base, self.term_key)
    }

    /// The human-readable page of a public meeting (the printable agenda or minutes).
    pub fn meeting_web(&self, public_url: &str, id: Uuid) -> String {
        format!(
            "{}/api/v1/meetings/{id}/export?format=html",
            public_url.trim_end_matches('/')
        )
    }
}

pub use crate::db::oparl::Stamps;

/// Builds an OParl object: `id`, `type`, the fields, `created`, `modified`; absent values are
/// left out (OParl forbids `null` and empty strings).
#[derive(Debug, Default)]
pub struct Object(Map<String, Value>);

impl Object {
    pub fn new(id: String, type_name: &str) -> Self {
        let mut map = Map::new();
        map.insert("id".into(), Value::String(id));
        map.insert("type".into(), Value::String(type_url(type_name)));
        Object(map)
    }

    /// Sets a field; `None`, `""` and empty arrays are left out.
    pub fn set(mut self, name: &str, value: impl Into<Option<Value>>) -> Self {
        match value.into() {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(v) => {
                self.0.insert(name.into(), v);
            }
        }
        self
    }

    pub fn text(self, name: &str, value: Option<&str>) -> Self {
        self.set(name, value.map(|v| Value::String(v.to_owned())))
    }

    pub fn stamps(self, stamps: Stamps) -> Self {
        self.set("created", Value::String(time::datetime(stamps.created)))
            .set("modified", Value::String(time::datetime(stamps.modified)))
    }

    pub fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// A deleted object: only what identifies it, and when it was deleted.
pub fn tombstone(id: String, type_name: &str, stamps: Stamps) -> Value {
    Object::new(id, type_name)
        .stamps(stamps)
        .set("deleted", Value::Bool(true))
        .build()
}

pub fn strings(values: impl IntoIterator<Item = String>) -> Value {
    Value::Array(values.into_iter().map(Value::String).collect())
}
