//! Every OParl object on its own URL (embedded ones too, with their back-references).
//! Deleted objects answer 200 with `deleted: true`; what the public may not see is 404.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use diesel::OptionalExtension;

use super::{BodyPath, Ctx, OparlObject, district, not_found, ok, parse_id, render};
use crate::db;
use crate::db::oparl::{self as rows, ConsultationSelection, Selection};
use crate::db::organizations;
use crate::error::oparl::OparlResult;
use crate::oparl::{body, file, location, organization, paper, person};
use crate::state::AppState;

/// Reads the OParl System: the entry point, naming the OParl version and the body list.
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_system", security(()),
    responses(
        (status = 200, description = "The System object (https://schema.oparl.org/1.1/System)", body = OparlObject),
    ),
)]
#[get("/system")]
pub async fn get_oparl_system(state: web::Data<AppState>) -> OparlResult<HttpResponse> {
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let district = district(&mut conn, &ctx).await?;
    Ok(ok(body::system(&ctx.urls, &ctx.profile, &district)))
}

/// Reads the Body: the Smart Region cooperation, with its ten lists and legislative term.
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_body", security(()),
    params(BodyPath),
    responses(
        (status = 200, description = "The Body object", body = OparlObject),
    ),
)]
#[get("/bodies/{body}")]
pub async fn get_oparl_body(
    state: web::Data<AppState>,
    path: web::Path<BodyPath>,
) -> OparlResult<HttpResponse> {
    let BodyPath { body: body_id } = path.into_inner();
    super::check_body(&state, &body_id)?;
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let district = district(&mut conn, &ctx).await?;
    Ok(ok(body::body(&ctx.urls, &ctx.profile, &district)))
}

/// Reads the legislative term (the councils' term 2025–2030).
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_legislative_term", security(()),
    params(("key" = String, Path, description = "The term, `2025-2030`")),
    responses(
        (status = 200, description = "The LegislativeTerm object", body = OparlObject),
    ),
)]
#[get("/legislative-terms/{key}")]
pub async fn get_oparl_legislative_term(
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let ctx = Ctx::new(&state);
    if key.as_str() != ctx.profile.oparl.legislative_term_key {
        return Err(not_found());
    }
    let mut conn = db::connect(&state.pool).await?;
    let district = district(&mut conn, &ctx).await?;
    Ok(ok(body::legislative_term(
        &ctx.urls,
        &ctx.profile,
        &district,
    )))
}

/// Reads the steering committee as an Organization (type "Gremium").
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_committee", security(()),
    responses(
        (status = 200, description = "The Organization object", body = OparlObject),
    ),
)]
#[get("/organizations/lenkungskreis")]
pub async fn get_oparl_committee(state: web::Data<AppState>) -> OparlResult<HttpResponse> {
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    Ok(ok(super::lists::committee(&mut conn, &ctx).await?))
}

/// Reads a member of the cooperation as an Organization (type "Institution").
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_institution", security(()),
    params(("key" = String, Path, description = "Organization key (official municipality key, or an agency's key)")),
    responses(
        (status = 200, description = "The Organization object", body = OparlObject),
    ),
)]
#[get("/organizations/institutions/{key}")]
pub async fn get_oparl_institution(
    state: web::Data<AppState>,
    key: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let org = organizations::find(&mut conn, &key)
        .await
        .optional()?
        .ok_or_else(not_found)?;
    Ok(ok(organization::institution(&ctx.urls, &org)))
}

/// Reads a delegate who consented to publication (a tombstone once deleted or without consent).
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_person", security(()),
    params(("id" = String, Path, description = "Delegate id")),
    responses(
        (status = 200, description = "The Person object", body = OparlObject),
    ),
)]
#[get("/persons/{id}")]
pub async fn get_oparl_person(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let id = parse_id(&id)?;
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let row = rows::members(&mut conn, &Selection::one(id)).await?;
    let row = row.first().ok_or_else(not_found)?;
    Ok(ok(person::person(&ctx.urls, row)))
}

/// Reads a delegate's membership in the steering committee.
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_membership", security(()),
    params(("id" = String, Path, description = "Delegate id")),
    responses(
        (status = 200, description = "The Membership object", body = OparlObject),
    ),
)]
#[get("/memberships/{id}")]
pub async fn get_oparl_membership(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let id = parse_id(&id)?;
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let row = rows::members(&mut conn, &Selection::one(id)).await?;
    let row = row.first().ok_or_else(not_found)?;
    Ok(ok(person::membership(&ctx.urls, row)))
}

/// Reads a public meeting with its public agenda items, place and approved minutes.
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_meeting", security(()),
    params(("id" = String, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The Meeting object", body = OparlObject),
    ),
)]
#[get("/meetings/{id}")]
pub async fn get_oparl_meeting(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let id = parse_id(&id)?;
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let rows = rows::meetings(&mut conn, &Selection::one(id)).await?;
    let mut rendered = render::meetings(&mut conn, &ctx, &rows).await?;
    rendered.pop().map(ok).ok_or_else(not_found)
}

/// Reads a public agenda item of a public meeting.
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_agenda_item", security(()),
    params(("id" = String, Path, description = "Agenda item id")),
    responses(
        (status = 200, description = "The AgendaItem object", body = OparlObject),
    ),
)]
#[get("/agenda-items/{id}")]
pub async fn get_oparl_agenda_item(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let id = parse_id(&id)?;
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let rows = rows::agenda_items(&mut conn, &Selection::one(id)).await?;
    let mut rendered = render::agenda_items(&mut conn, &ctx, &rows).await?;
    rendered.pop().map(ok).ok_or_else(not_found)
}

/// Reads the place of a public meeting.
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_location", security(()),
    params(("id" = String, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The Location object", body = OparlObject),
    ),
)]
#[get("/locations/{id}")]
pub async fn get_oparl_location(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let id = parse_id(&id)?;
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let rows = rows::locations(&mut conn, &Selection::one(id)).await?;
    let row = rows.first().ok_or_else(not_found)?;
    Ok(ok(location::from_row(&ctx.urls, row)))
}

/// Reads a project as a Paper, with its consultations.
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_paper", security(()),
    params(("id" = String, Path, description = "Project id")),
    responses(
        (status = 200, description = "The Paper object", body = OparlObject),
    ),
)]
#[get("/papers/{id}")]
pub async fn get_oparl_paper(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let id = parse_id(&id)?;
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let rows = rows::papers(&mut conn, &Selection::one(id)).await?;
    let mut rendered = render::papers(&mut conn, &ctx, &rows).await?;
    rendered.pop().map(ok).ok_or_else(not_found)
}

/// Reads the consultation of a project at a public agenda item.
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_consultation", security(()),
    params(
        ("item" = String, Path, description = "Agenda item id"),
        ("project" = String, Path, description = "Project id"),
    ),
    responses(
        (status = 200, description = "The Consultation object", body = OparlObject),
    ),
)]
#[get("/consultations/{item}/{project}")]
pub async fn get_oparl_consultation(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> OparlResult<HttpResponse> {
    let key = (parse_id(&path.0)?, parse_id(&path.1)?);
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let selection = ConsultationSelection {
        only: Some(key),
        include_deleted: true,
        limit: 1,
        ..Default::default()
    };
    let rows = rows::consultations(&mut conn, &selection).await?;
    let row = rows.first().ok_or_else(not_found)?;
    Ok(ok(paper::consultation(&ctx.urls, row)))
}

/// Reads the File of a meeting's approved minutes (their public part).
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_file", security(()),
    params(("id" = String, Path, description = "Minutes id")),
    responses(
        (status = 200, description = "The File object", body = OparlObject),
    ),
)]
#[get("/files/{id}")]
pub async fn get_oparl_file(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let id = parse_id(&id)?;
    let ctx = Ctx::new(&state);
    let mut conn = db::connect(&state.pool).await?;
    let rows = rows::files(&mut conn, &Selection::one(id)).await?;
    let mut rendered = render::files(&mut conn, &ctx, &rows).await?;
    rendered.pop().flatten().map(ok).ok_or_else(not_found)
}

/// The bytes of a live file, with its row.
async fn file_bytes(state: &AppState, id: &str) -> OparlResult<(rows::FileRow, String)> {
    let id = parse_id(id)?;
    let mut conn = db::connect(&state.pool).await?;
    let mut rows = rows::files(&mut conn, &Selection::one(id)).await?;
    rows.retain(|r| !r.deleted);
    let row = rows.pop().ok_or_else(not_found)?;
    let mut contents = file::contents(&mut conn, std::slice::from_ref(&row)).await?;
    let content = contents.remove(&row.id).ok_or_else(not_found)?;
    Ok((row, content))
}

/// Reads the content of a File (the minutes' public part, Markdown), to view.
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_file_access", security(()),
    params(("id" = String, Path, description = "Minutes id")),
    responses(
        (status = 200, description = "The file's bytes", content_type = "text/markdown", body = String),
    ),
)]
#[get("/files/{id}/access")]
pub async fn get_oparl_file_access(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let (_, content) = file_bytes(&state, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file::MIME_TYPE)
        .body(content))
}

/// Downloads the content of a File (as an attachment).
#[utoipa::path(
    tag = "oparl", operation_id = "get_oparl_file_download", security(()),
    params(("id" = String, Path, description = "Minutes id")),
    responses(
        (status = 200, description = "The file's bytes", content_type = "text/markdown", body = String,
        headers(("Content-Disposition" = String, description = "`attachment` with the file name"))),
    ),
)]
#[get("/files/{id}/download")]
pub async fn get_oparl_file_download(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> OparlResult<HttpResponse> {
    let (row, content) = file_bytes(&state, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type(file::MIME_TYPE)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", file::file_name(&row)),
        ))
        .body(content))
}
