//! Walking the list to the end, page by page, while other requests insert projects.

use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::builders::ProjectBuilder;
use crate::helpers::*;

async fn walk(app: &TestApp, sort: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/projects?tag=walk&limit=7&sort={sort}");
    loop {
        let body = json(app.get(&path).send().await.unwrap(), 200).await;
        seen.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/projects?tag=walk&limit=7&sort={sort}&cursor={cursor}")
            }
            None => return seen,
        }
        // Give the inserting task a chance between pages.
        tokio::task::yield_now().await;
    }
}

#[actix_web::test]
async fn pages_have_no_duplicates_or_gaps_while_rows_are_inserted() {
    let app = TestApp::spawn().await;
    let mut existing = HashSet::new();
    for i in 0..40 {
        let title = format!("Titel {:03}", (i * 37) % 100);
        let id = ProjectBuilder::new(&format!("PG-{i}"))
            .title(&title)
            .tag("walk")
            .create(&app)
            .await;
        existing.insert(id.to_string());
    }
    for (round, sort) in ["code", "title", "updated_at"].into_iter().enumerate() {
        let inserts = async {
            for i in 0..20 {
                // Codes, titles and timestamps that fall before, between and after the cursor.
                ProjectBuilder::new(&format!("PG-{}{}", i, ["a", "b", "c"][round]))
                    .title(&format!("Titel {:03}x", (i * 13) % 100))
                    .tag("walk")
                    .create(&app)
                    .await;
                tokio::task::yield_now().await;
            }
        };
        let (seen, ()) = futures_util::future::join(walk(&app, sort), inserts).await;
        let ids: Vec<String> = seen
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{sort}: duplicates");
        for id in &existing {
            assert!(
                unique.contains(id),
                "{sort}: a project that existed all along was skipped"
            );
        }
        // The order is the sort order, strictly increasing on (key, id).
        let keys: Vec<(String, String)> = seen
            .iter()
            .map(|p| {
                let key = match sort {
                    "code" => p["code"].as_str().unwrap().to_owned(),
                    "title" => p["title"].as_str().unwrap().to_lowercase(),
                    _ => p["updated_at"].as_str().unwrap().to_owned(),
                };
                (key, p["id"].as_str().unwrap().to_owned())
            })
            .collect();
        if sort != "updated_at" {
            // RFC 3339 strings with varying fractional digits do not sort as text.
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{sort}: out of order");
        } else {
            let instants: Vec<chrono::DateTime<chrono::Utc>> = seen
                .iter()
                .map(|p| p["updated_at"].as_str().unwrap().parse().unwrap())
                .collect();
            assert!(
                instants.windows(2).all(|w| w[0] <= w[1]),
                "updated_at: out of order"
            );
        }
        // Everything inserted so far is there at the end of a fresh walk.
        let all = walk(&app, sort).await;
        existing = all
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(existing.len(), 40 + 20 * (round + 1));
    }
}
