//! Overlap detection: which joint projects and local initiatives resemble one another.
//!
//! Two measures, each from 0 to 1 (migration `similarity`):
//! - `text_similarity`: pg_trgm's trigram similarity of title and tags, lower-cased; it sees
//!   parts of compound words ("Dorfladen" in "Dorfladenbox");
//! - `term_overlap`: how many of their German full-text terms (stemmed; title, summary, tags)
//!   two efforts share, as 2 * shared / (terms of one + terms of the other).
//!
//! An effort's score is the higher of the two. Candidates come from the indexes only and are
//! bounded (migration `similarity_candidates`): the [`CANDIDATES`] nearest in trigrams (GiST
//! trigram index, ordered by distance) and the [`CANDIDATES`] best ranked among those sharing a
//! title or tag term (`@@`, GIN full-text index); only that union is scored exactly, and a
//! candidate must still be similar in trigrams above the threshold or share such a term.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Double, Float, Integer, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// How many candidates per kind and list (trigram, full text) are scored exactly.
pub const CANDIDATES: i32 = 100;

/// How many pairs each initiative keeps in `initiative_overlaps` (its best ones): the clusters
/// read every stored pair, so the table may grow only linearly with the initiatives.
pub const PAIRS_KEPT: i32 = 10;

/// What an effort is compared by.
#[derive(Debug, Clone, QueryableByName)]
pub struct Source {
    /// Title and tags, lower-cased.
    #[diesel(sql_type = Text)]
    pub text: String,
    /// The full-text terms, as a `tsvector` literal.
    #[diesel(sql_type = Text)]
    pub terms: String,
    /// Any of the title and tag terms, as a `tsquery` literal.
    #[diesel(sql_type = Text)]
    pub key_terms: String,
    /// The initiative's organization, or the project's lead.
    #[diesel(sql_type = Nullable<Text>)]
    pub organization: Option<String>,
    /// The joint project an initiative belongs to.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub project_id: Option<Uuid>,
}

/// A similar effort with its measures.
#[derive(Debug, Clone, QueryableByName)]
pub struct Candidate {
    /// `initiative` or `project`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub organization: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Text)]
    pub field_of_action: String,
    #[diesel(sql_type = Float)]
    pub text_similarity: f32,
    #[diesel(sql_type = Double)]
    pub term_overlap: f64,
    #[diesel(sql_type = Array<Text>)]
    pub matching_terms: Vec<String>,
}

impl Candidate {
    /// The higher of the two measures.
    pub fn score(&self) -> f64 {
        f64::from(self.text_similarity).max(self.term_overlap)
    }
}

/// The source of a live initiative, if there is one.
pub async fn initiative_source(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<Source>> {
    diesel::sql_query(
        "SELECT similarity_text AS text, search::text AS terms, \
                smartregion_key_terms(search)::text AS key_terms, \
                organization_key AS organization, project_id \
           FROM initiatives WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()
}

/// The source of a live project, if there is one.
pub async fn project_source(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Source>> {
    diesel::sql_query(
        "SELECT smartregion_similarity_text(title, tags) AS text, search::text AS terms, \
                smartregion_key_terms(search)::text AS key_terms, \
                lead_organization AS organization, NULL::uuid AS project_id \
           FROM projects WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()
}

/// What to leave out of the candidates.
#[derive(Debug, Clone, Default)]
pub struct Exclusions {
    /// The effort itself.
    pub initiative: Option<Uuid>,
    pub project: Option<Uuid>,
    /// An initiative's own organization: only other municipalities' initiatives are overlaps.
    pub organization: Option<String>,
    /// Initiatives already linked to this project (when comparing a project).
    pub linked_to_project: Option<Uuid>,
}

/// The initiatives and projects resembling `source` with a score of at least `threshold`, best
/// first, at most `limit`. `members` decides whether members-only initiatives may appear.
///
/// The candidates come from the SQL functions of migration `similarity_candidates`: at most
/// [`CANDIDATES`] nearest in trigrams (GiST, ordered by distance) plus at most [`CANDIDATES`]
/// best ranked among those sharing a title or tag term (GIN), per kind, so that a broad title
/// cannot make the query score every initiative.
pub async fn similar(
    conn: &mut AsyncPgConnection,
    source: &Source,
    exclusions: &Exclusions,
    members: bool,
    threshold: f64,
    limit: usize,
) -> QueryResult<Vec<Candidate>> {
    let mut found = initiative_candidates(conn, source, exclusions, members, threshold).await?;
    let projects: Vec<Candidate> = diesel::sql_query(
        "SELECT 'project' AS kind, c.id, c.title, c.organization, c.status, c.field_of_action, \
                c.text_similarity, c.term_overlap, c.matching_terms \
           FROM smartregion_project_candidates($1, $2::tsvector, $3::tsquery, $4, $5, $6) c",
    )
    .bind::<Text, _>(&source.text)
    .bind::<Text, _>(&source.terms)
    .bind::<Text, _>(&source.key_terms)
    .bind::<Nullable<SqlUuid>, _>(exclusions.project)
    .bind::<Double, _>(threshold)
    .bind::<Integer, _>(CANDIDATES)
    .load(conn)
    .await?;
    found.extend(projects);
    found.retain(|c| c.score() >= threshold);
    found.sort_by(|a, b| {
        b.score()
            .total_cmp(&a.score())
            .then_with(|| a.id.cmp(&b.id))
    });
    found.truncate(limit);
    Ok(found)
}

/// The initiatives among the candidates for `source` (score not yet filtered): similar in
/// trigrams by at least `min_similarity` or sharing a title or tag term.
async fn initiative_candidates(
    conn: &mut AsyncPgConnection,
    source: &Source,
    exclusions: &Exclusions,
    members: bool,
    min_similarity: f64,
) -> QueryResult<Vec<Candidate>> {
    diesel::sql_query(
        "SELECT 'initiative' AS kind, c.id, c.title, c.organization, c.status, \
                c.field_of_action, c.text_similarity, c.term_overlap, c.matching_terms \
           FROM smartregion_initiative_candidates($1, $2::tsvector, $3::tsquery, $4, $5, $6, \
                                                  $7, $8, $9) c",
    )
    .bind::<Text, _>(&source.text)
    .bind::<Text, _>(&source.terms)
    .bind::<Text, _>(&source.key_terms)
    .bind::<Bool, _>(members)
    .bind::<Nullable<SqlUuid>, _>(exclusions.initiative)
    .bind::<Nullable<Text>, _>(exclusions.organization.as_deref())
    .bind::<Nullable<SqlUuid>, _>(exclusions.linked_to_project)
    .bind::<Double, _>(min_similarity)
    .bind::<Integer, _>(CANDIDATES)
    .load(conn)
    .await
}

pub use crate::domain::initiatives::PAIR_FLOOR;

/// Recomputes the stored pairs of one initiative (after it was registered, changed or
/// deleted), inside the write's transaction: its best [`PAIRS_KEPT`] candidates among other
/// municipalities' initiatives with a score of at least [`PAIR_FLOOR`]
/// (`smartregion_overlap_pairs`).
pub async fn refresh_overlaps(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::sql_query(
        "DELETE FROM initiative_overlaps WHERE initiative_a = $1 OR initiative_b = $1",
    )
    .bind::<SqlUuid, _>(id)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO initiative_overlaps (initiative_a, initiative_b, score) \
         SELECT initiative_a, initiative_b, score FROM smartregion_overlap_pairs($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Double, _>(PAIR_FLOOR)
    .bind::<Integer, _>(CANDIDATES)
    .bind::<Integer, _>(PAIRS_KEPT)
    .execute(conn)
    .await?;
    Ok(())
}

/// One member of an overlap cluster.
#[derive(Debug, Clone, QueryableByName)]
pub struct ClusterRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub organization: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Text)]
    pub field_of_action: String,
    #[diesel(sql_type = Array<Text>)]
    pub terms: Vec<String>,
}

#[derive(Debug, Clone, QueryableByName)]
struct Pair {
    #[diesel(sql_type = SqlUuid)]
    a: Uuid,
    #[diesel(sql_type = SqlUuid)]
    b: Uuid,
    #[diesel(sql_type = Double)]
    score: f64,
}

/// A group of similar initiatives of at least two municipalities, none of them part of a joint
/// project yet.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub members: Vec<ClusterRow>,
    /// The highest score of two of its members.
    pub highest_score: f64,
}

/// The clusters of similar active initiatives (idea, planned, running) across municipalities
/// that are not linked to a joint project: the stored pairs (`initiative_overlaps`) with a
/// score of at least `threshold`, joined transitively. Largest first, at most `limit`.
pub async fn clusters(
    conn: &mut AsyncPgConnection,
    members: bool,
    threshold: f64,
    limit: usize,
) -> QueryResult<Vec<Cluster>> {
    let (pairs, rows) = conn
        .transaction::<_, diesel::result::Error, _>(async move |conn| {
            let pairs: Vec<Pair> = diesel::sql_query(
                "SELECT o.initiative_a AS a, o.initiative_b AS b, o.score \
                       FROM initiative_overlaps o \
                       JOIN initiatives a ON a.id = o.initiative_a \
                       JOIN initiatives b ON b.id = o.initiative_b \
                      WHERE o.score >= $2 \
                        AND a.deleted_at IS NULL AND b.deleted_at IS NULL \
                        AND a.project_id IS NULL AND b.project_id IS NULL \
                        AND a.status IN ('idea', 'planned', 'running') \
                        AND b.status IN ('idea', 'planned', 'running') \
                        AND ($1 OR (a.visibility = 'public' AND b.visibility = 'public')) \
                        AND a.organization_key <> b.organization_key",
            )
            .bind::<Bool, _>(members)
            .bind::<Double, _>(threshold)
            .load(conn)
            .await?;
            let mut ids: Vec<Uuid> = pairs.iter().flat_map(|p| [p.a, p.b]).collect();
            ids.sort();
            ids.dedup();
            let rows: Vec<ClusterRow> = diesel::sql_query(
                "SELECT id, title, organization_key AS organization, status, field_of_action, \
                            tsvector_to_array(ts_filter(search, '{a}')) AS terms \
                       FROM initiatives WHERE id = ANY($1)",
            )
            .bind::<Array<SqlUuid>, _>(ids)
            .load(conn)
            .await?;
            Ok((pairs, rows))
        })
        .await?;
    Ok(group(pairs, rows, limit))
}

/// Joins the pairs transitively (union-find) into clusters.
fn group(pairs: Vec<Pair>, rows: Vec<ClusterRow>, limit: usize) -> Vec<Cluster> {
    let index: HashMap<Uuid, usize> = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut parent: Vec<usize> = (0..rows.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut best: HashMap<usize, f64> = HashMap::new();
    let mut scores = Vec::new();
    for pair in &pairs {
        let (Some(&a), Some(&b)) = (index.get(&pair.a), index.get(&pair.b)) else {
            continue;
        };
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb {
            parent[rb] = ra;
        }
        scores.push((a, pair.score));
    }
    for (member, score) in scores {
        let r = root(&mut parent, member);
        let entry = best.entry(r).or_insert(0.0);
        *entry = entry.max(score);
    }
    let mut groups: HashMap<usize, Vec<ClusterRow>> = HashMap::new();
    for (i, row) in rows.into_iter().enumerate() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(row);
    }
    let mut clusters: Vec<Cluster> = groups
        .into_iter()
        .map(|(r, mut members)| {
            members.sort_by(|a, b| {
                a.organization
                    .cmp(&b.organization)
                    .then_with(|| a.id.cmp(&b.id))
            });
            Cluster {
                highest_score: best.get(&r).copied().unwrap_or(0.0),
                members,
            }
        })
        .collect();
    clusters.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then_with(|| b.highest_score.total_cmp(&a.highest_score))
            .then_with(|| a.members[0].id.cmp(&b.members[0].id))
    });
    clusters.truncate(limit);
    clusters
}
