//! `src/db/schema.rs` is written by hand (diesel_cli needs libpq); this test compares it with a
//! migrated database so that a drift fails CI instead of a query at run time.

use std::collections::BTreeMap;

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;

use crate::helpers::*;

/// Columns the Rust code deliberately does not map.
const UNMAPPED: &[(&str, &str)] = &[
    ("audit_log", "tx_id"),
    ("projects", "search"),
    ("initiatives", "search"),
    ("initiatives", "similarity_text"),
];

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    udt_name: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

/// `table -> column -> (postgres type, nullable)` as declared in schema.rs.
fn declared() -> BTreeMap<String, BTreeMap<String, (String, bool)>> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/schema.rs")).unwrap();
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_suffix('{')
            && rest.contains('(')
            && !rest.starts_with("diesel::")
        {
            current = Some(rest.split_whitespace().next().unwrap().to_owned());
            tables.insert(current.clone().unwrap(), BTreeMap::new());
        } else if let (Some(table), Some((name, ty))) = (&current, line.split_once(" -> ")) {
            let ty = ty.trim_end_matches(',');
            let (nullable, ty) = match ty.strip_prefix("Nullable<") {
                Some(inner) => (true, inner.trim_end_matches('>')),
                None => (false, ty),
            };
            let pg = match ty {
                "Text" => "text",
                "Int2" => "int2",
                "Int4" => "int4",
                "Int8" => "int8",
                "Bool" => "bool",
                "Date" => "date",
                "Timestamptz" => "timestamptz",
                "Uuid" => "uuid",
                "Jsonb" => "jsonb",
                "Array<Text>" => "_text",
                "Array<Uuid>" => "_uuid",
                "Array<Int4>" => "_int4",
                "Time" => "time",
                "Bytea" => "bytea",
                "Float8" => "float8",
                "Numeric" => "numeric",
                "Interval" => "interval",
                other => panic!("schema.rs type {other} has no mapping in this test"),
            };
            tables
                .get_mut(table)
                .unwrap()
                .insert(name.to_owned(), (pg.to_owned(), nullable));
        } else if line == "}" {
            current = None;
        }
    }
    tables
}

#[actix_web::test]
async fn schema_rs_matches_the_migrated_database() {
    let app = TestApp::spawn().await;
    let mut conn = app.conn().await;
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, udt_name::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = 'public' \
         AND table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let mut actual: BTreeMap<String, BTreeMap<String, (String, bool)>> = BTreeMap::new();
    for c in columns {
        if UNMAPPED.contains(&(c.table_name.as_str(), c.column_name.as_str())) {
            continue;
        }
        actual
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, (c.udt_name, c.is_nullable == "YES"));
    }
    let declared = declared();
    assert!(!declared.is_empty());
    for (table, columns) in &declared {
        assert_eq!(
            Some(columns),
            actual.get(table),
            "schema.rs and the database differ for table {table}"
        );
    }
    for table in actual.keys() {
        assert!(
            declared.contains_key(table),
            "table {table} is missing from schema.rs"
        );
    }
}
