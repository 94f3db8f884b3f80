-- Overlap detection with a bounded candidate set (issue 16): at 10,000 initiatives a broad
-- title ("Digitaler Dorfladen": "digital" is in a third of all titles) matched thousands of rows
-- through `similarity_text % $1 OR search @@ key_terms`; each of them had its trigram similarity
-- computed and was sorted by it, so the planner chose a sequential scan of all initiatives.
--
-- Now the candidates are the union of two lists of at most `n`, each read through an index:
-- - the nearest in trigrams: ordered by `similarity_text <-> text` (1 - similarity) on a GiST
--   trigram index with a LIMIT, so the scan stops after `n` rows however many are similar;
-- - the best by full-text rank among those sharing a title or tag term: a bitmap scan of the
--   GIN index of `search`; for a broad term that is still every row sharing it, but each costs
--   only a `ts_rank` (no trigram similarity, no term overlap), and a top-n sort keeps `n`.
-- Only that union (at most 2 n rows, fetched by primary key) is scored exactly. A candidate
-- still has to be similar in trigrams (at least `min_similarity`) or share a title or tag term,
-- as before, so the scores, matching terms and the threshold mean what they meant.
--
-- The selection lives in SQL functions that the service and benches/similarity.sh both call:
-- they are plain SQL, STABLE and not STRICT, so the planner inlines them into the calling query
-- and EXPLAIN shows the real plan. Calls between them name the schema (see 000032).

-- The GIN indexes of 000032 answer `%` but cannot order by distance; GiST can.
CREATE INDEX initiatives_similarity_knn ON initiatives
    USING gist (similarity_text gist_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX projects_similarity_knn ON projects
    USING gist (smartregion_similarity_text(title, tags) gist_trgm_ops) WHERE deleted_at IS NULL;

-- The live initiatives resembling an effort, scored: at most `n` nearest in trigrams plus at
-- most `n` best ranked among those sharing a key term, without `not_initiative`, initiatives of
-- `not_organization`, those linked to `not_project`, and members-only ones unless `members`.
CREATE FUNCTION smartregion_initiative_candidates(
    source_text      text,
    source_terms     tsvector,
    source_key_terms tsquery,
    members          boolean,
    not_initiative   uuid,
    not_organization text,
    not_project      uuid,
    min_similarity   double precision,
    n                integer
) RETURNS TABLE (id uuid, title text, organization text, status text, field_of_action text,
                 text_similarity real, term_overlap double precision, matching_terms text[])
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        WITH near AS (
            SELECT i.id
              FROM public.initiatives i
             WHERE i.deleted_at IS NULL
               AND (members OR i.visibility = 'public')
               AND i.id IS DISTINCT FROM not_initiative
               AND i.organization_key IS DISTINCT FROM not_organization
               AND (not_project IS NULL OR i.project_id IS DISTINCT FROM not_project)
             ORDER BY i.similarity_text OPERATOR(public.<->) source_text
             LIMIT n
        ),
        ranked AS (
            SELECT i.id
              FROM public.initiatives i
             WHERE i.deleted_at IS NULL
               AND i.search @@ source_key_terms
               AND (members OR i.visibility = 'public')
               AND i.id IS DISTINCT FROM not_initiative
               AND i.organization_key IS DISTINCT FROM not_organization
               AND (not_project IS NULL OR i.project_id IS DISTINCT FROM not_project)
             ORDER BY ts_rank(i.search, source_key_terms) DESC, i.id
             LIMIT n
        )
        SELECT i.id, i.title, i.organization_key, i.status, i.field_of_action, c.text_similarity,
               -- smartregion_term_overlap from the shared terms computed once.
               CASE WHEN length(i.search) + length(source_terms) = 0 THEN 0
                    ELSE 2.0 * cardinality(t.terms) / (length(i.search) + length(source_terms))
               END,
               t.terms
          FROM public.initiatives i
         CROSS JOIN LATERAL (SELECT public.similarity(i.similarity_text, source_text)
                                    AS text_similarity) c
         CROSS JOIN LATERAL (SELECT public.smartregion_common_terms(i.search, source_terms)
                                    AS terms) t
         -- An array, so that only these rows are read (through the primary key) and scored.
         WHERE i.id = ANY (ARRAY(SELECT near.id FROM near UNION SELECT ranked.id FROM ranked))
           AND (c.text_similarity >= min_similarity OR i.search @@ source_key_terms)
    $$;

-- The same for the live joint projects (a project's organization is its lead).
CREATE FUNCTION smartregion_project_candidates(
    source_text      text,
    source_terms     tsvector,
    source_key_terms tsquery,
    not_project      uuid,
    min_similarity   double precision,
    n                integer
) RETURNS TABLE (id uuid, title text, organization text, status text, field_of_action text,
                 text_similarity real, term_overlap double precision, matching_terms text[])
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        WITH near AS (
            SELECT p.id
              FROM public.projects p
             WHERE p.deleted_at IS NULL
               AND p.id IS DISTINCT FROM not_project
             ORDER BY public.smartregion_similarity_text(p.title, p.tags)
                          OPERATOR(public.<->) source_text
             LIMIT n
        ),
        ranked AS (
            SELECT p.id
              FROM public.projects p
             WHERE p.deleted_at IS NULL
               AND p.search @@ source_key_terms
               AND p.id IS DISTINCT FROM not_project
             ORDER BY ts_rank(p.search, source_key_terms) DESC, p.id
             LIMIT n
        )
        SELECT p.id, p.title, p.lead_organization, p.status, p.field_of_action,
               c.text_similarity,
               CASE WHEN length(p.search) + length(source_terms) = 0 THEN 0
                    ELSE 2.0 * cardinality(t.terms) / (length(p.search) + length(source_terms))
               END,
               t.terms
          FROM public.projects p
         CROSS JOIN LATERAL (SELECT public.similarity(
                                        public.smartregion_similarity_text(p.title, p.tags),
                                        source_text) AS text_similarity) c
         CROSS JOIN LATERAL (SELECT public.smartregion_common_terms(p.search, source_terms)
                                    AS terms) t
         WHERE p.id = ANY (ARRAY(SELECT near.id FROM near UNION SELECT ranked.id FROM ranked))
           AND (c.text_similarity >= min_similarity OR p.search @@ source_key_terms)
    $$;

-- The pairs one initiative forms with other municipalities' initiatives (members-only ones
-- included): its best `keep` with a score of at least `floor` among its candidates, the smaller
-- id first. What the write path stores in `initiative_overlaps` after every write of the
-- initiative. Keeping only the best few per initiative bounds the pair table (at most `keep`
-- rows per initiative, instead of every candidate above the floor: about 100 per initiative at
-- 10,000 similar ones), which the clusters read in full.
CREATE FUNCTION smartregion_overlap_pairs(initiative uuid, floor double precision, n integer,
                                          keep integer)
RETURNS TABLE (initiative_a uuid, initiative_b uuid, score double precision)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        -- Materialized, so that the key terms are computed once, not for every row compared.
        WITH s AS MATERIALIZED (
            SELECT i.id, i.similarity_text, i.search, i.organization_key,
                   public.smartregion_key_terms(i.search) AS key_terms
              FROM public.initiatives i
             WHERE i.id = initiative AND i.deleted_at IS NULL
        )
        SELECT least(s.id, c.id), greatest(s.id, c.id), p.score
          FROM s
         CROSS JOIN LATERAL public.smartregion_initiative_candidates(
                   s.similarity_text, s.search, s.key_terms, true, s.id, s.organization_key, NULL,
                   floor, n) c
         CROSS JOIN LATERAL (SELECT least(greatest(c.text_similarity::double precision,
                                                   c.term_overlap), 1.0) AS score) p
         WHERE p.score >= floor
         ORDER BY p.score DESC, c.id
         LIMIT keep
    $$;
