//! Locations: the place of a meeting. The meetings store one address line ("Kreishausplatz 1,
//! 99999 Musterstadt") and a room; the address is split into street, postal code and
//! town when it has that shape.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Object, Stamps, Urls, tombstone};
use crate::db::oparl::LocationRow;

/// Street, postal code and town of `"<street>, <5-digit code> <town>"`.
fn split_address(address: &str) -> Option<(&str, &str, &str)> {
    let (street, rest) = address.rsplit_once(", ")?;
    let (code, town) = rest.trim().split_once(' ')?;
    (code.len() == 5 && code.chars().all(|c| c.is_ascii_digit()) && !street.trim().is_empty())
        .then(|| (street.trim(), code, town.trim()))
}

pub fn location(
    urls: &Urls,
    meeting: Uuid,
    address: Option<&str>,
    room: Option<&str>,
    stamps: Stamps,
) -> Value {
    let parts = address.and_then(split_address);
    let description = match (address, room) {
        (Some(a), Some(r)) => Some(format!("{a}, {r}")),
        (Some(a), None) => Some(a.to_owned()),
        (None, r) => r.map(str::to_owned),
    };
    Object::new(urls.location(meeting), "Location")
        .text("description", description.as_deref())
        .text("streetAddress", parts.map(|p| p.0))
        .text("postalCode", parts.map(|p| p.1))
        .text("locality", parts.map(|p| p.2))
        .text("room", room)
        .set("meetings", json!([urls.meeting(meeting)]))
        .stamps(stamps)
        .build()
}

pub fn from_row(urls: &Urls, row: &LocationRow) -> Value {
    if row.deleted {
        return tombstone(urls.location(row.id), "Location", row.stamps());
    }
    location(
        urls,
        row.id,
        row.location_address.as_deref(),
        row.location_room.as_deref(),
        row.stamps(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_only_when_they_have_the_german_shape() {
        assert_eq!(
            split_address("Waldenburger Straße 2, 48231 Warendorf"),
            Some(("Waldenburger Straße 2", "48231", "Warendorf"))
        );
        assert_eq!(split_address("Kreishaus Warendorf"), None);
        assert_eq!(split_address("Markt 1, Ahlen"), None);
    }
}
