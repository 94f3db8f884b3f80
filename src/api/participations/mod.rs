//! `/api/v1/projects/{id}/participations`: the organizations' opt-ins to projects, their council
//! resolutions and history; `/api/v1/organizations/{key}/participations` (one organization's
//! portfolio) and `/api/v1/participation-matrix` (projects × organizations for the steering
//! committee). The rules (states, transitions, who may move what) live in
//! `domain::participation`.

pub mod handlers;
pub mod history;
pub mod matrix;
pub mod request;
pub mod types;
mod write;

pub use handlers::{
    get_participation, list_organization_participations, list_project_participations,
    put_participation,
};
pub use history::list_participation_history;
pub use matrix::get_participation_matrix;
pub use types::ParticipantSummaryResponse;

use uuid::Uuid;

use crate::db::participations::ProjectRef;
use crate::db::projects::Project;
use crate::error::ApiError;

fn project_ref(project: &Project) -> ProjectRef {
    ProjectRef {
        id: project.id,
        code: project.code.clone(),
        title: project.title.clone(),
    }
}

fn participation_not_found(project_id: Uuid, org: &str) -> ApiError {
    ApiError::not_found(format!(
        "organization {org} has no participation in project {project_id}"
    ))
}
