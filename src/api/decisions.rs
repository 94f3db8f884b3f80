//! `GET /api/v1/decisions`: the decisions register, every recorded result across meetings.
//! Anonymous callers see results of public items of public meetings only.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::meetings::{Audience, berlin};
use crate::auth::Caller;
use crate::db;
use crate::db::committee::agenda;
use crate::db::committee::decisions::{self, DecisionFilter, DecisionKey};
use crate::domain::meetings::{AgendaResult, TIME_ZONE};
use crate::error::{ApiError, ApiResult};
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;
pub use crate::views::decisions::{DecisionMeeting, DecisionResponse};
use crate::views::meetings::build::agenda_item_responses;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionQuery {
    /// Only decisions concerning this project.
    pub project: Option<Uuid>,
    /// Only decisions of this meeting.
    pub meeting: Option<Uuid>,
    pub result: Option<AgendaResult>,
    /// Meetings on or after this date (Europe/Berlin).
    pub from: Option<NaiveDate>,
    /// Meetings on or before this date (Europe/Berlin).
    pub to: Option<NaiveDate>,
}

/// The first instant of a day in Europe/Berlin.
pub(crate) fn start_of_day(date: NaiveDate) -> Option<DateTime<Utc>> {
    date.and_hms_opt(0, 0, 0)?
        .and_local_timezone(TIME_ZONE)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Lists recorded results across meetings, by meeting date and agenda position.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_decisions",
    security((), ("bearer" = [])),
    params(DecisionQuery, ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of decisions", body = Page<DecisionResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<DecisionQuery>,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let audience = Audience::of(&caller);
    let page = page.parse::<DecisionKey>()?;
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(ApiError::bad_request("`from` must not be after `to`"));
    }
    let filter = DecisionFilter {
        public_only: audience.is_public(),
        project: query.project,
        any_project: None,
        meeting: query.meeting,
        result: query.result.map(|r| r.as_str().to_owned()),
        from: query.from.and_then(start_of_day),
        to: query.to.and_then(|d| d.succ_opt()).and_then(start_of_day),
        modified_since: since.get(),
    };
    let mut conn = db::connect(&state.pool).await?;
    let rows = decisions::list(&mut conn, &filter, page.after, page.fetch()).await?;
    let page = page.page(rows, |d| (d.meeting_starts_at, d.item.position, d.item.id));
    let ids: Vec<Uuid> = page.items.iter().map(|d| d.item.id).collect();
    let projects = agenda::projects_of(&mut conn, &ids).await?;
    let votes = agenda::votes_of(&mut conn, &ids).await?;
    let page = page.map(|d| DecisionResponse {
        meeting: DecisionMeeting {
            id: d.item.meeting_id,
            number: d.meeting_number,
            title: d.meeting_title,
            starts_at: berlin(d.meeting_starts_at),
        },
        agenda_item: agenda_item_responses(vec![d.item], &projects, &votes).remove(0),
    });
    Ok(page.respond(&req, &state.config.public_url))
}
