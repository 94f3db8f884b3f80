//! Nothing of the default cooperation in code paths: its names and keys (taken from the
//! embedded profile itself) must not appear in the non-test sources under `src/`, except in
//! the module that embeds that profile. Test modules (`#[cfg(test)] mod x { .. }` at the end
//! of a file, and files declared as `#[cfg(test)] mod x;`) may use them as fixtures.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use smartregion::profile::Profile;

/// The one file allowed to name the default cooperation.
const EMBEDDING: &str = "src/profile/embedded.rs";

/// Words of member names that say what a member is, not which one.
const GENERIC: &[&str] = &[
    "kreis",
    "landkreis",
    "stadt",
    "gemeinde",
    "gesellschaft",
    "für",
    "im",
    "mbh",
    "gmbh",
    "wirtschaftsförderung",
    "–",
];

/// What must not appear: every member's key, name and the distinctive words of its name.
fn needles(profile: &Profile) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for member in &profile.members {
        out.insert(member.key.to_lowercase());
        for word in member.name.split_whitespace() {
            let word = word.to_lowercase();
            if word.chars().count() >= 3 && !GENERIC.contains(&word.as_str()) {
                out.insert(word);
            }
        }
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Where `needle` occurs in `text` as a word (a numeric key also as the start of a longer
/// number: the district's key begins every town's key).
fn occurs(text: &str, needle: &str) -> bool {
    let numeric = needle.chars().all(|c| c.is_ascii_digit());
    text.match_indices(needle).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        before.is_none_or(|c| !is_word_char(c))
            && (numeric || after.is_none_or(|c| !is_word_char(c)))
    })
}

/// The source files under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Splits a file into its non-test part and the files of the test modules it declares.
fn non_test_part(path: &Path, text: &str) -> (String, Vec<PathBuf>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept = Vec::new();
    let mut test_files = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            let mut j = i + 1;
            let mut explicit = None;
            while j < lines.len() && lines[j].trim().starts_with("#[") {
                if let Some(rest) = lines[j].trim().strip_prefix("#[path = \"") {
                    explicit = rest.split('"').next().map(str::to_owned);
                }
                j += 1;
            }
            let item = lines.get(j).map(|l| l.trim()).unwrap_or_default();
            let declaration = item
                .strip_prefix("pub ")
                .unwrap_or(item)
                .strip_prefix("mod ");
            if let Some(rest) = declaration {
                if rest.ends_with('{') {
                    // An inline test module: by convention the rest of the file.
                    break;
                }
                let name = rest.trim_end_matches(';').trim();
                let dir = path.parent().unwrap();
                let stem = path.file_stem().unwrap().to_string_lossy();
                let base = if stem == "mod" || stem == "lib" || stem == "main" {
                    dir.to_path_buf()
                } else {
                    dir.join(&*stem)
                };
                match explicit {
                    Some(file) => test_files.push(dir.join(file)),
                    None => {
                        test_files.push(base.join(format!("{name}.rs")));
                        test_files.push(base.join(name).join("mod.rs"));
                    }
                }
                i = j + 1;
                continue;
            }
        }
        kept.push(lines[i]);
        i += 1;
    }
    (kept.join("\n"), test_files)
}

/// Every hit: file, line and what was found.
fn hits(root: &Path, profile: &Profile) -> Vec<String> {
    let needles = needles(profile);
    let files = sources(&root.join("src"));
    let mut test_files = BTreeSet::new();
    let mut parts = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let (part, tests) = non_test_part(file, &text);
        test_files.extend(tests);
        parts.push((file.clone(), part));
    }
    let mut out = Vec::new();
    for (file, part) in parts {
        let relative = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if relative == EMBEDDING || test_files.contains(&file) {
            continue;
        }
        for (n, line) in part.lines().enumerate() {
            let lower = line.to_lowercase();
            for needle in &needles {
                if occurs(&lower, needle) {
                    out.push(format!(
                        "{relative}:{}: `{needle}` in {}",
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn no_name_or_key_of_the_default_cooperation_in_code_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile = Profile::embedded();
    let needles = needles(&profile);
    // The scan looks for what it should: the district, a town, the agency.
    for expected in ["warendorf", "05570", "05570004", "ostbevern", "gfw"] {
        assert!(needles.contains(expected), "{expected}: {needles:?}");
    }
    let found = hits(root, &profile);
    assert!(
        found.is_empty(),
        "names or keys of the default cooperation outside {EMBEDDING} (move them into the \
         profile, or use the fictitious example keys 99001...):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    assert!(occurs("let key = \"05570004\";", "05570"));
    assert!(occurs("mail: office@kreis-warendorf.de", "warendorf"));
    assert!(occurs("the gfw pays", "gfw"));
    assert!(!occurs("zahlen und bezahlen", "ahlen"));
    assert!(!occurs("gfwx", "gfw"));
    assert!(!occurs("1055700", "05570"));
    let (kept, tests) = non_test_part(
        Path::new("src/a/b.rs"),
        "fn f() {}\n#[cfg(test)]\nmod tests;\nfn g() {}\n#[cfg(test)]\nmod inline {\n  x\n}\n",
    );
    assert_eq!(kept, "fn f() {}\nfn g() {}");
    assert_eq!(
        tests,
        [
            PathBuf::from("src/a/b/tests.rs"),
            PathBuf::from("src/a/b/tests/mod.rs")
        ]
    );
}
