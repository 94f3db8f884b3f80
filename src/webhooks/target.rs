//! Where webhooks may be sent: http(s) URLs on an allowed port (443 and 80 by default) whose
//! host resolves to public addresses only (unless private targets are allowed, for tests and
//! local setups).
//!
//! The check runs twice: when a subscription is created or changed (so the caller learns of a
//! bad URL at once), and at every send, in the HTTP client's resolver (so a name that later
//! resolves to an internal address, e.g. by DNS rebinding, is refused too).

use std::net::{IpAddr, SocketAddr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::webhooks::{AllowedPorts, is_public_address};

/// A checked target URL.
#[derive(Debug, Clone)]
pub struct TargetUrl(Url);

impl TargetUrl {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Parses and checks a target URL: http or https, a host, no credentials, at most 2,000
/// characters, an allowed port; with `allow_private` false, every address the host resolves
/// to must be public.
pub async fn check(
    text: &str,
    allow_private: bool,
    ports: &AllowedPorts,
) -> Result<TargetUrl, String> {
    let url = parse(text)?;
    // Before any lookup: a refused port needs no DNS query.
    let port = port_of(&url);
    ports.check(port)?;
    if !allow_private {
        let host = url.host_str().unwrap_or_default();
        let addresses = resolve(host, port)
            .await
            .map_err(|e| format!("the host {host} cannot be resolved: {e}"))?;
        refuse_private(host, &addresses).map_err(|e| e.0)?;
    }
    Ok(TargetUrl(url))
}

/// The syntactic part of [`check`].
pub fn parse(text: &str) -> Result<Url, String> {
    let text = text.trim();
    if text.chars().count() > 2000 {
        return Err("must be at most 2000 characters long".into());
    }
    let url = Url::parse(text).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// URL".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials; use the signature to authenticate".into());
    }
    Ok(url)
}

/// The port a request to `url` goes to (explicit, or the scheme's).
pub fn port_of(url: &Url) -> u16 {
    // `parse` admits http and https only, which both have a known default.
    url.port_or_known_default().unwrap_or(443)
}

async fn resolve(host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    // IPv6 literals come bracketed from `host_str`.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    Ok(tokio::net::lookup_host((bare, port)).await?.collect())
}

/// The refusal of a host that resolves to a non-public address. A type of its own so that the
/// worker can tell it apart from connection failures in the HTTP client's error chain.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct NonPublicAddress(pub String);

fn refuse_private(host: &str, addresses: &[SocketAddr]) -> Result<(), NonPublicAddress> {
    if addresses.is_empty() {
        return Err(NonPublicAddress(format!(
            "the host {host} resolves to no address"
        )));
    }
    if addresses.iter().any(|a| !is_public_address(a.ip())) {
        // Without the address: for a name of the internal DNS, that would tell the caller
        // where an internal host is.
        return Err(NonPublicAddress(format!(
            "the host {host} resolves to a private, loopback or otherwise non-public address; \
             webhooks are sent to public addresses only"
        )));
    }
    Ok(())
}

/// The checks at send time that the resolver does not make: the port (the setting may have
/// changed since the subscription was made) and an IP-literal host (the resolver is not asked
/// for those).
pub fn check_at_send(url: &str, allow_private: bool, ports: &AllowedPorts) -> Result<(), String> {
    let url = parse(url)?;
    ports.check(port_of(&url))?;
    if allow_private {
        return Ok(());
    }
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => refuse_private(host, &[SocketAddr::new(ip, 0)]).map_err(|e| e.0),
        Err(_) => Ok(()),
    }
}

/// The HTTP client's resolver: the system resolver, refusing non-public addresses.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses = resolve(&host, 0).await?;
            refuse_private(&host, &addresses)
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            let addrs: Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_with_a_host_and_no_credentials() {
        assert!(parse("https://erp.ahlen.de/hooks/smartregion").is_ok());
        assert!(parse("http://127.0.0.1:8080/x").is_ok());
        for wrong in [
            "ftp://example.org/",
            "file:///etc/passwd",
            "https://user:pw@example.org/",
            "not a url",
            "https://",
        ] {
            assert!(parse(wrong).is_err(), "{wrong}");
        }
    }

    #[tokio::test]
    async fn only_allowed_ports_unless_configured() {
        let web = AllowedPorts::web();
        for url in [
            "https://93.184.216.34/hook",
            "http://93.184.216.34/hook",
            "http://93.184.216.34:443/hook",
            "https://93.184.216.34:80/hook",
        ] {
            assert!(check(url, false, &web).await.is_ok(), "{url}");
            assert!(check_at_send(url, false, &web).is_ok(), "{url}");
        }
        for url in [
            "https://93.184.216.34:8443/hook",
            "http://93.184.216.34:22/",
            "http://127.0.0.1:6379/",
        ] {
            let error = check(url, true, &web).await.unwrap_err();
            assert!(error.contains("port"), "{url}: {error}");
            assert!(check_at_send(url, true, &web).is_err(), "{url}");
            assert!(check(url, true, &AllowedPorts::Any).await.is_ok(), "{url}");
        }
    }

    #[tokio::test]
    async fn literal_private_addresses_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1/",
            "http://[::1]:8080/",
            "http://10.0.0.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://[fd00::1]/",
            "http://localhost:9/",
        ] {
            assert!(
                check(url, false, &AllowedPorts::Any).await.is_err(),
                "{url}"
            );
            assert!(check(url, true, &AllowedPorts::Any).await.is_ok(), "{url}");
        }
        assert!(
            check("http://93.184.216.34/", false, &AllowedPorts::web())
                .await
                .is_ok()
        );
        for embedded in [
            "http://[::ffff:127.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:a00:1::1]/",
            "http://[2001:0:808:808::80ff:fffe]/",
        ] {
            let error = check_at_send(embedded, false, &AllowedPorts::Any).unwrap_err();
            assert!(error.contains("non-public"), "{embedded}: {error}");
            assert!(check_at_send(embedded, true, &AllowedPorts::Any).is_ok());
        }
    }
}
