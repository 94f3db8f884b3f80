//! The request bodies of the meeting endpoints and their checks.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::committee::meetings::{Meeting, MeetingChanges, NewMeeting};
use crate::domain::meetings::MeetingState;
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// The longest a meeting may last.
const MAX_DURATION_HOURS: i64 = 24;

/// A new meeting; it starts in state `planned`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "number": 12, "title": "12. Sitzung des Lenkungskreises Smart Region",
    "starts_at": "2026-03-26T17:00:00+01:00", "ends_at": "2026-03-26T19:00:00+01:00",
    "location_address": "Kreishausplatz 1, 99999 Musterstadt", "location_room": "Sitzungssaal 1",
    "public": true
}))]
pub struct CreateMeeting {
    /// The meeting's sequence number, unique, 1 to 100000.
    #[schema(minimum = 1, maximum = 100000)]
    pub number: i64,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Start (RFC 3339 with offset; stored as an instant).
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<FixedOffset>,
    /// End, after the start and at most 24 hours later.
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<FixedOffset>,
    /// Postal address, up to 500 characters; this or `online_url` is required.
    #[schema(min_length = 1, max_length = 500)]
    pub location_address: Option<String>,
    /// Room, up to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub location_room: Option<String>,
    /// Link to join online (http/https).
    #[schema(max_length = 500)]
    pub online_url: Option<String>,
    /// Whether the public may see the meeting.
    pub public: bool,
}

/// Changes to a meeting; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"location_room": "Sitzungssaal 2", "online_url": "https://meet.musterland.example/lk"}))]
pub struct UpdateMeeting {
    /// 1 to 100000, unique.
    #[schema(minimum = 1, maximum = 100000)]
    pub number: Option<i64>,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<DateTime<FixedOffset>>,
    /// `null` removes it (then `online_url` is required).
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(min_length = 1, value_type = Option<String>, nullable, max_length = 500)]
    pub location_address: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(min_length = 1, value_type = Option<String>, nullable, max_length = 200)]
    pub location_room: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 500)]
    pub online_url: Option<Option<String>>,
    pub public: Option<bool>,
}

fn check_number(v: &mut Validator, number: i64) -> i32 {
    v.check(
        (1..=100_000).contains(&number),
        "/number",
        "must be between 1 and 100000",
    );
    number.clamp(0, 100_000) as i32
}

fn check_times(v: &mut Validator, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) {
    v.check(ends_at > starts_at, "/ends_at", "must be after starts_at");
    v.check(
        ends_at - starts_at <= chrono::Duration::hours(MAX_DURATION_HOURS),
        "/ends_at",
        "a meeting lasts at most 24 hours",
    );
}

impl CreateMeeting {
    pub(super) fn validate(self) -> Result<NewMeeting, ApiError> {
        let mut v = Validator::new();
        let number = check_number(&mut v, self.number);
        let title = v.text("/title", &self.title, 1, 300);
        let starts_at = self.starts_at.with_timezone(&Utc);
        let ends_at = self.ends_at.with_timezone(&Utc);
        check_times(&mut v, starts_at, ends_at);
        let location_address = self
            .location_address
            .map(|a| v.text("/location_address", &a, 1, 500));
        let location_room = self
            .location_room
            .map(|r| v.text("/location_room", &r, 1, 200));
        let online_url = self.online_url.map(|u| v.url("/online_url", &u));
        v.check(
            location_address.is_some() || online_url.is_some(),
            "/location_address",
            "a meeting needs an address or an online_url",
        );
        Ok(v.finish(NewMeeting {
            number,
            title,
            starts_at,
            ends_at,
            location_address,
            location_room,
            online_url,
            public: self.public,
        })?)
    }
}

impl UpdateMeeting {
    /// Checks the fields alone; the checks that need the current meeting follow in
    /// [`check_merged`].
    pub(super) fn validate(self) -> Result<MeetingChanges, ApiError> {
        let mut v = Validator::new();
        let changes = MeetingChanges {
            number: self.number.map(|n| check_number(&mut v, n)),
            title: self.title.map(|t| v.text("/title", &t, 1, 300)),
            starts_at: self.starts_at.map(|t| t.with_timezone(&Utc)),
            ends_at: self.ends_at.map(|t| t.with_timezone(&Utc)),
            location_address: self
                .location_address
                .map(|a| a.map(|a| v.text("/location_address", &a, 1, 500))),
            location_room: self
                .location_room
                .map(|r| r.map(|r| v.text("/location_room", &r, 1, 200))),
            online_url: self.online_url.map(|u| u.map(|u| v.url("/online_url", &u))),
            public: self.public,
            ..Default::default()
        };
        Ok(v.finish(changes)?)
    }
}

/// The rules that span fields, on the meeting as it would be after the change.
pub(super) fn check_merged(current: &Meeting, changes: &MeetingChanges) -> Result<(), ApiError> {
    let mut v = Validator::new();
    let starts_at = changes.starts_at.unwrap_or(current.starts_at);
    let ends_at = changes.ends_at.unwrap_or(current.ends_at);
    check_times(&mut v, starts_at, ends_at);
    let address = changes
        .location_address
        .clone()
        .unwrap_or(current.location_address.clone());
    let online = changes
        .online_url
        .clone()
        .unwrap_or(current.online_url.clone());
    v.check(
        address.is_some() || online.is_some(),
        "/location_address",
        "a meeting needs an address or an online_url",
    );
    Ok(v.finish(())?)
}

/// A move to another state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "cancelled", "reason": "Terminkollision mit dem Kreistag"}))]
pub struct MeetingTransition {
    /// `invited`, `held` or `cancelled`; `minutes_approved` is reached by approving the
    /// minutes.
    pub state: MeetingState,
    /// Why the meeting is cancelled: required for `cancelled`, 1 to 1000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}
