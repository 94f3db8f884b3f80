//! The rules of webhook subscriptions, apart from HTTP and the database: which events a
//! subscription wants, how deliveries are signed (Standard Webhooks), when a failed delivery is
//! tried again, and which target addresses are refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::feed;

/// The operations of the change feed.
pub const OPERATIONS: [&str; 3] = ["created", "updated", "deleted"];

/// One entry of a subscription's `event_types`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventType {
    /// `*`: every change the organization may see.
    All,
    /// `project`: every change to one kind of record.
    Entity(String),
    /// `project.created`: one operation on one kind of record.
    EntityOperation(String, String),
}

impl EventType {
    /// Parses `*`, `<entity>` or `<entity>.<operation>`; the entity must be one the change
    /// feed knows (so that a typo does not subscribe to nothing).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(Self::All);
        }
        let (entity, operation) = match text.split_once('.') {
            Some((entity, operation)) => (entity, Some(operation)),
            None => (text, None),
        };
        if feed::entity(entity).is_none() {
            return Err(format!(
                "`{entity}` is not a kind of record of the change feed ({})",
                feed::ENTITIES
                    .iter()
                    .map(|e| e.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        match operation {
            None => Ok(Self::Entity(entity.to_owned())),
            Some(op) if OPERATIONS.contains(&op) => {
                Ok(Self::EntityOperation(entity.to_owned(), op.to_owned()))
            }
            Some(op) => Err(format!(
                "`{op}` is not an operation (created, updated, deleted)"
            )),
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Self::All => "*".to_owned(),
            Self::Entity(entity) => entity.clone(),
            Self::EntityOperation(entity, op) => format!("{entity}.{op}"),
        }
    }

    pub fn matches(&self, entity: &str, operation: &str) -> bool {
        match self {
            Self::All => true,
            Self::Entity(e) => e == entity,
            Self::EntityOperation(e, op) => e == entity && op == operation,
        }
    }
}

/// Whether any of a subscription's stored event types matches a change.
pub fn wants(event_types: &[String], entity: &str, operation: &str) -> bool {
    event_types
        .iter()
        .filter_map(|t| EventType::parse(t).ok())
        .any(|t| t.matches(entity, operation))
}

/// The `type` of the event sent for a change, e.g. `project.created`.
pub fn event_type_of(entity: &str, operation: &str) -> String {
    format!("{entity}.{operation}")
}

const SECRET_PREFIX: &str = "whsec_";
/// Key length of generated secrets (the Standard Webhooks recommendation is 24 to 64 bytes).
pub const GENERATED_KEY_BYTES: usize = 32;

/// A signing secret in the Standard Webhooks form `whsec_<base64 of 24 to 64 bytes>`.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret {
    key: Vec<u8>,
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret([redacted])")
    }
}

impl SigningSecret {
    pub fn from_key(key: Vec<u8>) -> Self {
        Self { key }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or("must start with whsec_")?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| "must be whsec_ followed by standard base64")?;
        if !(24..=64).contains(&key.len()) {
            return Err("the key must be 24 to 64 bytes long".into());
        }
        Ok(Self { key })
    }

    /// The stored and shown form.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }

    /// The `webhook-signature` header value for one message: `v1,<base64 HMAC-SHA256 of
    /// "{id}.{timestamp}.{body}">`.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// How failed deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; it doubles with every further failure.
    pub base: Duration,
    /// The longest wait between two attempts.
    pub max: Duration,
    /// A delivery is abandoned after a failed attempt made this long after the event was
    /// queued (so it is tried for at least this long).
    pub window: Duration,
}

impl RetryPolicy {
    /// The wait before the next attempt after `failed_attempts` failures (1 or more), with
    /// jitter: a value in `[d/2, d]` for the exponential delay `d`, picked by `random` in
    /// `[0, 1)`. The jitter spreads the retries of many subscriptions that failed together.
    pub fn delay(&self, failed_attempts: u32, random: f64) -> Duration {
        let exponent = failed_attempts.saturating_sub(1).min(30);
        let full = self
            .base
            .saturating_mul(1u32 << exponent)
            .min(self.max)
            .max(Duration::from_millis(1));
        let half = full / 2;
        half + half.mul_f64(random.clamp(0.0, 1.0))
    }

    /// Whether a delivery queued `age` ago is abandoned after another failure.
    pub fn gives_up(&self, age: Duration) -> bool {
        age >= self.window
    }
}

/// Whether an address is a public unicast address a webhook may be sent to: loopback,
/// private, link-local, unique-local, shared (CGNAT), multicast, documentation and reserved
/// ranges are refused. IPv6 addresses that carry an IPv4 address which the network delivers to
/// (IPv4-mapped, NAT64, 6to4, Teredo) are judged by that IPv4 address, so that a private IPv4
/// host cannot be reached through a translator or tunnel.
pub fn is_public_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..=127).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast (deprecated)
        || (a == 198 && (18..=19).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

/// The IPv4 address in two 16-bit segments.
fn v4_of(high: u16, low: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))
}

/// The IPv4 addresses an IPv6 address leads to, when it is one of the forms that carry them:
/// `None` for a plain IPv6 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Vec<Ipv4Addr>> {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        // ::ffff:a.b.c.d
        return Some(vec![v4]);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052): the IPv4 address in bits 96..128.
        return Some(vec![v4_of(s[6], s[7])]);
    }
    if s[0] == 0x2002 {
        // 6to4 2002::/16 (RFC 3056): the IPv4 address in bits 16..48.
        return Some(vec![v4_of(s[1], s[2])]);
    }
    if s[0] == 0x2001 && s[1] == 0 {
        // Teredo 2001::/32 (RFC 4380): the server's IPv4 address in bits 32..64, the
        // client's in bits 96..128 with every bit inverted. Both must be public.
        return Some(vec![v4_of(s[2], s[3]), v4_of(!s[6], !s[7])]);
    }
    None
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(embedded) = embedded_v4(ip) {
        return embedded.into_iter().all(is_public_v4);
    }
    let s = ip.segments();
    // Only 2000::/3 is allocated as global unicast; everything outside it (loopback,
    // unspecified, IPv4-compatible ::/96, unique-local fc00::/7, link-local fe80::/10,
    // multicast ff00::/8, the discard prefix 100::/64, the local-use NAT64 prefix
    // 64:ff9b:1::/48 whose mapping is the network's own) is refused.
    let global_unicast = (s[0] & 0xe000) == 0x2000;
    global_unicast
        && !(s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments 2001::/23
        && !(s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        && !(s[0] == 0x3fff && s[1] < 0x1000) // documentation 3fff::/20
}

/// The ports webhook targets may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedPorts {
    /// Any port (local setups and tests).
    Any,
    /// Only these (by default 443 and 80): a subscription cannot turn the service into a
    /// scanner of other services on a public host.
    Only(Vec<u16>),
}

impl AllowedPorts {
    /// The default: HTTPS and HTTP.
    pub fn web() -> Self {
        Self::Only(vec![443, 80])
    }

    /// Parses a comma-separated list of ports (`443,8443`), or `*` for any port.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "*" {
            return Ok(Self::Any);
        }
        let mut ports = Vec::new();
        for part in text.split(',').map(str::trim) {
            let port = part.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                format!(
                    "`{part}` is not a port (1 to 65535); use a comma-separated list of ports or *"
                )
            })?;
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
        Ok(Self::Only(ports))
    }

    pub fn allows(&self, port: u16) -> bool {
        match self {
            Self::Any => true,
            Self::Only(ports) => ports.contains(&port),
        }
    }

    /// Refuses a port that is not allowed, naming it and the allowed ones.
    pub fn check(&self, port: u16) -> Result<(), String> {
        match self {
            Self::Only(ports) if !ports.contains(&port) => Err(format!(
                "the port {port} is not allowed; webhook targets may use the ports {} only",
                ports
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_parse_and_match() {
        assert_eq!(EventType::parse("*"), Ok(EventType::All));
        let project = EventType::parse("project").unwrap();
        assert!(project.matches("project", "deleted"));
        assert!(!project.matches("participation", "created"));
        let created = EventType::parse("participation.created").unwrap();
        assert!(created.matches("participation", "created"));
        assert!(!created.matches("participation", "updated"));
        assert_eq!(created.as_string(), "participation.created");
        assert!(EventType::parse("projekt").is_err());
        assert!(EventType::parse("project.renamed").is_err());
        assert!(EventType::parse("").is_err());
        assert!(wants(
            &["organization".into(), "project.deleted".into()],
            "project",
            "deleted"
        ));
        assert!(!wants(&["project.deleted".into()], "project", "created"));
    }

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification's reference implementations.
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn secrets_need_the_prefix_and_a_key_of_24_to_64_bytes() {
        assert!(SigningSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(SigningSecret::parse("whsec_c2hvcnQ=").is_err());
        assert!(SigningSecret::parse("whsec_not base64!").is_err());
        let generated = SigningSecret::from_key(vec![7; GENERATED_KEY_BYTES]);
        assert_eq!(
            SigningSecret::parse(&generated.expose()).unwrap(),
            generated
        );
        assert!(!format!("{generated:?}").contains(&generated.expose()));
    }

    #[test]
    fn retries_back_off_exponentially_with_jitter_up_to_the_cap() {
        let policy = RetryPolicy {
            base: Duration::from_secs(30),
            max: Duration::from_secs(3600),
            window: Duration::from_secs(86_400),
        };
        assert_eq!(policy.delay(1, 1.0), Duration::from_secs(30));
        assert_eq!(policy.delay(1, 0.0), Duration::from_secs(15));
        assert_eq!(policy.delay(3, 1.0), Duration::from_secs(120));
        assert_eq!(policy.delay(20, 1.0), Duration::from_secs(3600));
        assert_eq!(policy.delay(u32::MAX, 0.0), Duration::from_secs(1800));
        for attempt in 1..40 {
            let d = policy.delay(attempt, 0.5);
            assert!(d <= policy.max && d >= Duration::from_secs(15));
        }
        assert!(!policy.gives_up(Duration::from_secs(86_399)));
        assert!(policy.gives_up(Duration::from_secs(86_400)));
    }

    #[test]
    fn the_schedule_keeps_trying_for_a_day() {
        let policy = RetryPolicy {
            base: Duration::from_secs(30),
            max: Duration::from_secs(3600),
            window: Duration::from_secs(86_400),
        };
        // Even with the shortest jitter every time, the attempts span the whole window.
        let mut age = Duration::ZERO;
        let mut failures = 0;
        while !policy.gives_up(age) {
            failures += 1;
            age += policy.delay(failures, 0.0);
        }
        assert!(age >= Duration::from_secs(86_400));
        assert!(failures < 100, "{failures}");
    }

    #[test]
    fn addresses_are_judged_by_the_ipv4_address_they_carry() {
        // (address, public?) and why.
        let table: &[(&str, bool)] = &[
            // IPv4
            ("93.184.216.34", true),
            ("8.8.8.8", true),
            ("127.0.0.1", false),
            ("10.1.2.3", false),
            ("172.16.0.1", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("0.0.0.0", false),
            ("224.0.0.1", false),
            ("255.255.255.255", false),
            ("192.0.0.8", false),
            ("192.88.99.1", false),
            ("198.18.0.1", false),
            ("240.0.0.1", false),
            // Plain IPv6
            ("2a00:1450:4001:82a::200e", true),
            ("2606:4700:4700::1111", true),
            ("::1", false),
            ("::", false),
            ("fd00::1", false),
            ("fe80::1", false),
            ("fec0::1", false),
            ("ff02::1", false),
            ("100::1", false),
            ("2001:db8::1", false),
            ("3fff::1", false),
            ("2001:2::1", false),
            // IPv4-mapped ::ffff:0:0/96
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.0.0.1", false),
            ("::ffff:8.8.8.8", true),
            // IPv4-compatible ::/96 (deprecated, not routed): refused whatever it carries
            ("::127.0.0.1", false),
            ("::8.8.8.8", false),
            // NAT64 64:ff9b::/96: the last 32 bits
            ("64:ff9b::a00:1", false),
            ("64:ff9b::7f00:1", false),
            ("64:ff9b::169.254.169.254", false),
            ("64:ff9b::808:808", true),
            // Local-use NAT64 64:ff9b:1::/48: translated by the network's own rules
            ("64:ff9b:1::a00:1", false),
            ("64:ff9b:1::808:808", false),
            // 6to4 2002::/16: bits 16..48
            ("2002:7f00:1::1", false),
            ("2002:a00:1::", false),
            ("2002:a9fe:a9fe::1", false),
            ("2002:c0a8:101:1::1", false),
            ("2002:808:808::1", true),
            // Teredo 2001::/32: server in bits 32..64, client inverted in bits 96..128
            // client 127.0.0.1 = !0x7f000001 = 0x80fffffe, server public
            ("2001:0:808:808::80ff:fffe", false),
            // client 10.0.0.1 = !0x0a000001 = 0xf5fffffe
            ("2001:0:808:808::f5ff:fffe", false),
            // server 10.0.0.1, client 8.8.8.8 (= !0xf7f7f7f7)
            ("2001:0:a00:1::f7f7:f7f7", false),
            // both public: server 8.8.8.8, client 8.8.4.4 (= !0xf7f7fbfb)
            ("2001:0:808:808::f7f7:fbfb", true),
        ];
        for (text, public) in table {
            let address: IpAddr = text.parse().unwrap();
            assert_eq!(is_public_address(address), *public, "{text}");
        }
    }

    #[test]
    fn ports_are_the_web_ports_unless_configured() {
        let web = AllowedPorts::web();
        assert!(web.allows(443) && web.allows(80));
        assert!(!web.allows(8443) && !web.allows(22));
        assert_eq!(
            web.check(6379).unwrap_err(),
            "the port 6379 is not allowed; webhook targets may use the ports 443, 80 only"
        );
        assert_eq!(
            AllowedPorts::parse(" 443, 8443 ,443"),
            Ok(AllowedPorts::Only(vec![443, 8443]))
        );
        assert_eq!(AllowedPorts::parse("*"), Ok(AllowedPorts::Any));
        assert!(AllowedPorts::Any.allows(6379));
        for wrong in ["", "0", "65536", "https", "443;80", "443,"] {
            assert!(AllowedPorts::parse(wrong).is_err(), "{wrong}");
        }
    }
}
