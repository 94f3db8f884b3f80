//! Reading the audit trail (writing it is `db::write`'s job).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use crate::db::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRecord {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub actor_subject: String,
    pub actor_organization: Option<String>,
    pub actor_roles: Vec<String>,
    pub on_behalf_of: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub organization_key: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub organization: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first; `before_id` is the keyset cursor.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRecord>> {
    let mut query = audit_log::table
        .select(AuditRecord::as_select())
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(entity) = &filter.entity {
        query = query.filter(audit_log::entity.eq(entity.clone()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_log::entity_id.eq(entity_id.clone()));
    }
    if let Some(organization) = &filter.organization {
        query = query.filter(audit_log::organization_key.eq(organization.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::occurred_at.lt(to));
    }
    if let Some(before_id) = before_id {
        query = query.filter(audit_log::id.lt(before_id));
    }
    query.load(conn).await
}

/// How many audit entries exist; tests use it to prove that refused requests wrote nothing.
pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    audit_log::table.count().get_result(conn).await
}
