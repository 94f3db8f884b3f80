//! `GET /api/v1/meetings.ics`: the calendar feed. Calendar applications cannot send bearer
//! headers, so members subscribe with a feed token in the URL (`?token=`); without one the
//! feed holds the public meetings and their public agenda items only. The feed is streamed,
//! one page of meetings at a time.

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, http::header, web};
use chrono::{DateTime, Utc};
use futures_util::stream;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

use super::Audience;
use super::view::{agenda_item_responses, meeting_response};
use crate::auth::Caller;
use crate::db;
use crate::db::committee::agenda;
use crate::db::committee::feed_tokens;
use crate::db::committee::meetings::{self as meeting_rows, MeetingFilter};
use crate::error::{ApiError, ApiResult};
use crate::export;
use crate::state::AppState;

/// Meetings rendered per database round trip.
const BATCH: i64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// A feed token created with `POST /api/v1/calendar-feed-tokens`: the feed then holds
    /// every meeting with its whole agenda. A revoked or expired token is refused (401).
    pub token: Option<String>,
}

/// The SHA-256 of a feed token, as stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The calendar feed of the committee's meetings (iCalendar), for calendar subscriptions.
/// Anonymous: public meetings with their public items. With a valid `token` (or a bearer
/// token): every meeting.
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_meetings_feed",
    security((), ("bearer" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar", body = String),
    ),
)]
#[get("/meetings.ics")]
pub async fn get_meetings_feed(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> ApiResult<HttpResponse> {
    let mut audience = Audience::of(&caller);
    if let Some(token) = &query.token {
        let mut conn = db::connect(&state.pool).await?;
        match feed_tokens::find_active_by_hash(&mut conn, &token_hash(token), Utc::now()).await? {
            Some(_) => audience = Audience::Member,
            None => {
                return Err(ApiError::Unauthorized {
                    detail: "the feed token is unknown, revoked or expired".into(),
                    invalid_token: true,
                });
            }
        }
    }
    let committee = &state.config.profile.committee_name;
    let name = if audience.is_public() {
        format!("{committee} (öffentlich)")
    } else {
        committee.clone()
    };
    let start = Bytes::from(export::ics::feed_start(&name, &state.config.profile));
    let events = stream::try_unfold(
        (state.clone(), None::<(DateTime<Utc>, Uuid)>, false),
        move |(state, after, done)| async move {
            if done {
                return Ok(None);
            }
            let (chunk, last, more) = feed_batch(&state, audience, after).await?;
            Ok::<_, actix_web::Error>(Some((chunk, (state, last, !more))))
        },
    );
    let body = futures_util::StreamExt::chain(
        futures_util::StreamExt::chain(
            stream::once(async move { Ok::<_, actix_web::Error>(start) }),
            events,
        ),
        stream::once(async {
            Ok::<_, actix_web::Error>(Bytes::from_static(export::ics::FEED_END.as_bytes()))
        }),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}

/// One batch of events: the meetings after `after` and their agenda items, in two queries.
async fn feed_batch(
    state: &AppState,
    audience: Audience,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> Result<(Bytes, Option<(DateTime<Utc>, Uuid)>, bool), ApiError> {
    let mut conn = db::connect(&state.pool).await?;
    let filter = MeetingFilter {
        public_only: audience.is_public(),
        ..Default::default()
    };
    let meetings = meeting_rows::list(&mut conn, &filter, after, BATCH).await?;
    let ids: Vec<Uuid> = meetings.iter().map(|m| m.id).collect();
    let items = agenda::for_meetings(&mut conn, &ids, audience.is_public()).await?;
    let mut text = String::new();
    for meeting in &meetings {
        let own: Vec<_> = items
            .iter()
            .filter(|i| i.meeting_id == meeting.id)
            .cloned()
            .collect();
        let agenda = agenda_item_responses(own, &[], &[]);
        let response = meeting_response(meeting, &state.config.public_url);
        text.push_str(&export::ics::feed_event(
            &response,
            &agenda,
            &state.config.profile,
        ));
    }
    let more = meetings.len() as i64 == BATCH;
    let last = meetings.last().map(|m| (m.starts_at, m.id)).or(after);
    Ok((Bytes::from(text), last, more))
}
