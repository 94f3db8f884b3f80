//! Identifiers that leave the service (in tokens, URLs, other systems and OParl) and so must
//! stay stable forever.

/// An organization's key: its official municipality key (AGS: 8 digits for a town, 5 for the
/// district, kept as text for the leading zero) or a lowercase slug such as `gfw` for members
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

#[cfg(test)]
mod tests {
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
