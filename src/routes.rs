//! The one list of routes. It drives both the server and the OpenAPI document (through
//! utoipa-actix-web), and the 405 answers of `http::fallback`.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::costs::{
    allocation, budget, cost_items, cost_key, funding_applications, funding_programmes, snapshots,
};
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
                .service(cost_items::list_cost_items)
                .service(cost_items::create_cost_item)
                .service(cost_items::get_cost_item)
                .service(cost_items::update_cost_item)
                .service(cost_items::delete_cost_item)
                .service(funding_programmes::list_funding_programmes)
                .service(funding_programmes::create_funding_programme)
                .service(funding_programmes::get_funding_programme)
                .service(funding_programmes::update_funding_programme)
                .service(funding_applications::list_funding_applications)
                .service(funding_applications::create_funding_application)
                .service(funding_applications::get_funding_application)
                .service(funding_applications::update_funding_application)
                .service(funding_applications::delete_funding_application)
                .service(cost_key::get_cost_key)
                .service(cost_key::put_cost_key)
                .service(cost_key::list_cost_key_versions)
                .service(cost_key::get_cost_key_version)
                .service(allocation::get_allocation)
                .service(allocation::preview_allocation)
                .service(snapshots::list_allocation_snapshots)
                .service(snapshots::create_allocation_snapshot)
                .service(snapshots::get_allocation_snapshot)
                .service(budget::get_organization_budget)
                .service(changes::list_changes),
        );
}
