//! TLS to PostgreSQL, asked for in `DATABASE_URL` (`sslmode=require`, `sslrootcert=`): the
//! connection is encrypted, the server certificate and host name are verified, and the pool,
//! the migrations and the service all connect that way. The local server presents Debian's
//! self-signed certificate for `localhost`, which serves as its own CA here.

use std::path::Path;
use std::time::Duration;

use diesel::sql_types::Bool;
use diesel_async::RunQueryDsl;

use crate::helpers::*;

const SERVER_CERTIFICATE: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

#[derive(diesel::QueryableByName)]
struct Ssl {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

async fn encrypted(url: &str) -> Result<bool, String> {
    let pool = smartregion::db::pool(url, 1, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    let mut conn = pool.get().await.map_err(|e| e.to_string())?;
    let row: Ssl = diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.ssl)
}

#[actix_web::test]
async fn connections_use_tls_and_verify_the_server_when_the_url_asks() {
    assert!(
        Path::new(SERVER_CERTIFICATE).exists(),
        "the local PostgreSQL's certificate {SERVER_CERTIFICATE} is missing"
    );
    let app = TestApp::spawn().await;
    let database = &app.database;
    let tls = format!(
        "postgres://postgres@localhost:5432/{database}?sslmode=require&sslrootcert={SERVER_CERTIFICATE}"
    );
    assert_eq!(encrypted(&tls).await, Ok(true));
    let plain = format!("postgres://postgres@localhost:5432/{database}");
    assert_eq!(encrypted(&plain).await, Ok(false));

    // Verified: a certificate from no trusted CA, or for another host name, is refused.
    let untrusted = format!("postgres://postgres@localhost:5432/{database}?sslmode=require");
    let refused = encrypted(&untrusted).await.unwrap_err();
    assert!(refused.contains("certificate"), "{refused}");
    let wrong_host = format!(
        "postgres://postgres@127.0.0.1:5432/{database}?sslmode=verify-full&sslrootcert={SERVER_CERTIFICATE}"
    );
    let refused = encrypted(&wrong_host).await.unwrap_err();
    assert!(refused.contains("certificate"), "{refused}");

    // The migrations and the service itself connect over TLS too.
    assert_eq!(
        smartregion::db::run_migrations(&tls).await.unwrap(),
        Vec::<String>::new()
    );
    let over_tls = TestApp::builder().env("DATABASE_URL", &tls).spawn().await;
    let organizations = json(
        over_tls
            .get("/api/v1/organizations?limit=1")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(organizations["items"].as_array().unwrap().len(), 1);
}
