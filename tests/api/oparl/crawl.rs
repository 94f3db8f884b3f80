//! The crawl: from the System every link resolves, ids are URLs, every object is valid,
//! embedded objects equal their own URL's answer, every object is in its Body list, and the
//! lists page to their end.

use serde_json::Value;

use super::schemas::Schemas;
use super::*;

/// The Body list of each object type.
pub fn list_of(type_url: &str) -> Option<String> {
    let list = match type_url.strip_prefix("https://schema.oparl.org/1.1/")? {
        "Body" => return Some(format!("{BASE}/bodies")),
        "Organization" => "organizations",
        "Person" => "persons",
        "Membership" => "memberships",
        "Meeting" => "meetings",
        "AgendaItem" => "agenda-items",
        "Paper" => "papers",
        "Consultation" => "consultations",
        "File" => "files",
        "Location" => "locations",
        "LegislativeTerm" => "legislative-terms",
        _ => return None,
    };
    Some(format!("{BASE}/bodies/smartregion/{list}"))
}

#[actix_web::test]
async fn every_link_resolves_and_every_object_is_valid_and_listed() {
    let schemas = Schemas::load();
    let app = TestApp::spawn().await;
    let s = scenario(&app).await;
    let crawl = crawl(&app, &schemas).await;

    // Embedded objects are served on their own URLs, identical (back-references included).
    let mut embedded = Vec::new();
    for value in crawl.objects.values().chain(crawl.pages.values()) {
        objects(value, &mut embedded);
    }
    for object in &embedded {
        let id = object["id"].as_str().unwrap();
        assert_eq!(
            crawl.objects.get(id),
            Some(object),
            "{id} differs on its own URL"
        );
    }

    // Every object is in its Body list.
    for (url, object) in &crawl.objects {
        let Some(list) = list_of(object["type"].as_str().unwrap()) else {
            continue;
        };
        assert!(
            crawl.list_ids(&list).contains(url),
            "{url} is not in {list}"
        );
    }

    // The Body and its lists.
    let body = &crawl.objects[&format!("{BASE}/bodies/smartregion")];
    assert_eq!(body["name"], "Smart Region Kreis Warendorf");
    assert_eq!(body["legislativeTerm"].as_array().unwrap().len(), 1);
    let organizations = crawl.list_ids(&format!("{BASE}/bodies/smartregion/organizations"));
    assert_eq!(organizations.len(), 16, "the committee and the 15 members");
    let committee = &crawl.objects[&format!("{BASE}/organizations/lenkungskreis")];
    assert_eq!(committee["organizationType"], "Gremium");
    assert_eq!(committee["classification"], "Lenkungskreis");
    let ahlen = &crawl.objects[&format!("{BASE}/organizations/institutions/{AHLEN}")];
    assert_eq!(ahlen["organizationType"], "Institution");

    // One consenting delegate, with a membership on behalf of Ahlen.
    let persons = crawl.list_ids(&format!("{BASE}/bodies/smartregion/persons"));
    assert_eq!(persons.len(), 1);
    let person = &crawl.objects[persons.iter().next().unwrap()];
    assert_eq!(person["name"], "Erika Mustermann");
    let membership = &person["membership"][0];
    assert_eq!(membership["onBehalfOf"], ahlen["id"]);
    assert_eq!(membership["organization"], committee["id"]);
    assert_eq!(membership["role"], "Vorsitz");
    assert_eq!(
        committee["membership"],
        serde_json::json!([membership["id"]])
    );

    // The public agenda: order 0..n-1 over the public items only.
    let agenda = agenda_of(&crawl, &s.sample.meeting);
    let numbers: Vec<&str> = agenda
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["1", "2"]);
    let item = &agenda[1];
    assert_eq!(item["order"], 1);
    assert_eq!(item["result"], "beschlossen");
    assert_eq!(
        item["resolutionText"],
        "Der Lenkungskreis empfiehlt die Umsetzung."
    );
    assert!(agenda[0].get("result").is_none());

    // The approved minutes as a File, whose bytes match size and checksum.
    let meeting = &crawl.objects[&format!("{BASE}/meetings/{}", s.sample.meeting)];
    assert_eq!(meeting["meetingState"], "Niederschrift genehmigt");
    assert_eq!(meeting["start"], "2026-03-26T17:00:00+01:00");
    assert_eq!(meeting["location"]["postalCode"], "48231");
    let file = &meeting["resultsProtocol"];
    for link in ["accessUrl", "downloadUrl"] {
        let content = &crawl.contents[file[link].as_str().unwrap()];
        assert_eq!(file["size"], content.len(), "{link}");
        assert_eq!(file["sha512Checksum"], sha512(content.as_bytes()), "{link}");
        assert!(content.contains("Die Sitzung wurde um 17:00 Uhr eröffnet."));
    }
    let download = app
        .client
        .get(local(&app, file["downloadUrl"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(
        crawl
            .list_ids(&format!("{BASE}/bodies/smartregion/files"))
            .len(),
        1
    );
    // Every project is a Paper (the seeded catalogue too).
    let papers = crawl.list_ids(&format!("{BASE}/bodies/smartregion/papers"));
    for project in [s.sample.project, s.second_project] {
        assert!(papers.contains(&format!("{BASE}/papers/{project}")));
    }
}

#[actix_web::test]
async fn an_agenda_item_names_the_consultation_of_its_first_project_and_papers_embed_all() {
    let schemas = Schemas::load();
    let app = TestApp::spawn().await;
    let s = scenario(&app).await;
    let crawl = crawl(&app, &schemas).await;
    let item = format!("{BASE}/agenda-items/{}", s.sample.public_item);
    let first = format!(
        "{BASE}/consultations/{}/{}",
        s.sample.public_item, s.second_project
    );
    let second = format!(
        "{BASE}/consultations/{}/{}",
        s.sample.public_item, s.sample.project
    );
    // AB-1 sorts before DI-7.
    assert_eq!(crawl.objects[&item]["consultation"], first.as_str());
    for (paper, consultation) in [(s.second_project, &first), (s.sample.project, &second)] {
        let paper = &crawl.objects[&format!("{BASE}/papers/{paper}")];
        let embedded: Vec<&Value> = paper["consultation"].as_array().unwrap().iter().collect();
        assert_eq!(embedded.len(), 1);
        assert_eq!(embedded[0]["id"], consultation.as_str());
        assert_eq!(embedded[0]["agendaItem"], item.as_str());
        assert_eq!(embedded[0]["paper"], paper["id"]);
        assert_eq!(embedded[0]["authoritative"], true);
    }
    let di7 = &crawl.objects[&format!("{BASE}/papers/{}", s.sample.project)];
    assert_eq!(di7["reference"], "DI-7");
    let consultations = crawl.list_ids(&format!("{BASE}/bodies/smartregion/consultations"));
    assert_eq!(consultations, [first, second].into_iter().collect());
}

#[actix_web::test]
async fn lists_page_to_their_end_and_keep_their_filters() {
    let schemas = Schemas::load();
    let app = TestApp::spawn().await;
    scenario(&app).await;
    let crawl = crawl(&app, &schemas).await;
    let mut lists: Vec<String> = crawl::LISTS
        .iter()
        .map(|l| format!("{BASE}/bodies/smartregion/{l}"))
        .collect();
    lists.push(format!("{BASE}/bodies"));
    for list in lists {
        let expected = crawl.list_ids(&list);
        let filter = "created_since=2000-01-01T00%3A00%3A00%2B01%3A00";
        let mut url = Some(format!("{list}?limit=1&{filter}"));
        let mut seen = Vec::new();
        while let Some(current) = url {
            let page = get(&app, &current).await;
            let data = page["data"].as_array().unwrap();
            assert!(data.len() <= 1, "{current}");
            seen.extend(data.iter().map(|o| o["id"].as_str().unwrap().to_owned()));
            for link in page["links"].as_object().unwrap().values() {
                assert!(link.as_str().unwrap().contains(filter), "{current}: {link}");
            }
            url = page["links"]["next"].as_str().map(str::to_owned);
            if url.is_some() {
                assert_eq!(data.len(), 1, "{current}: a page before the last is full");
            }
        }
        let unique: std::collections::BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "{list}: an object twice");
        assert_eq!(unique, expected, "{list}");
        assert!(!expected.is_empty(), "{list} is empty");
    }
}

pub const LISTS: [&str; 10] = [
    "organizations",
    "persons",
    "memberships",
    "meetings",
    "agenda-items",
    "papers",
    "consultations",
    "files",
    "locations",
    "legislative-terms",
];

#[actix_web::test]
async fn errors_are_oparl_error_objects_with_cors() {
    let app = TestApp::spawn().await;
    for (url, status) in [
        (format!("{BASE}/meetings/{}", uuid::Uuid::new_v4()), 404),
        (format!("{BASE}/meetings/not-a-uuid"), 404),
        (format!("{BASE}/nothing-here"), 404),
        (
            format!("{BASE}/bodies/smartregion/meetings?modified_since=yesterday"),
            400,
        ),
        (format!("{BASE}/bodies/smartregion/meetings?limit=0"), 400),
        (
            format!("{BASE}/bodies/smartregion/meetings?cursor=garbage"),
            400,
        ),
    ] {
        let (actual, body) = fetch(&app, &url).await;
        assert_eq!(actual, status, "{url}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["type"], "https://schema.oparl.org/1.1/Error", "{url}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let response = app.post("/oparl/v1.1/system").send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}
