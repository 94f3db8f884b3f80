-- The strategy's structure: the vision and guiding principles (one row, versioned), the goals
-- the projects contribute to, and which projects and indicators serve which goal. The seed
-- creates no goals: the structure starts empty except the six fields of action.

CREATE TABLE strategy (
    id                 smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    vision             text        NOT NULL DEFAULT '' CHECK (length(vision) <= 20000),
    guiding_principles text        NOT NULL DEFAULT '' CHECK (length(guiding_principles) <= 20000),
    version            integer     NOT NULL DEFAULT 1,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- The one row exists from the start (before the guard: it is structure, not a business write).
INSERT INTO strategy (id) VALUES (1);
SELECT smartregion_guard_writes('strategy');

CREATE TABLE strategy_goals (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title           text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description     text        NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    field_of_action text        NOT NULL REFERENCES fields_of_action (code),
    version         integer     NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Titles are unique ignoring case; the list is ordered (and paged) by this key.
CREATE UNIQUE INDEX strategy_goals_title ON strategy_goals (lower(title));
CREATE INDEX strategy_goals_field ON strategy_goals (field_of_action, lower(title));
SELECT smartregion_guard_writes('strategy_goals');

-- Projects contributing to goals (managed on the goal).
CREATE TABLE project_goals (
    goal_id    uuid        NOT NULL REFERENCES strategy_goals (id) ON DELETE CASCADE,
    project_id uuid        NOT NULL REFERENCES projects (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (goal_id, project_id)
);
CREATE INDEX project_goals_project ON project_goals (project_id, goal_id);
SELECT smartregion_guard_writes('project_goals');

-- Project indicators that evaluate a goal (managed on the goal).
CREATE TABLE goal_indicators (
    goal_id      uuid        NOT NULL REFERENCES strategy_goals (id) ON DELETE CASCADE,
    indicator_id uuid        NOT NULL REFERENCES project_indicators (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (goal_id, indicator_id)
);
CREATE INDEX goal_indicators_indicator ON goal_indicators (indicator_id, goal_id);
SELECT smartregion_guard_writes('goal_indicators');

-- The dashboard reads the open milestones past their date across all projects (the latest
-- measurement per indicator uses the existing UNIQUE (indicator_id, measured_on)).
CREATE INDEX IF NOT EXISTS project_milestones_open_due
    ON project_milestones (planned_date) WHERE state = 'open';
