//! Files: the approved minutes of a public meeting, as the public may read them (their public
//! part, Markdown), served at `accessUrl` (inline) and `downloadUrl` (as an attachment).

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use sha2::{Digest, Sha512};
use uuid::Uuid;

use super::{Object, Urls, time, tombstone};
use crate::db::committee::minutes;
use crate::db::oparl::FileRow;
use crate::views::meetings::Audience;
use crate::views::meetings::build::{MembersById, minutes_response};

pub const MIME_TYPE: &str = "text/markdown; charset=utf-8";

/// The bytes of each file: what the meetings module shows the public of the minutes.
pub async fn contents(
    conn: &mut AsyncPgConnection,
    files: &[FileRow],
) -> diesel::QueryResult<HashMap<Uuid, String>> {
    let ids: Vec<Uuid> = files.iter().filter(|f| !f.deleted).map(|f| f.id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let records = minutes::by_ids(conn, &ids).await?;
    let nobody = MembersById::new();
    Ok(records
        .into_iter()
        .filter_map(|record| {
            let id = record.id;
            minutes_response(record, &nobody, Audience::Public).map(|m| (id, m.public_text))
        })
        .collect())
}

pub fn file_name(row: &FileRow) -> String {
    format!("niederschrift-lenkungskreis-{}.md", row.meeting_number)
}

/// Lower-case hex SHA-512 of the bytes.
pub fn sha512_hex(bytes: &[u8]) -> String {
    Sha512::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The File; `None` when its content is not public (the caller answers 404).
/// `license`: the profile's data licence.
pub fn render(
    urls: &Urls,
    license: &str,
    row: &FileRow,
    content: Option<&String>,
) -> Option<Value> {
    if row.deleted {
        return Some(tombstone(urls.file(row.id), "File", row.stamps()));
    }
    let content = content?;
    Some(
        Object::new(urls.file(row.id), "File")
            .set(
                "name",
                json!(format!(
                    "Niederschrift der {}. Sitzung des Lenkungskreises",
                    row.meeting_number
                )),
            )
            .set("fileName", json!(file_name(row)))
            .set("mimeType", json!("text/markdown"))
            .set("date", json!(time::date(time::local_date(row.created))))
            .set("size", json!(content.len()))
            .set("sha512Checksum", json!(sha512_hex(content.as_bytes())))
            .text("text", Some(content))
            .set("accessUrl", json!(urls.file_access(row.id)))
            .set("downloadUrl", json!(urls.file_download(row.id)))
            .set("fileLicense", json!(license))
            .set("meeting", json!([urls.meeting(row.meeting_id)]))
            .stamps(row.stamps())
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha512_of_a_known_text() {
        assert_eq!(
            sha512_hex(b"abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }
}
