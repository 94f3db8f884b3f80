//! Every secret-looking value in the repository's own files is on the list `serve` refuses
//! (`config::PUBLISHED_SECRETS`), so an example or test value can never run a production
//! service.

use std::path::{Path, PathBuf};

use smartregion::config::PUBLISHED_SECRETS;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | "node_modules" | "dist") {
                files(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// Values on a line that mentions a secret or key: quoted strings and what follows `=`, `:-`
/// or `: `, cut at characters that cannot be part of a secret.
fn candidates(line: &str) -> Vec<String> {
    let lower = line.to_lowercase();
    if !(lower.contains("secret") || lower.contains("_key")) {
        return Vec::new();
    }
    let is_secret_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '.' | '-');
    line.split(|c: char| !is_secret_char(c))
        .flat_map(split_assignments)
        .map(|token| {
            token
                .trim_matches(|c: char| c == '.' || c == '/' || c == '-')
                .to_owned()
        })
        .filter(|token| token.len() >= 20)
        // Names of variables, functions and paths are not values.
        .filter(|token| {
            // Digits, or a long phrase (`insecure-development-secret-...`); short words joined
            // by hyphens are names (`calendar-feed-tokens`).
            token.chars().any(|c| c.is_ascii_digit()) || (token.contains('-') && token.len() >= 32)
        })
        // Paths and URLs; base64 (which may hold `/`) has no `-` or `.`.
        .filter(|token| !token.contains('/') || !token.contains(['-', '.']))
        .filter(|token| !token.contains(".rs") && !token.starts_with("src/"))
        // snake_case names and method chains (`settings.hs256_secret`).
        .filter(|token| {
            !(token.contains('_')
                && token
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'))
        })
        .filter(|token| uuid::Uuid::parse_str(token).is_err())
        .filter(|token| {
            !token
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .collect()
}

/// `NAME=value` into its parts; the `=` padding at the end of base64 stays with its value.
fn split_assignments(token: &str) -> Vec<String> {
    let chars: Vec<char> = token.chars().collect();
    let mut parts = vec![String::new()];
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        if c == '=' && next.is_some_and(|n| n != '=') && i > 0 && chars[i - 1] != '=' {
            parts.push(String::new());
        } else {
            parts.last_mut().unwrap().push(c);
        }
    }
    parts
}

#[test]
fn every_secret_in_the_repository_is_refused_by_serve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    files(root, &mut all);
    let mut found = Vec::new();
    for path in all {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Data files, keys, and this file's own examples of what the scan finds.
        if path
            .extension()
            .is_some_and(|e| e == "json" || e == "lock" || e == "pem")
            || path.ends_with("tests/api/published_secrets.rs")
        {
            continue;
        }
        for (number, line) in text.lines().enumerate() {
            for value in candidates(line) {
                if !PUBLISHED_SECRETS
                    .iter()
                    .any(|known| value.contains(known) || known.contains(value.as_str()))
                {
                    found.push(format!(
                        "{}:{}: {value}",
                        path.strip_prefix(root).unwrap().display(),
                        number + 1
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "secret-looking values missing from config::PUBLISHED_SECRETS (add them there, or \
         generate the value at run time):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_a_new_value() {
    assert_eq!(
        candidates(r#"const SECRET: &str = "brand-new-secret-0123456789";"#),
        vec!["brand-new-secret-0123456789".to_owned()]
    );
    assert_eq!(
        candidates(
            "SMARTREGION_JWT_SECRET: ${SMARTREGION_JWT_SECRET:-compose-default-0123456789ab}"
        ),
        vec!["compose-default-0123456789ab".to_owned()]
    );
    assert!(candidates("let key = StorageKey::from_base64(&text)").is_empty());
}
