//! The synthetic rows `bench-data` writes, generated in memory batch by batch from a seeded
//! random generator (the same scale and seed give the same data, ids included).
//!
//! Everything is recognisably synthetic: project codes start with `SYN`, titles with
//! "Synthetisches Projekt", meetings are "Synthetische Sitzung", and descriptions say that the
//! rows come from `smartregion bench-data`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// Projects, meetings and agenda items per unit of scale: the real cooperation's size.
pub const PROJECTS_PER_SCALE: u64 = 24;
pub const MEETINGS_PER_SCALE: u64 = 20;
pub const AGENDA_ITEMS_PER_MEETING: i32 = 12;
/// Opt-ins per project (the large case: 7 per project).
pub const PARTICIPANTS_PER_PROJECT: usize = 7;
/// The five fiscal years the cost items cover.
pub const FIRST_YEAR: i32 = 2025;
pub const LAST_YEAR: i32 = 2029;
/// The reference date of the population figures the population and mixed keys use.
pub fn population_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid date")
}

pub const NOTE: &str = "Synthetische Testdaten von `smartregion bench-data`, kein echtes Projekt.";

const NOUNS: [&str; 12] = [
    "Dorfladenbox",
    "Straßenbeleuchtung",
    "Bürgerplattform",
    "Grünflächenkataster",
    "Mobilitätsstation",
    "Parkraumsensorik",
    "Schulportal",
    "Wärmeplanung",
    "Fußgängerzone",
    "Datenplattform",
    "Funknetz",
    "Raumvermittlung",
];
const STATUSES: [&str; 6] = [
    "idea",
    "planned",
    "approved",
    "in_implementation",
    "in_implementation",
    "completed",
];
/// The states of a project's seven opt-ins, before shuffling onto organizations.
const PARTICIPANT_STATES: [&str; PARTICIPANTS_PER_PROJECT] = [
    "committed",
    "committed",
    "committed",
    "council_decision_pending",
    "intends_to_join",
    "interested",
    "declined",
];

/// An organization a project may involve.
#[derive(Debug, Clone)]
pub struct Org {
    pub key: String,
    pub is_district: bool,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub field_of_action: String,
    pub category: &'static str,
    pub lead_organization: String,
    pub status: &'static str,
    pub progress_percent: i16,
    pub planned_start: NaiveDate,
    pub planned_end: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct Participation {
    pub id: Uuid,
    pub project_id: Uuid,
    pub organization_key: String,
    pub state: &'static str,
    pub council_resolution_required: bool,
}

#[derive(Debug, Clone)]
pub struct CostItem {
    pub id: Uuid,
    pub project_id: Uuid,
    pub category: &'static str,
    pub recurrence: &'static str,
    pub first_year: i32,
    pub last_year: i32,
    pub amount_cents: i64,
    pub eligible_for_funding: bool,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct FundingApplication {
    pub id: Uuid,
    pub project_id: Uuid,
    pub state: &'static str,
    pub requested_cents: i64,
    pub granted_cents: Option<i64>,
    pub decision_date: Option<NaiveDate>,
}

/// Version 1 of a project's cost key: `equal`, `population` or `mixed` (half equal).
#[derive(Debug, Clone)]
pub struct CostKey {
    pub project_id: Uuid,
    pub rule: &'static str,
    pub population_date: Option<NaiveDate>,
    pub equal_part_bp: Option<i32>,
}

/// One batch of projects with everything hanging off them.
#[derive(Debug, Default)]
pub struct ProjectBatch {
    pub projects: Vec<Project>,
    pub participations: Vec<Participation>,
    pub cost_items: Vec<CostItem>,
    pub funding: Vec<FundingApplication>,
    pub keys: Vec<CostKey>,
}

#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: Uuid,
    pub number: i32,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub public: bool,
    pub state: &'static str,
}

#[derive(Debug, Clone)]
pub struct AgendaItem {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub position: i32,
    pub number: String,
    pub title: String,
    pub public: bool,
    pub presenter_organization: String,
    pub result: Option<&'static str>,
    /// The project the item deals with.
    pub project_id: Uuid,
}

#[derive(Debug, Default)]
pub struct MeetingBatch {
    pub meetings: Vec<Meeting>,
    pub agenda_items: Vec<AgendaItem>,
}

/// A project code matching the catalogue's pattern (`^[A-Z]{1,6}-[0-9]{1,4}[a-z]?$`): `SYN`,
/// two letters counting ten-thousands, four digits (enough for 6.7 million projects).
pub fn project_code(index: u64) -> String {
    let block = index / 10_000;
    let letter = |n: u64| char::from(b'A' + (n % 26) as u8);
    format!(
        "SYN{}{}-{:04}",
        letter(block / 26),
        letter(block),
        index % 10_000
    )
}

/// The generator of one run.
pub struct Generator {
    rng: StdRng,
    orgs: Vec<Org>,
    fields: Vec<String>,
}

impl Generator {
    /// `orgs` are the organizations that take part in projects (they need population figures
    /// on [`population_date`]), `fields` the fields of action's codes.
    pub fn new(seed: u64, orgs: Vec<Org>, fields: Vec<String>) -> Self {
        assert!(
            orgs.len() >= PARTICIPANTS_PER_PROJECT,
            "too few organizations"
        );
        assert!(!fields.is_empty(), "no fields of action");
        Self {
            rng: StdRng::seed_from_u64(seed),
            orgs,
            fields,
        }
    }

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.r#gen()).into_uuid()
    }

    /// The projects `range` (global indexes) with their opt-ins, costs, funding and keys.
    pub fn projects(
        &mut self,
        range: std::ops::Range<u64>,
        programme_id: Option<Uuid>,
    ) -> ProjectBatch {
        let mut batch = ProjectBatch::default();
        for index in range {
            let id = self.uuid();
            let noun = NOUNS[(index % NOUNS.len() as u64) as usize];
            let mut chosen: Vec<Org> = self
                .orgs
                .choose_multiple(&mut self.rng, PARTICIPANTS_PER_PROJECT)
                .cloned()
                .collect();
            chosen.shuffle(&mut self.rng);
            let start_year = self.rng.gen_range(FIRST_YEAR - 1..=FIRST_YEAR + 1);
            let planned_start =
                NaiveDate::from_ymd_opt(start_year, self.rng.gen_range(1..=12), 1).expect("date");
            let status = STATUSES[self.rng.gen_range(0..STATUSES.len())];
            batch.projects.push(Project {
                id,
                code: project_code(index),
                title: format!("Synthetisches Projekt {index:07}: {noun}"),
                field_of_action: self.fields[(index % self.fields.len() as u64) as usize].clone(),
                category: if index % 3 == 0 { "lead" } else { "potential" },
                // The lead takes part and pays.
                lead_organization: chosen[0].key.clone(),
                status,
                progress_percent: match status {
                    "completed" => 100,
                    "in_implementation" => self.rng.gen_range(10..90),
                    _ => 0,
                },
                planned_start,
                planned_end: planned_start + Duration::days(self.rng.gen_range(365..1500)),
            });
            for (org, state) in chosen.iter().zip(PARTICIPANT_STATES) {
                batch.participations.push(Participation {
                    id: self.uuid(),
                    project_id: id,
                    organization_key: org.key.clone(),
                    state,
                    council_resolution_required: !org.is_district,
                });
            }
            // An investment in one year, a licence over all five, personnel over three.
            let invest_year = self.rng.gen_range(FIRST_YEAR..=FIRST_YEAR + 2);
            let items = [
                (
                    "investment",
                    "one_off",
                    invest_year,
                    invest_year,
                    self.rng.gen_range(5_000_000..50_000_000),
                    true,
                ),
                (
                    "licence",
                    "recurring",
                    FIRST_YEAR,
                    LAST_YEAR,
                    self.rng.gen_range(200_000..2_000_000),
                    false,
                ),
                (
                    "personnel",
                    "recurring",
                    FIRST_YEAR + 1,
                    FIRST_YEAR + 3,
                    self.rng.gen_range(1_000_000..8_000_000),
                    true,
                ),
            ];
            for (category, recurrence, first, last, amount, eligible) in items {
                batch.cost_items.push(CostItem {
                    id: self.uuid(),
                    project_id: id,
                    category,
                    recurrence,
                    first_year: first,
                    last_year: last,
                    amount_cents: amount,
                    eligible_for_funding: eligible,
                    description: format!("Synthetische Kostenposition ({category})"),
                });
            }
            // Every fourth project applies for funding; half of those got it.
            if let Some(_programme) = programme_id
                && index % 4 == 0
            {
                let requested = self.rng.gen_range(1_000_000..20_000_000);
                let granted = index % 8 == 0;
                batch.funding.push(FundingApplication {
                    id: self.uuid(),
                    project_id: id,
                    state: if granted { "granted" } else { "planned" },
                    requested_cents: requested,
                    granted_cents: granted.then_some(requested / 2),
                    decision_date: granted
                        .then(|| NaiveDate::from_ymd_opt(FIRST_YEAR, 3, 1).expect("date")),
                });
            }
            let (rule, population_date, equal_part_bp) = match index % 3 {
                0 => ("equal", None, None),
                1 => ("population", Some(population_date()), None),
                _ => ("mixed", Some(population_date()), Some(5000)),
            };
            batch.keys.push(CostKey {
                project_id: id,
                rule,
                population_date,
                equal_part_bp,
            });
        }
        batch
    }

    /// The meetings `range` (global indexes; numbers start after `first_number`), meeting `i`
    /// at `first_start + i * step`, each with its agenda items on random `projects`. Meetings
    /// before `now` are held.
    pub fn meetings(
        &mut self,
        range: std::ops::Range<u64>,
        first_number: i32,
        projects: &[Uuid],
        (first_start, step): (DateTime<Utc>, Duration),
        now: DateTime<Utc>,
    ) -> MeetingBatch {
        let mut batch = MeetingBatch::default();
        for index in range {
            let id = self.uuid();
            let starts_at = first_start + step * index as i32;
            let held = starts_at < now;
            let number = first_number + 1 + index as i32;
            batch.meetings.push(Meeting {
                id,
                number,
                title: format!("Synthetische Sitzung {number} der Lenkungsgruppe"),
                starts_at,
                ends_at: starts_at + Duration::hours(2),
                public: true,
                state: if held { "held" } else { "planned" },
            });
            for position in 1..=AGENDA_ITEMS_PER_MEETING {
                let project_id = projects[self.rng.gen_range(0..projects.len())];
                let presenter = self.orgs[self.rng.gen_range(0..self.orgs.len())]
                    .key
                    .clone();
                batch.agenda_items.push(AgendaItem {
                    id: self.uuid(),
                    meeting_id: id,
                    position,
                    number: format!("TOP {position}"),
                    title: format!("Synthetischer Tagesordnungspunkt {position}"),
                    // The last item is the non-public part.
                    public: position < AGENDA_ITEMS_PER_MEETING,
                    presenter_organization: presenter,
                    result: held.then_some("noted"),
                    project_id,
                });
            }
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orgs() -> Vec<Org> {
        (0..14)
            .map(|i| Org {
                key: format!("055700{i:02}"),
                is_district: i == 0,
            })
            .collect()
    }

    #[test]
    fn codes_match_the_catalogue_pattern_and_are_unique() {
        let codes: Vec<String> = [0, 9_999, 10_000, 239_999, 6_759_999]
            .into_iter()
            .map(project_code)
            .collect();
        assert_eq!(codes[0], "SYNAA-0000");
        assert_eq!(codes[2], "SYNAB-0000");
        for code in &codes {
            let (letters, digits) = code.split_once('-').unwrap();
            assert!(
                (1..=6).contains(&letters.len()) && letters.chars().all(|c| c.is_ascii_uppercase())
            );
            assert!(digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit()));
        }
        let unique: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
    }

    #[test]
    fn the_same_seed_gives_the_same_data_and_each_project_seven_distinct_participants() {
        let fields = vec!["a".to_owned(), "b".to_owned()];
        let mut one = Generator::new(7, orgs(), fields.clone());
        let mut two = Generator::new(7, orgs(), fields);
        let a = one.projects(0..24, Some(Uuid::nil()));
        let b = two.projects(0..24, Some(Uuid::nil()));
        assert_eq!(a.projects.len(), 24);
        assert_eq!(a.participations.len(), 24 * PARTICIPANTS_PER_PROJECT);
        assert_eq!(a.cost_items.len(), 72);
        assert_eq!(a.funding.len(), 6);
        for (x, y) in a.projects.iter().zip(&b.projects) {
            assert_eq!((x.id, &x.code), (y.id, &y.code));
        }
        for project in &a.projects {
            let orgs: std::collections::BTreeSet<_> = a
                .participations
                .iter()
                .filter(|p| p.project_id == project.id)
                .map(|p| p.organization_key.clone())
                .collect();
            assert_eq!(orgs.len(), PARTICIPANTS_PER_PROJECT);
            assert!(orgs.contains(&project.lead_organization));
        }
    }
}
