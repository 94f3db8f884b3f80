DROP TABLE initiatives;
DROP FUNCTION smartregion_tags_text(text[]);
