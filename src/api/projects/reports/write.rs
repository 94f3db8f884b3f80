//! What a status report changes beyond itself.

use diesel_async::AsyncPgConnection;

use crate::api::projects::records::LockedProject;
use crate::db::projects::{self, ProjectChanges};
use crate::db::reports::{self, Report};
use crate::db::write::Entry;
use crate::error::ApiError;
/// Makes `report` the project's current progress unless a report with a later date exists;
/// the audit entry of that change when it was made.
pub(super) async fn apply_to_project(
    conn: &mut AsyncPgConnection,
    locked: &LockedProject,
    report: &Report,
) -> Result<Option<Entry>, ApiError> {
    let project = &locked.project;
    if reports::newer_exists(conn, project.id, report.report_date, report.id).await? {
        return Ok(None);
    }
    let changes = ProjectChanges {
        progress_percent: Some(report.progress_percent),
        traffic_light: Some(Some(report.traffic_light.clone())),
        traffic_light_note: Some(report.traffic_light_note.clone()),
        ..Default::default()
    };
    let after = projects::update(conn, project.id, &changes).await?;
    Ok(Some(
        locked.entry(
            Entry::updated("project", project.id)
                .action("project.progress_updated")
                .before(project)
                .after(&after),
        ),
    ))
}
