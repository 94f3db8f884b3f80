//! Fixture builders that write straight to the database (through the audited write path), for
//! tests that need data their resource does not create itself.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use smartregion::db::schema::projects;
use smartregion::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use uuid::Uuid;

use super::TestApp;

pub struct ProjectBuilder {
    code: String,
    title: String,
    field_of_action: String,
    category: String,
    lead_organization: Option<String>,
    status: String,
    tags: Vec<String>,
}

impl ProjectBuilder {
    pub fn new(code: &str) -> Self {
        Self {
            code: code.into(),
            title: format!("Projekt {code}"),
            field_of_action: "digital_infrastructure".into(),
            category: "lead".into(),
            lead_organization: None,
            status: "planned".into(),
            tags: Vec::new(),
        }
    }

    pub fn title(mut self, title: &str) -> Self {
        self.title = title.into();
        self
    }

    pub fn field(mut self, code: &str) -> Self {
        self.field_of_action = code.into();
        self
    }

    pub fn category(mut self, category: &str) -> Self {
        self.category = category.into();
        self
    }

    pub fn lead(mut self, org: &str) -> Self {
        self.lead_organization = Some(org.into());
        self
    }

    pub fn status(mut self, status: &str) -> Self {
        self.status = status.into();
        self
    }

    pub fn tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.into());
        self
    }

    pub async fn create(self, app: &TestApp) -> Uuid {
        let mut conn = app.conn().await;
        let actor = Actor::system("test-fixture");
        let this = &self;
        audited(&mut conn, &actor, move |conn| {
            async move {
                let id: Uuid = diesel::insert_into(projects::table)
                    .values((
                        projects::code.eq(&this.code),
                        projects::title.eq(&this.title),
                        projects::field_of_action.eq(&this.field_of_action),
                        projects::category.eq(&this.category),
                        projects::lead_organization.eq(&this.lead_organization),
                        projects::status.eq(&this.status),
                        projects::tags.eq(&this.tags),
                    ))
                    .returning(projects::id)
                    .get_result(conn)
                    .await?;
                Ok(Recorded::new(id).with(Entry::created("project", id)))
            }
            .scope_boxed()
        })
        .await
        .expect("fixture project")
    }
}
