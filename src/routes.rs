//! The one list of routes. It drives both the server and the OpenAPI document (through
//! utoipa-actix-web), and the 405 answers of `http::fallback`.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::{audit, changes, fields_of_action, health, me, organizations, participations};

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
                .service(participations::list_project_participations)
                .service(participations::get_participation)
                .service(participations::put_participation)
                .service(participations::list_participation_history)
                .service(participations::list_organization_participations)
                .service(participations::get_participation_matrix)
                .service(fields_of_action::list_fields_of_action)
                .service(audit::list_audit_entries)
                .service(changes::list_changes),
        );
}
