// Diesel table definitions, kept in step with `migrations/` by hand (diesel_cli needs libpq,
// which the service does not). The `schema_rs_matches_the_migrated_database` test compares them with a migrated
// database and fails on drift.

diesel::table! {
    audit_log (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        request_id -> Nullable<Text>,
        actor_subject -> Text,
        actor_organization -> Nullable<Text>,
        actor_roles -> Array<Text>,
        on_behalf_of -> Nullable<Text>,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        organization_key -> Nullable<Text>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
    }
}

diesel::table! {
    changes (id) {
        seq -> Nullable<Int8>,
        occurred_at -> Timestamptz,
        entity -> Text,
        entity_id -> Text,
        operation -> Text,
        organization_key -> Nullable<Text>,
        audit_id -> Int8,
        id -> Int8,
    }
}

diesel::table! {
    organizations (key) {
        key -> Text,
        name -> Text,
        kind -> Text,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        website_url -> Nullable<Text>,
        population -> Nullable<Int4>,
        population_date -> Nullable<Date>,
        population_source -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    organization_populations (organization_key, reference_date) {
        organization_key -> Text,
        reference_date -> Date,
        population -> Int4,
        source -> Nullable<Text>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    fields_of_action (code) {
        code -> Text,
        name_de -> Text,
        name_en -> Text,
        position -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    // `search` (a generated tsvector) is left out: it is only ever used in SQL filters.
    projects (id) {
        id -> Uuid,
        code -> Text,
        title -> Text,
        summary -> Text,
        description -> Text,
        field_of_action -> Text,
        category -> Text,
        lead_organization -> Nullable<Text>,
        tags -> Array<Text>,
        external_id -> Nullable<Text>,
        gender_equality_relevant -> Text,
        follow_up_costs_note -> Nullable<Text>,
        internal_note -> Nullable<Text>,
        status -> Text,
        progress_percent -> Int2,
        traffic_light -> Nullable<Text>,
        traffic_light_note -> Nullable<Text>,
        planned_start -> Nullable<Date>,
        planned_end -> Nullable<Date>,
        actual_start -> Nullable<Date>,
        actual_end -> Nullable<Date>,
        source_url -> Nullable<Text>,
        classification_confirmed -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        seed_key -> Nullable<Text>,
    }
}

diesel::table! {
    project_status_changes (id) {
        id -> Int8,
        project_id -> Uuid,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Nullable<Text>,
        changed_at -> Timestamptz,
        actor_subject -> Text,
        actor_organization -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (organization_key, key) {
        organization_key -> Text,
        key -> Text,
        request_hash -> Bytea,
        state -> Text,
        status -> Nullable<Int2>,
        response_headers -> Nullable<Jsonb>,
        response_body -> Nullable<Bytea>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    participations (id) {
        id -> Uuid,
        project_id -> Uuid,
        organization_key -> Text,
        state -> Text,
        council_resolution_required -> Bool,
        staff_fte_hundredths -> Nullable<Int4>,
        contact_role -> Nullable<Text>,
        note -> Nullable<Text>,
        joined_on -> Nullable<Date>,
        left_on -> Nullable<Date>,
        withdrawal_effective_date -> Nullable<Date>,
        withdrawal_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    council_resolutions (id) {
        id -> Uuid,
        participation_id -> Uuid,
        deciding_body -> Text,
        decided_on -> Date,
        paper_reference -> Text,
        outcome -> Text,
        resolution_text -> Nullable<Text>,
        url -> Nullable<Text>,
        allocation_snapshot_id -> Nullable<Uuid>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    council_consultations (resolution_id, position) {
        resolution_id -> Uuid,
        position -> Int2,
        body -> Text,
        held_on -> Date,
        role -> Text,
        result -> Text,
    }
}

diesel::table! {
    participation_history (id) {
        id -> Int8,
        participation_id -> Uuid,
        from_state -> Nullable<Text>,
        to_state -> Text,
        changed_at -> Timestamptz,
        actor_subject -> Text,
        actor_organization -> Nullable<Text>,
        on_behalf_of -> Nullable<Text>,
        reason -> Nullable<Text>,
        council_resolution_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    project_milestones (id) {
        id -> Uuid,
        project_id -> Uuid,
        title -> Text,
        planned_date -> Date,
        actual_date -> Nullable<Date>,
        state -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    project_reports (id) {
        id -> Uuid,
        project_id -> Uuid,
        report_date -> Date,
        author_organization -> Text,
        text -> Text,
        progress_percent -> Int2,
        traffic_light -> Text,
        traffic_light_note -> Nullable<Text>,
        next_steps -> Text,
        risks -> Text,
        supersedes -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    project_indicators (id) {
        id -> Uuid,
        project_id -> Uuid,
        name -> Text,
        unit -> Text,
        description -> Text,
        baseline -> Nullable<Float8>,
        target -> Nullable<Float8>,
        target_date -> Nullable<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    project_measurements (id) {
        id -> Uuid,
        indicator_id -> Uuid,
        measured_on -> Date,
        value -> Float8,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    committee_members (id) {
        id -> Uuid,
        organization_key -> Text,
        name -> Text,
        function -> Nullable<Text>,
        role -> Text,
        voting_right -> Bool,
        start_date -> Date,
        end_date -> Nullable<Date>,
        name_public_consent -> Bool,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        name_erased_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    meetings (id) {
        id -> Uuid,
        number -> Int4,
        title -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        location_address -> Nullable<Text>,
        location_room -> Nullable<Text>,
        online_url -> Nullable<Text>,
        public -> Bool,
        state -> Text,
        cancellation_reason -> Nullable<Text>,
        ical_sequence -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        ever_public -> Bool,
    }
}

diesel::table! {
    agenda_items (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        position -> Int4,
        number -> Text,
        title -> Text,
        public -> Bool,
        presenter_organization -> Nullable<Text>,
        proposed_resolution -> Nullable<Text>,
        result -> Nullable<Text>,
        resolution_text -> Nullable<Text>,
        votes_yes -> Nullable<Int4>,
        votes_no -> Nullable<Int4>,
        votes_abstentions -> Nullable<Int4>,
        decided_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        ever_public -> Bool,
    }
}

diesel::table! {
    agenda_item_projects (agenda_item_id, project_id) {
        agenda_item_id -> Uuid,
        project_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    agenda_item_votes (agenda_item_id, organization_key) {
        agenda_item_id -> Uuid,
        organization_key -> Text,
        yes -> Int4,
        no -> Int4,
        abstentions -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    meeting_attendance (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        organization_key -> Text,
        status -> Text,
        delegate_member_ids -> Array<Uuid>,
        arrived_at -> Nullable<Timestamptz>,
        left_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    meeting_minutes (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        public_text -> Text,
        non_public_text -> Text,
        secretary_member_id -> Nullable<Uuid>,
        chair_member_id -> Nullable<Uuid>,
        approved_at -> Nullable<Timestamptz>,
        approved_at_meeting_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    action_items (id) {
        id -> Uuid,
        title -> Text,
        agenda_item_id -> Nullable<Uuid>,
        meeting_id -> Nullable<Uuid>,
        owner_organization -> Text,
        due_date -> Nullable<Date>,
        status -> Text,
        project_id -> Nullable<Uuid>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    calendar_feed_tokens (id) {
        id -> Uuid,
        organization_key -> Text,
        label -> Text,
        token_sha256 -> Bytea,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    cost_items (id) {
        id -> Uuid,
        project_id -> Uuid,
        category -> Text,
        recurrence -> Text,
        first_year -> Int4,
        last_year -> Int4,
        amount_cents -> Int8,
        eligible_for_funding -> Bool,
        basis -> Text,
        description -> Text,
        status -> Text,
        proposed_by -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    funding_programmes (id) {
        id -> Uuid,
        name -> Text,
        funding_body -> Text,
        rule -> Text,
        rate_bp -> Nullable<Int4>,
        cap_cents -> Nullable<Int8>,
        base_cents -> Nullable<Int8>,
        per_further_partner_cents -> Nullable<Int8>,
        base_partners -> Nullable<Int4>,
        max_rate_bp -> Nullable<Int4>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    funding_applications (id) {
        id -> Uuid,
        project_id -> Uuid,
        programme_id -> Uuid,
        state -> Text,
        requested_cents -> Nullable<Int8>,
        granted_cents -> Nullable<Int8>,
        decision_date -> Nullable<Date>,
        notice_reference -> Nullable<Text>,
        first_year -> Int4,
        last_year -> Int4,
        proposed_by -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    cost_keys (project_id, version) {
        project_id -> Uuid,
        version -> Int4,
        rule -> Text,
        population_date -> Nullable<Date>,
        equal_part_bp -> Nullable<Int4>,
        district_share_bp -> Nullable<Int4>,
        basis_points -> Nullable<Jsonb>,
        weights -> Nullable<Jsonb>,
        caps_cents -> Jsonb,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
        created_by -> Text,
    }
}

diesel::table! {
    project_allocations (project_id, scenario) {
        project_id -> Uuid,
        scenario -> Text,
        status -> Text,
        problem -> Nullable<Text>,
        key_version -> Nullable<Int4>,
        population_date -> Nullable<Date>,
        payers -> Array<Text>,
        populations -> Jsonb,
        computed_at -> Timestamptz,
    }
}

diesel::table! {
    project_allocation_years (project_id, scenario, fiscal_year) {
        project_id -> Uuid,
        scenario -> Text,
        fiscal_year -> Int4,
        total_cents -> Int8,
        eligible_cents -> Int8,
        funding_cents -> Int8,
        own_share_cents -> Int8,
        unallocated_cents -> Int8,
    }
}

diesel::table! {
    project_allocation_shares (project_id, scenario, fiscal_year, organization_key) {
        project_id -> Uuid,
        scenario -> Text,
        fiscal_year -> Int4,
        organization_key -> Text,
        participant_state -> Text,
        share_cents -> Int8,
    }
}

diesel::table! {
    organization_budget_years (organization_key, fiscal_year, shard) {
        organization_key -> Text,
        fiscal_year -> Int4,
        committed_cents -> Int8,
        pending_cents -> Int8,
        shard -> Int2,
    }
}

diesel::table! {
    /// A view (migration 000100): the budget summary summed over the write slots. The
    /// catalog calls every column of a view nullable; none is NULL.
    organization_budget_totals (organization_key, fiscal_year) {
        organization_key -> Nullable<Text>,
        fiscal_year -> Nullable<Int4>,
        committed_cents -> Nullable<Int8>,
        pending_cents -> Nullable<Int8>,
    }
}

diesel::table! {
    allocation_snapshots (id) {
        id -> Uuid,
        project_id -> Uuid,
        include_pending -> Bool,
        key_version -> Int4,
        population_date -> Nullable<Date>,
        participants -> Array<Text>,
        populations -> Jsonb,
        from_year -> Int4,
        to_year -> Int4,
        years -> Jsonb,
        label -> Text,
        created_at -> Timestamptz,
        created_by -> Text,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        organization_key -> Text,
        url -> Text,
        event_types -> Array<Text>,
        secret -> Text,
        active -> Bool,
        description -> Nullable<Text>,
        disabled_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_cursors (webhook_id) {
        webhook_id -> Uuid,
        last_seq -> Int8,
        consecutive_failures -> Int4,
        not_before -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        change_seq -> Int8,
        event_type -> Text,
        payload -> Jsonb,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
        lease_token -> Nullable<Uuid>,
        last_attempt_at -> Nullable<Timestamptz>,
        last_status -> Nullable<Int2>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Every agenda-item/project link that ever existed (OParl Consultations), kept by triggers.
    oparl_consultations (agenda_item_id, project_id) {
        agenda_item_id -> Uuid,
        project_id -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        removed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    strategy (id) {
        id -> Int2,
        vision -> Text,
        guiding_principles -> Text,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    strategy_goals (id) {
        id -> Uuid,
        title -> Text,
        description -> Text,
        field_of_action -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    project_goals (goal_id, project_id) {
        goal_id -> Uuid,
        project_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    goal_indicators (goal_id, indicator_id) {
        goal_id -> Uuid,
        indicator_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    dashboard_project_counts (field_of_action, status, shard) {
        field_of_action -> Text,
        status -> Text,
        shard -> Int2,
        projects -> Int8,
    }
}

diesel::table! {
    dashboard_participation_counts (organization_key, state, shard) {
        organization_key -> Text,
        state -> Text,
        shard -> Int2,
        participations -> Int8,
    }
}

diesel::table! {
    dashboard_cost_years (fiscal_year, shard) {
        fiscal_year -> Int4,
        shard -> Int2,
        total_cents -> Int8,
        eligible_cents -> Int8,
        funding_cents -> Int8,
        own_share_cents -> Int8,
    }
}

diesel::joinable!(changes -> audit_log (audit_id));
diesel::joinable!(projects -> fields_of_action (field_of_action));
diesel::joinable!(projects -> organizations (lead_organization));
diesel::joinable!(project_status_changes -> projects (project_id));
diesel::joinable!(organization_populations -> organizations (organization_key));
diesel::joinable!(participations -> projects (project_id));
diesel::joinable!(participations -> organizations (organization_key));
diesel::joinable!(council_resolutions -> participations (participation_id));
diesel::joinable!(council_consultations -> council_resolutions (resolution_id));
diesel::joinable!(participation_history -> participations (participation_id));
diesel::joinable!(project_milestones -> projects (project_id));
diesel::joinable!(project_reports -> projects (project_id));
diesel::joinable!(project_reports -> organizations (author_organization));
diesel::joinable!(project_indicators -> projects (project_id));
diesel::joinable!(project_measurements -> project_indicators (indicator_id));
diesel::joinable!(committee_members -> organizations (organization_key));
diesel::joinable!(agenda_items -> meetings (meeting_id));
diesel::joinable!(agenda_item_projects -> agenda_items (agenda_item_id));
diesel::joinable!(agenda_item_projects -> projects (project_id));
diesel::joinable!(agenda_item_votes -> agenda_items (agenda_item_id));
diesel::joinable!(meeting_attendance -> meetings (meeting_id));
diesel::joinable!(action_items -> agenda_items (agenda_item_id));
diesel::joinable!(calendar_feed_tokens -> organizations (organization_key));
diesel::joinable!(cost_items -> projects (project_id));
diesel::joinable!(funding_applications -> projects (project_id));
diesel::joinable!(funding_applications -> funding_programmes (programme_id));
diesel::joinable!(cost_keys -> projects (project_id));
diesel::joinable!(allocation_snapshots -> projects (project_id));
diesel::joinable!(project_allocation_shares -> projects (project_id));
diesel::joinable!(organization_budget_years -> organizations (organization_key));
diesel::joinable!(council_resolutions -> allocation_snapshots (allocation_snapshot_id));
diesel::joinable!(webhook_cursors -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(oparl_consultations -> agenda_items (agenda_item_id));
diesel::joinable!(oparl_consultations -> projects (project_id));
diesel::joinable!(strategy_goals -> fields_of_action (field_of_action));
diesel::joinable!(project_goals -> strategy_goals (goal_id));
diesel::joinable!(project_goals -> projects (project_id));
diesel::joinable!(goal_indicators -> strategy_goals (goal_id));
diesel::joinable!(goal_indicators -> project_indicators (indicator_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_log,
    changes,
    organizations,
    organization_populations,
    fields_of_action,
    projects,
    project_status_changes,
    idempotency_keys,
    participations,
    council_resolutions,
    council_consultations,
    participation_history,
    project_milestones,
    project_reports,
    project_indicators,
    project_measurements,
    committee_members,
    meetings,
    agenda_items,
    agenda_item_projects,
    agenda_item_votes,
    meeting_attendance,
    meeting_minutes,
    action_items,
    calendar_feed_tokens,
    cost_items,
    funding_programmes,
    funding_applications,
    cost_keys,
    project_allocations,
    project_allocation_years,
    project_allocation_shares,
    organization_budget_years,
    allocation_snapshots,
    webhooks,
    webhook_cursors,
    webhook_deliveries,
    oparl_consultations,
    strategy,
    strategy_goals,
    project_goals,
    goal_indicators,
);

diesel::table! {
    organization_memberships (id) {
        id -> Uuid,
        organization_key -> Text,
        joined_on -> Nullable<Date>,
        joined_reason -> Nullable<Text>,
        left_on -> Nullable<Date>,
        left_reason -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(organization_memberships -> organizations (organization_key));
diesel::allow_tables_to_appear_in_same_query!(organization_memberships, organizations);
diesel::allow_tables_to_appear_in_same_query!(organization_memberships, participations);

diesel::table! {
    initiatives (id) {
        id -> Uuid,
        organization_key -> Text,
        title -> Text,
        summary -> Text,
        field_of_action -> Text,
        status -> Text,
        start_date -> Nullable<Date>,
        end_date -> Nullable<Date>,
        contact_role -> Nullable<Text>,
        link -> Nullable<Text>,
        tags -> Array<Text>,
        visibility -> Text,
        project_id -> Nullable<Uuid>,
        external_id -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        working_group_id -> Nullable<Uuid>,
    }
}

diesel::joinable!(initiatives -> organizations (organization_key));
diesel::joinable!(initiatives -> projects (project_id));
diesel::allow_tables_to_appear_in_same_query!(initiatives, organizations);
diesel::allow_tables_to_appear_in_same_query!(initiatives, projects);

diesel::table! {
    working_groups (id) {
        id -> Uuid,
        name -> Text,
        kind -> Text,
        description -> Text,
        host_organization -> Nullable<Text>,
        fields_of_action -> Array<Text>,
        meeting_rhythm -> Nullable<Text>,
        contact_role -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    working_group_members (working_group_id, organization_key) {
        working_group_id -> Uuid,
        organization_key -> Text,
        joined_at -> Timestamptz,
    }
}

diesel::table! {
    working_group_projects (working_group_id, project_id) {
        working_group_id -> Uuid,
        project_id -> Uuid,
    }
}

diesel::joinable!(working_group_members -> working_groups (working_group_id));
diesel::joinable!(working_group_projects -> working_groups (working_group_id));
diesel::allow_tables_to_appear_in_same_query!(working_groups, working_group_members);
diesel::allow_tables_to_appear_in_same_query!(working_groups, working_group_projects);
diesel::allow_tables_to_appear_in_same_query!(working_groups, initiatives);

diesel::table! {
    initiative_overlaps (initiative_a, initiative_b) {
        initiative_a -> Uuid,
        initiative_b -> Uuid,
        score -> Float8,
    }
}
