//! The one list of routes. It drives both the server and the OpenAPI document (through
//! utoipa-actix-web), and the 405 answers of `http::fallback`.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::projects::{catalogue, indicators, lifecycle, milestones, progress, reports};
use crate::api::{audit, fields_of_action, health, me, organizations};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::get_health_live)
        .service(health::get_health_ready)
        .service(
            scope::scope("/api/v1")
                .service(me::get_me)
                .service(organizations::list_organizations)
                .service(organizations::get_organization)
                .service(organizations::update_organization)
                .service(organizations::list_organization_populations)
                .service(catalogue::list_projects)
                .service(catalogue::create_project)
                .service(catalogue::get_project)
                .service(catalogue::update_project)
                .service(catalogue::delete_project)
                .service(lifecycle::update_project_status)
                .service(lifecycle::list_project_status_history)
                .service(progress::update_project_progress)
                .service(milestones::list_project_milestones)
                .service(milestones::create_project_milestone)
                .service(milestones::get_project_milestone)
                .service(milestones::update_project_milestone)
                .service(milestones::delete_project_milestone)
                .service(reports::list_project_reports)
                .service(reports::create_project_report)
                .service(reports::get_project_report)
                .service(reports::update_project_report)
                .service(indicators::list_project_indicators)
                .service(indicators::create_project_indicator)
                .service(indicators::get_project_indicator)
                .service(indicators::update_project_indicator)
                .service(indicators::delete_project_indicator)
                .service(indicators::list_indicator_measurements)
                .service(indicators::create_indicator_measurement)
                .service(indicators::delete_indicator_measurement)
                .service(fields_of_action::list_fields_of_action)
                .service(audit::list_audit_entries),
        );
}
