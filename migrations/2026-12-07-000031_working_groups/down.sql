ALTER TABLE initiatives DROP COLUMN working_group_id;
DROP TABLE working_group_projects;
DROP TABLE working_group_members;
DROP TABLE working_groups;
