//! The one list of routes. It drives both the server and the OpenAPI document (through
//! utoipa-actix-web), and the 405 answers of `http::fallback`.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(api::health::get_health_live)
        .service(api::health::get_health_ready)
        .service(
            scope::scope("/api/v1")
                .service(api::me::get_me)
                .service(api::organizations::list_organizations)
                .service(api::organizations::get_organization)
                .service(api::organizations::update_organization)
                .service(api::organizations::list_organization_populations)
                .service(api::participations::list_project_participations)
                .service(api::participations::get_participation)
                .service(api::participations::put_participation)
                .service(api::participations::list_participation_history)
                .service(api::participations::list_organization_participations)
                .service(api::participations::get_participation_matrix)
                .service(api::projects::catalogue::list_projects)
                .service(api::projects::catalogue::create_project)
                .service(api::projects::catalogue::get_project)
                .service(api::projects::catalogue::update_project)
                .service(api::projects::catalogue::delete_project)
                .service(api::projects::lifecycle::update_project_status)
                .service(api::projects::lifecycle::list_project_status_history)
                .service(api::projects::progress::update_project_progress)
                .service(api::projects::milestones::list_project_milestones)
                .service(api::projects::milestones::create_project_milestone)
                .service(api::projects::milestones::get_project_milestone)
                .service(api::projects::milestones::update_project_milestone)
                .service(api::projects::milestones::delete_project_milestone)
                .service(api::projects::reports::list_project_reports)
                .service(api::projects::reports::create_project_report)
                .service(api::projects::reports::get_project_report)
                .service(api::projects::reports::update_project_report)
                .service(api::projects::indicators::list_project_indicators)
                .service(api::projects::indicators::create_project_indicator)
                .service(api::projects::indicators::get_project_indicator)
                .service(api::projects::indicators::update_project_indicator)
                .service(api::projects::indicators::delete_project_indicator)
                .service(api::projects::measurements::list_indicator_measurements)
                .service(api::projects::measurements::create_indicator_measurement)
                .service(api::projects::measurements::delete_indicator_measurement)
                .service(api::fields_of_action::list_fields_of_action)
                .service(api::audit::list_audit_entries)
                .service(api::changes::list_changes),
        );
}
