//! Identifiers that leave the service (in tokens, URLs, other systems and OParl) and so must
//! stay stable forever.

/// [`is_organization_key`] as a regular expression, for the OpenAPI document.
pub const ORGANIZATION_KEY_PATTERN: &str = "^(?:[0-9]{5}|[0-9]{8}|[a-z][a-z0-9-]{1,31})$";

/// An organization's key: its official municipality key (AGS: 8 digits for a town, 5 for the
/// district, kept as text for the leading zero) or a lowercase slug such as `musterland-wfg` for members
/// that are no municipality.
pub fn is_organization_key(key: &str) -> bool {
    let digits = key.bytes().all(|b| b.is_ascii_digit());
    if digits {
        return key.len() == 5 || key.len() == 8;
    }
    let mut bytes = key.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && (2..=32).contains(&key.len())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Whether `key` is an official municipality key (AGS) of a district (5 digits) or a
/// municipality (8 digits): it starts with the code of a Land (`01` to `16`), or with `99`, a
/// code no Land has, which this service reserves for example and test data (fictitious keys
/// that can never collide with real ones).
pub fn is_ags(key: &str) -> bool {
    if !(key.len() == 5 || key.len() == 8) || !key.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    matches!(key[..2].parse::<u8>(), Ok(1..=16 | 99))
}

/// Whether `key` fits a member of `kind`: the district a 5-digit AGS, towns and municipalities
/// an 8-digit AGS, agencies a lowercase slug.
pub fn key_fits_kind(key: &str, kind: &str) -> Result<(), String> {
    match kind {
        "kreis" if is_ags(key) && key.len() == 5 => Ok(()),
        "stadt" | "gemeinde" if is_ags(key) && key.len() == 8 => Ok(()),
        "agency" if is_organization_key(key) && !key.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        "kreis" => Err(format!("`{key}` is not the 5-digit AGS of a district")),
        "stadt" | "gemeinde" => Err(format!("`{key}` is not the 8-digit AGS of a municipality")),
        "agency" => Err(format!(
            "`{key}` is not an agency key (lowercase letters, digits and `-`, 2 to 32, starting \
             with a letter)"
        )),
        other => Err(format!(
            "kind `{other}` is none of kreis, stadt, gemeinde, agency"
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_key_pattern_is_the_key_rule() {
        let pattern = matches_pattern;
        for key in [
            "05570",
            "05570004",
            "0557",
            "055700041",
            "musterland-wfg",
            "m",
            "ab",
            "Ab",
            "a_b",
            "a-",
            "9abc",
            "",
            "abcdefghijklmnopqrstuvwxyzabcdefg",
            "abcdefghijklmnopqrstuvwxyzabcdef",
        ] {
            assert_eq!(pattern(key), super::is_organization_key(key), "{key:?}");
        }
    }

    /// [`super::ORGANIZATION_KEY_PATTERN`] as a JSON Schema validator reads it.
    fn matches_pattern(key: &str) -> bool {
        let schema =
            serde_json::json!({"type": "string", "pattern": super::ORGANIZATION_KEY_PATTERN});
        jsonschema::is_valid(&schema, &serde_json::Value::from(key))
    }

    #[test]
    fn official_municipality_keys() {
        for ok in ["01001", "16077001", "99001", "99001004"] {
            assert!(is_ags(ok), "{ok}");
        }
        for bad in [
            "00001",
            "17001",
            "98001004",
            "0100",
            "010010011",
            "0a001",
            "agency",
        ] {
            assert!(!is_ags(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn organization_keys() {
        for ok in ["05570", "05570004", "gfw", "some-agency2"] {
            assert!(is_organization_key(ok), "{ok}");
        }
        for bad in [
            "",
            "5570",
            "055700041",
            "GFW",
            "g",
            "1abc",
            "gf w",
            "gfw/../x",
        ] {
            assert!(!is_organization_key(bad), "{bad}");
        }
    }
}
