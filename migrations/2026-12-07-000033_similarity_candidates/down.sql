DROP FUNCTION smartregion_overlap_pairs(uuid, double precision, integer, integer);
DROP FUNCTION smartregion_project_candidates(text, tsvector, tsquery, uuid, double precision, integer);
DROP FUNCTION smartregion_initiative_candidates(text, tsvector, tsquery, boolean, uuid, text, uuid,
                                                double precision, integer);
DROP INDEX projects_similarity_knn;
DROP INDEX initiatives_similarity_knn;
