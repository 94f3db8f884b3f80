//! Organizations: the steering committee ("Gremium") and the members ("Institution").

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Object, Stamps, Urls, strings};
use crate::db::organizations::Organization;

/// The committee: as old as the district's record; it lists its memberships, so every change
/// to a delegate dates it too.
pub fn committee_stamps(district: &Organization, members_changed: Option<DateTime<Utc>>) -> Stamps {
    Stamps {
        created: district.created_at,
        modified: members_changed.map_or(district.updated_at, |m| m.max(district.updated_at)),
    }
}

/// `memberships`: the ids of the delegates the public may see.
/// `name`: the profile's committee name.
pub fn committee(urls: &Urls, name: &str, stamps: Stamps, memberships: &[Uuid]) -> Value {
    Object::new(urls.committee(), "Organization")
        .set("body", json!(urls.body()))
        .set("name", json!(name))
        .set("shortName", json!("Lenkungskreis"))
        .set("organizationType", json!("Gremium"))
        .set("classification", json!("Lenkungskreis"))
        .set(
            "membership",
            strings(memberships.iter().map(|id| urls.membership(*id))),
        )
        // Every meeting and every consultation is the committee's.
        .set("meeting", json!(urls.list("meetings")))
        .set("consultation", json!(urls.list("consultations")))
        .stamps(stamps)
        .build()
}

fn classification(kind: &str) -> &'static str {
    match kind {
        "kreis" => "Kreis",
        "stadt" => "Stadt",
        "gemeinde" => "Gemeinde",
        _ => "Wirtschaftsförderung",
    }
}

pub fn institution(urls: &Urls, org: &Organization) -> Value {
    Object::new(urls.institution(&org.key), "Organization")
        .set("body", json!(urls.body()))
        .set("name", json!(org.name))
        .set("organizationType", json!("Institution"))
        .set("classification", json!(classification(&org.kind)))
        .text("website", org.website_url.as_deref())
        .stamps(Stamps {
            created: org.created_at,
            modified: org.updated_at,
        })
        .build()
}
