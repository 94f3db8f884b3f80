//! Persons and Memberships: the delegates who consented to publication. One committee-member
//! record is one Person with one Membership in the committee, `onBehalfOf` the organization
//! that sent them.

use serde_json::{Value, json};

use super::{Object, Urls, time, tombstone};
use crate::db::oparl::MemberRow;
use crate::domain::meetings::CommitteeRole;

pub fn membership(urls: &Urls, row: &MemberRow) -> Value {
    if row.deleted {
        return tombstone(urls.membership(row.id), "Membership", row.stamps());
    }
    let role = CommitteeRole::parse(&row.role).map(CommitteeRole::label_de);
    Object::new(urls.membership(row.id), "Membership")
        .set("person", json!(urls.person(row.id)))
        .set("organization", json!(urls.committee()))
        .text("role", role)
        .set("votingRight", json!(row.voting_right))
        .set("startDate", json!(time::date(row.start_date)))
        .set("endDate", row.end_date.map(|d| json!(time::date(d))))
        .set("onBehalfOf", json!(urls.institution(&row.organization_key)))
        .stamps(row.stamps())
        .build()
}

pub fn person(urls: &Urls, row: &MemberRow) -> Value {
    if row.deleted {
        return tombstone(urls.person(row.id), "Person", row.stamps());
    }
    Object::new(urls.person(row.id), "Person")
        .set("body", json!(urls.body()))
        .set("name", json!(row.name))
        .set("membership", Value::Array(vec![membership(urls, row)]))
        .stamps(row.stamps())
        .build()
}
