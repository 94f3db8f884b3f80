DROP INDEX IF EXISTS project_milestones_open_due;
DROP TABLE goal_indicators;
DROP TABLE project_goals;
DROP TABLE strategy_goals;
DROP TABLE strategy;
