-- Membership over time: an organization is a member of the cooperation during its periods.
-- A period without `joined_on` is a founding member's (a member since the cooperation began);
-- one without `left_on` is open. An organization that left keeps its row, its history, its
-- resolutions and its paid shares; it just has no open period any more.
CREATE TABLE organization_memberships (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_key text        NOT NULL REFERENCES organizations (key),
    joined_on        date,
    joined_reason    text CHECK (length(joined_reason) BETWEEN 1 AND 2000),
    left_on          date,
    left_reason      text CHECK (length(left_reason) BETWEEN 1 AND 2000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (left_on IS NULL OR joined_on IS NULL OR left_on >= joined_on),
    CHECK ((left_on IS NULL) = (left_reason IS NULL))
);
-- At most one open period per organization.
CREATE UNIQUE INDEX organization_memberships_open
    ON organization_memberships (organization_key) WHERE left_on IS NULL;
CREATE INDEX organization_memberships_key ON organization_memberships (organization_key, joined_on);

SELECT smartregion_guard_writes('organization_memberships');
SELECT smartregion_require_audit_trigger('organization_memberships',
                                         'membership=organization_key');

-- Joining and leaving recompute the allocations the organization pays into (each year is
-- split among that year's members), so the derived cost tables accept a membership entry too.
SELECT smartregion_require_audit_trigger(t, 'project=project_id', 'participation', 'cost_key',
                                         'cost_item', 'funding_application', 'funding_programme',
                                         'population_figure', 'membership')
  FROM unnest(ARRAY['project_allocations', 'project_allocation_years',
                    'project_allocation_shares']::regclass[]) AS t;
SELECT smartregion_require_audit_trigger('organization_budget_years', 'project', 'participation',
                                         'cost_key', 'cost_item', 'funding_application',
                                         'funding_programme', 'population_figure', 'membership');

-- Every organization there is was a member from the start.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM organizations) THEN
        PERFORM set_config('smartregion.actor', 'system:migration', true);
        INSERT INTO audit_log (actor_subject, action, entity, entity_id)
        VALUES ('system:migration', 'membership.backfill', 'membership', '*');
        INSERT INTO organization_memberships (organization_key) SELECT key FROM organizations;
    END IF;
END
$$;
