//! The delegates' rules beyond validation: what only the steering office may change, and
//! what replaces an erased name.

use crate::db::committee::members::CommitteeMember;
use crate::domain::meetings::CommitteeRole;
use crate::error::ApiError;

/// A new delegate's voting right when the request leaves it out.
pub(super) const DEFAULT_VOTING_RIGHT: bool = false;

/// The committee-wide fields of a delegate are the steering office's: an organization's admin
/// may neither move a delegate into or out of a committee office nor change its voting right
/// (both are published through OParl as the committee's composition). 403 naming the fields
/// that would change from `role`/`voting_right` to `new_role`/`new_voting_right`.
pub(super) fn refuse_committee_fields(
    role: CommitteeRole,
    new_role: CommitteeRole,
    voting_right: bool,
    new_voting_right: bool,
) -> Result<(), ApiError> {
    let is_office = |role: CommitteeRole| {
        matches!(
            role,
            CommitteeRole::Chair | CommitteeRole::DeputyChair | CommitteeRole::Secretary
        )
    };
    let mut refused = Vec::new();
    if new_role != role && (is_office(role) || is_office(new_role)) {
        refused.push(format!("role ({} to {})", role.as_str(), new_role.as_str()));
    }
    if new_voting_right != voting_right {
        refused.push(format!(
            "voting_right ({voting_right} to {new_voting_right})"
        ));
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "only the steering office sets a delegate's committee office (chair, deputy_chair, \
             secretary) and voting right; refused: {}",
            refused.join(", ")
        )))
    }
}

/// What replaces an erased name: the function, or else the committee role, and the
/// organization, e.g. "Bürgermeisterin (Musterstadt)" or "Mitglied (Beispielheim)".
pub fn erased_name(member: &CommitteeMember, organization_name: &str) -> String {
    let function = member
        .function
        .clone()
        .filter(|f| !f.trim().is_empty() && !f.contains(member.name.as_str()))
        .unwrap_or_else(|| {
            CommitteeRole::parse(&member.role)
                .unwrap_or(CommitteeRole::Member)
                .label_de()
                .to_owned()
        });
    let mut replacement = format!("{function} ({organization_name})");
    if replacement.chars().count() > 200 {
        replacement = replacement.chars().take(200).collect();
    }
    replacement
}
