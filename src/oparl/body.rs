//! System, Body and LegislativeTerm: the synthetic objects at the top of the tree.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::{
    BODY_NAME, DATA_LICENSE, DISTRICT_KEY, Object, Stamps, Urls, VERSION_URL, strings, time,
};
use crate::db::organizations::Organization;

/// The council term the steering committee works in: the NRW local councils elected in
/// September 2025 serve from 1 November 2025 to 31 October 2030, and the delegates are sent
/// by them.
pub const TERM_KEY: &str = "2025-2030";
pub const TERM_NAME: &str = "Wahlperiode 2025–2030";

pub fn term_dates() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2025, 11, 1).expect("a valid date"),
        NaiveDate::from_ymd_opt(2030, 10, 31).expect("a valid date"),
    )
}

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

/// The synthetic objects are as old as the district's record and change with its contact
/// data.
pub fn stamps(district: &Organization) -> Stamps {
    Stamps {
        created: district.created_at,
        modified: district.updated_at,
    }
}

pub fn system(urls: &Urls, district: &Organization) -> Value {
    Object::new(urls.system(), "System")
        .set("oparlVersion", json!(VERSION_URL))
        .set("body", json!(urls.bodies()))
        .set("name", json!(format!("{BODY_NAME} – OParl")))
        .set("license", json!(DATA_LICENSE))
        .text("contactName", Some(&district.name))
        .text("contactEmail", district.contact_email.as_deref())
        .text("website", district.website_url.as_deref())
        .stamps(stamps(district))
        .build()
}

pub fn legislative_term(urls: &Urls, district: &Organization) -> Value {
    let (start, end) = term_dates();
    Object::new(urls.legislative_term(), "LegislativeTerm")
        .set("body", json!(urls.body()))
        .set("name", json!(TERM_NAME))
        .set("startDate", json!(time::date(start)))
        .set("endDate", json!(time::date(end)))
        .set("created", json!(time::datetime(district.created_at)))
        .set("modified", json!(time::datetime(district.created_at)))
        .build()
}

pub fn body(urls: &Urls, district: &Organization) -> Value {
    let mut object = Object::new(urls.body(), "Body")
        .set("system", json!(urls.system()))
        .set("name", json!(BODY_NAME))
        .set("shortName", json!("Smart Region"))
        .set("ags", json!(DISTRICT_KEY))
        .set("classification", json!("Interkommunale Kooperation"))
        .set("license", json!(DATA_LICENSE))
        .text("contactName", Some(&district.name))
        .text("contactEmail", district.contact_email.as_deref())
        .text("website", district.website_url.as_deref());
    for (property, path) in LISTS {
        object = object.set(property, json!(urls.list(path)));
    }
    object
        .set(
            "legislativeTerm",
            Value::Array(vec![legislative_term(urls, district)]),
        )
        .set("keyword", strings(["smart city".to_owned()]))
        .stamps(stamps(district))
        .build()
}
