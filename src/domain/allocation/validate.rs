//! Checking an allocation's input and turning it into a [`Plan`].

use super::*;

impl<'a> Plan<'a> {
    /// Checks every input (in a fixed order, so the reported error does not depend on the order
    /// of the payers) and sorts the payers.
    pub(super) fn validate(
        own_share_cents: i64,
        key: &CostKey,
        payers: &'a [Payer],
    ) -> Result<Self, AllocationError> {
        if own_share_cents < 0 {
            return Err(AllocationError::NegativeAmount { own_share_cents });
        }
        if payers.is_empty() {
            return Err(AllocationError::NoPayers);
        }
        let mut sorted: Vec<&Payer> = payers.iter().collect();
        sorted.sort_by(|a, b| a.org_key.cmp(&b.org_key));
        if let Some(pair) = sorted.windows(2).find(|w| w[0].org_key == w[1].org_key) {
            return Err(AllocationError::DuplicatePayer {
                org: pair[0].org_key.clone(),
            });
        }
        let payer_keys: BTreeSet<&str> = sorted.iter().map(|p| p.org_key.as_str()).collect();

        if let Some(value) = key.district_share_bp {
            check_bp("district_share_bp", value)?;
        }
        if let KeyRule::Mixed { equal_part_bp } = key.rule {
            check_bp("equal_part_bp", equal_part_bp)?;
        }
        for (org, &cap_cents) in &key.caps_cents {
            if !payer_keys.contains(org.as_str()) {
                return Err(AllocationError::CapForNonPayer { org: org.clone() });
            }
            if cap_cents < 0 {
                return Err(AllocationError::NegativeCap {
                    org: org.clone(),
                    cap_cents,
                });
            }
        }

        let member = |payer: &'a Payer| Member {
            org: &payer.org_key,
            population: payer.population,
            cap: key
                .caps_cents
                .get(&payer.org_key)
                .map(|&cap| i128::from(cap.min(own_share_cents))),
        };

        let (district, group): (Option<Member<'a>>, Vec<Member<'a>>) = match key.district_share_bp {
            Some(_) => {
                let mut districts = sorted.iter().filter(|p| p.is_district);
                let district = districts
                    .next()
                    .ok_or(AllocationError::DistrictShareWithoutDistrict)?;
                if let Some(second) = districts.next() {
                    return Err(AllocationError::MultipleDistricts {
                        first: district.org_key.clone(),
                        second: second.org_key.clone(),
                    });
                }
                let group = sorted
                    .iter()
                    .filter(|p| !p.is_district)
                    .map(|p| member(p))
                    .collect();
                (Some(member(district)), group)
            }
            None => (None, sorted.iter().map(|p| member(p)).collect()),
        };

        let district_org = district.map(|d| d.org);
        validate_key(&key.rule, &group, &payer_keys, district_org)?;

        Ok(Plan {
            district,
            district_share_bp: key.district_share_bp.unwrap_or(0),
            group,
        })
    }
}

fn check_bp(field: &'static str, value: u32) -> Result<(), AllocationError> {
    if value > FULL_BP {
        return Err(AllocationError::BasisPointsOutOfRange { field, value });
    }
    Ok(())
}

/// Checks that the key has what it needs for every member of `group` and nothing else.
fn validate_key(
    rule: &KeyRule,
    group: &[Member<'_>],
    payer_keys: &BTreeSet<&str>,
    district: Option<&str>,
) -> Result<(), AllocationError> {
    let needs_population = match rule {
        KeyRule::Population => true,
        // A 100 % equal part makes the populations irrelevant, so they are not demanded.
        KeyRule::Mixed { equal_part_bp } => *equal_part_bp < FULL_BP,
        _ => false,
    };
    if needs_population {
        for member in group {
            let org = member.org.to_owned();
            match member.population {
                None => return Err(AllocationError::MissingPopulation { org }),
                Some(0) => return Err(AllocationError::ZeroPopulation { org }),
                Some(_) => {}
            }
        }
    }

    match rule {
        KeyRule::FixedPercentages(percentages) => {
            check_entries(percentages, group, payer_keys, district, &PERCENTAGE_ERRORS)?;
            let sum: u64 = group
                .iter()
                .map(|member| u64::from(percentages[member.org]))
                .sum();
            // With a district share and the district as the only payer there is nothing for the
            // percentages to split, and an empty key is consistent with that.
            if !group.is_empty() && sum != u64::from(FULL_BP) {
                return Err(AllocationError::PercentagesDoNotSum { sum });
            }
        }
        KeyRule::CustomWeights(weights) => {
            check_entries(weights, group, payer_keys, district, &WEIGHT_ERRORS)?;
        }
        KeyRule::Equal | KeyRule::Population | KeyRule::Mixed { .. } => {}
    }
    Ok(())
}

/// The errors for a per-organisation key map (percentages or weights), so that both maps share
/// one check.
struct EntryErrors {
    missing: fn(String) -> AllocationError,
    for_non_payer: fn(String) -> AllocationError,
    for_district: fn(String) -> AllocationError,
    zero: fn(String) -> AllocationError,
}

const PERCENTAGE_ERRORS: EntryErrors = EntryErrors {
    missing: |org| AllocationError::MissingPercentage { org },
    for_non_payer: |org| AllocationError::PercentageForNonPayer { org },
    for_district: |org| AllocationError::PercentageForDistrict { org },
    zero: |org| AllocationError::ZeroPercentage { org },
};

const WEIGHT_ERRORS: EntryErrors = EntryErrors {
    missing: |org| AllocationError::MissingWeight { org },
    for_non_payer: |org| AllocationError::WeightForNonPayer { org },
    for_district: |org| AllocationError::WeightForDistrict { org },
    zero: |org| AllocationError::ZeroWeight { org },
};

/// Checks that `entries` has a non-zero value for every member of `group` and no other key.
fn check_entries<V: Copy + Into<u64>>(
    entries: &BTreeMap<String, V>,
    group: &[Member<'_>],
    payer_keys: &BTreeSet<&str>,
    district: Option<&str>,
    errors: &EntryErrors,
) -> Result<(), AllocationError> {
    for org in entries.keys() {
        if Some(org.as_str()) == district {
            return Err((errors.for_district)(org.clone()));
        }
        if !payer_keys.contains(org.as_str()) {
            return Err((errors.for_non_payer)(org.clone()));
        }
    }
    for member in group {
        match entries.get(member.org) {
            None => return Err((errors.missing)(member.org.to_owned())),
            Some(&value) if value.into() == 0 => return Err((errors.zero)(member.org.to_owned())),
            Some(_) => {}
        }
    }
    Ok(())
}
