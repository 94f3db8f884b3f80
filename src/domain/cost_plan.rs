//! A project's costs and funding per fiscal year: what remains to be shared.
//!
//! The fiscal year is the calendar year. For each year `Y`:
//! - `total(Y)` is the sum of every cost item falling into `Y` (a one-off item in its year, a
//!   recurring item in each year from its first to its last);
//! - `eligible(Y)` is the part of `total(Y)` eligible for funding;
//! - `funding(Y)` is what the grants pay in `Y`. A grant covering several years is spread over
//!   them in proportion to their eligible costs (floored, the remaining cents to the largest
//!   remainders, ties to the earlier year), and funding never exceeds `eligible(Y)`: what a
//!   grant would pay above that in a year is dropped, because a programme never pays more than
//!   the eligible costs;
//! - `own_share(Y) = total(Y) - funding(Y)` is what the paying participants share.

use std::collections::BTreeMap;

/// When a cost item falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    OneOff {
        year: i32,
    },
    /// The same amount every year from `first` to `last` (inclusive).
    Recurring {
        first: i32,
        last: i32,
    },
}

impl Recurrence {
    pub fn years(self) -> std::ops::RangeInclusive<i32> {
        match self {
            Recurrence::OneOff { year } => year..=year,
            Recurrence::Recurring { first, last } => first..=last,
        }
    }
}

/// One cost item: `amount_cents` in each year of its recurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostItem {
    pub recurrence: Recurrence,
    pub amount_cents: i64,
    pub eligible: bool,
}

/// Funding that reduces the own share: `amount_cents` spread over `years`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub years: std::ops::RangeInclusive<i32>,
    pub amount_cents: i64,
}

/// The figures of one fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearFigures {
    pub year: i32,
    pub total_cents: i64,
    pub eligible_cents: i64,
    pub funding_cents: i64,
    pub own_share_cents: i64,
}

/// Eligible costs over `years`, e.g. to compute an expected grant for a programme.
pub fn eligible_over(items: &[CostItem], years: std::ops::RangeInclusive<i32>) -> i64 {
    years
        .map(|year| {
            items
                .iter()
                .filter(|item| item.eligible && item.recurrence.years().contains(&year))
                .map(|item| item.amount_cents)
                .sum::<i64>()
        })
        .sum()
}

/// The figures for every year from `from` to `to` (inclusive), in order.
pub fn yearly_figures(
    items: &[CostItem],
    grants: &[Grant],
    from: i32,
    to: i32,
) -> Vec<YearFigures> {
    // Grants are spread over all years they cover, also those outside the requested range, so
    // that a narrower range shows the same numbers for the years it does show.
    let grant_years = grants.iter().flat_map(|g| g.years.clone());
    let first = grant_years.clone().min().map_or(from, |y| y.min(from));
    let last = grant_years.max().map_or(to, |y| y.max(to));

    let mut years: BTreeMap<i32, YearFigures> = (first..=last)
        .map(|year| {
            (
                year,
                YearFigures {
                    year,
                    ..Default::default()
                },
            )
        })
        .collect();
    for item in items {
        for year in item.recurrence.years() {
            if let Some(figures) = years.get_mut(&year) {
                figures.total_cents += item.amount_cents;
                if item.eligible {
                    figures.eligible_cents += item.amount_cents;
                }
            }
        }
    }
    for grant in grants {
        let weights: Vec<(i32, i64)> = grant
            .years
            .clone()
            .map(|year| (year, years.get(&year).map_or(0, |f| f.eligible_cents)))
            .collect();
        for (year, cents) in spread(grant.amount_cents, &weights) {
            let figures = years.get_mut(&year).expect("grant years were added above");
            let room = figures.eligible_cents - figures.funding_cents;
            figures.funding_cents += cents.min(room.max(0));
        }
    }
    years
        .into_values()
        .filter(|f| (from..=to).contains(&f.year))
        .map(|mut f| {
            f.own_share_cents = f.total_cents - f.funding_cents;
            f
        })
        .collect()
}

/// Spreads `amount` over `weights` proportionally (floor, then the remaining cents to the
/// largest remainders, ties to the earlier year). Without any weight nothing is spread.
fn spread(amount: i64, weights: &[(i32, i64)]) -> Vec<(i32, i64)> {
    let total: i128 = weights.iter().map(|&(_, w)| i128::from(w.max(0))).sum();
    if total == 0 || amount <= 0 {
        return Vec::new();
    }
    let mut parts: Vec<(i32, i64, i128)> = weights
        .iter()
        .map(|&(year, w)| {
            let exact = i128::from(amount) * i128::from(w.max(0));
            (year, (exact / total) as i64, exact % total)
        })
        .collect();
    let given: i64 = parts.iter().map(|p| p.1).sum();
    let mut missing = amount - given;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(parts[i].2), parts[i].0));
    for i in order {
        if missing == 0 {
            break;
        }
        if parts[i].2 > 0 {
            parts[i].1 += 1;
            missing -= 1;
        }
    }
    parts
        .into_iter()
        .map(|(year, cents, _)| (year, cents))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(recurrence: Recurrence, amount_cents: i64, eligible: bool) -> CostItem {
        CostItem {
            recurrence,
            amount_cents,
            eligible,
        }
    }

    #[test]
    fn one_off_and_recurring_items_fall_into_their_years() {
        let items = [
            item(Recurrence::OneOff { year: 2026 }, 10_000_000, true),
            item(
                Recurrence::Recurring {
                    first: 2026,
                    last: 2028,
                },
                1_200_000,
                false,
            ),
        ];
        let figures = yearly_figures(&items, &[], 2026, 2029);
        let totals: Vec<i64> = figures.iter().map(|f| f.total_cents).collect();
        assert_eq!(totals, [11_200_000, 1_200_000, 1_200_000, 0]);
        assert_eq!(figures[0].eligible_cents, 10_000_000);
        assert_eq!(figures[1].eligible_cents, 0);
        assert!(figures.iter().all(|f| f.own_share_cents == f.total_cents));
    }

    #[test]
    fn a_grant_is_spread_by_eligible_costs_and_never_exceeds_them() {
        let items = [
            item(Recurrence::OneOff { year: 2026 }, 30_000, true),
            item(Recurrence::OneOff { year: 2027 }, 10_000, true),
            item(Recurrence::OneOff { year: 2027 }, 5_000, false),
        ];
        let grant = Grant {
            years: 2026..=2027,
            amount_cents: 20_001,
        };
        let figures = yearly_figures(&items, &[grant], 2026, 2027);
        assert_eq!(figures[0].funding_cents + figures[1].funding_cents, 20_001);
        assert_eq!(figures[0].funding_cents, 15_001);
        assert_eq!(figures[1].own_share_cents, 15_000 - 5_000);

        // A grant larger than the eligible costs pays at most those.
        let big = Grant {
            years: 2026..=2027,
            amount_cents: 100_000,
        };
        let figures = yearly_figures(&items, &[big], 2026, 2027);
        assert_eq!(figures[0].funding_cents, 30_000);
        assert_eq!(figures[1].funding_cents, 10_000);
        assert_eq!(figures[1].own_share_cents, 5_000);
    }

    #[test]
    fn a_narrower_range_shows_the_same_numbers() {
        let items = [item(
            Recurrence::Recurring {
                first: 2026,
                last: 2029,
            },
            100_001,
            true,
        )];
        let grants = [Grant {
            years: 2026..=2029,
            amount_cents: 200_003,
        }];
        let wide = yearly_figures(&items, &grants, 2026, 2029);
        let narrow = yearly_figures(&items, &grants, 2027, 2028);
        assert_eq!(&wide[1..3], &narrow[..]);
        assert_eq!(wide.iter().map(|f| f.funding_cents).sum::<i64>(), 200_003);
    }

    #[test]
    fn eligible_costs_over_a_period() {
        let items = [
            item(
                Recurrence::Recurring {
                    first: 2026,
                    last: 2027,
                },
                10,
                true,
            ),
            item(Recurrence::OneOff { year: 2028 }, 7, true),
            item(Recurrence::OneOff { year: 2026 }, 99, false),
        ];
        assert_eq!(eligible_over(&items, 2026..=2028), 27);
        assert_eq!(eligible_over(&items, 2027..=2027), 10);
    }
}
