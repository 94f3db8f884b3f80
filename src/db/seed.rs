//! The cooperation's reference data: its organizations and the strategy's fields of action.
//!
//! The CSV files in `data/` are embedded at compile time. Loading is idempotent: rows that exist
//! are left as they are (an administrator may have updated them since), missing rows are added,
//! and only what was added is recorded in the audit trail.

use anyhow::Context;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;

use crate::db::fields_of_action::FieldOfAction;
use crate::db::organizations::NewOrganization;
use crate::db::schema::{fields_of_action, organization_populations, organizations};
use crate::db::write::{Actor, Entry, Recorded, ScopedFutureExt, audited};

const BODIES_CSV: &str = include_str!("../../data/bodies.csv");
const FIELDS_OF_ACTION_CSV: &str = include_str!("../../data/fields_of_action.csv");

/// The district's business-development company: on the steering committee, no municipality.
pub const GFW_KEY: &str = "gfw";
const GFW_NAME: &str = "gfw – Gesellschaft für Wirtschaftsförderung im Kreis Warendorf mbH";

#[derive(Debug, Deserialize)]
struct BodyRow {
    ags: String,
    name: String,
    kind: String,
    population: i32,
    population_date: NaiveDate,
    population_source: String,
}

#[derive(Debug, Deserialize)]
struct FieldRow {
    code: String,
    name_de: String,
    name_en: String,
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
}

pub async fn run(conn: &mut AsyncPgConnection) -> anyhow::Result<SeedReport> {
    let bodies: Vec<BodyRow> = read_csv(BODIES_CSV, "bodies.csv")?;
    let fields: Vec<FieldRow> = read_csv(FIELDS_OF_ACTION_CSV, "fields_of_action.csv")?;
    let actor = Actor::system("seed");

    let report = audited(conn, &actor, move |conn| {
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
}
