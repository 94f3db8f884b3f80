//! The cooperation's reference data: its organizations, the strategy's fields of action and the
//! projects known from public sources.
//!
//! The CSV files in `data/` are embedded at compile time. Loading is idempotent: rows that exist
//! are left as they are (an administrator may have updated them since), missing rows are added,
//! and only what was added is recorded in the audit trail.
//!
//! Known projects (`projects_known.csv`, 8 of the strategy's 24) are loaded as `planned`, with
//! their source URL and whether their field and category were confirmed there or inferred.
//! Their codes are assigned per category in file order: lead projects `LP-01`, `LP-02`, …,
//! potential projects `PP-01`, … (see [`seed_code`]); the steering office may re-code them
//! later. Each seeded row carries `seed_key = projects_known:<title>`, so a project the office
//! renamed, re-coded or deleted is never loaded again. The other 16 projects are not public
//! and are never invented here.

use anyhow::Context;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;

use crate::db::fields_of_action::FieldOfAction;
use crate::db::organizations::NewOrganization;
use crate::db::projects::{self, NewProject};
use crate::db::schema::{fields_of_action, organization_populations, organizations};
use crate::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};
use crate::domain::lifecycle::ProjectStatus;
use crate::domain::projects::{Category, seed_code};

const BODIES_CSV: &str = include_str!("../../data/bodies.csv");
const FIELDS_OF_ACTION_CSV: &str = include_str!("../../data/fields_of_action.csv");
const PROJECTS_KNOWN_CSV: &str = include_str!("../../data/projects_known.csv");

/// The district's business-development company: on the steering committee, no municipality.
pub const GFW_KEY: &str = "gfw";
const GFW_NAME: &str = "gfw – Gesellschaft für Wirtschaftsförderung im Kreis Warendorf mbH";

#[derive(Clone, Debug, Deserialize)]
struct BodyRow {
    ags: String,
    name: String,
    kind: String,
    population: i32,
    population_date: NaiveDate,
    population_source: String,
}

#[derive(Clone, Debug, Deserialize)]
struct FieldRow {
    code: String,
    name_de: String,
    name_en: String,
}

#[derive(Debug, Deserialize)]
struct KnownProjectRow {
    title: String,
    field_of_action: String,
    category: String,
    field_and_category_confirmed: String,
    source: String,
}

/// The known projects as rows to insert, with their codes assigned (see the module docs).
fn known_projects(rows: Vec<KnownProjectRow>) -> anyhow::Result<Vec<NewProject>> {
    let mut counters = (0, 0);
    rows.into_iter()
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
                title: row.title,
                summary: String::new(),
                description: String::new(),
                field_of_action: row.field_of_action,
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
                source_url: Some(row.source),
                classification_confirmed: confirmed,
            })
        })
        .collect()
}

fn read_csv<T: for<'de> Deserialize<'de>>(text: &str, name: &str) -> anyhow::Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .with_context(|| format!("reading the embedded {name}"))
}

/// What a seed run added.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub organizations: usize,
    pub population_figures: usize,
    pub fields_of_action: usize,
    pub projects: usize,
}

pub async fn run(conn: &mut AsyncPgConnection) -> anyhow::Result<SeedReport> {
    let bodies: Vec<BodyRow> = read_csv(BODIES_CSV, "bodies.csv")?;
    let fields: Vec<FieldRow> = read_csv(FIELDS_OF_ACTION_CSV, "fields_of_action.csv")?;
    let known = known_projects(read_csv(PROJECTS_KNOWN_CSV, "projects_known.csv")?)?;
    let actor = Actor::system("seed");
    let seed_actor = actor.clone();

    let report = audited(conn, &actor, move |conn| {
        let (bodies, fields, known, seed_actor) = (
            bodies.clone(),
            fields.clone(),
            known.clone(),
            seed_actor.clone(),
        );
        async move {
            let mut recorded = Recorded::new(SeedReport::default());

            let mut new_orgs: Vec<NewOrganization<'_>> = bodies
                .iter()
                .map(|b| NewOrganization {
                    key: &b.ags,
                    name: &b.name,
                    kind: &b.kind,
                    population: Some(b.population),
                    population_date: Some(b.population_date),
                    population_source: Some(&b.population_source),
                })
                .collect();
            new_orgs.push(NewOrganization {
                key: GFW_KEY,
                name: GFW_NAME,
                kind: "agency",
                population: None,
                population_date: None,
                population_source: None,
            });
            let added: Vec<String> = diesel::insert_into(organizations::table)
                .values(&new_orgs)
                .on_conflict_do_nothing()
                .returning(organizations::key)
                .get_results(conn)
                .await?;
            for key in &added {
                let row = new_orgs
                    .iter()
                    .find(|o| o.key == key)
                    .expect("inserted rows were given");
                recorded = recorded.with(
                    Entry::created("organization", key)
                        .action("organization.seed")
                        .org(key.clone())
                        .after(&serde_json::json!({"name": row.name, "kind": row.kind})),
                );
            }
            recorded.value.organizations = added.len();

            let figures: Vec<_> = bodies
                .iter()
                .map(|b| {
                    (
                        organization_populations::organization_key.eq(&b.ags),
                        organization_populations::reference_date.eq(b.population_date),
                        organization_populations::population.eq(b.population),
                        organization_populations::source.eq(Some(&b.population_source)),
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
                .into_iter()
                .enumerate()
                .map(|(i, f)| FieldOfAction {
                    code: f.code,
                    name_de: f.name_de,
                    name_en: f.name_en,
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
                    Some("loaded from the public sources in projects_known.csv"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_reference_data_is_complete() {
        let bodies: Vec<BodyRow> = read_csv(BODIES_CSV, "bodies.csv").unwrap();
        assert_eq!(bodies.len(), 14);
        assert_eq!(bodies.iter().filter(|b| b.kind == "kreis").count(), 1);
        assert!(
            bodies
                .iter()
                .all(|b| crate::domain::ids::is_organization_key(&b.ags))
        );
        let fields: Vec<FieldRow> = read_csv(FIELDS_OF_ACTION_CSV, "fields_of_action.csv").unwrap();
        assert_eq!(fields.len(), 6);
    }

    #[test]
    fn known_projects_get_codes_per_category_in_file_order() {
        let known =
            known_projects(read_csv(PROJECTS_KNOWN_CSV, "projects_known.csv").unwrap()).unwrap();
        assert_eq!(
            known.len(),
            8,
            "only what public sources name; never invent the rest"
        );
        let codes: Vec<(&str, &str)> = known
            .iter()
            .map(|p| (p.code.as_str(), p.title.as_str()))
            .collect();
        assert_eq!(
            codes[0],
            ("LP-01", "Initiative Citymarketing goes SocialMedia")
        );
        assert_eq!(codes[1].0, "PP-01");
        assert_eq!(codes[2], ("PP-02", "Smarte Dorfladenbox mit Paketterminal"));
        assert_eq!(codes[3].0, "LP-02");
        assert_eq!(codes[7], ("LP-06", "KI-gestützte Potenzialanalyse"));
        assert_eq!(
            known.iter().filter(|p| p.classification_confirmed).count(),
            3
        );
        assert!(
            known
                .iter()
                .all(|p| p.status == "planned" && p.source_url.is_some())
        );
    }
}
