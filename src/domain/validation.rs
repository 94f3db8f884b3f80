//! Collecting every invalid field of a request into one 422, instead of stopping at the first.

use crate::error::{ApiError, FieldError};

#[derive(Debug, Default)]
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
    pub fn text(&mut self, pointer: &str, value: &str, min: usize, max: usize) -> String {
        let trimmed = value.trim();
        let len = trimmed.chars().count();
        if len < min || len > max {
            if min > 0 && len == 0 {
                self.error(pointer, "must not be empty");
            } else {
                self.error(pointer, format!("must be {min} to {max} characters long"));
            }
        }
        trimmed.to_owned()
    }

    /// An `http://` or `https://` URL without spaces, at most 500 characters.
    pub fn url(&mut self, pointer: &str, value: &str) -> String {
        let value = value.trim();
        let ok = (value.starts_with("https://") || value.starts_with("http://"))
            && value.len() <= 500
            && value.len() > "https://".len()
            && !value.chars().any(char::is_whitespace);
        self.check(
            ok,
            pointer,
            "must be an http:// or https:// URL of at most 500 characters",
        );
        value.to_owned()
    }

    /// A plausible e-mail address (one `@`, a dot in the domain, at most 254 characters).
    pub fn email(&mut self, pointer: &str, value: &str) -> String {
        let value = value.trim();
        let ok = value.len() <= 254
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
    pub fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Validation(self.errors))
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
        let err = v.finish(()).unwrap_err();
        match err {
            ApiError::Validation(fields) => assert_eq!(fields.len(), 3),
            other => panic!("{other:?}"),
        }
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
