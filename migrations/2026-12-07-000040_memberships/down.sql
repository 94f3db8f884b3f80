SELECT smartregion_require_audit_trigger(t, 'project=project_id', 'participation', 'cost_key',
                                         'cost_item', 'funding_application', 'funding_programme',
                                         'population_figure')
  FROM unnest(ARRAY['project_allocations', 'project_allocation_years',
                    'project_allocation_shares']::regclass[]) AS t;
SELECT smartregion_require_audit_trigger('organization_budget_years', 'project', 'participation',
                                         'cost_key', 'cost_item', 'funding_application',
                                         'funding_programme', 'population_figure');
DROP TABLE organization_memberships;
