//! The Body's external lists (and the System's list of bodies). Each page costs a fixed
//! number of queries.

use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel_async::AsyncPgConnection;
use serde_json::Value;
use uuid::Uuid;

use super::{BodyPath, Ctx, OparlListPage, OparlListParams, district, ok, render};
use crate::db;
use crate::db::oparl::{self as rows, ConsultationSelection, Selection};
use crate::db::organizations::Organization;
use crate::error::oparl::OparlResult;
use crate::oparl::lists::ListRequest;
use crate::oparl::{body, location, organization, paper, person};
use crate::state::AppState;

/// What every list of the Body starts with: the Body checked, the list request read, the
/// context built and a connection taken.
struct BodyList {
    request: ListRequest,
    ctx: Ctx,
    conn: db::DbConn,
}

impl BodyList {
    async fn open(state: &AppState, body_id: &str, req: &HttpRequest) -> OparlResult<Self> {
        super::check_body(state, body_id)?;
        let request = ListRequest::parse(req.query_string())?;
        Ok(BodyList {
            request,
            ctx: Ctx::new(state),
            conn: db::connect(&state.pool).await?,
        })
    }

    /// The rows of one page (and one more, which tells whether another page follows).
    fn selection(&self) -> OparlResult<Selection> {
        Ok(Selection {
            only: None,
            include_deleted: self.request.include_deleted(),
            window: self.request.window,
            after: self.request.after::<Uuid>()?,
            limit: self.request.fetch(),
            parents: None,
        })
    }

    /// The page of `list`, each row rendered by `render`, keyed for the cursor by `key`.
    fn answer<T, K: serde::Serialize>(
        &self,
        list: &str,
        rows: Vec<T>,
        key: impl Fn(&T) -> K,
        render: impl FnMut(&T) -> Value,
    ) -> HttpResponse {
        ok(self
            .request
            .page(&self.ctx.urls.list(list), rows, key, render))
    }

    /// The page of `list` from objects rendered together (one query per kind of embedded
    /// object), keyed by id.
    fn answer_rendered(&self, list: &str, ids: Vec<Uuid>, rendered: Vec<Value>) -> HttpResponse {
        let page: Vec<(Uuid, Value)> = ids.into_iter().zip(rendered).collect();
        self.answer(list, page, |r| r.0, |r| r.1.clone())
    }
}

/// The committee, with the memberships the public may see (one query for the delegates, one
/// for when they last changed).
pub async fn committee(conn: &mut AsyncPgConnection, ctx: &Ctx) -> OparlResult<Value> {
    let district = district(conn, ctx).await?;
    let members = rows::members(
        conn,
        &Selection {
            limit: i64::MAX,
            ..Default::default()
        },
    )
    .await?;
    let ids: Vec<Uuid> = members.iter().map(|m| m.id).collect();
    let changed = rows::members_changed(conn).await?;
    Ok(organization::committee(
        &ctx.urls,
        &ctx.profile.committee_name,
        organization::committee_stamps(&district, changed),
        &ids,
    ))
}

/// Lists the bodies of the System: the one Body of the cooperation.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_bodies", security(()), params(OparlListParams),
    responses(
        (status = 200, description = "A page of Body objects", body = OparlListPage),
    ),
)]
#[get("/bodies")]
pub async fn list_oparl_bodies(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    single_list(
        &state,
        &req,
        |ctx, district| body::body(&ctx.urls, &ctx.profile, district),
        |ctx| ctx.urls.bodies(),
        body::stamps,
    )
    .await
}

/// Lists the legislative terms of the Body.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_legislative_terms", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of LegislativeTerm objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/legislative-terms")]
pub async fn list_oparl_legislative_terms(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    super::check_body(&state, &body_id)?;
    single_list(
        &state,
        &req,
        |ctx, district| body::legislative_term(&ctx.urls, &ctx.profile, district),
        |ctx| ctx.urls.list("legislative-terms"),
        |district| crate::oparl::Stamps {
            created: district.created_at,
            modified: district.created_at,
        },
    )
    .await
}

/// A list of exactly one synthetic object.
async fn single_list(
    state: &AppState,
    req: &HttpRequest,
    render: impl Fn(&Ctx, &Organization) -> Value,
    url: impl Fn(&Ctx) -> String,
    stamps: impl Fn(&Organization) -> crate::oparl::Stamps,
) -> OparlResult<HttpResponse> {
    let request = ListRequest::parse(req.query_string())?;
    let after: Option<u8> = request.after()?;
    let ctx = Ctx::new(state);
    let mut conn = db::connect(&state.pool).await?;
    let district = district(&mut conn, &ctx).await?;
    let s = stamps(&district);
    let rows: Vec<u8> = (after.is_none() && request.window.contains(s.created, s.modified))
        .then_some(0)
        .into_iter()
        .collect();
    Ok(ok(request.page(
        &url(&ctx),
        rows,
        |k| *k,
        |_| render(&ctx, &district),
    )))
}

/// Lists the organizations: the steering committee first, then the members by key.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_organizations", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of Organization objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/organizations")]
pub async fn list_oparl_organizations(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    super::check_body(&state, &body_id)?;
    let request = ListRequest::parse(req.query_string())?;
    // The committee's key is "", before every organization key.
    let after: Option<String> = request.after()?;
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let mut page: Vec<(String, Value)> = Vec::new();
    if after.is_none() {
        let committee = committee(&mut conn, &ctx).await?;
        let stamp = |name: &str| {
            chrono::DateTime::parse_from_rfc3339(committee[name].as_str().unwrap_or_default())
                .map(|t| t.to_utc())
        };
        if let (Ok(created), Ok(modified)) = (stamp("created"), stamp("modified"))
            && request.window.contains(created, modified)
        {
            page.push((String::new(), committee));
        }
    }
    let orgs = rows::institutions(
        &mut conn,
        after.as_deref(),
        &request.window,
        request.fetch(),
    )
    .await?;
    page.extend(
        orgs.iter()
            .map(|o| (o.key.clone(), organization::institution(&ctx.urls, o))),
    );
    Ok(ok(request.page(
        &ctx.urls.list("organizations"),
        page,
        |(key, _)| key.clone(),
        |(_, value)| value.clone(),
    )))
}

/// Lists the delegates who consented to publication (and, with `modified_since`, the
/// tombstones of those deleted or without consent).
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_persons", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of Person objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/persons")]
pub async fn list_oparl_persons(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    let mut list = BodyList::open(&state, &body_id, &req).await?;
    let selection = list.selection()?;
    let rows = rows::members(&mut list.conn, &selection).await?;
    Ok(list.answer(
        "persons",
        rows,
        |r| r.id,
        |r| person::person(&list.ctx.urls, r),
    ))
}

/// Lists the memberships in the steering committee of the delegates who consented.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_memberships", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of Membership objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/memberships")]
pub async fn list_oparl_memberships(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    let mut list = BodyList::open(&state, &body_id, &req).await?;
    let selection = list.selection()?;
    let rows = rows::members(&mut list.conn, &selection).await?;
    Ok(list.answer(
        "memberships",
        rows,
        |r| r.id,
        |r| person::membership(&list.ctx.urls, r),
    ))
}

/// Lists the public meetings.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_meetings", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of Meeting objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/meetings")]
pub async fn list_oparl_meetings(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    let mut list = BodyList::open(&state, &body_id, &req).await?;
    let selection = list.selection()?;
    let mut rows = rows::meetings(&mut list.conn, &selection).await?;
    // Render the page only, not the extra row that tells whether another page follows.
    let extra = (rows.len() as i64 > list.request.limit)
        .then(|| rows.pop())
        .flatten();
    let mut rendered = render::meetings(&mut list.conn, &list.ctx, &rows).await?;
    let mut ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    if let Some(extra) = extra {
        ids.push(extra.id);
        rendered.push(Value::Null);
    }
    Ok(list.answer_rendered("meetings", ids, rendered))
}

/// Lists the public agenda items of the public meetings.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_agenda_items", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of AgendaItem objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/agenda-items")]
pub async fn list_oparl_agenda_items(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    let mut list = BodyList::open(&state, &body_id, &req).await?;
    let selection = list.selection()?;
    let rows = rows::agenda_items(&mut list.conn, &selection).await?;
    let rendered = render::agenda_items(&mut list.conn, &list.ctx, &rows).await?;
    Ok(list.answer_rendered(
        "agenda-items",
        rows.iter().map(|r| r.id).collect(),
        rendered,
    ))
}

/// Lists the Files: the approved minutes of the public meetings.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_files", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of File objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/files")]
pub async fn list_oparl_files(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    let mut list = BodyList::open(&state, &body_id, &req).await?;
    let selection = list.selection()?;
    let rows = rows::files(&mut list.conn, &selection).await?;
    let rendered = render::files(&mut list.conn, &list.ctx, &rows).await?;
    // A file whose content is not public (cannot happen for approved minutes) is left out,
    // but keeps its place in the keyset order.
    let page: Vec<(Uuid, Option<Value>)> = rows.iter().map(|r| r.id).zip(rendered).collect();
    let mut value = list.request.page(
        &list.ctx.urls.list("files"),
        page,
        |r| r.0,
        |r| r.1.clone().unwrap_or(Value::Null),
    );
    if let Some(data) = value["data"].as_array_mut() {
        data.retain(|v| !v.is_null());
    }
    Ok(ok(value))
}

/// Lists the Locations: the places of the public meetings.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_locations", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of Location objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/locations")]
pub async fn list_oparl_locations(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    let mut list = BodyList::open(&state, &body_id, &req).await?;
    let selection = list.selection()?;
    let rows = rows::locations(&mut list.conn, &selection).await?;
    Ok(list.answer(
        "locations",
        rows,
        |r| r.id,
        |r| location::from_row(&list.ctx.urls, r),
    ))
}

/// Lists the Papers: every project of the catalogue.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_papers", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of Paper objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/papers")]
pub async fn list_oparl_papers(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    let mut list = BodyList::open(&state, &body_id, &req).await?;
    let selection = list.selection()?;
    let rows = rows::papers(&mut list.conn, &selection).await?;
    let rendered = render::papers(&mut list.conn, &list.ctx, &rows).await?;
    Ok(list.answer_rendered("papers", rows.iter().map(|r| r.id).collect(), rendered))
}

/// Lists the Consultations: every link between a public agenda item and a project.
#[utoipa::path(
    tag = "oparl", operation_id = "list_oparl_consultations", security(()),
    params(BodyPath, OparlListParams),
    responses(
        (status = 200, description = "A page of Consultation objects", body = OparlListPage),
    ),
)]
#[get("/bodies/{body}/consultations")]
pub async fn list_oparl_consultations(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
    req: HttpRequest,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    let mut list = BodyList::open(&state, &body_id, &req).await?;
    let selection = ConsultationSelection {
        only: None,
        include_deleted: list.request.include_deleted(),
        window: list.request.window,
        after: list.request.after::<(Uuid, Uuid)>()?,
        limit: list.request.fetch(),
        projects: None,
        agenda_items: None,
    };
    let rows = rows::consultations(&mut list.conn, &selection).await?;
    Ok(list.answer(
        "consultations",
        rows,
        |r| (r.agenda_item_id, r.project_id),
        |r| paper::consultation(&list.ctx.urls, r),
    ))
}
