DROP TABLE project_status_changes;
DROP TABLE projects;
