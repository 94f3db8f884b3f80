//! The cooperation's reference data: its organizations, the strategy's fields of action and the
//! projects known from public sources.
//!
//! The data comes from the cooperation profile (`crate::profile`). Loading is idempotent: rows
//! that exist are left as they are (the steering office may have updated them since), missing
//! rows are added, and only what was added is recorded in the audit trail. [`differences`]
//! lists where the stored data and the profile disagree, for the start-up log.
//!
//! Known projects (the profile's `known_projects` file) are loaded as `planned`, with
//! their source URL and whether their field and category were confirmed there or inferred.
//! Their codes are assigned per category in file order: lead projects `LP-01`, `LP-02`, …,
//! potential projects `PP-01`, … (see [`seed_code`]); the steering office may re-code them
//! later. Each seeded row carries `seed_key = projects_known:<title>`, so a project the office
//! renamed, re-coded or deleted is never loaded again. Only what public sources name is
//! listed; nothing is invented here.
//!
//! A member added by the seed gets its first membership period (from the profile's
//! `joined_on`, empty for a founding member) in the same transaction.

use anyhow::Context;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::fields_of_action::FieldOfAction;
use crate::db::organizations::NewOrganization;
use crate::db::projects::{self, NewProject};
use crate::db::schema::{
    fields_of_action, organization_memberships, organization_populations, organizations,
};
use crate::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::lifecycle::ProjectStatus;
use crate::domain::projects::{Category, seed_code};
use crate::profile::{KnownProjectRow, Profile};

/// The known projects as rows to insert, with their codes assigned (see the module docs).
fn known_projects(rows: &[KnownProjectRow]) -> anyhow::Result<Vec<NewProject>> {
    let mut counters = (0, 0);
    rows.iter()
        .map(|row| {
            let category = Category::parse(&row.category)
                .with_context(|| format!("projects_known.csv: category {}", row.category))?;
            let position = match category {
                Category::Lead => {
                    counters.0 += 1;
                    counters.0
                }
                Category::Potential => {
                    counters.1 += 1;
                    counters.1
                }
            };
            let confirmed = match row.field_and_category_confirmed.as_str() {
                "yes" => true,
                "no" => false,
                other => anyhow::bail!("projects_known.csv: confirmed must be yes/no, not {other}"),
            };
            Ok(NewProject {
                code: seed_code(category, position),
                seed_key: Some(format!("projects_known:{}", row.title)),
                title: row.title.clone(),
                summary: String::new(),
                description: String::new(),
                field_of_action: row.field_of_action.clone(),
                category: category.as_str().to_owned(),
                lead_organization: None,
                tags: Vec::new(),
                external_id: None,
                gender_equality_relevant: "unknown".into(),
                follow_up_costs_note: None,
                internal_note: None,
                status: ProjectStatus::Planned.as_str().to_owned(),
                planned_start: None,
                planned_end: None,
                actual_start: None,
                actual_end: None,
                source_url: Some(row.source.clone()),
                classification_confirmed: confirmed,
            })
        })
        .collect()
}

/// What a seed run added.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub organizations: usize,
    pub memberships: usize,
    pub population_figures: usize,
    pub fields_of_action: usize,
    pub projects: usize,
}

pub async fn run(conn: &mut AsyncPgConnection, profile: &Profile) -> anyhow::Result<SeedReport> {
    let known = known_projects(&profile.known_projects)?;
    let actor = Actor::system("seed");
    let seed_actor = actor.clone();
    let members = profile.members.clone();
    let populations = profile.populations.clone();
    let fields = profile.fields_of_action.clone();
    let office = profile.steering_office.clone();
    let office_email = profile.oparl.contact_email.clone();
    let office_website = profile.oparl.website.clone();

    let report = audited(conn, &actor, move |conn| {
        let (members, populations, fields, known, seed_actor) = (
            members.clone(),
            populations.clone(),
            fields.clone(),
            known.clone(),
            seed_actor.clone(),
        );
        let (office, office_email, office_website) =
            (office.clone(), office_email.clone(), office_website.clone());
        async move {
            let mut recorded = Recorded::new(SeedReport::default());

            let new_orgs: Vec<NewOrganization<'_>> = members
                .iter()
                .map(|b| {
                    let is_office = b.key == office;
                    // The current figure is the member's newest one.
                    let latest = populations
                        .iter()
                        .filter(|p| p.key == b.key)
                        .max_by_key(|p| p.reference_date);
                    NewOrganization {
                        key: &b.key,
                        name: &b.name,
                        kind: &b.kind,
                        population: latest.map(|p| p.population),
                        population_date: latest.map(|p| p.reference_date),
                        population_source: latest.and_then(|p| p.source.as_deref()),
                        contact_email: office_email.as_deref().filter(|_| is_office),
                        website_url: office_website.as_deref().filter(|_| is_office),
                    }
                })
                .collect();
            let added: Vec<String> = diesel::insert_into(organizations::table)
                .values(&new_orgs)
                .on_conflict_do_nothing()
                .returning(organizations::key)
                .get_results(conn)
                .await?;
            for key in &added {
                let row = members
                    .iter()
                    .find(|o| &o.key == key)
                    .expect("inserted rows were given");
                recorded = recorded.with(
                    Entry::created("organization", key)
                        .action("organization.seed")
                        .org(key.clone())
                        .after(&serde_json::json!({"name": row.name, "kind": row.kind})),
                );
                diesel::insert_into(organization_memberships::table)
                    .values((
                        organization_memberships::organization_key.eq(key),
                        organization_memberships::joined_on.eq(row.joined_on),
                    ))
                    .execute(conn)
                    .await?;
                recorded = recorded.with(
                    Entry::created("membership", key)
                        .action("membership.seed")
                        .org(key.clone())
                        .after(&serde_json::json!({"joined_on": row.joined_on})),
                );
            }
            recorded.value.organizations = added.len();
            recorded.value.memberships = added.len();

            let figures: Vec<_> = populations
                .iter()
                .map(|b| {
                    (
                        organization_populations::organization_key.eq(&b.key),
                        organization_populations::reference_date.eq(b.reference_date),
                        organization_populations::population.eq(b.population),
                        organization_populations::source.eq(b.source.as_ref()),
                    )
                })
                .collect();
            let added_figures: Vec<(String, NaiveDate)> =
                diesel::insert_into(organization_populations::table)
                    .values(&figures)
                    .on_conflict_do_nothing()
                    .returning((
                        organization_populations::organization_key,
                        organization_populations::reference_date,
                    ))
                    .get_results(conn)
                    .await?;
            for (key, date) in &added_figures {
                recorded = recorded.with(
                    Entry::created("population_figure", format!("{key}/{date}"))
                        .action("population_figure.seed")
                        .org(key.clone()),
                );
            }
            recorded.value.population_figures = added_figures.len();

            let new_fields: Vec<FieldOfAction> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| FieldOfAction {
                    code: f.code.clone(),
                    name_de: f.name_de.clone(),
                    name_en: f.name_en.clone(),
                    position: i as i32 + 1,
                })
                .collect();
            let added_fields: Vec<String> = diesel::insert_into(fields_of_action::table)
                .values(&new_fields)
                .on_conflict_do_nothing()
                .returning(fields_of_action::code)
                .get_results(conn)
                .await?;
            for code in &added_fields {
                recorded = recorded
                    .with(Entry::created("field_of_action", code).action("field_of_action.seed"));
            }
            recorded.value.fields_of_action = added_fields.len();

            // Skips rows whose seed key (loaded before) or code (taken by the office) exists.
            let added_projects: Vec<projects::Project> =
                diesel::insert_into(crate::db::schema::projects::table)
                    .values(&known)
                    .on_conflict_do_nothing()
                    .returning(projects::Project::as_returning())
                    .get_results(conn)
                    .await?;
            for project in &added_projects {
                projects::record_status_change(
                    conn,
                    project.id,
                    None,
                    &project.status,
                    Some("loaded from the public sources named in the cooperation profile"),
                    &seed_actor,
                )
                .await?;
                recorded = recorded.with(
                    Entry::created("project", project.id)
                        .action("project.seed")
                        .after(project),
                );
            }
            recorded.value.projects = added_projects.len();
            Ok(recorded)
        }
        .scope_boxed()
    })
    .await
    .map_err(|e| anyhow::anyhow!("loading reference data: {e}"))?;
    Ok(report)
}

/// Where the stored reference data and the profile disagree: each a sentence for the log. The
/// stored data wins (the steering office may have changed it on purpose); the profile only
/// ever adds what is missing.
pub async fn differences(
    conn: &mut AsyncPgConnection,
    profile: &Profile,
) -> anyhow::Result<Vec<String>> {
    let stored: Vec<(String, String, String)> = organizations::table
        .select((organizations::key, organizations::name, organizations::kind))
        .order(organizations::key.asc())
        .load(conn)
        .await?;
    let figures: Vec<(String, NaiveDate, i32)> = organization_populations::table
        .select((
            organization_populations::organization_key,
            organization_populations::reference_date,
            organization_populations::population,
        ))
        .load(conn)
        .await?;
    let fields: Vec<(String, String, String)> = fields_of_action::table
        .select((
            fields_of_action::code,
            fields_of_action::name_de,
            fields_of_action::name_en,
        ))
        .load(conn)
        .await?;
    Ok(compare(profile, &stored, &figures, &fields))
}

/// [`differences`] without the database.
fn compare(
    profile: &Profile,
    stored: &[(String, String, String)],
    figures: &[(String, NaiveDate, i32)],
    fields: &[(String, String, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    for member in &profile.members {
        match stored.iter().find(|(key, _, _)| key == &member.key) {
            None => out.push(format!(
                "member {} of the profile is not stored",
                member.key
            )),
            Some((key, name, kind)) => {
                if name != &member.name {
                    out.push(format!(
                        "organization {key}: stored name `{name}`, the profile says `{}`",
                        member.name
                    ));
                }
                if kind != &member.kind {
                    out.push(format!(
                        "organization {key}: stored kind `{kind}`, the profile says `{}`",
                        member.kind
                    ));
                }
            }
        }
    }
    for (key, name, _) in stored {
        if !profile.members.iter().any(|m| &m.key == key) {
            out.push(format!(
                "organization {key} ({name}) is stored but not in the profile"
            ));
        }
    }
    for row in &profile.populations {
        if let Some((_, _, population)) = figures
            .iter()
            .find(|(key, date, _)| key == &row.key && *date == row.reference_date)
            && *population != row.population
        {
            out.push(format!(
                "population of {} on {}: stored {population}, the profile says {}",
                row.key, row.reference_date, row.population
            ));
        }
    }
    for field in &profile.fields_of_action {
        if let Some((code, name_de, name_en)) =
            fields.iter().find(|(code, _, _)| code == &field.code)
            && (name_de != &field.name_de || name_en != &field.name_en)
        {
            out.push(format!(
                "field of action {code}: stored `{name_de}` / `{name_en}`, the profile says `{}` / `{}`",
                field.name_de, field.name_en
            ));
        }
    }
    for (code, name_de, _) in fields {
        if !profile.fields_of_action.iter().any(|f| &f.code == code) {
            out.push(format!(
                "field of action {code} ({name_de}) is stored but not in the profile"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests;
