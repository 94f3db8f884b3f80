//! Who is calling, and what they may do.
//!
//! A bearer token names one organization and one or more roles. Handlers decide explicitly what
//! they allow, with the small API here:
//! - [`Caller::member`]: any authenticated member (401 for anonymous callers);
//! - [`Caller::require_coordinator`]: the steering office (401 / 403);
//! - [`Caller::require`]: at least a [`Right`] for one organization's data (401 / 403).
//!
//! The coordinator acts for the district and so for every organization; every other role acts
//! only for the organization in its token. Because the coordinator acts for everyone, a token
//! carries it only for the steering office's organization (`SMARTREGION_STEERING_OFFICE`):
//! [`coordinator_allowed`] decides that once, for every request (the `Caller` extractor, which
//! the idempotency middleware uses too) and for `smartregion token`.

pub mod jwt;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::write::Actor;
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::RequestId;

/// A role a token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The cooperation's steering office: acts for any organization; manages the shared
    /// catalogue, meetings and cost plans. Accepted only in tokens of the steering office's
    /// organization.
    Coordinator,
    /// Acts for its own organization: opt-ins, commitments, council resolutions, delegates,
    /// integrations.
    Admin,
    /// Edits its own organization's working data.
    Editor,
    /// Reads everything members may read, non-public meeting parts included.
    Viewer,
    /// A machine client of one organization: reads like a viewer, manages its integrations.
    Integration,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Coordinator,
        Role::Admin,
        Role::Editor,
        Role::Viewer,
        Role::Integration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
            Role::Integration => "integration",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// What a caller may do with one organization's data, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Right {
    None,
    /// Read member-only data.
    Read,
    /// Edit working data (drafts, status reports, attendance).
    Edit,
    /// Everything the organization itself may do (opt-ins, resolutions, integrations).
    Admin,
}

/// An authenticated member: the verified content of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub organization: String,
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_coordinator(&self) -> bool {
        self.has_role(Role::Coordinator)
    }

    /// The strongest right this principal has on `organization`'s data.
    pub fn right_for(&self, organization: &str) -> Right {
        if self.is_coordinator() {
            return Right::Admin;
        }
        if self.organization != organization {
            return Right::None;
        }
        self.roles
            .iter()
            .map(|role| match role {
                Role::Coordinator | Role::Admin => Right::Admin,
                Role::Editor => Right::Edit,
                Role::Viewer | Role::Integration => Right::Read,
            })
            .max()
            .unwrap_or(Right::None)
    }
}

/// The caller of a request: anonymous or an authenticated member. Extracting it fails with 401
/// only when a token is sent and refused; anonymous requests extract fine and each handler
/// decides whether anonymous callers may proceed.
#[derive(Debug, Clone)]
pub struct Caller {
    principal: Option<Principal>,
    request_id: Option<String>,
}

impl Caller {
    pub fn anonymous() -> Self {
        Self {
            principal: None,
            request_id: None,
        }
    }

    pub fn principal(&self) -> Option<&Principal> {
        self.principal.as_ref()
    }

    pub fn is_member(&self) -> bool {
        self.principal.is_some()
    }

    /// Any authenticated member.
    pub fn member(&self) -> Result<&Principal, ApiError> {
        self.principal
            .as_ref()
            .ok_or_else(|| ApiError::Unauthorized {
                detail: "this request needs a bearer token".into(),
                invalid_token: false,
            })
    }

    /// The steering office.
    pub fn require_coordinator(&self) -> Result<&Principal, ApiError> {
        let principal = self.member()?;
        if principal.is_coordinator() {
            Ok(principal)
        } else {
            Err(ApiError::forbidden(
                "only the steering office (role coordinator) may do this",
            ))
        }
    }

    /// At least `right` on `organization`'s data.
    pub fn require(&self, right: Right, organization: &str) -> Result<&Principal, ApiError> {
        let principal = self.member()?;
        if principal.right_for(organization) >= right {
            Ok(principal)
        } else if principal.organization != organization {
            Err(ApiError::forbidden(format!(
                "a token of organization {} may not act for organization {organization}",
                principal.organization
            )))
        } else {
            Err(ApiError::forbidden(format!(
                "the token's roles do not allow this for organization {organization}"
            )))
        }
    }

    /// The actor recorded in the audit trail for a write by this caller.
    pub fn actor(&self) -> Result<Actor, ApiError> {
        let principal = self.member()?;
        Ok(Actor {
            subject: principal.subject.clone(),
            organization: Some(principal.organization.clone()),
            roles: principal
                .roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            request_id: self.request_id.clone(),
        })
    }

    /// The organization a coordinator's write is recorded "on behalf of", if any.
    pub fn on_behalf_of(&self, organization: &str) -> Option<String> {
        self.principal
            .as_ref()
            .filter(|p| p.organization != organization)
            .map(|_| organization.to_owned())
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .map(|value| value.to_str().map(str::to_owned));
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = match header {
                None => {
                    return Ok(Caller {
                        principal: None,
                        request_id,
                    });
                }
                Some(Err(_)) => return Err(invalid_token("the Authorization header is not text")),
                Some(Ok(value)) => bearer_token(&value)?.to_owned(),
            };
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let claims = state.verifier.verify(&token).await.map_err(|error| {
                tracing::info!(%error, "bearer token refused");
                invalid_token(&format!("the bearer token was refused: {error}"))
            })?;
            let roles: Vec<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
            if roles.is_empty() {
                return Err(invalid_token("the token carries no known role"));
            }
            if !crate::domain::ids::is_organization_key(&claims.org) {
                return Err(invalid_token(
                    "the token's org claim is not an organization key",
                ));
            }
            coordinator_allowed(&claims.org, &roles, &state.config.auth.steering_office)
                .map_err(|detail| {
                    tracing::warn!(org = %claims.org, "coordinator token of another organization refused");
                    invalid_token(&detail)
                })?;
            Ok(Caller {
                principal: Some(Principal {
                    subject: claims.sub,
                    organization: claims.org,
                    roles,
                }),
                request_id,
            })
        })
    }
}

/// Whether a token of `organization` may carry `roles`: the role `coordinator` acts for every
/// organization, so only the steering office's organization may hold it. `Err` says why not.
pub fn coordinator_allowed(
    organization: &str,
    roles: &[Role],
    steering_office: &str,
) -> Result<(), String> {
    if roles.contains(&Role::Coordinator) && organization != steering_office {
        Err(format!(
            "the role coordinator is accepted only for the steering office's organization \
             ({steering_office}), not for organization {organization}"
        ))
    } else {
        Ok(())
    }
}

fn invalid_token(detail: &str) -> ApiError {
    ApiError::Unauthorized {
        detail: detail.to_owned(),
        invalid_token: true,
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 6750).
fn bearer_token(header: &str) -> Result<&str, ApiError> {
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or_else(|| invalid_token("the Authorization header is not `Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(invalid_token(
            "the Authorization header is not `Bearer <token>`",
        ));
    }
    Ok(token.trim())
}

/// The token verifier for the configured keys; with `dev` and no key at all, the development
/// secret (the caller has already refused `--dev` on non-loopback addresses).
pub async fn verifier(
    config: &crate::config::AuthConfig,
    dev: bool,
) -> anyhow::Result<jwt::JwtVerifier> {
    use crate::config::JwksSource;
    let mut settings = jwt::JwtSettings::new(&config.issuer, &config.audience);
    settings.hs256_secret = match (&config.jwt_secret, dev && !config.has_signing_key()) {
        (Some(secret), _) => Some(secret.expose().to_owned()),
        (None, true) => Some(crate::config::DEV_JWT_SECRET.to_owned()),
        (None, false) => None,
    };
    settings.public_key_pem_file = config.jwt_public_key_file.clone();
    settings.jwks = config.jwks.clone().map(|source| match source {
        JwksSource::File(path) => jwt::JwksSource::File(path),
        JwksSource::Url(url) => jwt::JwksSource::Url(url),
    });
    settings.leeway_secs = config.leeway.as_secs();
    settings.jwks_refresh_min_interval = config.jwks_refresh_interval;
    jwt::JwtVerifier::new(settings)
        .await
        .map_err(|error| anyhow::anyhow!("token verification keys: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(org: &str, roles: &[Role]) -> Principal {
        Principal {
            subject: "test".into(),
            organization: org.into(),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn rights_follow_roles_and_organization() {
        let admin = principal("05570004", &[Role::Admin]);
        assert_eq!(admin.right_for("05570004"), Right::Admin);
        assert_eq!(admin.right_for("05570008"), Right::None);
        let editor = principal("05570004", &[Role::Viewer, Role::Editor]);
        assert_eq!(editor.right_for("05570004"), Right::Edit);
        let machine = principal("05570004", &[Role::Integration]);
        assert_eq!(machine.right_for("05570004"), Right::Read);
        let office = principal("05570", &[Role::Coordinator]);
        assert_eq!(office.right_for("05570052"), Right::Admin);
    }

    #[test]
    fn only_the_steering_office_may_hold_the_coordinator_role() {
        assert!(coordinator_allowed("05570", &[Role::Coordinator], "05570").is_ok());
        assert!(coordinator_allowed("05570032", &[Role::Admin], "05570").is_ok());
        let refused = coordinator_allowed("05570032", &[Role::Viewer, Role::Coordinator], "05570")
            .unwrap_err();
        assert!(refused.contains("steering office"), "{refused}");
        assert!(refused.contains("05570032"), "{refused}");
        assert!(coordinator_allowed("05570", &[Role::Coordinator], "gfw").is_err());
        assert!(coordinator_allowed("gfw", &[Role::Coordinator], "gfw").is_ok());
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc").unwrap(), "abc");
        assert_eq!(bearer_token("bearer  abc ").unwrap(), "abc");
        assert!(bearer_token("Basic abc").is_err());
        assert!(bearer_token("Bearer").is_err());
    }
}
