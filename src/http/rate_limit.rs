//! Request budgets for `/api` and `/oparl`, so that one caller cannot take the service (and its
//! database connections) from everyone else.
//!
//! - A member is counted per token holder: subject and organization of the token
//!   (`SMARTREGION_RATE_LIMIT_PER_MINUTE`, `..._BURST`).
//! - A caller without a usable token (anonymous, or with a refused one, which the handler then
//!   answers with 401) is counted per client address (`SMARTREGION_RATE_LIMIT_ANON_...`); IPv6
//!   addresses per /64, the block one subscriber usually holds.
//! - Anonymous `GET`s of the expensive views (the dashboard, the participation matrix, the
//!   calendar feed `meetings.ics`, with or without a feed token) have their own, lower budget
//!   (`SMARTREGION_RATE_LIMIT_HEAVY_ANON_...`), so that a flood of them is refused long before
//!   it holds the database connections members need.
//!
//! Each budget is a GCRA bucket of the `governor` crate: `burst` requests at once, refilled at
//! `per_minute`. A request over budget is answered 429 (problem+json; an OParl error object
//! under `/oparl`) with `Retry-After`. Every answer under `/api` and `/oparl` carries the
//! budget it was counted against, in the header fields of draft-ietf-httpapi-ratelimit-headers
//! (the separate-fields form, which most clients read):
//! `RateLimit-Limit` (the burst), `RateLimit-Remaining` (requests left now) and
//! `RateLimit-Reset` (seconds until the whole burst is available again).
//!
//! The client address is the peer of the connection. Behind a reverse proxy that is the
//! proxy, unless the proxy is listed in `SMARTREGION_TRUSTED_PROXIES`: then the address is
//! the right-most `X-Forwarded-For` entry that is not a trusted proxy.
//!
//! The buckets live in this process (one instance behind a load balancer counts on its own)
//! and are shared by its workers. Buckets that are full again are dropped once a minute, so
//! memory stays bounded by the callers of the last minute or so.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use governor::clock::Clock;
use governor::middleware::StateInformationMiddleware;
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::auth::Caller;
use crate::config::{Rate, RateLimitConfig, TrustedProxies};
use crate::error::ApiError;
use crate::error::oparl::OparlError;

pub const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
pub const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
pub const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

/// The anonymous views that cost the most to answer (a `GET` of exactly these paths).
const HEAVY_PATHS: [&str; 3] = [
    "/api/v1/dashboard",
    "/api/v1/participation-matrix",
    "/api/v1/meetings.ics",
];

/// How often buckets that are full again are dropped.
const CLEANUP_EVERY: Duration = Duration::from_secs(60);

/// Whom a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Member {
        subject: String,
        organization: String,
    },
    Address(IpAddr),
}

type Limiter = DefaultKeyedRateLimiter<Key, StateInformationMiddleware>;

/// One budget: its limiter and the rate it was built from.
struct Budget {
    limiter: Limiter,
    burst: u32,
    /// The time one request's worth of budget takes to come back.
    interval: Duration,
}

impl Budget {
    fn new(rate: Rate) -> Option<Self> {
        let per_minute = NonZeroU32::new(rate.per_minute)?;
        let burst = NonZeroU32::new(rate.burst)?;
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Some(Self {
            limiter: DefaultKeyedRateLimiter::dashmap(quota)
                .with_middleware::<StateInformationMiddleware>(),
            burst: burst.get(),
            interval: quota.replenish_interval(),
        })
    }

    fn check(&self, key: &Key) -> Verdict {
        match self.limiter.check_key(key) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity().min(self.burst);
                Verdict {
                    allowed: true,
                    limit: self.burst,
                    remaining,
                    reset: seconds(self.interval * (self.burst - remaining)),
                    retry_after: 0,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                Verdict {
                    allowed: false,
                    limit: self.burst,
                    remaining: 0,
                    reset: seconds(wait + self.interval * (self.burst - 1)),
                    retry_after: seconds(wait).max(1),
                }
            }
        }
    }
}

/// Whole seconds, rounded up (a client that waits this long is served).
fn seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Verdict {
    allowed: bool,
    limit: u32,
    remaining: u32,
    reset: u64,
    retry_after: u64,
}

impl Verdict {
    fn write_headers(&self, headers: &mut HeaderMap) {
        for (name, value) in [
            (LIMIT, u64::from(self.limit)),
            (REMAINING, u64::from(self.remaining)),
            (RESET, self.reset),
        ] {
            headers.insert(name, HeaderValue::from(value));
        }
    }
}

/// The budgets of this process, built once in `startup::Shared` and shared by every worker.
pub struct RateLimits {
    member: Option<Budget>,
    anonymous: Option<Budget>,
    heavy_anonymous: Option<Budget>,
    trusted_proxies: TrustedProxies,
    started: Instant,
    /// Seconds after `started` of the last cleanup.
    last_cleanup: AtomicU64,
}

impl RateLimits {
    pub fn new(config: &RateLimitConfig, trusted_proxies: TrustedProxies) -> Self {
        Self {
            member: config.member.and_then(Budget::new),
            anonymous: config.anonymous.and_then(Budget::new),
            heavy_anonymous: config.heavy_anonymous.and_then(Budget::new),
            trusted_proxies,
            started: Instant::now(),
            last_cleanup: AtomicU64::new(0),
        }
    }

    fn is_off(&self) -> bool {
        self.member.is_none() && self.anonymous.is_none() && self.heavy_anonymous.is_none()
    }

    /// Drops the buckets that are full again (their callers have been quiet long enough), at
    /// most once per [`CLEANUP_EVERY`]; the request that finds the interval over does it.
    fn clean_up(&self) {
        self.clean_up_at(self.started.elapsed().as_secs());
    }

    /// [`Self::clean_up`] as if `now` seconds had passed since start.
    fn clean_up_at(&self, now: u64) {
        let last = self.last_cleanup.load(Ordering::Relaxed);
        if now < last + CLEANUP_EVERY.as_secs()
            || self
                .last_cleanup
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        for budget in [&self.member, &self.anonymous, &self.heavy_anonymous]
            .into_iter()
            .flatten()
        {
            budget.limiter.retain_recent();
            budget.limiter.shrink_to_fit();
        }
    }

    /// The client address of a request: the peer, or behind trusted proxies the right-most
    /// forwarded address that is not one of them.
    fn client_address(&self, req: &ServiceRequest) -> IpAddr {
        let peer = req
            .peer_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        if !self.trusted_proxies.contains(peer) {
            return peer;
        }
        let forwarded = req
            .headers()
            .get_all(HeaderName::from_static("x-forwarded-for"))
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for entry in forwarded.iter().rev() {
            match entry.parse::<IpAddr>() {
                Ok(address) if self.trusted_proxies.contains(address) => continue,
                Ok(address) => return address,
                // A malformed entry was written by someone the proxies do not vouch for.
                Err(_) => break,
            }
        }
        peer
    }
}

/// The address a bucket is kept for: IPv6 callers by their /64.
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(bits))
            }
        },
        v4 => v4,
    }
}

/// The middleware; `startup::app` wraps every route in it.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = req.path();
    let oparl = path.starts_with("/oparl/");
    let limits = req.app_data::<web::Data<RateLimits>>().cloned();
    let Some(limits) = limits.filter(|l| (oparl || path.starts_with("/api/")) && !l.is_off())
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    limits.clean_up();
    let heavy =
        matches!(*req.method(), Method::GET | Method::HEAD) && HEAVY_PATHS.contains(&req.path());
    // A refused token counts as anonymous: the handler answers it with 401, and a flood of
    // made-up tokens is held to the address's budget.
    let principal = match req.headers().contains_key(header::AUTHORIZATION) {
        true => match req.extract::<Caller>().await {
            Ok(caller) => caller.principal().cloned(),
            Err(_) => None,
        },
        false => None,
    };
    let (key, budget, whose) = match principal {
        Some(p) => (
            Key::Member {
                subject: p.subject,
                organization: p.organization,
            },
            limits.member.as_ref(),
            "this token",
        ),
        None => (
            Key::Address(address_key(limits.client_address(&req))),
            if heavy {
                limits.heavy_anonymous.as_ref()
            } else {
                limits.anonymous.as_ref()
            },
            "this address without a token",
        ),
    };
    let Some(budget) = budget else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let verdict = budget.check(&key);
    if verdict.allowed {
        let mut response = next.call(req).await?.map_into_boxed_body();
        verdict.write_headers(response.headers_mut());
        return Ok(response);
    }
    let error = ApiError::TooManyRequests {
        detail: format!(
            "too many requests from {whose}; retry after {} seconds",
            verdict.retry_after
        ),
        retry_after: verdict.retry_after,
    };
    let mut response = if oparl {
        let mut response = OparlError(error).error_response();
        // The OParl scope adds this to its own answers; this one never reaches the scope.
        response.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        response
    } else {
        error.error_response()
    };
    verdict.write_headers(response.headers_mut());
    Ok(req.into_response(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(per_minute: u32, burst: u32) -> Budget {
        Budget::new(Rate { per_minute, burst }).unwrap()
    }

    #[test]
    fn a_burst_is_served_then_refused_with_the_wait() {
        let budget = budget(60, 3);
        let key = Key::Address(IpAddr::from([192, 0, 2, 1]));
        let remaining: Vec<u32> = (0..3).map(|_| budget.check(&key).remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = budget.check(&key);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after, 1);
        assert_eq!(refused.limit, 3);
        assert!(refused.reset >= 2 && refused.reset <= 3, "{refused:?}");
        // Another key has its own bucket.
        assert!(
            budget
                .check(&Key::Address(IpAddr::from([192, 0, 2, 2])))
                .allowed
        );
    }

    #[test]
    fn ipv6_callers_are_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(address_key(mapped), IpAddr::from([192, 0, 2, 1]));
    }

    #[test]
    fn full_buckets_are_dropped() {
        let limits = RateLimits::new(
            &RateLimitConfig {
                member: None,
                anonymous: Some(Rate {
                    per_minute: 60_000,
                    burst: 1,
                }),
                heavy_anonymous: None,
            },
            TrustedProxies::default(),
        );
        let budget = limits.anonymous.as_ref().unwrap();
        budget.check(&Key::Address(IpAddr::from([192, 0, 2, 1])));
        assert_eq!(budget.limiter.len(), 1);
        std::thread::sleep(Duration::from_millis(5));
        // Not yet due: nothing is dropped.
        limits.clean_up_at(30);
        assert_eq!(budget.limiter.len(), 1);
        limits.clean_up_at(61);
        assert_eq!(budget.limiter.len(), 0);
    }
}
