DROP TABLE initiative_overlaps;
DROP INDEX projects_similarity;
DROP INDEX initiatives_similarity;
DROP FUNCTION smartregion_key_terms(tsvector);
DROP FUNCTION smartregion_term_overlap(tsvector, tsvector);
DROP FUNCTION smartregion_common_terms(tsvector, tsvector);
DROP FUNCTION smartregion_any_term(tsvector);
DROP FUNCTION smartregion_similarity_text(text, text[]);
