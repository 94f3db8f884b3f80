-- Overlap detection between local initiatives and joint projects: trigram similarity of title
-- and tags (pg_trgm) and the overlap of their German full-text terms (title, summary, tags).

-- A trusted extension since PostgreSQL 13; 000002 created it already.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Calls between these functions name the schema: pg_restore runs with an empty search_path,
-- and the projects index below evaluates them while it is rebuilt.

-- The short text whose trigrams are compared: title and tags, lower-cased (for projects; the
-- initiatives' stored `similarity_text` is the same expression).
CREATE FUNCTION smartregion_similarity_text(title text, tags text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT lower(title || ' ' || coalesce(public.smartregion_tags_text(tags), '')) $$;

-- Any of the terms of `v`: the query that finds every text sharing at least one term. The
-- terms are stemmed already, so they are quoted as they are, not parsed again.
CREATE FUNCTION smartregion_any_term(v tsvector) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT coalesce(string_agg('''' || replace(replace(t, '\', '\\'), '''', '''''') || '''',
                                   ' | '), '')::tsquery
          FROM unnest(tsvector_to_array(v)) AS t
    $$;

-- The terms two texts share, in order.
CREATE FUNCTION smartregion_common_terms(a tsvector, b tsvector) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT coalesce(array_agg(t ORDER BY t), '{}')
          FROM (SELECT unnest(tsvector_to_array(a)) INTERSECT SELECT unnest(tsvector_to_array(b))) AS c(t)
    $$;

-- How much two texts share their terms: 2 * shared / (terms of a + terms of b), 0 to 1 (the
-- Dice coefficient of the two sets of stemmed terms).
CREATE FUNCTION smartregion_term_overlap(a tsvector, b tsvector) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT CASE WHEN length(a) + length(b) = 0 THEN 0
                    ELSE 2.0 * cardinality(public.smartregion_common_terms(a, b)) / (length(a) + length(b))
               END
    $$;

-- Initiatives store that text (`similarity_text`, 000030); the few dozen projects compute it.
CREATE INDEX initiatives_similarity ON initiatives
    USING gin (similarity_text gin_trgm_ops) WHERE deleted_at IS NULL;
CREATE INDEX projects_similarity ON projects
    USING gin (smartregion_similarity_text(title, tags) gin_trgm_ops) WHERE deleted_at IS NULL;

-- The terms that identify an effort: those of its title and tags (weight A). A candidate must
-- share one of them or be similar in trigrams; the summary's terms only add to the score.
CREATE FUNCTION smartregion_key_terms(v tsvector) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT public.smartregion_any_term(ts_filter(v, '{a}')) $$;

-- Pairs of similar initiatives of different municipalities, kept up to date by every write of
-- an initiative (each initiative's best candidates, score at least 0.2), so that the
-- cooperation-wide clusters are read from a small table instead of comparing every initiative
-- with every other on each request. Stored once per pair, the smaller id first.
CREATE TABLE initiative_overlaps (
    initiative_a uuid             NOT NULL REFERENCES initiatives (id),
    initiative_b uuid             NOT NULL REFERENCES initiatives (id),
    -- The higher of trigram similarity and term overlap, as `/similar` computes it.
    score        double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    PRIMARY KEY (initiative_a, initiative_b),
    CHECK (initiative_a < initiative_b)
);
CREATE INDEX initiative_overlaps_b ON initiative_overlaps (initiative_b);
CREATE INDEX initiative_overlaps_score ON initiative_overlaps (score);
SELECT smartregion_guard_writes('initiative_overlaps',
                                'initiative=initiative_a', 'initiative=initiative_b');
