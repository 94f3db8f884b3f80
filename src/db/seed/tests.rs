use super::*;

#[test]
fn known_projects_get_codes_per_category_in_file_order() {
    let profile = Profile::embedded();
    let known = known_projects(&profile.known_projects).unwrap();
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

#[test]
fn differences_name_what_the_office_changed_and_what_the_profile_lacks() {
    let profile = Profile::embedded();
    let mut stored: Vec<(String, String, String)> = profile
        .members
        .iter()
        .map(|m| (m.key.clone(), m.name.clone(), m.kind.clone()))
        .collect();
    let fields: Vec<(String, String, String)> = profile
        .fields_of_action
        .iter()
        .map(|f| (f.code.clone(), f.name_de.clone(), f.name_en.clone()))
        .collect();
    let figures: Vec<(String, NaiveDate, i32)> = profile
        .populations
        .iter()
        .map(|p| (p.key.clone(), p.reference_date, p.population))
        .collect();
    assert!(compare(&profile, &stored, &figures, &fields).is_empty());

    stored[1].1 = "Renamed".into();
    stored.push(("99001".into(), "New member".into(), "kreis".into()));
    let mut figures = figures;
    figures[0].2 += 1;
    let found = compare(&profile, &stored, &figures, &fields);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].contains("stored name `Renamed`"), "{found:?}");
    assert!(found[1].contains("99001 (New member) is stored but not in the profile"));
    assert!(found[2].starts_with("population of "), "{found:?}");
}
