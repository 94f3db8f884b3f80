//! What can be wrong with an allocation's input.

use std::fmt;

use super::FULL_BP;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocationError {
    /// The own share to split is negative.
    NegativeAmount { own_share_cents: i64 },
    /// There is nobody to pay.
    NoPayers,
    /// The same organisation is listed twice among the payers.
    DuplicatePayer { org: String },
    /// A basis-point parameter is above 10 000 (100 %).
    BasisPointsOutOfRange { field: &'static str, value: u32 },
    /// The key has a district share but no payer is the district.
    DistrictShareWithoutDistrict,
    /// The key has a district share and more than one payer claims to be the district.
    MultipleDistricts { first: String, second: String },
    /// A cap is negative.
    NegativeCap { org: String, cap_cents: i64 },
    /// A cap names an organisation that is not a payer.
    CapForNonPayer { org: String },
    /// The key needs this payer's population but it is not given.
    MissingPopulation { org: String },
    /// This payer's population is 0, so the key would let it pay nothing.
    ZeroPopulation { org: String },
    /// The fixed-percentage key has no percentage for this payer.
    MissingPercentage { org: String },
    /// The fixed-percentage key has a percentage for an organisation that is not a payer.
    PercentageForNonPayer { org: String },
    /// The fixed-percentage key has a percentage for the district, which pays the district share
    /// instead.
    PercentageForDistrict { org: String },
    /// This payer's percentage is 0.
    ZeroPercentage { org: String },
    /// The percentages do not add up to 10 000 bp.
    PercentagesDoNotSum { sum: u64 },
    /// The custom-weight key has no weight for this payer.
    MissingWeight { org: String },
    /// The custom-weight key has a weight for an organisation that is not a payer.
    WeightForNonPayer { org: String },
    /// The custom-weight key has a weight for the district, which pays the district share instead.
    WeightForDistrict { org: String },
    /// This payer's weight is 0.
    ZeroWeight { org: String },
    /// The inputs are beyond the documented size bound (see the module documentation).
    ArithmeticOverflow,
}

impl fmt::Display for AllocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AllocationError::*;
        match self {
            NegativeAmount { own_share_cents } => {
                write!(f, "the own share is negative ({own_share_cents} cents)")
            }
            NoPayers => write!(f, "there are no paying participants"),
            DuplicatePayer { org } => write!(f, "{org} is listed more than once as a payer"),
            BasisPointsOutOfRange { field, value } => {
                write!(f, "{field} is {value} bp, more than {FULL_BP} bp (100 %)")
            }
            DistrictShareWithoutDistrict => {
                write!(
                    f,
                    "the key has a district share but the district is not a payer"
                )
            }
            MultipleDistricts { first, second } => write!(
                f,
                "the key has a district share but both {first} and {second} are marked as the district"
            ),
            NegativeCap { org, cap_cents } => {
                write!(f, "the cap for {org} is negative ({cap_cents} cents)")
            }
            CapForNonPayer { org } => write!(f, "there is a cap for {org}, which is not a payer"),
            MissingPopulation { org } => write!(f, "the population of {org} is missing"),
            ZeroPopulation { org } => write!(f, "the population of {org} is 0"),
            MissingPercentage { org } => write!(f, "the percentage for {org} is missing"),
            PercentageForNonPayer { org } => {
                write!(f, "there is a percentage for {org}, which is not a payer")
            }
            PercentageForDistrict { org } => write!(
                f,
                "there is a percentage for the district {org}, which pays the district share instead"
            ),
            ZeroPercentage { org } => write!(f, "the percentage for {org} is 0"),
            PercentagesDoNotSum { sum } => {
                write!(f, "the percentages sum to {sum} bp instead of {FULL_BP} bp")
            }
            MissingWeight { org } => write!(f, "the weight for {org} is missing"),
            WeightForNonPayer { org } => {
                write!(f, "there is a weight for {org}, which is not a payer")
            }
            WeightForDistrict { org } => write!(
                f,
                "there is a weight for the district {org}, which pays the district share instead"
            ),
            ZeroWeight { org } => write!(f, "the weight for {org} is 0"),
            ArithmeticOverflow => write!(
                f,
                "the amounts or key weights are too large to allocate exactly"
            ),
        }
    }
}

impl std::error::Error for AllocationError {}
