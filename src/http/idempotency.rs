//! `Idempotency-Key` for every POST: a retried request gets the original answer without the work
//! being done twice.
//!
//! The rules (also in the OpenAPI description):
//! - Only POST requests by an authenticated member that send the header take part; keys belong
//!   to the caller's organization. Anonymous POSTs and requests with a refused token pass
//!   through untouched (the handler refuses them as usual).
//! - The first request claims the key and runs; its status, headers and body are stored. A
//!   repeat with the same key and the same request (token subject, method, path, query and body
//!   bytes) by a caller with the same rights (the token's organization and roles) gets the
//!   stored answer with `Idempotent-Replayed: true`.
//! - The same key with a different request: 422. The same key while the first request still
//!   runs: 409; retry it later (the second request does not wait: waiting would hold a
//!   database transaction, and so the change feed, open for the whole first request).
//! - The same request and key from a token with other roles (or another organization) is not a
//!   replay: a stored answer is only handed to the rights that earned it. Such a request is
//!   handled as if it carried no key: the handler authorizes it afresh (a viewer gets the 403
//!   it would get with a new key), and its answer is not stored.
//! - An answer that carries a secret shown only once (a webhook signing secret, a calendar feed
//!   token; the handler marks it with [`OneTimeSecret`]) is never stored. The key keeps a 409
//!   problem instead (`secret_shown_once: true`, the created resource's `id`, and its
//!   `Location`), which a replay gets: the work is not done twice, and the secret is neither
//!   kept in the database nor handed out a second time.
//! - Answers with a 5xx status are not stored and the key is released: the write rolled back,
//!   so a retry must run again. A request abandoned mid-flight (client gone) releases its key
//!   too; a key left in flight by a crashed instance can be claimed again after
//!   [`IN_FLIGHT_LEASE`].
//! - Stored answers expire after `SMARTREGION_IDEMPOTENCY_TTL_SECS` (default 24 h); the key can
//!   then be used again.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpMessage, HttpResponse, web};
use futures_util::StreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::auth::{Caller, Principal};
use crate::clock::{Clock, SystemClock};
use crate::db::{self, DbPool, idempotency};
use crate::error::ApiError;

pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on answers that are replays of a stored answer.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// After this long in flight, a key counts as abandoned (its instance died) and may be claimed.
pub const IN_FLIGHT_LEASE: Duration = Duration::from_secs(300);
pub const MAX_KEY_LENGTH: usize = 255;
/// Length of each of the two SHA-256 digests in a stored request hash (request, then caller).
const DIGEST: usize = 32;

/// Marks an answer that holds a secret shown only once; a handler puts it into the response's
/// extensions. The idempotency middleware then stores, instead of the answer, a 409 problem
/// that names the created resource, so that neither the database nor a replay holds the secret.
#[derive(Debug, Clone)]
pub struct OneTimeSecret {
    /// The id of the resource the request created.
    pub id: String,
    /// What a client that lost the secret does, e.g. "replace it with PATCH ...".
    pub advice: String,
}

/// Headers that describe one transfer rather than the answer, so they are not replayed.
const NOT_REPLAYED: [HeaderName; 5] = [
    header::CONTENT_LENGTH,
    header::TRANSFER_ENCODING,
    header::CONNECTION,
    header::DATE,
    header::SET_COOKIE,
];

/// The store and settings of the middleware, registered as app data.
pub struct Idempotency {
    pool: DbPool,
    ttl: Duration,
    max_body: usize,
    clock: Arc<dyn Clock>,
}

impl Idempotency {
    pub fn new(pool: DbPool, ttl: Duration, max_body: usize) -> Self {
        Self {
            pool,
            ttl,
            max_body,
            clock: Arc::new(SystemClock),
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// Visible ASCII, 1 to 255 characters (a UUID is the usual choice).
fn parse_key(value: &HeaderValue) -> Result<String, ApiError> {
    let key = value.to_str().ok().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > MAX_KEY_LENGTH || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters"
        )));
    }
    Ok(key.to_owned())
}

/// What is stored to recognise a repeat: the SHA-256 of the request (token subject, method,
/// path, query, body) followed by the SHA-256 of the caller's rights (organization and sorted
/// roles). Two digests rather than one, so that the same request by other rights can be told
/// from a different request.
fn fingerprint(principal: &Principal, req: &ServiceRequest, body: &[u8]) -> Vec<u8> {
    let mut request = Sha256::new();
    for part in [
        principal.subject.as_bytes(),
        req.method().as_str().as_bytes(),
        req.path().as_bytes(),
        req.query_string().as_bytes(),
    ] {
        request.update((part.len() as u64).to_be_bytes());
        request.update(part);
    }
    request.update(body);
    let mut fingerprint = request.finalize().to_vec();
    fingerprint.extend_from_slice(&rights_digest(principal));
    fingerprint
}

/// The SHA-256 of the caller's organization and roles; the order of roles in the token does
/// not matter.
fn rights_digest(principal: &Principal) -> [u8; DIGEST] {
    let mut roles: Vec<&str> = principal.roles.iter().map(|r| r.as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    let mut hash = Sha256::new();
    for part in std::iter::once(principal.organization.as_str()).chain(roles) {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().into()
}

/// How a stored fingerprint relates to a new request's.
#[derive(Debug, PartialEq, Eq)]
enum Match {
    Same,
    /// The same request, by a caller with other rights (or stored before rights were part of
    /// the fingerprint).
    OtherRights,
    Different,
}

fn compare(stored: &[u8], new: &[u8]) -> Match {
    if stored == new {
        Match::Same
    } else if stored.get(..DIGEST) == new.get(..DIGEST) {
        Match::OtherRights
    } else {
        Match::Different
    }
}

async fn read_body(payload: &mut Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("reading the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(format!(
                "the body is larger than {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The middleware; `startup::app` wraps every route in it.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(raw_key) = req.headers().get(&HEADER).cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if req.method() != Method::POST {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(store) = req.app_data::<web::Data<Idempotency>>().cloned() else {
        return Ok(req.error_response(ApiError::internal("idempotency store not configured")));
    };
    let principal = match req.extract::<Caller>().await {
        Ok(caller) => caller.principal().cloned(),
        Err(_) => None,
    };
    let Some(principal) = principal else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = match parse_key(&raw_key) {
        Ok(key) => key,
        Err(error) => return Ok(req.error_response(error)),
    };
    let body = match read_body(&mut req.take_payload(), store.max_body).await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(error)),
    };
    let hash = fingerprint(&principal, &req, &body);
    req.set_payload(Payload::from(body));
    let claim = Claim {
        store: store.clone(),
        organization: principal.organization,
        key,
        hash,
    };

    match claim.acquire().await {
        Ok(Acquired::Owned) => {}
        Ok(Acquired::Replay(stored)) => {
            let response = replay(stored);
            return Ok(req.into_response(response));
        }
        Ok(Acquired::NotForTheseRights) => {
            // Authorized and answered like a request without a key; the key keeps the answer
            // of the rights that made it.
            return Ok(next.call(req).await?.map_into_boxed_body());
        }
        Err(error) => return Ok(req.error_response(error)),
    }

    // From here on the key is ours: release it unless an answer gets stored.
    let mut guard = ReleaseOnDrop(Some(claim));
    let response = next.call(req).await?;
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let body = match actix_web::body::to_bytes(body).await {
        Ok(body) => body,
        Err(error) => {
            let error = ApiError::internal(format!("buffering the response: {}", error.into()));
            let response = actix_web::ResponseError::error_response(&error);
            return Ok(ServiceResponse::new(request, response));
        }
    };
    let status = head.status();
    let one_time_secret = head.extensions().get::<OneTimeSecret>().cloned();
    if status.is_server_error() {
        // Dropping the guard releases the key.
        drop(guard);
    } else if let Some(claim) = guard.0.take()
        && let Err(error) = match one_time_secret {
            Some(secret) => {
                claim
                    .complete_without_secret(status, head.headers(), secret)
                    .await
            }
            None => claim.complete(status, head.headers(), &body).await,
        }
    {
        // The work is done; the key stays in flight until the lease ends, so that a retry
        // gets 409 rather than running the work a second time.
        tracing::error!(%error, "storing an idempotent answer failed");
    }
    Ok(ServiceResponse::new(
        request,
        head.set_body(body).map_into_boxed_body(),
    ))
}

enum Acquired {
    Owned,
    Replay(idempotency::StoredKey),
    /// The key holds the answer to the same request by other rights.
    NotForTheseRights,
}

struct Claim {
    store: web::Data<Idempotency>,
    organization: String,
    key: String,
    hash: Vec<u8>,
}

impl Claim {
    async fn acquire(&self) -> Result<Acquired, ApiError> {
        let store = &self.store;
        let mut conn = db::connect(&store.pool).await?;
        // A key released or expired between the two statements is claimed on the next round.
        for _ in 0..3 {
            let now = store.clock.now();
            let expires_at = now + chrono::Duration::from_std(store.ttl).unwrap_or_default();
            let abandoned_before =
                now - chrono::Duration::from_std(IN_FLIGHT_LEASE).unwrap_or_default();
            if idempotency::claim(
                &mut conn,
                &self.organization,
                &self.key,
                &self.hash,
                now,
                expires_at,
                abandoned_before,
            )
            .await?
            {
                return Ok(Acquired::Owned);
            }
            let Some(stored) =
                idempotency::find(&mut conn, &self.organization, &self.key, now).await?
            else {
                continue;
            };
            match compare(&stored.request_hash, &self.hash) {
                Match::Same => {}
                Match::OtherRights => return Ok(Acquired::NotForTheseRights),
                Match::Different => {
                    return Err(ApiError::invalid_field(
                        "",
                        "this Idempotency-Key was already used for a different request; \
                         use a new key for a new request",
                    ));
                }
            }
            if stored.state == "in_flight" {
                return Err(ApiError::conflict(
                    "a request with this Idempotency-Key is still being processed; \
                     retry after it has finished",
                ));
            }
            return Ok(Acquired::Replay(stored));
        }
        Err(ApiError::ServiceUnavailable(
            "the Idempotency-Key changed hands repeatedly; retry".into(),
        ))
    }

    async fn complete(
        &self,
        status: StatusCode,
        headers: &header::HeaderMap,
        body: &[u8],
    ) -> Result<(), ApiError> {
        let stored_headers: Vec<Value> = headers
            .iter()
            .filter(|(name, _)| !NOT_REPLAYED.contains(name))
            .filter_map(|(name, value)| {
                let value = value.to_str().ok()?;
                Some(Value::from(vec![name.as_str(), value]))
            })
            .collect();
        let mut conn = db::connect(&self.store.pool).await?;
        idempotency::complete(
            &mut conn,
            &self.organization,
            &self.key,
            &self.hash,
            status.as_u16(),
            &Value::Array(stored_headers),
            body,
        )
        .await?;
        idempotency::purge_expired(&mut conn, self.store.clock.now(), 100).await?;
        Ok(())
    }

    /// Stores, for an answer that held a one-time secret, the 409 problem a replay gets: the
    /// status the request had, the created resource's id and `Location`, no secret.
    async fn complete_without_secret(
        &self,
        status: StatusCode,
        headers: &header::HeaderMap,
        secret: OneTimeSecret,
    ) -> Result<(), ApiError> {
        let mut members = serde_json::Map::new();
        members.insert("secret_shown_once".into(), Value::Bool(true));
        members.insert("original_status".into(), Value::from(status.as_u16()));
        members.insert("id".into(), Value::String(secret.id.clone()));
        let problem = ApiError::conflict_with(
            format!(
                "the request with this Idempotency-Key was carried out (status {}, id {}); its \
                 answer held a secret that is shown only once, so it is neither stored nor \
                 replayed. {}",
                status.as_u16(),
                secret.id,
                secret.advice
            ),
            members,
        );
        let response = actix_web::ResponseError::error_response(&problem);
        let (mut head, body) = response.into_parts();
        let body = actix_web::body::to_bytes(body)
            .await
            .map_err(|e| ApiError::internal(format!("buffering a problem: {e}")))?;
        if let Some(location) = headers.get(header::LOCATION) {
            head.headers_mut()
                .insert(header::LOCATION, location.clone());
        }
        self.complete(head.status(), head.headers(), &body).await
    }
}

/// Releases a claimed key when the request ends without a stored answer: a server error, or the
/// request future dropped because the client went away.
struct ReleaseOnDrop(Option<Claim>);

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        let Some(claim) = self.0.take() else {
            return;
        };
        actix_web::rt::spawn(async move {
            let result = async {
                let mut conn = db::connect(&claim.store.pool).await?;
                idempotency::release(&mut conn, &claim.organization, &claim.key, &claim.hash)
                    .await?;
                Ok::<_, ApiError>(())
            }
            .await;
            if let Err(error) = result {
                tracing::warn!(%error, "releasing an idempotency key failed");
            }
        });
    }
}

fn replay(stored: idempotency::StoredKey) -> HttpResponse {
    let status = stored
        .status
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if let Some(Value::Array(headers)) = stored.response_headers {
        for pair in headers {
            if let Some([Value::String(name), Value::String(value)]) =
                pair.as_array().map(Vec::as_slice)
                && let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value),
                )
            {
                response.append_header((name, value));
            }
        }
    }
    response.insert_header((REPLAYED, "true"));
    response.body(stored.response_body.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn principal(roles: &[Role]) -> Principal {
        Principal {
            subject: "it@ahlen".into(),
            organization: "05570004".into(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn rights_are_part_of_the_fingerprint_in_any_order() {
        let admin = rights_digest(&principal(&[Role::Admin, Role::Viewer]));
        assert_eq!(
            admin,
            rights_digest(&principal(&[Role::Viewer, Role::Admin]))
        );
        assert_ne!(admin, rights_digest(&principal(&[Role::Viewer])));
        let mut elsewhere = principal(&[Role::Admin, Role::Viewer]);
        elsewhere.organization = "05570008".into();
        assert_ne!(admin, rights_digest(&elsewhere));
    }

    #[test]
    fn a_fingerprint_tells_other_rights_from_another_request() {
        let new = [[1u8; DIGEST], [2u8; DIGEST]].concat();
        assert_eq!(compare(&new, &new), Match::Same);
        let other_rights = [[1u8; DIGEST], [3u8; DIGEST]].concat();
        assert_eq!(compare(&other_rights, &new), Match::OtherRights);
        // Stored before the rights were fingerprinted: never replayed to anyone.
        assert_eq!(compare(&[1u8; DIGEST], &new), Match::OtherRights);
        let other_request = [[4u8; DIGEST], [2u8; DIGEST]].concat();
        assert_eq!(compare(&other_request, &new), Match::Different);
    }

    #[test]
    fn keys_are_short_visible_ascii() {
        assert_eq!(
            parse_key(&HeaderValue::from_static(" 5b3c-a1 ")).unwrap(),
            "5b3c-a1"
        );
        assert!(parse_key(&HeaderValue::from_static("")).is_err());
        assert!(parse_key(&HeaderValue::from_static("has space")).is_err());
        let long = "k".repeat(MAX_KEY_LENGTH + 1);
        assert!(parse_key(&HeaderValue::from_str(&long).unwrap()).is_err());
    }
}
