//! The stored answers of POST requests sent with an `Idempotency-Key` (see
//! `http::idempotency`). Every time comes from the caller's clock, never from `now()`, so that
//! expiry can be tested.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use crate::db::schema::idempotency_keys;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredKey {
    pub request_hash: Vec<u8>,
    pub state: String,
    pub status: Option<i16>,
    pub response_headers: Option<Value>,
    pub response_body: Option<Vec<u8>>,
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    #[expect(dead_code, reason = "only the presence of the row matters")]
    key: String,
}

/// Claims `(organization, key)` for a request that is about to run: inserts an `in_flight` row,
/// or takes over a row that has expired or whose request was abandoned (in flight since before
/// `abandoned_before`). Returns whether the caller now owns the key. One statement, so two
/// concurrent claims of one key cannot both win.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    organization: &str,
    key: &str,
    request_hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    abandoned_before: DateTime<Utc>,
) -> QueryResult<bool> {
    let rows: Vec<Claimed> = diesel::sql_query(
        "INSERT INTO idempotency_keys \
             (organization_key, key, request_hash, state, created_at, expires_at) \
         VALUES ($1, $2, $3, 'in_flight', $4, $5) \
         ON CONFLICT (organization_key, key) DO UPDATE SET \
             request_hash = EXCLUDED.request_hash, state = 'in_flight', status = NULL, \
             response_headers = NULL, response_body = NULL, \
             created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at \
         WHERE idempotency_keys.expires_at <= $4 \
            OR (idempotency_keys.state = 'in_flight' AND idempotency_keys.created_at < $6) \
         RETURNING key",
    )
    .bind::<Text, _>(organization)
    .bind::<Text, _>(key)
    .bind::<Bytea, _>(request_hash)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(expires_at)
    .bind::<Timestamptz, _>(abandoned_before)
    .load(conn)
    .await?;
    Ok(!rows.is_empty())
}

/// The live (not expired) row of a key.
pub async fn find(
    conn: &mut AsyncPgConnection,
    organization: &str,
    key: &str,
    now: DateTime<Utc>,
) -> QueryResult<Option<StoredKey>> {
    idempotency_keys::table
        .find((organization, key))
        .filter(idempotency_keys::expires_at.gt(now))
        .select(StoredKey::as_select())
        .first(conn)
        .await
        .optional()
}

/// Stores the answer of the request that owns the key.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    organization: &str,
    key: &str,
    request_hash: &[u8],
    status: u16,
    headers: &Value,
    body: &[u8],
) -> QueryResult<usize> {
    diesel::update(
        idempotency_keys::table
            .find((organization, key))
            .filter(idempotency_keys::request_hash.eq(request_hash))
            .filter(idempotency_keys::state.eq("in_flight")),
    )
    .set((
        idempotency_keys::state.eq("completed"),
        idempotency_keys::status.eq(status as i16),
        idempotency_keys::response_headers.eq(headers),
        idempotency_keys::response_body.eq(body),
    ))
    .execute(conn)
    .await
}

/// Gives a key up again (the request failed with a server error or was cancelled), so that a
/// retry runs the request anew.
pub async fn release(
    conn: &mut AsyncPgConnection,
    organization: &str,
    key: &str,
    request_hash: &[u8],
) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table
            .find((organization, key))
            .filter(idempotency_keys::request_hash.eq(request_hash))
            .filter(idempotency_keys::state.eq("in_flight")),
    )
    .execute(conn)
    .await
}

/// Removes up to `limit` expired keys; called now and then so the table stays small.
pub async fn purge_expired(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE (organization_key, key) IN \
         (SELECT organization_key, key FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2)",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .execute(conn)
    .await
}
