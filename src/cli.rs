//! The command line: `serve` (the default), `migrate`, `seed`, `token`, `openapi`,
//! `bench-data`.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::auth::{self, Role};
use crate::config::{self, Config};
use crate::domain::ids::is_organization_key;
use crate::{startup, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "smartregion",
    version,
    about = "Coordination API of a Smart Region cooperation (municipalities that share digital projects)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (creates the database, migrates and loads reference data first).
    Serve {
        /// Allow starting without a configured signing key, with a fixed development secret.
        /// Insecure; refused unless the service binds a loopback address.
        #[arg(long)]
        dev: bool,
    },
    /// Create the database if needed and apply pending migrations.
    Migrate,
    /// Load the reference data (organizations, fields of action) where missing.
    Seed,
    /// Print a signed HS256 bearer token for development and tests.
    Token {
        /// Organization key: a member's AGS (8 digits; 5 for the district) or agency key.
        #[arg(long)]
        org: String,
        /// A role: coordinator (only for the steering office's organization,
        /// SMARTREGION_STEERING_OFFICE), admin, editor, viewer, integration. Repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The token subject.
        #[arg(long, default_value = "dev")]
        sub: String,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
        /// Sign with the development secret that `serve --dev` accepts.
        #[arg(long)]
        dev: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Fill a fresh database with synthetic benchmark data (see `benches/README.md`): scale 1 is
    /// the real cooperation's size (24 projects, 20 meetings), scale N has N times as many.
    /// Migrates and loads the reference data first, like `serve`.
    BenchData {
        /// How many times the real cooperation's size.
        #[arg(long, default_value_t = 1)]
        scale: u64,
        /// The random seed: the same scale and seed give the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve { dev: false });
    if let Command::Openapi = command {
        let doc = startup::openapi_document();
        println!(
            "{}",
            doc.to_pretty_json()
                .context("rendering the OpenAPI document")?
        );
        return Ok(());
    }
    let config = Config::from_env().context("invalid configuration")?;
    telemetry::init(config.log_format);
    match command {
        Command::Serve { dev } => {
            if !config.auth.has_signing_key() {
                if !dev {
                    bail!(
                        "no token signing key is configured: set SMARTREGION_JWT_SECRET (HS256, at \
                         least 32 bytes), SMARTREGION_JWT_PUBLIC_KEY_FILE or SMARTREGION_JWKS_URL / \
                         SMARTREGION_JWKS_FILE; or start with `serve --dev` on a loopback address \
                         for local development"
                    );
                }
                if !config.bind.ip().is_loopback() {
                    bail!(
                        "`serve --dev` only binds loopback addresses; {} is not one",
                        config.bind
                    );
                }
                tracing::warn!(
                    "INSECURE: --dev accepts tokens signed with the public development secret; \
                     never use this outside a developer machine"
                );
            }
            if !config.published_secrets.is_empty() && !dev {
                bail!(
                    "{} holds a value published in the smartregion repository (an example, test \
                     or development value); anyone could use it: set a secret of your own \
                     (e.g. `openssl rand -base64 32`)",
                    config.published_secrets.join(" and ")
                );
            }
            let verifier = auth::verifier(&config.auth, dev).await?;
            startup::serve(config, verifier, dev).await
        }
        Command::Migrate => {
            let owner = config.owner_database_url.as_ref().context(
                "SMARTREGION_OWNER_DATABASE_URL is not set: migrations run as the schema owner",
            )?;
            let applied =
                startup::migrate_database(owner.expose(), config.database_url.expose()).await?;
            println!(
                "applied {} migration(s); the runtime role has its rights",
                applied.len()
            );
            Ok(())
        }
        Command::Seed => {
            let pool = startup::prepare_database(&config, false).await?;
            drop(pool);
            println!("reference data loaded");
            Ok(())
        }
        Command::Token {
            org,
            roles,
            sub,
            ttl,
            dev,
        } => {
            if !is_organization_key(&org) {
                bail!("--org `{org}` is not an organization key (AGS or a lowercase slug)");
            }
            let mut parsed = Vec::with_capacity(roles.len());
            for role in &roles {
                match Role::parse(role) {
                    Some(role) => parsed.push(role),
                    None => bail!(
                        "--role `{role}` is not one of coordinator, admin, editor, viewer, integration"
                    ),
                }
            }
            // The service would refuse such a token; say so now rather than print it.
            if let Err(why) = auth::coordinator_allowed(&org, &parsed, &config.auth.steering_office)
            {
                bail!("{why} (SMARTREGION_STEERING_OFFICE)");
            }
            let secret = match (&config.auth.jwt_secret, dev) {
                (Some(secret), _) => secret.expose().to_owned(),
                (None, true) => config::DEV_JWT_SECRET.to_owned(),
                (None, false) => bail!(
                    "SMARTREGION_JWT_SECRET is not set; set it, or pass --dev for a token that \
                     `serve --dev` accepts"
                ),
            };
            let claims = auth::jwt::Claims::new(
                sub,
                org,
                roles,
                config.auth.issuer.clone(),
                config.auth.audience.clone(),
                Duration::from_secs(ttl),
            );
            let token = auth::jwt::issue_hs256(secret.as_bytes(), &claims)?;
            println!("{token}");
            Ok(())
        }
        Command::BenchData { scale, seed } => {
            let pool = startup::prepare_database(&config, true).await?;
            drop(pool);
            // A connection of its own: the service's statement timeout would cut the large
            // inserts short.
            let mut conn = crate::db::tls::Target::parse(config.database_url.expose())?
                .connect()
                .await
                .context("connecting to the database")?;
            let report = crate::bench_data::fill(&mut conn, scale, seed, |step| {
                eprintln!("bench-data: {step}");
            })
            .await?;
            println!("bench-data scale {scale}: {report}");
            Ok(())
        }
        Command::Openapi => unreachable!("handled above"),
    }
}
