//! What the change feed knows about each kind of record: who may see its changes, and where
//! the record lives in the API. This is the one list a new resource extends when it starts
//! recording changes (`Entry::created("<entity>", id)` in `db::write`).

/// Who may see the changes to one kind of record in the change feed (the coordinator always
/// sees every change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every member: the record is public or readable by all members.
    Members,
    /// The organization named in the change (`organization_key`) and the coordinator.
    Organization,
}

/// One kind of record that the write path records changes for.
#[derive(Debug, Clone, Copy)]
pub struct FeedEntity {
    /// The `entity` of the change records, e.g. `organization`.
    pub name: &'static str,
    pub audience: Audience,
    /// The API path of one record, from its `entity_id`; `None` while the record has no
    /// endpoint of its own (the feed then shows `url: null`).
    pub path: Option<fn(&str) -> String>,
}

/// Every kind of record the feed knows. A kind missing here is treated as private to its
/// organization and gets no URL, so that forgetting an entry never leaks anything.
pub const ENTITIES: &[FeedEntity] = &[
    FeedEntity {
        name: "organization",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/organizations/{}", segment(id))),
    },
    FeedEntity {
        // The id is `<organization key>/<reference date>`; the figures are read as one list.
        name: "population_figure",
        audience: Audience::Members,
        path: Some(|id| {
            let key = id.split_once('/').map_or(id, |(key, _)| key);
            format!("/api/v1/organizations/{}/populations", segment(key))
        }),
    },
    FeedEntity {
        // The id is the organization key; its periods are read as one list.
        name: "membership",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/organizations/{}/memberships", segment(id))),
    },
    FeedEntity {
        // Read as one list; there is no endpoint per field of action.
        name: "field_of_action",
        audience: Audience::Members,
        path: Some(|_| "/api/v1/fields-of-action".to_owned()),
    },
    FeedEntity {
        name: "project",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/projects/{}", segment(id))),
    },
    // The rest of the public catalogue. Their records live below their project
    // (`/projects/{id}/milestones/{mid}` ...) and the change records carry only their own id,
    // so they have no URL in the feed yet.
    FeedEntity {
        name: "project_status",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "milestone",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "report",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "indicator",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "measurement",
        audience: Audience::Members,
        path: None,
    },
    // Who takes part is public (notes stay member-only in the resource itself).
    FeedEntity {
        name: "participation",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "council_resolution",
        audience: Audience::Members,
        path: None,
    },
    // The steering committee: members see every part of every meeting (anonymous callers
    // cannot read the feed at all). Calendar feed tokens stay private to their organization by
    // not being listed here.
    FeedEntity {
        name: "meeting",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/meetings/{}", segment(id))),
    },
    FeedEntity {
        name: "agenda_item",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "attendance",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "minutes",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "committee_member",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/committee/members/{}", segment(id))),
    },
    // Cost plans: every member may read a project's costs, funding and key (the per-organization
    // shares are not in the feed; allocation snapshots stay private by not being listed).
    FeedEntity {
        name: "cost_item",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "cost_key",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "funding_application",
        audience: Audience::Members,
        path: None,
    },
    FeedEntity {
        name: "funding_programme",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/funding-programmes/{}", segment(id))),
    },
    // The strategy's structure is public.
    FeedEntity {
        name: "strategy",
        audience: Audience::Members,
        path: Some(|_| "/api/v1/strategy".to_owned()),
    },
    FeedEntity {
        name: "strategy_goal",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/strategy/goals/{}", segment(id))),
    },
    FeedEntity {
        name: "action_item",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/action-items/{}", segment(id))),
    },
    // Local initiatives: members read every one (members-only ones included), anonymous
    // callers cannot read the feed at all, and the change records carry no content.
    FeedEntity {
        name: "initiative",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/initiatives/{}", segment(id))),
    },
    // Working groups and networks are public, members included.
    FeedEntity {
        name: "working_group",
        audience: Audience::Members,
        path: Some(|id| format!("/api/v1/working-groups/{}", segment(id))),
    },
    // An organization's webhook subscriptions are its own business.
    FeedEntity {
        name: "webhook",
        audience: Audience::Organization,
        path: Some(|id| format!("/api/v1/webhooks/{}", segment(id))),
    },
];

pub fn entity(name: &str) -> Option<&'static FeedEntity> {
    ENTITIES.iter().find(|e| e.name == name)
}

/// The kinds of record whose changes every member sees.
pub fn member_wide_entities() -> Vec<&'static str> {
    ENTITIES
        .iter()
        .filter(|e| e.audience == Audience::Members)
        .map(|e| e.name)
        .collect()
}

/// The API path of the record a change is about, if it has one.
pub fn resource_path(entity_name: &str, entity_id: &str) -> Option<String> {
    entity(entity_name)?.path.map(|path| path(entity_id))
}

/// Whether a member of `organization` (not the coordinator) may see a change.
pub fn visible_to_member(
    entity_name: &str,
    change_organization: Option<&str>,
    organization: &str,
) -> bool {
    match entity(entity_name).map_or(Audience::Organization, |e| e.audience) {
        Audience::Members => true,
        Audience::Organization => change_organization == Some(organization),
    }
}

/// Whether `name` looks like an entity name (lower-case words joined by `_`).
pub fn is_entity_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

/// Percent-encodes everything but unreserved characters, for one path segment.
fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_entities_have_paths_and_unknown_ones_none() {
        assert_eq!(
            resource_path("organization", "05570004").as_deref(),
            Some("/api/v1/organizations/05570004")
        );
        assert_eq!(
            resource_path("population_figure", "05570004/2023-12-31").as_deref(),
            Some("/api/v1/organizations/05570004/populations")
        );
        assert_eq!(
            resource_path("project", "x").as_deref(),
            Some("/api/v1/projects/x")
        );
        assert_eq!(resource_path("milestone", "x"), None);
        assert_eq!(resource_path("something_new", "1"), None);
        assert_eq!(
            resource_path("organization", "a b/c").as_deref(),
            Some("/api/v1/organizations/a%20b%2Fc")
        );
    }

    #[test]
    fn unknown_entities_are_private_to_their_organization() {
        assert!(visible_to_member("organization", None, "05570004"));
        assert!(visible_to_member("project", Some("05570008"), "05570004"));
        assert!(visible_to_member(
            "budget_draft",
            Some("05570004"),
            "05570004"
        ));
        assert!(!visible_to_member(
            "budget_draft",
            Some("05570008"),
            "05570004"
        ));
        assert!(!visible_to_member("budget_draft", None, "05570004"));
        assert!(member_wide_entities().contains(&"organization"));
    }

    #[test]
    fn entity_names_are_lower_case_words() {
        assert!(is_entity_name("population_figure"));
        assert!(!is_entity_name(""));
        assert!(!is_entity_name("Project"));
        assert!(!is_entity_name("_x"));
        assert!(!is_entity_name("a;drop"));
    }
}
