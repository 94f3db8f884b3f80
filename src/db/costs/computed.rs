//! The result of one allocation computation, shared by the allocation store and the budget
//! bookkeeping (which turns it into contributions per organization and year).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::participants::PayingParticipant;
use crate::domain::cost_sharing::{ProjectAllocation, Scenario};

/// A computed allocation with everything it was computed from.
#[derive(Debug, Clone)]
pub struct Computed {
    pub scenario: Scenario,
    pub key_version: Option<i32>,
    pub population_date: Option<NaiveDate>,
    pub payers: Vec<PayingParticipant>,
    /// The populations the key used, by organization.
    pub populations: BTreeMap<String, i64>,
    pub allocation: ProjectAllocation,
}
