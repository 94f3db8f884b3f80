DROP TABLE project_measurements;
DROP TABLE project_indicators;
DROP TABLE project_reports;
DROP FUNCTION smartregion_reports_frozen();
DROP TABLE project_milestones;
DROP INDEX projects_seed_key;
ALTER TABLE projects DROP COLUMN seed_key;
