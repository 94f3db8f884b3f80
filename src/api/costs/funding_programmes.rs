//! `/api/v1/funding-programmes`: the programmes projects apply to, and how each computes its
//! grant. Maintained by the steering office.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{check_amount, check_bp};
use crate::auth::Caller;
use crate::db::costs::allocation::recompute;
use crate::db::costs::funding::{self, ProgrammeRow, ProgrammeValues};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self, projects};
use crate::domain::funding::FundingRule;
use crate::domain::validation::Validator;
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::etag::{self, IfMatch};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::pagination::{Page, PageQuery};
use crate::http::respond::created;
use crate::state::AppState;

/// Who pays a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundingBody {
    Federal,
    State,
    Eu,
    Other,
}

impl FundingBody {
    fn as_str(self) -> &'static str {
        match self {
            Self::Federal => "federal",
            Self::State => "state",
            Self::Eu => "eu",
            Self::Other => "other",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "federal" => Self::Federal,
            "state" => Self::State,
            "eu" => Self::Eu,
            _ => Self::Other,
        }
    }
}

/// How a programme computes its grant. Grants are floored to whole cents and never exceed the
/// eligible costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FundingRuleBody {
    /// `min(rate_bp · eligible costs, cap_cents)`.
    #[schema(example = json!({"type": "rate", "rate_bp": 6500, "cap_cents": null}))]
    Rate {
        /// The rate of eligible costs, 1–10,000 basis points.
        #[schema(minimum = 1, maximum = 10000, example = 6500)]
        rate_bp: i64,
        /// The most the programme pays, in cents; `null` for no cap.
        #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
        #[serde(default)]
        cap_cents: Option<i64>,
    },
    /// `base_cents` for `base_partners` partners plus `per_further_partner_cents` per further
    /// partner, at most `max_rate_bp` of the eligible costs; nothing with fewer partners.
    #[schema(example = json!({"type": "fixed", "base_cents": 17_500_000, "per_further_partner_cents": 3_500_000,
                              "base_partners": 2, "max_rate_bp": 9000}))]
    Fixed {
        #[schema(minimum = 0, maximum = 100_000_000_000_i64, example = 17_500_000)]
        base_cents: i64,
        #[schema(minimum = 0, maximum = 100_000_000_000_i64, example = 3_500_000)]
        #[serde(default)]
        per_further_partner_cents: i64,
        /// How many partners the base amount is for, 1–100.
        #[schema(minimum = 1, maximum = 100, example = 2)]
        #[serde(default = "one")]
        base_partners: i64,
        /// The highest rate of eligible costs the grant may reach, 1–10,000; `null` for none.
        #[schema(minimum = 1, maximum = 10000, example = 9000)]
        #[serde(default)]
        max_rate_bp: Option<i64>,
    },
}

fn one() -> i64 {
    1
}

impl FundingRuleBody {
    fn validate(&self, v: &mut Validator) -> FundingRule {
        let bp = |x: i64| u32::try_from(x).unwrap_or(0);
        match *self {
            FundingRuleBody::Rate { rate_bp, cap_cents } => {
                check_bp(v, "/rule/rate_bp", rate_bp, true);
                if let Some(cap) = cap_cents {
                    check_amount(v, "/rule/cap_cents", cap);
                }
                FundingRule::Rate {
                    rate_bp: bp(rate_bp),
                    cap_cents,
                }
            }
            FundingRuleBody::Fixed {
                base_cents,
                per_further_partner_cents,
                base_partners,
                max_rate_bp,
            } => {
                check_amount(v, "/rule/base_cents", base_cents);
                check_amount(
                    v,
                    "/rule/per_further_partner_cents",
                    per_further_partner_cents,
                );
                v.check(
                    (1..=100).contains(&base_partners),
                    "/rule/base_partners",
                    "must be between 1 and 100",
                );
                if let Some(max) = max_rate_bp {
                    check_bp(v, "/rule/max_rate_bp", max, true);
                }
                FundingRule::Fixed {
                    base_cents,
                    per_further_partner_cents,
                    base_partners: bp(base_partners),
                    max_rate_bp: max_rate_bp.map(bp),
                }
            }
        }
    }

    fn from_rule(rule: FundingRule) -> Self {
        match rule {
            FundingRule::Rate { rate_bp, cap_cents } => Self::Rate {
                rate_bp: i64::from(rate_bp),
                cap_cents,
            },
            FundingRule::Fixed {
                base_cents,
                per_further_partner_cents,
                base_partners,
                max_rate_bp,
            } => Self::Fixed {
                base_cents,
                per_further_partner_cents,
                base_partners: i64::from(base_partners),
                max_rate_bp: max_rate_bp.map(i64::from),
            },
        }
    }
}

/// A funding programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct FundingProgrammeResponse {
    pub id: Uuid,
    #[schema(example = "Förderung interkommunaler Zusammenarbeit NRW")]
    pub name: String,
    pub funding_body: FundingBody,
    pub rule: FundingRuleBody,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProgrammeRow> for FundingProgrammeResponse {
    fn from(row: ProgrammeRow) -> Self {
        Self {
            rule: FundingRuleBody::from_rule(row.to_rule()),
            id: row.id,
            funding_body: FundingBody::parse(&row.funding_body),
            name: row.name,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new funding programme.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Förderung interkommunaler Zusammenarbeit NRW", "funding_body": "state",
    "rule": {"type": "fixed", "base_cents": 17_500_000, "per_further_partner_cents": 3_500_000,
             "base_partners": 2, "max_rate_bp": 9000}
}))]
pub struct CreateFundingProgramme {
    /// 1 to 200 characters, unique (ignoring case).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub funding_body: FundingBody,
    pub rule: FundingRuleBody,
}

/// Changes to a programme; absent fields stay as they are. A new rule changes the expected
/// funding of planned and submitted applications (not granted amounts).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFundingProgramme {
    /// 1 to 200 characters, unique (ignoring case).
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub funding_body: Option<FundingBody>,
    pub rule: Option<FundingRuleBody>,
}

fn validate(
    name: &str,
    funding_body: FundingBody,
    rule: &FundingRuleBody,
) -> Result<ProgrammeValues, ApiError> {
    let mut v = Validator::new();
    let name = v.text("/name", name, 1, 200);
    let rule = rule.validate(&mut v);
    Ok(v.finish(ProgrammeValues::from_rule(
        name,
        funding_body.as_str().into(),
        rule,
    ))?)
}

/// Lists the funding programmes, ordered by id. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "list_funding_programmes",
    security(("bearer" = [])),
    params(ModifiedSince, PageQuery),
    responses(
        (status = 200, description = "One page of programmes", body = Page<FundingProgrammeResponse>,
         headers(("Link" = String, description = "`<url>; rel=\"next\"` when another page follows"))),
    ),
)]
#[get("/funding-programmes")]
pub async fn list_funding_programmes(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    since: web::Query<ModifiedSince>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let page = page.parse::<Uuid>()?;
    let mut conn = db::connect(&state.pool).await?;
    let rows = funding::list_programmes(&mut conn, since.get(), page.after, page.fetch()).await?;
    let page = page
        .page(rows, |r| r.id)
        .map(FundingProgrammeResponse::from);
    Ok(page.respond(&req, &state.config.public_url))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProgrammePath {
    /// The programme.
    pub pid: Uuid,
}

/// Reads one programme. Members only.
#[utoipa::path(
    tag = "costs",
    operation_id = "get_funding_programme",
    security(("bearer" = [])),
    params(ProgrammePath),
    responses(
        (status = 200, description = "The programme", body = FundingProgrammeResponse,
         headers(("ETag" = String, description = "Version tag; send it as If-Match to update"))),
    ),
)]
#[get("/funding-programmes/{pid}")]
pub async fn get_funding_programme(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ProgrammePath>,
) -> ApiResult<HttpResponse> {
    caller.member()?;
    let mut conn = db::connect(&state.pool).await?;
    let row = funding::find_programme(&mut conn, path.pid)
        .await
        .or_not_found("funding programme", path.pid)?;
    Ok(respond(HttpResponse::Ok(), row))
}

/// Adds a funding programme. Steering office only.
#[utoipa::path(
    tag = "costs",
    operation_id = "create_funding_programme",
    security(("bearer" = [])),
    request_body = CreateFundingProgramme,
    responses(
        (status = 201, description = "The new programme", body = FundingProgrammeResponse,
         headers(("ETag" = String, description = "Version tag"),
                 ("Location" = String, description = "The programme's URL"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/funding-programmes")]
pub async fn create_funding_programme(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateFundingProgramme>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let body = body.into_inner()?;
    let values = validate(&body.name, body.funding_body, &body.rule)?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    let row = audited(&mut conn, &actor, move |conn| {
        let values = values.clone();
        async move {
            let row = funding::insert_programme(conn, &values).await?;
            Ok(Recorded::new(row.clone())
                .with(Entry::created("funding_programme", row.id).after(&row)))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/funding-programmes/{}", row.id);
    Ok(respond(created(&state.config.public_url, path), row))
}

/// Changes a programme. Steering office only; needs `If-Match`. The projects applying to it
/// are recomputed in the same transaction.
#[utoipa::path(
    tag = "costs",
    operation_id = "update_funding_programme",
    security(("bearer" = [])),
    params(ProgrammePath,
        ("If-Match" = String, Header, description = "The ETag of the version read", example = "\"1\"")),
    request_body = UpdateFundingProgramme,
    responses(
        (status = 200, description = "The updated programme", body = FundingProgrammeResponse,
         headers(("ETag" = String, description = "The new version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[patch("/funding-programmes/{pid}")]
pub async fn update_funding_programme(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<ProgrammePath>,
    body: Json<UpdateFundingProgramme>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let if_match = IfMatch::from_request(&req)?;
    let changes = body.into_inner()?;
    let actor = caller.actor()?;
    let pid = path.pid;
    let mut conn = db::connect(&state.pool).await?;
    let row = audited(&mut conn, &actor, move |conn| {
        let changes = changes.clone();
        async move {
            // Project locks first, in id order, as every other writer takes them.
            let mut seen = Vec::new();
            let mut live = Vec::new();
            lock_new_projects(conn, pid, &mut seen, &mut live).await?;
            let before = funding::find_programme_for_update(conn, pid)
                .await
                .or_not_found("funding programme", pid)?;
            if_match.check(before.version)?;
            // An application committed while this waited for the programme's lock is seen now;
            // its project's lock is free by then.
            lock_new_projects(conn, pid, &mut seen, &mut live).await?;
            let current = FundingProgrammeResponse::from(before.clone());
            let values = validate(
                changes.name.as_deref().unwrap_or(&current.name),
                changes.funding_body.unwrap_or(current.funding_body),
                changes.rule.as_ref().unwrap_or(&current.rule),
            )?;
            let after = funding::update_programme(conn, pid, &values).await?;
            for project_id in live {
                recompute(conn, project_id).await?;
            }
            Ok(Recorded::new(after.clone()).with(
                Entry::updated("funding_programme", pid)
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(respond(HttpResponse::Ok(), row))
}

/// Locks the live projects applying to `pid` that are not in `seen` yet.
async fn lock_new_projects(
    conn: &mut diesel_async::AsyncPgConnection,
    pid: Uuid,
    seen: &mut Vec<Uuid>,
    live: &mut Vec<Uuid>,
) -> Result<(), ApiError> {
    for project_id in funding::projects_applying_to(conn, pid).await? {
        if seen.contains(&project_id) {
            continue;
        }
        seen.push(project_id);
        if projects::lock_live(conn, project_id)
            .await
            .optional()?
            .is_some()
        {
            live.push(project_id);
        }
    }
    Ok(())
}

fn respond(mut builder: actix_web::HttpResponseBuilder, row: ProgrammeRow) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag::header_value(row.version)))
        .json(FundingProgrammeResponse::from(row))
}
