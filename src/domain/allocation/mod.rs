//! Splitting a project's own share among its paying participants.
//!
//! # The rule
//!
//! Amounts are euro cents, rates basis points (10 000 bp = 100 %). For an own share `C`:
//!
//! 1. Every paying participant's share is first computed as an **exact fraction**:
//!    * with a district share `d`, the district payer owes `d/10000 · C` and the rest is split
//!      among the other payers by the key; without one, the key splits `C` among all payers;
//!    * caps: participants whose share exceeds their cap are fixed at the cap and the rest is split
//!      among the others by the same key (the key re-applied to the smaller set), repeated until no
//!      share exceeds its cap.
//! 2. Each share is floored to whole cents and the cents still missing are handed out one each to
//!    the largest fractional remainders, ties broken by organisation key ascending (string order).
//!
//! The shares therefore always sum to `C - unallocated` exactly, and every share is its exact
//! value rounded down or up, never further away than that.
//!
//! # Decisions beyond the worked examples
//!
//! * **District and caps.** The district's share is fixed at `d/10000 · C` of the *whole* own share
//!   (it does not shrink when a town is capped). If the district's cap is below that, the excess is
//!   added to what the towns split. A town's excess goes to the other towns by the key; only when
//!   every town is capped (or there are no towns) does the district take the remainder, up to its
//!   cap, because it is then the only uncapped payer left. Whatever even the district cannot take
//!   is reported as unallocated. With a district share and the district as the only payer, the
//!   district therefore pays everything (up to its cap).
//! * **Mixed key and caps.** "The same key" is re-applied to the remaining payers: the equal part
//!   is divided by the number of *remaining* payers and the population part by their population
//!   sum. For the proportional keys (equal, population, fixed percentages, custom weights) this is
//!   the same as handing the excess to the uncapped in proportion to their weights; fixed
//!   percentages thus become the uncapped payers' percentages relative to each other.
//! * **Zero weights are rejected.** A paying participant with population 0, percentage 0 or
//!   weight 0 would pay nothing and could never take over a capped payer's excess, so it is an
//!   input error, not a silent non-payer. Consequently `unallocated_cents > 0` only when every
//!   payer is at its cap.
//! * **Key entries must match the payers.** A percentage, weight or cap for an organisation that is
//!   not among the payers is an error (it is most likely a typo that would otherwise be ignored).
//!   With a district share, the district takes no part in the key, so it must have no percentage
//!   or weight; its population is not needed.
//! * A cap at or above the own share can never bind; such caps are clamped to the own share, which
//!   also keeps the arithmetic small.
//!
//! # Exactness and overflow bound
//!
//! All arithmetic is exact on `i128` rationals; there are no floats. Every intermediate value is at
//! most `C · 10^4 · W`, where `W` is the key's total weight over the payers it splits among:
//! `n` (equal), `Σ population`, `10^4` (fixed percentages), `Σ weight` (custom weights) or
//! `10^4 · n · Σ population` (mixed). With `C ≤ 10^12` cents, `n ≤ 200` payers and populations up
//! to `10^7`, the largest case (mixed) is `10^12 · 10^4 · 10^4 · 200 · 2·10^9 = 4·10^31`, six
//! orders of magnitude below `i128::MAX ≈ 1.7·10^38`; custom weights may be any `u64` values for
//! up to ~900 payers. All operations are checked anyway: inputs beyond the bound yield
//! [`AllocationError::ArithmeticOverflow`] instead of a wrong number or a panic.
//!
//! The result depends only on the set of payers, not on their order: payers are processed sorted
//! by organisation key, and inputs are kept in `BTreeMap`s.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet};

/// 100 % in basis points.
pub const FULL_BP: u32 = 10_000;

/// Which rule splits the own share among the paying participants (the district excluded when the
/// key has a district share).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRule {
    /// `C / n`.
    Equal,
    /// `C · pop_i / Σ pop`, with the populations given on the [`Payer`]s.
    Population,
    /// `bp_i / 10000 · C`: basis points per organisation key, summing to exactly 10 000 over the
    /// payers the key splits among.
    FixedPercentages(BTreeMap<String, u32>),
    /// A base amount plus per capita: `equal_part_bp / 10000` of the amount is split equally, the
    /// rest by population.
    Mixed { equal_part_bp: u32 },
    /// `C · w_i / Σ w`, e.g. usage units.
    CustomWeights(BTreeMap<String, u64>),
}

/// A project's cost key: the rule, an optional district share paid first, and optional caps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostKey {
    pub rule: KeyRule,
    /// The district payer's share of the whole own share in basis points; the key splits the rest
    /// among the other payers.
    pub district_share_bp: Option<u32>,
    /// The most an organisation pays, in cents, by organisation key.
    pub caps_cents: BTreeMap<String, i64>,
}

/// One paying participant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    pub org_key: String,
    /// Needed by the population key and by the mixed key (unless its equal part is 100 %).
    pub population: Option<u64>,
    /// The district (Kreis); only meaningful together with [`CostKey::district_share_bp`].
    pub is_district: bool,
}

/// The result: whole cents per payer (every payer appears, possibly with 0) and what no payer
/// could take because everyone is at their cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub shares_cents: BTreeMap<String, i64>,
    pub unallocated_cents: i64,
}

/// Why an allocation could not be computed. Each variant names the offending organisation or
/// value so that the caller can show it to the person who entered the key.
mod error;
#[cfg(test)]
mod examples;
#[cfg(test)]
mod properties;
mod ratio;
#[cfg(test)]
mod tests;
mod validate;

pub use self::error::AllocationError;
use self::ratio::{Ratio, checked, checked_sum, gcd, lcm, to_cents};

/// Splits `own_share_cents` among `payers` by `key` (see the module documentation for the rule).
///
/// The shares in the result sum to `own_share_cents - unallocated_cents` exactly; the result does
/// not depend on the order of `payers`.
///
/// # Errors
///
/// An [`AllocationError`] naming the first invalid input (checked in a fixed order, so the same
/// for any order of `payers`), or [`AllocationError::ArithmeticOverflow`] beyond the size bound.
pub fn allocate(
    own_share_cents: i64,
    key: &CostKey,
    payers: &[Payer],
) -> Result<Allocation, AllocationError> {
    let plan = Plan::validate(own_share_cents, key, payers)?;
    let total = Ratio::int(i128::from(own_share_cents));

    // The district's share comes off the whole own share first; if its cap is lower, the excess
    // stays with the rest that the key splits among the towns.
    let mut district_paid = match &plan.district {
        Some(district) => {
            let due = total.mul_div(i128::from(plan.district_share_bp), i128::from(FULL_BP))?;
            Some(match district.cap {
                Some(cap) => due.min(Ratio::int(cap))?,
                None => due,
            })
        }
        None => None,
    };
    let rest = total.sub(district_paid.unwrap_or(Ratio::ZERO))?;

    let (group_shares, mut leftover) = split_with_caps(rest, &key.rule, &plan.group)?;

    // Leftover only remains when every town is capped (or there are none); the district is then
    // the only payer not at its cap and takes what it can.
    if let (Some(district), Some(paid)) = (&plan.district, district_paid.as_mut()) {
        let taken = match district.cap {
            Some(cap) => leftover.min(Ratio::int(cap).sub(*paid)?)?,
            None => leftover,
        };
        *paid = paid.add(taken)?;
        leftover = leftover.sub(taken)?;
    }

    // The leftover is C minus whole-cent caps (the district's fractional share has been absorbed
    // or replaced by its cap by now), so it is a whole number of cents.
    debug_assert!(leftover.is_integer(), "unallocated remainder {leftover:?}");
    let unallocated = leftover.floor();

    let mut exact: Vec<(&str, Ratio)> = plan
        .group
        .iter()
        .map(|member| member.org)
        .zip(group_shares)
        .collect();
    if let (Some(district), Some(paid)) = (&plan.district, district_paid) {
        exact.push((district.org, paid));
    }

    let target = i128::from(own_share_cents) - unallocated;
    Ok(Allocation {
        shares_cents: round_to_cents(&exact, target)?,
        unallocated_cents: to_cents(unallocated)?,
    })
}

/// A payer as the computation sees it, after validation.
#[derive(Debug, Clone, Copy)]
struct Member<'a> {
    org: &'a str,
    population: Option<u64>,
    /// Clamped to the own share: a higher cap cannot bind.
    cap: Option<i128>,
}

/// Validated input: who pays the district share and who the key splits among.
struct Plan<'a> {
    /// Present only when the key has a district share.
    district: Option<Member<'a>>,
    district_share_bp: u32,
    /// The payers the key splits among, sorted by organisation key.
    group: Vec<Member<'a>>,
}

/// Splits `amount` exactly among `members` by `rule`, applying caps: members whose share exceeds
/// their cap are fixed at the cap and the rest is split among the others by the same key, until
/// no share exceeds its cap. Returns the shares (aligned with `members`) and what is left when
/// every member is capped.
fn split_with_caps(
    amount: Ratio,
    rule: &KeyRule,
    members: &[Member<'_>],
) -> Result<(Vec<Ratio>, Ratio), AllocationError> {
    let mut shares = vec![Ratio::ZERO; members.len()];
    let mut active: Vec<usize> = (0..members.len()).collect();
    let mut remaining = amount;

    // Every round either caps at least one more member or ends, so there are at most n rounds.
    while !active.is_empty() {
        let weights = key_weights(rule, members, &active)?;
        let total_weight = checked_sum(&weights)?;
        let mut uncapped = Vec::with_capacity(active.len());
        let mut newly_capped_total = Ratio::ZERO;
        for (&index, &weight) in active.iter().zip(&weights) {
            let share = remaining.mul_div(weight, total_weight)?;
            match members[index].cap {
                Some(cap) if share.cmp_int(cap)? == Ordering::Greater => {
                    shares[index] = Ratio::int(cap);
                    newly_capped_total = newly_capped_total.add(Ratio::int(cap))?;
                }
                _ => {
                    shares[index] = share;
                    uncapped.push(index);
                }
            }
        }
        if uncapped.len() == active.len() {
            return Ok((shares, Ratio::ZERO));
        }
        // The new caps are below the shares they replace, so `remaining` stays non-negative.
        remaining = remaining.sub(newly_capped_total)?;
        active = uncapped;
    }
    Ok((shares, remaining))
}

/// The key's integer weights for the `active` members: each member's share of an amount `A` is
/// `A · weight / Σ weight`.
fn key_weights(
    rule: &KeyRule,
    members: &[Member<'_>],
    active: &[usize],
) -> Result<Vec<i128>, AllocationError> {
    // Validation has guaranteed that the entries and populations used below exist.
    let population = |index: usize| i128::from(members[index].population.unwrap_or(0));
    let weights: Vec<i128> = match rule {
        KeyRule::Equal => vec![1; active.len()],
        KeyRule::Mixed { equal_part_bp } if *equal_part_bp == FULL_BP => vec![1; active.len()],
        KeyRule::Population => active.iter().map(|&i| population(i)).collect(),
        KeyRule::FixedPercentages(percentages) => active
            .iter()
            .map(|&i| i128::from(percentages[members[i].org]))
            .collect(),
        KeyRule::CustomWeights(weights) => active
            .iter()
            .map(|&i| i128::from(weights[members[i].org]))
            .collect(),
        KeyRule::Mixed { equal_part_bp } => {
            // a·A/n + (1-a)·A·pop_i/S with a = e/10000 equals A·(e·S + (10000-e)·n·pop_i) over
            // 10000·n·S; n and S are those of the remaining members.
            let e = i128::from(*equal_part_bp);
            let n =
                i128::try_from(active.len()).map_err(|_| AllocationError::ArithmeticOverflow)?;
            let populations: Vec<i128> = active.iter().map(|&i| population(i)).collect();
            let sum = checked_sum(&populations)?;
            let equal_term = checked(e.checked_mul(sum))?;
            let per_capita = checked((i128::from(FULL_BP) - e).checked_mul(n))?;
            populations
                .iter()
                .map(|&pop| {
                    checked(
                        per_capita
                            .checked_mul(pop)
                            .and_then(|t| t.checked_add(equal_term)),
                    )
                })
                .collect::<Result<_, _>>()?
        }
    };
    // Dividing out the common factor changes no share but keeps the later products smaller.
    let common = weights.iter().fold(0, |g, &w| gcd(g, w));
    Ok(weights.into_iter().map(|w| w / common.max(1)).collect())
}

/// Floors every exact share to whole cents and hands the `target - Σ floor` missing cents one each
/// to the largest fractional remainders, ties by organisation key ascending.
fn round_to_cents(
    exact: &[(&str, Ratio)],
    target: i128,
) -> Result<BTreeMap<String, i64>, AllocationError> {
    // Over a common denominator the fractional remainders compare as plain integers.
    let denominator = exact
        .iter()
        .try_fold(1, |acc, (_, share)| lcm(acc, share.den))?;
    let mut rounded: Vec<(&str, i128, i128)> = exact
        .iter()
        .map(|&(org, share)| {
            let scaled = checked(share.num.checked_mul(denominator / share.den))?;
            Ok((org, scaled / denominator, scaled % denominator))
        })
        .collect::<Result<_, AllocationError>>()?;

    // The missing cents are the sum of the fractional parts, each below one cent, so there are
    // fewer of them than shares with a non-zero remainder: no whole share (such as a cap) is
    // raised, and no share ends up more than a cent from its exact value.
    let floors: i128 = rounded.iter().map(|&(_, floor, _)| floor).sum();
    let missing = usize::try_from(target - floors).expect("the floors never exceed the total");
    debug_assert!(missing < exact.len().max(1));
    rounded.sort_by_key(|&(org, _, remainder)| (Reverse(remainder), org));

    rounded
        .iter()
        .enumerate()
        .map(|(rank, &(org, floor, _))| {
            let cents = floor + i128::from(rank < missing);
            Ok((org.to_owned(), to_cents(cents)?))
        })
        .collect()
}
