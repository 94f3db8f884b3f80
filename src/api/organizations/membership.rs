//! Adding members and recording joining and leaving (steering office), and reading an
//! organization's membership periods (public). See `domain::membership` for what a period
//! means for cost shares.

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;

use super::OrganizationResponse;
use diesel_async::AsyncPgConnection;

use crate::auth::Caller;
use crate::db::costs::allocation;
use crate::db::memberships::{self, Membership};
use crate::db::organizations::{self, NewOrganization as NewRow};
use crate::db::projects::{self, Lookup};
use crate::db::write::{Entry, Recorded, ScopedFutureExt, audited};
use crate::db::{self};
use crate::domain::membership::{self as rule, PeriodError};
use crate::error::{ApiError, ApiResult, OrNotFound};
use crate::http::extract::Json;
use crate::http::modified_since::ModifiedSince;
use crate::http::respond::created_versioned;
use crate::state::AppState;

pub use super::membership_types::*;

/// Adds a member (steering office only): the organization and its first membership period.
/// A key that is taken already is 409.
#[utoipa::path(
    tag = "organizations",
    operation_id = "create_organization",
    security(("bearer" = [])),
    request_body = NewOrganization,
    responses(
        (status = 201, description = "The new member", body = OrganizationResponse,
         headers(("Location" = String, description = "The organization's URL"),
                 ("ETag" = String, description = "Version tag"))),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<NewOrganization>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let new = body.into_inner()?.validate()?;
    let actor = caller.actor()?;
    let mut conn = db::connect(&state.pool).await?;
    // Borrowed, not moved: `audited` may run the write again after a deadlock.
    let new = &new;
    let org = audited(&mut conn, &actor, move |conn| {
        async move {
            if organizations::exists(conn, &new.key).await? {
                return Err(ApiError::conflict(format!(
                    "organization {} exists already",
                    new.key
                )));
            }
            let (population_date, population, population_source) = match &new.population {
                Some((date, value, source)) => (Some(*date), Some(*value), source.as_deref()),
                None => (None, None, None),
            };
            let org = organizations::insert(
                conn,
                &NewRow {
                    key: &new.key,
                    name: &new.name,
                    kind: new.kind.as_str(),
                    population,
                    population_date,
                    population_source,
                    contact_email: new.contact_email.as_deref(),
                    website_url: new.website_url.as_deref(),
                },
            )
            .await?;
            let mut recorded = Recorded::new(org.clone()).with(
                Entry::created("organization", &new.key)
                    .org(new.key.clone())
                    .after(&org),
            );
            if let (Some(date), Some(value)) = (population_date, population) {
                let figure = organizations::insert_population(
                    conn,
                    &new.key,
                    date,
                    value,
                    population_source,
                )
                .await?;
                recorded = recorded.with(
                    Entry::created("population_figure", format!("{}/{date}", new.key))
                        .org(new.key.clone())
                        .after(&figure),
                );
            }
            let period =
                memberships::insert(conn, &new.key, Some(new.joined_on), new.reason.as_deref())
                    .await?;
            Ok(recorded.with(
                Entry::created("membership", &new.key)
                    .action("membership.join")
                    .org(new.key.clone())
                    .after(&period),
            ))
        }
        .scope_boxed()
    })
    .await?;
    let path = format!("/api/v1/organizations/{}", org.key);
    Ok(
        created_versioned(&state.config.public_url, path, org.version)
            .json(OrganizationResponse::from(org)),
    )
}

/// An organization's membership periods, oldest first, and whether it is a member today.
/// Public: who belongs to the cooperation, and since when, is no secret.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_organization_memberships",
    security((), ("bearer" = [])),
    params(("key" = String, Path, description = "Organization key", example = "99001020"), ModifiedSince),
    responses(
        (status = 200, description = "The membership periods", body = MembershipsResponse),
    ),
)]
#[get("/organizations/{key}/memberships")]
pub async fn list_organization_memberships(
    state: web::Data<AppState>,
    _caller: Caller,
    key: web::Path<String>,
    since: web::Query<ModifiedSince>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::connect(&state.pool).await?;
    if !organizations::exists(&mut conn, &key).await? {
        return Err(ApiError::not_found(format!(
            "organization {key} does not exist"
        )));
    }
    let rows = memberships::of(&mut conn, &key).await?;
    Ok(HttpResponse::Ok().json(memberships_response(rows, since.get())))
}

/// `member` from every period; `items` only those changed at or after `since`.
fn memberships_response(
    rows: Vec<Membership>,
    since: Option<chrono::DateTime<Utc>>,
) -> MembershipsResponse {
    let today = Utc::now().date_naive();
    MembershipsResponse {
        member: rows.iter().any(|m| m.period().covers_day(today)),
        items: rows
            .into_iter()
            .filter(|m| since.is_none_or(|since| m.updated_at >= since))
            .map(MembershipResponse::from)
            .collect(),
    }
}

/// Records that an organization joins the cooperation again (steering office only): a new
/// period from `joined_on`. 409 while it is a member, or when `joined_on` is not after the
/// end of its last period.
#[utoipa::path(
    tag = "organizations",
    operation_id = "create_organization_membership",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "Organization key", example = "99001020")),
    request_body = JoinRequest,
    responses(
        (status = 201, description = "The new period", body = MembershipResponse),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/organizations/{key}/memberships")]
pub async fn join_organization(
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    body: Json<JoinRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let (joined_on, reason) = body.into_inner()?.validate()?;
    let actor = caller.actor()?;
    let key = key.into_inner();
    let mut conn = db::connect(&state.pool).await?;
    let period = audited(&mut conn, &actor, move |conn| {
        let (key, reason) = (key.clone(), reason.clone());
        async move {
            // The organization's row lock serialises joins and leaves of one organization.
            organizations::find_for_update(conn, &key)
                .await
                .or_not_found("organization", &key)?;
            let periods: Vec<_> = memberships::of_for_update(conn, &key)
                .await?
                .iter()
                .map(Membership::period)
                .collect();
            rule::check_join(&periods, joined_on).map_err(|e| period_conflict(&key, e))?;
            let period =
                memberships::insert(conn, &key, Some(joined_on), reason.as_deref()).await?;
            recompute_paid_projects(conn, &key).await?;
            Ok(Recorded::new(period.clone()).with(
                Entry::created("membership", &key)
                    .action("membership.join")
                    .org(key.clone())
                    .after(&period),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::Created().json(MembershipResponse::from(period)))
}

/// Records that an organization leaves the cooperation (steering office only): its open
/// period ends on `left_on`. Its history, resolutions and shares of earlier years stay; it
/// takes no share of fiscal years after `left_on`. Refused with 409 while it has open
/// commitments (binding participations in running projects), which the problem names in
/// `open_commitments`; withdraw them first.
#[utoipa::path(
    tag = "organizations",
    operation_id = "post_organization_membership_leave",
    security(("bearer" = [])),
    params(("key" = String, Path, description = "Organization key", example = "99001020")),
    request_body = LeaveRequest,
    responses(
        (status = 200, description = "The closed period", body = MembershipResponse),
        (status = 409, response = crate::error::responses::Conflict),
    ),
)]
#[post("/organizations/{key}/memberships/leave")]
pub async fn leave_organization(
    state: web::Data<AppState>,
    caller: Caller,
    key: web::Path<String>,
    body: Json<LeaveRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_coordinator()?;
    let (left_on, reason) = body.into_inner()?.validate()?;
    let actor = caller.actor()?;
    let key = key.into_inner();
    if key == state.config.auth.steering_office {
        return Err(ApiError::conflict(format!(
            "organization {key} runs the steering office and cannot leave; name another \
             steering office in the profile first"
        )));
    }
    let mut conn = db::connect(&state.pool).await?;
    let period = audited(&mut conn, &actor, move |conn| {
        let (key, reason) = (key.clone(), reason.clone());
        async move {
            organizations::find_for_update(conn, &key)
                .await
                .or_not_found("organization", &key)?;
            let rows = memberships::of_for_update(conn, &key).await?;
            let periods: Vec<_> = rows.iter().map(Membership::period).collect();
            rule::check_leave(&periods, left_on).map_err(|e| period_conflict(&key, e))?;
            let open = memberships::open_commitments(conn, &key).await?;
            if !open.is_empty() {
                let named: Vec<String> = open
                    .iter()
                    .map(|c| format!("{} ({})", c.project_code, c.state))
                    .collect();
                let mut extensions = serde_json::Map::new();
                extensions.insert("open_commitments".into(), serde_json::json!(open));
                return Err(ApiError::conflict_with(
                    format!(
                        "organization {key} still has open commitments: {}; withdraw them \
                         before it leaves",
                        named.join(", ")
                    ),
                    extensions,
                ));
            }
            let current = rows
                .iter()
                .find(|m| m.left_on.is_none())
                .expect("check_leave found an open period");
            let before = current.clone();
            let after = memberships::close(conn, current.id, left_on, &reason).await?;
            recompute_paid_projects(conn, &key).await?;
            Ok(Recorded::new(after.clone()).with(
                Entry::updated("membership", &key)
                    .action("membership.leave")
                    .org(key.clone())
                    .before(&before)
                    .after(&after),
            ))
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::Ok().json(MembershipResponse::from(period)))
}

/// Computes again the allocation of every project the organization pays into (a completed
/// project keeps its committed payers), so that its years follow the new periods.
async fn recompute_paid_projects(conn: &mut AsyncPgConnection, key: &str) -> ApiResult<()> {
    for project_id in allocation::paid_by(conn, key).await? {
        if let Lookup::Live(_) = projects::lookup(conn, project_id, true).await? {
            allocation::recompute(conn, project_id).await?;
        }
    }
    Ok(())
}

fn period_conflict(key: &str, error: PeriodError) -> ApiError {
    match error {
        PeriodError::AlreadyMember => {
            ApiError::conflict(format!("organization {key} is a member already"))
        }
        PeriodError::NotMember => {
            ApiError::conflict(format!("organization {key} is no member; nothing to leave"))
        }
        PeriodError::Overlaps { boundary } => ApiError::conflict(match boundary {
            Some(date) => format!(
                "the date overlaps organization {key}'s membership (boundary {date}); periods \
                 follow each other"
            ),
            None => format!("the date overlaps organization {key}'s membership"),
        }),
    }
}
