//! The one list of routes. It drives both the server and the OpenAPI document (through
//! utoipa-actix-web), and the 405 answers of `http::fallback`.

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::meetings::{agenda, attendance, export, feed, handlers as meetings, minutes};
use crate::api::{
    action_items, audit, committee, decisions, feed_tokens, fields_of_action, health, me,
    organizations,
};

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
                .service(fields_of_action::list_fields_of_action)
                .service(audit::list_audit_entries)
                .service(committee::list_committee_members)
                .service(committee::create_committee_member)
                .service(committee::get_committee_member)
                .service(committee::update_committee_member)
                .service(committee::delete_committee_member)
                // Before `/meetings/{id}`, so the feed is never taken for a meeting id.
                .service(feed::get_meetings_feed)
                .service(meetings::list_meetings)
                .service(meetings::create_meeting)
                .service(meetings::get_meeting)
                .service(meetings::update_meeting)
                .service(meetings::delete_meeting)
                .service(meetings::update_meeting_state)
                .service(agenda::list_agenda_items)
                .service(agenda::create_agenda_item)
                // Before `/agenda-items/{aid}`, which would take `order` for an id.
                .service(agenda::update_agenda_order)
                .service(agenda::get_agenda_item)
                .service(agenda::update_agenda_item)
                .service(agenda::delete_agenda_item)
                .service(attendance::list_attendance)
                .service(attendance::put_attendance)
                .service(minutes::get_minutes)
                .service(minutes::put_minutes)
                .service(minutes::approve_minutes)
                .service(export::export_meeting)
                .service(action_items::list_action_items)
                .service(action_items::create_action_item)
                .service(action_items::get_action_item)
                .service(action_items::update_action_item)
                .service(action_items::delete_action_item)
                .service(decisions::list_decisions)
                .service(feed_tokens::list_calendar_feed_tokens)
                .service(feed_tokens::create_calendar_feed_token)
                .service(feed_tokens::delete_calendar_feed_token),
        );
}
