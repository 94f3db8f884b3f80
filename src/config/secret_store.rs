//! Signing secrets at rest. The worker needs each subscription's secret itself to sign (a hash
//! would not do), so with `SMARTREGION_WEBHOOK_SECRET_KEY` set the database holds it only
//! encrypted: ChaCha20-Poly1305 under that key, a random nonce per secret, and the
//! subscription's id as associated data, so a stored value cannot be moved to another row.
//! Someone who reads the database (or a backup) then cannot forge deliveries.
//!
//! Stored form: `enc:v1:` and the base64 of nonce and ciphertext; anything else is a secret
//! stored in plain text (no key configured, or stored before one was), which still works and
//! is encrypted when the secret is next replaced.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use uuid::Uuid;

const PREFIX: &str = "enc:v1:";

/// The 32-byte key secrets are encrypted with; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct StorageKey([u8; 32]);

impl StorageKey {
    /// Reads the base64 of 32 random bytes (`openssl rand -base64 32`).
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| "must be the base64 of 32 random bytes (openssl rand -base64 32)")?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "must be the base64 of exactly 32 bytes (openssl rand -base64 32)")?;
        Ok(Self(key))
    }
}

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageKey([redacted])")
    }
}

/// Seals secrets for the database and opens them for signing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretStore {
    key: Option<StorageKey>,
}

impl SecretStore {
    pub fn new(key: Option<StorageKey>) -> Self {
        Self { key }
    }

    pub fn encrypts(&self) -> bool {
        self.key.is_some()
    }

    /// The stored form of `secret` for subscription `webhook`: encrypted when a key is
    /// configured, else the secret itself.
    pub fn seal(&self, webhook: Uuid, secret: &str) -> String {
        let Some(key) = &self.key else {
            return secret.to_owned();
        };
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .expect("the operating system provides random bytes");
        let mut data = secret.as_bytes().to_vec();
        aead_key(key)
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(webhook.as_bytes()),
                &mut data,
            )
            .expect("a secret is far below the AEAD's length limit");
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&data);
        format!("{PREFIX}{}", STANDARD.encode(stored))
    }

    /// The secret behind a stored value of subscription `webhook`.
    pub fn open(&self, webhook: Uuid, stored: &str) -> Result<String, String> {
        let Some(encoded) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let Some(key) = &self.key else {
            return Err(
                "the secret is encrypted, but SMARTREGION_WEBHOOK_SECRET_KEY is not set".into(),
            );
        };
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| "the stored secret is not valid base64")?;
        if bytes.len() < NONCE_LEN {
            return Err("the stored secret is truncated".into());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| "bad nonce")?;
        let mut data = sealed.to_vec();
        let plain = aead_key(key)
            .open_in_place(nonce, Aad::from(webhook.as_bytes()), &mut data)
            .map_err(|_| {
                "the stored secret does not open with SMARTREGION_WEBHOOK_SECRET_KEY \
                 (another key, or another subscription's value)"
            })?;
        String::from_utf8(plain.to_vec()).map_err(|_| "the stored secret is not text".into())
    }
}

fn aead_key(key: &StorageKey) -> LessSafeKey {
    LessSafeKey::new(
        UnboundKey::new(&CHACHA20_POLY1305, &key.0).expect("32 bytes is the key length"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn store() -> SecretStore {
        SecretStore::new(Some(
            StorageKey::from_base64("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").unwrap(),
        ))
    }

    #[test]
    fn sealed_secrets_open_only_for_their_subscription_and_key() {
        let id = Uuid::new_v4();
        let sealed = store().seal(id, SECRET);
        assert!(sealed.starts_with(PREFIX));
        assert!(!sealed.contains("MfKQ9r8G"));
        assert_ne!(sealed, store().seal(id, SECRET), "a fresh nonce each time");
        assert_eq!(store().open(id, &sealed).unwrap(), SECRET);
        assert!(store().open(Uuid::new_v4(), &sealed).is_err());
        let other = SecretStore::new(Some(StorageKey([7; 32])));
        assert!(other.open(id, &sealed).is_err());
        assert!(SecretStore::default().open(id, &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.replace_range(sealed.len() - 4.., "AAAA");
        assert!(store().open(id, &tampered).is_err());
    }

    #[test]
    fn without_a_key_secrets_stay_as_they_are_and_plain_ones_still_open() {
        let id = Uuid::new_v4();
        assert_eq!(SecretStore::default().seal(id, SECRET), SECRET);
        assert_eq!(store().open(id, SECRET).unwrap(), SECRET);
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64_and_never_print() {
        assert!(StorageKey::from_base64("c2hvcnQ=").is_err());
        assert!(StorageKey::from_base64("not base64!").is_err());
        let key = StorageKey::from_base64("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").unwrap();
        assert_eq!(format!("{key:?}"), "StorageKey([redacted])");
    }
}
