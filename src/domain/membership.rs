//! Membership over time: an organization belongs to the cooperation during its periods, and
//! only the members of a fiscal year share that year's costs.
//!
//! A period runs from `joined_on` (none: a founding member, a member since the cooperation
//! began) to `left_on`, the last day of membership (none: still a member). An organization is
//! a member **in a fiscal year** (a calendar year) when one of its periods overlaps it: a
//! member that left before the year takes no share of it, one that joined during a later year
//! is charged nothing for earlier years, and a member during part of a year pays that year's
//! share in full (the cooperation charges whole years).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

/// One membership period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
}

impl Period {
    pub fn covers_year(&self, year: i32) -> bool {
        self.joined_on.is_none_or(|joined| joined.year() <= year)
            && self.left_on.is_none_or(|left| left.year() >= year)
    }

    pub fn covers_day(&self, day: NaiveDate) -> bool {
        self.joined_on.is_none_or(|joined| joined <= day)
            && self.left_on.is_none_or(|left| left >= day)
    }

    /// Whether the period overlaps the days `from..=to`.
    pub fn overlaps(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.joined_on.is_none_or(|joined| joined <= to)
            && self.left_on.is_none_or(|left| left >= from)
    }
}

/// The periods of the organizations a computation is about. An organization that is not in
/// the map is not restricted (a member in every year); the database gives every organization
/// at least one period, so the map read from it restricts everyone it names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memberships(pub BTreeMap<String, Vec<Period>>);

impl Memberships {
    pub fn member_in_year(&self, org: &str, year: i32) -> bool {
        self.0
            .get(org)
            .is_none_or(|periods| periods.iter().any(|p| p.covers_year(year)))
    }

    pub fn member_on(&self, org: &str, day: NaiveDate) -> bool {
        self.0
            .get(org)
            .is_none_or(|periods| periods.iter().any(|p| p.covers_day(day)))
    }

    pub fn member_between(&self, org: &str, from: NaiveDate, to: NaiveDate) -> bool {
        self.0
            .get(org)
            .is_none_or(|periods| periods.iter().any(|p| p.overlaps(from, to)))
    }
}

/// Why a new period cannot follow the existing ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodError {
    /// The organization has an open period already.
    AlreadyMember,
    /// The organization has no open period to close.
    NotMember,
    /// A join before the end of an earlier period, or a leave before the join.
    Overlaps { boundary: Option<NaiveDate> },
}

/// Checks that a period joining on `joined_on` can follow `periods`.
pub fn check_join(periods: &[Period], joined_on: NaiveDate) -> Result<(), PeriodError> {
    if periods.iter().any(|p| p.left_on.is_none()) {
        return Err(PeriodError::AlreadyMember);
    }
    let last_left = periods.iter().filter_map(|p| p.left_on).max();
    if last_left.is_some_and(|left| joined_on <= left) {
        return Err(PeriodError::Overlaps {
            boundary: last_left,
        });
    }
    Ok(())
}

/// Checks that the open period of `periods` can end on `left_on`.
pub fn check_leave(periods: &[Period], left_on: NaiveDate) -> Result<(), PeriodError> {
    let open = periods
        .iter()
        .find(|p| p.left_on.is_none())
        .ok_or(PeriodError::NotMember)?;
    if open.joined_on.is_some_and(|joined| left_on < joined) {
        return Err(PeriodError::Overlaps {
            boundary: open.joined_on,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn period(joined: Option<&str>, left: Option<&str>) -> Period {
        Period {
            joined_on: joined.map(day),
            left_on: left.map(day),
        }
    }

    #[test]
    fn a_period_covers_the_years_it_overlaps() {
        let left = period(None, Some("2027-12-31"));
        assert!(left.covers_year(2020) && left.covers_year(2027));
        assert!(!left.covers_year(2028));
        let joined = period(Some("2026-07-01"), None);
        assert!(!joined.covers_year(2025));
        assert!(joined.covers_year(2026) && joined.covers_year(2040));
        assert!(!joined.covers_day(day("2026-06-30")));
        assert!(joined.covers_day(day("2026-07-01")));
    }

    #[test]
    fn unknown_organizations_are_unrestricted() {
        let memberships =
            Memberships([("a".to_owned(), vec![period(Some("2026-01-01"), None)])].into());
        assert!(memberships.member_in_year("b", 1990));
        assert!(!memberships.member_in_year("a", 2025));
        assert!(memberships.member_between("a", day("2025-06-01"), day("2026-01-01")));
    }

    #[test]
    fn joins_and_leaves_follow_each_other() {
        let open = [period(None, None)];
        assert_eq!(
            check_join(&open, day("2026-01-01")),
            Err(PeriodError::AlreadyMember)
        );
        assert_eq!(check_leave(&open, day("2026-01-01")), Ok(()));
        let closed = [period(None, Some("2026-12-31"))];
        assert_eq!(
            check_leave(&closed, day("2027-01-01")),
            Err(PeriodError::NotMember)
        );
        assert!(matches!(
            check_join(&closed, day("2026-12-31")),
            Err(PeriodError::Overlaps { .. })
        ));
        assert_eq!(check_join(&closed, day("2027-01-01")), Ok(()));
        let late = [period(Some("2026-05-01"), None)];
        assert!(matches!(
            check_leave(&late, day("2026-04-30")),
            Err(PeriodError::Overlaps { .. })
        ));
    }
}

#[cfg(test)]
#[path = "membership_properties.rs"]
mod properties;
