//! Collecting every invalid field of a request into one 422, instead of stopping at the first;
//! and the one rule for which characters text fields may hold.

use std::borrow::Cow;

use serde::Serialize;
use utoipa::ToSchema;

/// Whether a text field may span lines. Decided by the field's JSON name wherever it occurs
/// ([`TextKind::of_field`]), so that one rule covers every request body, the catalogue import
/// included, without each conversion having to remember it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Names, titles, codes, labels, addresses, URLs, keys: no control character at all (C0,
    /// DEL, C1) and no bidirectional formatting character. A line break here would end up in
    /// a calendar property, a CSV cell or a log line where nobody expects one, and a bidi
    /// override makes a name read differently from what it is.
    SingleLine,
    /// Names and titles: single-line, and not starting with `=` or its full-width form `＝`,
    /// which make a spreadsheet cell a formula and start no real name. (The CSV exports defuse
    /// formulas anyway; this keeps them out of the data that other systems copy.)
    Title,
    /// Descriptions, summaries, notes, reasons, minutes, resolutions: line feeds and tabs are
    /// allowed, other control characters are not. A CRLF line break is stored as LF
    /// ([`normalize_line_breaks`]); a lone CR is refused, since it is a line break to some
    /// readers (iCalendar, old Mac text) and none to others.
    MultiLine,
}

/// The JSON names of the request fields whose text may span lines. Every other text field is
/// single-line.
pub const MULTI_LINE_FIELDS: &[&str] = &[
    "cancellation_reason",
    "description",
    "follow_up_costs_note",
    "guiding_principles",
    "internal_note",
    "next_steps",
    "non_public_text",
    "note",
    "proposed_resolution",
    "public_text",
    "reason",
    "resolution_text",
    "risks",
    "summary",
    "text",
    "traffic_light_note",
    "vision",
];

/// The JSON names of the request fields that hold a web address ([`Validator::url`]; the
/// document gives them the pattern of that rule).
pub const URL_FIELDS: &[&str] = &["link", "online_url", "source_url", "url", "website_url"];

/// The JSON names of the request fields that hold an e-mail address ([`Validator::email`]).
pub const EMAIL_FIELDS: &[&str] = &["contact_email"];

/// The JSON names of names and titles ([`TextKind::Title`]).
pub const TITLE_FIELDS: &[&str] = &["name", "title"];

impl TextKind {
    /// The kind of the text in a field named `name` (its JSON name, or for an array element
    /// the name of the array).
    pub fn of_field(name: &str) -> Self {
        if MULTI_LINE_FIELDS.contains(&name) {
            TextKind::MultiLine
        } else if TITLE_FIELDS.contains(&name) {
            TextKind::Title
        } else {
            TextKind::SingleLine
        }
    }
}

/// Unicode's explicit bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO,
/// RLO; LRI, RLI, FSI, PDI).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Invisible characters that change how a one-line text compares or reads without being seen:
/// zero-width space, non-joiner and joiner, the left-to-right, right-to-left and Arabic letter
/// marks, the word joiner and invisible operators, and the zero-width no-break space (BOM).
/// `Musterstadt` and `Muster\u{200B}stadt` look the same and would be two names.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{061C}' | '\u{180E}'
    )
}

/// CRLF line breaks (Windows clients, form posts) as LF, the one line break stored.
pub fn normalize_line_breaks(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// What is wrong with `text` as a field of `kind`, if anything. Expects line breaks already
/// normalised ([`normalize_line_breaks`]).
pub fn text_problem(text: &str, kind: TextKind) -> Option<&'static str> {
    if text.contains('\0') {
        // Also refused by PostgreSQL; named on its own because it is the usual mistake.
        return Some("must not contain NUL characters");
    }
    match kind {
        TextKind::SingleLine | TextKind::Title => {
            if text.chars().any(char::is_control) {
                return Some("must not contain control characters such as line breaks or tabs");
            }
            if text.chars().any(is_bidi_control) {
                return Some(
                    "must not contain bidirectional formatting characters (U+202A to U+202E, \
                     U+2066 to U+2069)",
                );
            }
            if text.chars().any(is_invisible_format) {
                return Some(
                    "must not contain invisible formatting characters (zero-width spaces and \
                     joiners, direction marks, U+200B to U+200F, U+2060 to U+2064, U+FEFF)",
                );
            }
            if kind == TextKind::Title && text.trim_start().starts_with(['=', '\u{FF1D}']) {
                return Some("must not start with `=`, which would make it a spreadsheet formula");
            }
        }
        TextKind::MultiLine => {
            if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            {
                return Some(
                    "must not contain control characters other than line breaks (LF) and tabs",
                );
            }
        }
    }
    None
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON Pointer (RFC 6901) to the field in the request body, or `/query/<name>` for a
    /// query parameter and `/header/<name>` for a header.
    #[schema(example = "/population")]
    pub pointer: String,
    /// What is wrong with the value.
    #[schema(example = "must be a positive whole number")]
    pub detail: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            detail: detail.into(),
        }
    }
}

/// Every invalid field of a request; the edge answers it as one 422
/// (`ApiError::Validation`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub Vec<FieldError>);

/// ASCII code points a web address's host may not hold: the WHATWG URL standard's forbidden
/// domain code points that are not controls or spaces. `:` is only the port's separator; `@`
/// would start a user part and `[` an IP-v6 literal, neither of which a meeting link or a
/// website needs (and an unmatched bracket breaks many clients' URL parsers).
pub const URL_HOST_FORBIDDEN: &[char] = &[
    '#', '%', '/', ':', '<', '>', '?', '@', '[', '\\', ']', '^', '|',
];

/// Code points that NFKC turns into one of `/ ? # @ :`: Python's `urlsplit` (and clients built
/// on it) refuse a host holding one, as it would change meaning once normalized.
pub const URL_HOST_COMPATIBILITY_FORBIDDEN: &[char] = &[
    '\u{2047}', '\u{2048}', '\u{2049}', '\u{2100}', '\u{2101}', '\u{2105}', '\u{2106}', '\u{2a74}',
    '\u{fe13}', '\u{fe16}', '\u{fe55}', '\u{fe56}', '\u{fe5f}', '\u{fe6b}', '\u{ff03}', '\u{ff0f}',
    '\u{ff1a}', '\u{ff1f}', '\u{ff20}',
];

/// A web address as the service stores it (already trimmed): `http://` or `https://`, a host
/// name of at least one character, an optional port up to 65535, then optionally `/`, `?` or
/// `#` and the rest; no white space anywhere. The host holds no control, space,
/// [`URL_HOST_FORBIDDEN`] or [`URL_HOST_COMPATIBILITY_FORBIDDEN`] character. The document states
/// the same rule as a pattern (`openapi::text`).
pub fn is_web_address(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    if rest.chars().any(char::is_whitespace) {
        return false;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && !host.chars().any(|c| {
            c.is_control()
                || URL_HOST_FORBIDDEN.contains(&c)
                || URL_HOST_COMPATIBILITY_FORBIDDEN.contains(&c)
        });
    let port_ok = port.is_none_or(|port| {
        (1..=5).contains(&port.len())
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| p <= 65535)
    });
    host_ok && port_ok
}

#[derive(Clone, Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&mut self, pointer: impl Into<String>, detail: impl Into<String>) {
        self.errors.push(FieldError::new(pointer, detail));
    }

    /// Records an error when `ok` is false.
    pub fn check(&mut self, ok: bool, pointer: &str, detail: &str) {
        if !ok {
            self.error(pointer, detail);
        }
    }

    /// Trimmed text of `min..=max` characters.
    /// `min` counts what is left once the spaces around the text are trimmed, `max` what was
    /// sent (as the document's `minLength` with its pattern, and `maxLength`, do).
    pub fn text(&mut self, pointer: &str, value: &str, min: usize, max: usize) -> String {
        let trimmed = value.trim();
        let len = trimmed.chars().count();
        if len < min || value.chars().count() > max {
            if min > 0 && len == 0 {
                self.error(pointer, "must not be empty");
            } else {
                self.error(pointer, format!("must be {min} to {max} characters long"));
            }
        }
        trimmed.to_owned()
    }

    /// A web address ([`is_web_address`]) of at most 500 characters (counted as characters,
    /// as the document's `maxLength` counts them).
    pub fn url(&mut self, pointer: &str, value: &str) -> String {
        let sent = value;
        let value = value.trim();
        let ok = is_web_address(value) && sent.chars().count() <= 500;
        self.check(
            ok,
            pointer,
            "must be an http:// or https:// URL with a host name (no user, no IP-v6 literal) \
             and no spaces, of at most 500 characters",
        );
        value.to_owned()
    }

    /// A plausible e-mail address (one `@`, a dot in the domain, at most 254 characters).
    pub fn email(&mut self, pointer: &str, value: &str) -> String {
        let sent = value;
        let value = value.trim();
        let ok = sent.chars().count() <= 254
            && !value.chars().any(char::is_whitespace)
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.contains('@')
            });
        self.check(ok, pointer, "must be an e-mail address");
        value.to_owned()
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when nothing was wrong, else one 422 naming every bad field.
    pub fn finish<T>(self, value: T) -> Result<T, Invalid> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(Invalid(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_error() {
        let mut v = Validator::new();
        v.text("/name", "  ", 1, 10);
        v.email("/contact_email", "nobody");
        v.url("/website_url", "ftp://x");
        let Invalid(fields) = v.finish(()).unwrap_err();
        assert_eq!(fields.len(), 3);
    }

    #[test]
    fn a_web_address_has_a_plain_host() {
        for good in [
            "https://meet.example/lk?id=1#a",
            "http://dörfer.example",
            "https://a.example:8443/x",
            "https://a.example?q=[x]",
        ] {
            assert!(is_web_address(good), "{good:?}");
        }
        for bad in [
            "http://Ď…*²ój[4",
            "https://[::1]/",
            "https://user@a.example/",
            "https://a.example:65536/",
            "https://a.example:/",
            "https://a\u{ff0f}b/",
            "https://a b/",
            "https://",
            "ftp://a.example",
        ] {
            assert!(!is_web_address(bad), "{bad:?}");
        }
    }

    #[test]
    fn single_line_text_holds_no_control_or_bidi_characters() {
        for bad in [
            "a\rATTENDEE:mailto:x@example.org",
            "a\nb",
            "a\tb",
            "a\u{7f}",
            "a\u{85}",
            "a\u{9b}",
            "\u{202E}gnp.exe",
            "a\u{2066}b\u{2069}",
            "a\0",
        ] {
            assert!(text_problem(bad, TextKind::SingleLine).is_some(), "{bad:?}");
        }
        for good in [
            "Ahlen",
            "Straße 1, 59227 Ahlen",
            "＝ist kein Steuerzeichen",
            "עברית",
        ] {
            assert_eq!(text_problem(good, TextKind::SingleLine), None, "{good:?}");
        }
    }

    #[test]
    fn titles_do_not_start_formulas() {
        for bad in [
            "=HYPERLINK(\"http://x\")",
            " =1+1",
            "＝HYPERLINK(\"http://x\")",
        ] {
            assert!(text_problem(bad, TextKind::Title).is_some(), "{bad:?}");
            assert_eq!(text_problem(bad, TextKind::SingleLine), None, "{bad:?}");
        }
        assert_eq!(text_problem("-Straßenbeleuchtung", TextKind::Title), None);
        assert_eq!(text_problem("1 = 1", TextKind::Title), None);
    }

    #[test]
    fn multi_line_text_holds_line_feeds_and_tabs_only() {
        assert_eq!(text_problem("a\n\tb", TextKind::MultiLine), None);
        assert_eq!(text_problem("a\u{202E}b", TextKind::MultiLine), None);
        for bad in ["a\rb", "a\u{1b}[31m", "a\u{7f}", "a\u{85}", "a\0"] {
            assert!(text_problem(bad, TextKind::MultiLine).is_some(), "{bad:?}");
        }
        assert_eq!(normalize_line_breaks("a\r\nb\r\n"), "a\nb\n");
        assert_eq!(TextKind::of_field("description"), TextKind::MultiLine);
        assert_eq!(TextKind::of_field("title"), TextKind::Title);
        assert_eq!(TextKind::of_field("location_room"), TextKind::SingleLine);
    }

    #[test]
    fn good_values_pass_trimmed() {
        let mut v = Validator::new();
        assert_eq!(v.text("/name", " Ahlen ", 1, 10), "Ahlen");
        v.email("/e", "digital@ahlen.de");
        v.url("/u", "https://www.ahlen.de");
        assert!(v.finish(()).is_ok());
    }
}
