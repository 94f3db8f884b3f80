//! Grants from funding programmes and the own share that remains.
//!
//! Amounts are euro cents, rates basis points (10 000 bp = 100 %). Where a rate produces a
//! fraction of a cent the grant is rounded **down**: a grant is a maximum the programme pays, so
//! the plan must never count on a fraction of a cent more than the rate allows.
//!
//! [`grant_cents`] never fails: inputs that make no sense for a programme (negative amounts,
//! fewer partners than it requires) yield a grant of 0, which is the answer a "what if we
//! withdraw?" question needs. Intermediate products are computed in `i128`, so no `i64` input
//! overflows.

/// How a programme computes its grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundingRule {
    /// `min(rate · eligible, cap)`, e.g. the federal smart-city model projects: 65 % (90 % for
    /// municipalities in budget emergency).
    Rate {
        rate_bp: u32,
        cap_cents: Option<i64>,
    },
    /// A fixed amount for `base_partners` partners plus an amount per further partner, at most
    /// `max_rate_bp` of the eligible costs, e.g. the NRW grant for inter-municipal cooperation:
    /// 175 000 EUR for two partners plus 35 000 EUR per further partner, at most 90 %.
    Fixed {
        base_cents: i64,
        per_further_partner_cents: i64,
        base_partners: u32,
        max_rate_bp: Option<u32>,
    },
}

impl FundingRule {
    /// The NRW grant for inter-municipal cooperation.
    pub const NRW_INTERMUNICIPAL: FundingRule = FundingRule::Fixed {
        base_cents: 17_500_000,
        per_further_partner_cents: 3_500_000,
        base_partners: 2,
        max_rate_bp: Some(9_000),
    };

    /// Federal smart-city model projects, regular rate.
    pub const FEDERAL_SMART_CITY: FundingRule = FundingRule::Rate {
        rate_bp: 6_500,
        cap_cents: None,
    };

    /// Federal smart-city model projects for municipalities in budget emergency.
    pub const FEDERAL_SMART_CITY_BUDGET_EMERGENCY: FundingRule = FundingRule::Rate {
        rate_bp: 9_000,
        cap_cents: None,
    };
}

/// The grant in cents for `eligible_cents` of eligible costs and `partners` cooperating partners.
///
/// Never negative and never more than the eligible costs. Rates are floored to whole cents. A
/// `Fixed` programme pays nothing with fewer than `base_partners` partners.
#[must_use]
pub fn grant_cents(rule: &FundingRule, eligible_cents: i64, partners: u32) -> i64 {
    let eligible = i128::from(eligible_cents.max(0));
    let grant = match *rule {
        FundingRule::Rate { rate_bp, cap_cents } => {
            let by_rate = rate_of(rate_bp, eligible);
            match cap_cents {
                Some(cap) => by_rate.min(i128::from(cap.max(0))),
                None => by_rate,
            }
        }
        FundingRule::Fixed {
            base_cents,
            per_further_partner_cents,
            base_partners,
            max_rate_bp,
        } => {
            if partners < base_partners {
                return 0;
            }
            let further = i128::from(partners - base_partners);
            let fixed = i128::from(base_cents.max(0))
                + further * i128::from(per_further_partner_cents.max(0));
            match max_rate_bp {
                Some(rate_bp) => fixed.min(rate_of(rate_bp, eligible)),
                None => fixed,
            }
        }
    };
    // The clamp to the eligible costs also brings the value back into i64 range.
    i64::try_from(grant.min(eligible)).expect("a grant is at most the eligible costs, an i64")
}

/// The own share the participants split: all costs minus the grant.
///
/// Saturates instead of overflowing; a negative result (a grant above the costs, i.e. eligible
/// costs above all costs) is passed on for [`crate::allocation::allocate`] to reject.
#[must_use]
pub fn own_share_cents(total_cents: i64, grant_cents: i64) -> i64 {
    total_cents.saturating_sub(grant_cents)
}

/// `rate_bp / 10000 · amount`, floored (amount is non-negative).
fn rate_of(rate_bp: u32, amount: i128) -> i128 {
    i128::from(rate_bp) * amount / 10_000
}

#[cfg(test)]
mod tests {
    use super::*;

    const EUR: i64 = 100;

    #[test]
    fn federal_model_project_pays_65_percent_floored() {
        let rule = FundingRule::FEDERAL_SMART_CITY;
        assert_eq!(grant_cents(&rule, 1_000_000 * EUR, 0), 650_000 * EUR);
        // 65 % of 123.45 EUR is 80.2425 EUR: the fraction of a cent is dropped.
        assert_eq!(grant_cents(&rule, 12_345, 0), 8_024);
        assert_eq!(grant_cents(&rule, 0, 0), 0);
    }

    #[test]
    fn federal_model_project_in_budget_emergency_pays_90_percent() {
        let rule = FundingRule::FEDERAL_SMART_CITY_BUDGET_EMERGENCY;
        assert_eq!(grant_cents(&rule, 1_000_000 * EUR, 0), 900_000 * EUR);
        // 90 % of 0.99 EUR is 0.891 EUR.
        assert_eq!(grant_cents(&rule, 99, 0), 89);
    }

    #[test]
    fn rate_grant_is_capped() {
        let rule = FundingRule::Rate {
            rate_bp: 6_500,
            cap_cents: Some(500_000 * EUR),
        };
        assert_eq!(grant_cents(&rule, 1_000_000 * EUR, 0), 500_000 * EUR);
        assert_eq!(grant_cents(&rule, 100_000 * EUR, 0), 65_000 * EUR);
    }

    #[test]
    fn rate_grant_never_exceeds_eligible_costs() {
        let rule = FundingRule::Rate {
            rate_bp: 12_000,
            cap_cents: None,
        };
        assert_eq!(grant_cents(&rule, 1_000 * EUR, 0), 1_000 * EUR);
        assert_eq!(grant_cents(&rule, i64::MAX, 0), i64::MAX);
    }

    #[test]
    fn nrw_grant_against_large_eligible_costs_is_the_fixed_amount() {
        let rule = FundingRule::NRW_INTERMUNICIPAL;
        let eligible = 1_000_000 * EUR;
        assert_eq!(grant_cents(&rule, eligible, 2), 175_000 * EUR);
        assert_eq!(grant_cents(&rule, eligible, 3), 210_000 * EUR);
        assert_eq!(grant_cents(&rule, eligible, 5), 280_000 * EUR);
    }

    #[test]
    fn nrw_grant_against_small_eligible_costs_is_limited_to_90_percent() {
        let rule = FundingRule::NRW_INTERMUNICIPAL;
        let eligible = 100_000 * EUR;
        for partners in [2, 3, 5] {
            assert_eq!(grant_cents(&rule, eligible, partners), 90_000 * EUR);
        }
        // In between: 90 % of 300,000 EUR = 270,000 EUR limits five partners (280,000 EUR) but
        // not three (210,000 EUR).
        let eligible = 300_000 * EUR;
        assert_eq!(grant_cents(&rule, eligible, 3), 210_000 * EUR);
        assert_eq!(grant_cents(&rule, eligible, 5), 270_000 * EUR);
        // 90 % of 1.11 EUR is 0.999 EUR.
        assert_eq!(grant_cents(&rule, 111, 2), 99);
    }

    #[test]
    fn nrw_grant_needs_two_partners() {
        let rule = FundingRule::NRW_INTERMUNICIPAL;
        assert_eq!(grant_cents(&rule, 1_000_000 * EUR, 1), 0);
        assert_eq!(grant_cents(&rule, 1_000_000 * EUR, 0), 0);
    }

    #[test]
    fn fixed_grant_without_rate_limit_is_still_at_most_eligible() {
        let rule = FundingRule::Fixed {
            base_cents: 175_000 * EUR,
            per_further_partner_cents: 35_000 * EUR,
            base_partners: 2,
            max_rate_bp: None,
        };
        assert_eq!(grant_cents(&rule, 100_000 * EUR, 2), 100_000 * EUR);
    }

    #[test]
    fn negative_eligible_costs_get_no_grant() {
        assert_eq!(grant_cents(&FundingRule::FEDERAL_SMART_CITY, -100, 0), 0);
        assert_eq!(grant_cents(&FundingRule::NRW_INTERMUNICIPAL, -100, 3), 0);
    }

    #[test]
    fn own_share_is_all_costs_minus_grant() {
        // 1.2 M EUR total, 1 M EUR eligible, NRW grant for three partners.
        let total = 1_200_000 * EUR;
        let grant = grant_cents(&FundingRule::NRW_INTERMUNICIPAL, 1_000_000 * EUR, 3);
        assert_eq!(own_share_cents(total, grant), 990_000 * EUR);
        assert_eq!(own_share_cents(i64::MIN, 1), i64::MIN);
    }
}
