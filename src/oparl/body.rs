//! System, Body and LegislativeTerm: the synthetic objects at the top of the tree.

use serde_json::{Value, json};

use super::{Object, Stamps, Urls, VERSION_URL, strings, time};
use crate::db::organizations::Organization;
use crate::profile::Profile;

/// The lists a Body links to, by OParl property and path.
pub const LISTS: [(&str, &str); 10] = [
    ("organization", "organizations"),
    ("person", "persons"),
    ("meeting", "meetings"),
    ("paper", "papers"),
    ("agendaItem", "agenda-items"),
    ("consultation", "consultations"),
    ("file", "files"),
    ("locationList", "locations"),
    ("legislativeTermList", "legislative-terms"),
    ("membership", "memberships"),
];

/// The synthetic objects are as old as the steering office's record and change with its
/// contact data (`district`: that record).
pub fn stamps(district: &Organization) -> Stamps {
    Stamps {
        created: district.created_at,
        modified: district.updated_at,
    }
}

pub fn system(urls: &Urls, profile: &Profile, district: &Organization) -> Value {
    Object::new(urls.system(), "System")
        .set("oparlVersion", json!(VERSION_URL))
        .set("body", json!(urls.bodies()))
        .set("name", json!(format!("{} – OParl", profile.name)))
        .set("license", json!(profile.oparl.license))
        .text("contactName", Some(&profile.oparl.contact_name))
        .text("contactEmail", district.contact_email.as_deref())
        .text("website", district.website_url.as_deref())
        .stamps(stamps(district))
        .build()
}

/// The council term the steering committee works in (the delegates are sent by councils of
/// that term), from the profile.
pub fn legislative_term(urls: &Urls, profile: &Profile, district: &Organization) -> Value {
    let oparl = &profile.oparl;
    Object::new(urls.legislative_term(), "LegislativeTerm")
        .set("body", json!(urls.body()))
        .set("name", json!(oparl.legislative_term_name))
        .set("startDate", json!(time::date(oparl.legislative_term_start)))
        .set("endDate", json!(time::date(oparl.legislative_term_end)))
        .set("created", json!(time::datetime(district.created_at)))
        .set("modified", json!(time::datetime(district.created_at)))
        .build()
}

pub fn body(urls: &Urls, profile: &Profile, district: &Organization) -> Value {
    let mut object = Object::new(urls.body(), "Body")
        .set("system", json!(urls.system()))
        .set("name", json!(profile.name))
        .set("shortName", json!(profile.short_name))
        .text("ags", profile.oparl.ags.as_deref())
        .set("classification", json!(profile.oparl.classification))
        .set("license", json!(profile.oparl.license))
        .text("contactName", Some(&profile.oparl.contact_name))
        .text("contactEmail", district.contact_email.as_deref())
        .text("website", district.website_url.as_deref());
    for (property, path) in LISTS {
        object = object.set(property, json!(urls.list(path)));
    }
    object
        .set(
            "legislativeTerm",
            Value::Array(vec![legislative_term(urls, profile, district)]),
        )
        .set("keyword", strings(["smart city".to_owned()]))
        .stamps(stamps(district))
        .build()
}
