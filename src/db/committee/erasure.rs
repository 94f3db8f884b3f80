//! Erasing a delegate's name (GDPR Art. 17): the texts of meetings that quote it, and the
//! member row with the audit trail through `smartregion_erase_member_name` (migration 000070),
//! all in the caller's audited transaction.

use diesel::QueryableByName;
use diesel::sql_types::{Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A row whose text was rewritten, and its meeting.
#[derive(Debug, Clone, QueryableByName)]
pub struct Rewritten {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub meeting_id: Option<Uuid>,
}

/// Replaces `name` by `replacement` in the public and non-public text of every meeting's
/// minutes (approved ones too: the erasure is a legal obligation, and the minutes then read
/// "Bürgermeisterin (Musterstadt)" where they named the person).
pub async fn rewrite_minutes(
    conn: &mut AsyncPgConnection,
    name: &str,
    replacement: &str,
) -> diesel::QueryResult<Vec<Rewritten>> {
    diesel::sql_query(
        "UPDATE meeting_minutes
            SET public_text = replace(public_text, $1, $2),
                non_public_text = replace(non_public_text, $1, $2),
                version = version + 1, updated_at = now()
          WHERE strpos(public_text, $1) > 0 OR strpos(non_public_text, $1) > 0
      RETURNING id, meeting_id",
    )
    .bind::<Text, _>(name)
    .bind::<Text, _>(replacement)
    .load(conn)
    .await
}

/// The same for the titles, proposed resolutions and resolutions of agenda items.
pub async fn rewrite_agenda_items(
    conn: &mut AsyncPgConnection,
    name: &str,
    replacement: &str,
) -> diesel::QueryResult<Vec<Rewritten>> {
    diesel::sql_query(
        "UPDATE agenda_items
            SET title = replace(title, $1, $2),
                proposed_resolution = replace(proposed_resolution, $1, $2),
                resolution_text = replace(resolution_text, $1, $2),
                version = version + 1, updated_at = now()
          WHERE strpos(title, $1) > 0 OR strpos(proposed_resolution, $1) > 0
                OR strpos(resolution_text, $1) > 0
      RETURNING id, meeting_id",
    )
    .bind::<Text, _>(name)
    .bind::<Text, _>(replacement)
    .load(conn)
    .await
}

/// The same for the titles of action items.
pub async fn rewrite_action_items(
    conn: &mut AsyncPgConnection,
    name: &str,
    replacement: &str,
) -> diesel::QueryResult<Vec<Rewritten>> {
    diesel::sql_query(
        "UPDATE action_items
            SET title = replace(title, $1, $2), version = version + 1, updated_at = now()
          WHERE strpos(title, $1) > 0
      RETURNING id, meeting_id",
    )
    .bind::<Text, _>(name)
    .bind::<Text, _>(replacement)
    .load(conn)
    .await
}

#[derive(QueryableByName)]
struct Redacted {
    #[diesel(sql_type = Nullable<Integer>)]
    redacted: Option<i32>,
}

/// Sets the member's name to `replacement` and redacts the name in the audit trail; the
/// number of audit entries redacted, or `None` when the member's name is already erased.
pub async fn erase_member_name(
    conn: &mut AsyncPgConnection,
    member: Uuid,
    replacement: &str,
) -> diesel::QueryResult<Option<i32>> {
    let row: Redacted =
        diesel::sql_query("SELECT smartregion_erase_member_name($1, $2) AS redacted")
            .bind::<SqlUuid, _>(member)
            .bind::<Text, _>(replacement)
            .get_result(conn)
            .await?;
    Ok(row.redacted)
}

/// Deletes the stored answers of idempotent requests that hold `name` (a replayed
/// `POST /committee/members` would show it again).
pub async fn forget_stored_answers(
    conn: &mut AsyncPgConnection,
    name: &str,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys
          WHERE response_body IS NOT NULL AND position(convert_to($1, 'UTF8') IN response_body) > 0",
    )
    .bind::<Text, _>(name)
    .execute(conn)
    .await
}
