//! Vote counts of an agenda item: totals, and optionally the counts per organization, whose
//! sums must then equal the totals.

/// Yes, no and abstentions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoteCount {
    pub yes: i32,
    pub no: i32,
    pub abstentions: i32,
}

impl VoteCount {
    pub fn plus(self, other: VoteCount) -> VoteCount {
        VoteCount {
            yes: self.yes + other.yes,
            no: self.no + other.no,
            abstentions: self.abstentions + other.abstentions,
        }
    }

    pub fn is_valid(self) -> bool {
        self.yes >= 0 && self.no >= 0 && self.abstentions >= 0
    }
}

/// Whether the per-organization counts add up to the totals (no per-organization counts
/// always agree).
pub fn per_organization_matches(total: VoteCount, per_organization: &[VoteCount]) -> bool {
    per_organization.is_empty()
        || per_organization
            .iter()
            .fold(VoteCount::default(), |sum, v| sum.plus(*v))
            == total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(yes: i32, no: i32, abstentions: i32) -> VoteCount {
        VoteCount {
            yes,
            no,
            abstentions,
        }
    }

    #[test]
    fn sums_must_match_totals() {
        assert!(per_organization_matches(v(3, 1, 0), &[]));
        assert!(per_organization_matches(
            v(3, 1, 1),
            &[v(2, 0, 0), v(1, 1, 0), v(0, 0, 1)]
        ));
        assert!(!per_organization_matches(v(3, 1, 1), &[v(2, 0, 0)]));
        assert!(v(0, 0, 0).is_valid());
        assert!(!v(-1, 0, 0).is_valid());
    }
}
