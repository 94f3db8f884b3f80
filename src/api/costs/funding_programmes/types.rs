//! The request and response types of funding programmes, and the checks of a programme's rule.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::costs::{check_amount, check_bp};
use crate::db::costs::funding::{ProgrammeRow, ProgrammeValues};
use crate::domain::funding::FundingRule;
use crate::domain::validation::Validator;
use crate::error::ApiError;

/// Who pays a programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundingBody {
    Federal,
    State,
    Eu,
    Other,
}

impl FundingBody {
    fn as_str(self) -> &'static str {
        match self {
            Self::Federal => "federal",
            Self::State => "state",
            Self::Eu => "eu",
            Self::Other => "other",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "federal" => Self::Federal,
            "state" => Self::State,
            "eu" => Self::Eu,
            _ => Self::Other,
        }
    }
}

/// How a programme computes its grant. Grants are floored to whole cents and never exceed the
/// eligible costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FundingRuleBody {
    /// `min(rate_bp · eligible costs, cap_cents)`.
    #[schema(example = json!({"type": "rate", "rate_bp": 6500, "cap_cents": null}))]
    Rate {
        /// The rate of eligible costs, 1–10,000 basis points.
        #[schema(minimum = 1, maximum = 10000, example = 6500)]
        rate_bp: i64,
        /// The most the programme pays, in cents; `null` for no cap.
        #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
        #[serde(default)]
        cap_cents: Option<i64>,
    },
    /// `base_cents` for `base_partners` partners plus `per_further_partner_cents` per further
    /// partner, at most `max_rate_bp` of the eligible costs; nothing with fewer partners.
    #[schema(example = json!({"type": "fixed", "base_cents": 17_500_000, "per_further_partner_cents": 3_500_000,
                              "base_partners": 2, "max_rate_bp": 9000}))]
    Fixed {
        #[schema(minimum = 0, maximum = 100_000_000_000_i64, example = 17_500_000)]
        base_cents: i64,
        #[schema(minimum = 0, maximum = 100_000_000_000_i64, example = 3_500_000)]
        #[serde(default)]
        per_further_partner_cents: i64,
        /// How many partners the base amount is for, 1–100.
        #[schema(minimum = 1, maximum = 100, example = 2)]
        #[serde(default = "one")]
        base_partners: i64,
        /// The highest rate of eligible costs the grant may reach, 1–10,000; `null` for none.
        #[schema(minimum = 1, maximum = 10000, example = 9000)]
        #[serde(default)]
        max_rate_bp: Option<i64>,
    },
}

fn one() -> i64 {
    1
}

impl FundingRuleBody {
    fn validate(&self, v: &mut Validator) -> FundingRule {
        let bp = |x: i64| u32::try_from(x).unwrap_or(0);
        match *self {
            FundingRuleBody::Rate { rate_bp, cap_cents } => {
                check_bp(v, "/rule/rate_bp", rate_bp, true);
                if let Some(cap) = cap_cents {
                    check_amount(v, "/rule/cap_cents", cap);
                }
                FundingRule::Rate {
                    rate_bp: bp(rate_bp),
                    cap_cents,
                }
            }
            FundingRuleBody::Fixed {
                base_cents,
                per_further_partner_cents,
                base_partners,
                max_rate_bp,
            } => {
                check_amount(v, "/rule/base_cents", base_cents);
                check_amount(
                    v,
                    "/rule/per_further_partner_cents",
                    per_further_partner_cents,
                );
                v.check(
                    (1..=100).contains(&base_partners),
                    "/rule/base_partners",
                    "must be between 1 and 100",
                );
                if let Some(max) = max_rate_bp {
                    check_bp(v, "/rule/max_rate_bp", max, true);
                }
                FundingRule::Fixed {
                    base_cents,
                    per_further_partner_cents,
                    base_partners: bp(base_partners),
                    max_rate_bp: max_rate_bp.map(bp),
                }
            }
        }
    }

    fn from_rule(rule: FundingRule) -> Self {
        match rule {
            FundingRule::Rate { rate_bp, cap_cents } => Self::Rate {
                rate_bp: i64::from(rate_bp),
                cap_cents,
            },
            FundingRule::Fixed {
                base_cents,
                per_further_partner_cents,
                base_partners,
                max_rate_bp,
            } => Self::Fixed {
                base_cents,
                per_further_partner_cents,
                base_partners: i64::from(base_partners),
                max_rate_bp: max_rate_bp.map(i64::from),
            },
        }
    }
}

/// A funding programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct FundingProgrammeResponse {
    pub id: Uuid,
    #[schema(example = "Förderung interkommunaler Zusammenarbeit NRW")]
    pub name: String,
    pub funding_body: FundingBody,
    pub rule: FundingRuleBody,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProgrammeRow> for FundingProgrammeResponse {
    fn from(row: ProgrammeRow) -> Self {
        Self {
            rule: FundingRuleBody::from_rule(row.to_rule()),
            id: row.id,
            funding_body: FundingBody::parse(&row.funding_body),
            name: row.name,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new funding programme.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Förderung interkommunaler Zusammenarbeit NRW", "funding_body": "state",
    "rule": {"type": "fixed", "base_cents": 17_500_000, "per_further_partner_cents": 3_500_000,
             "base_partners": 2, "max_rate_bp": 9000}
}))]
pub struct CreateFundingProgramme {
    /// 1 to 200 characters, unique (ignoring case).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub funding_body: FundingBody,
    pub rule: FundingRuleBody,
}

/// Changes to a programme; absent fields stay as they are. A new rule changes the expected
/// funding of planned and submitted applications (not granted amounts).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFundingProgramme {
    /// 1 to 200 characters, unique (ignoring case).
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub funding_body: Option<FundingBody>,
    pub rule: Option<FundingRuleBody>,
}

pub(super) fn validate(
    name: &str,
    funding_body: FundingBody,
    rule: &FundingRuleBody,
) -> Result<ProgrammeValues, ApiError> {
    let mut v = Validator::new();
    let name = v.text("/name", name, 1, 200);
    let rule = rule.validate(&mut v);
    Ok(v.finish(ProgrammeValues::from_rule(
        name,
        funding_body.as_str().into(),
        rule,
    ))?)
}
