//! Writes that lose a race (deadlock, serialization failure) are run again inside the
//! service; what still fails is a 503 with `Retry-After`, never a 500.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::ResponseError;
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use smartregion::db::write::{Actor, Entry, Recorded, ScopedFutureExt, WRITE_ATTEMPTS, audited};
use smartregion::error::ApiError;
use tokio::sync::Barrier;

use crate::helpers::*;

/// Locks organization `key`'s row until the transaction ends.
async fn lock_organization(
    conn: &mut diesel_async::AsyncPgConnection,
    key: &str,
) -> Result<(), ApiError> {
    diesel::sql_query("SELECT key FROM organizations WHERE key = $1 FOR UPDATE")
        .bind::<Text, _>(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// A write that locks `first` and then `second`, after the other writer locked its first row
/// (on its first run only, so that the run after a deadlock goes straight through).
async fn crosswise_writer(
    app: &TestApp,
    first: &'static str,
    second: &'static str,
    barrier: Arc<Barrier>,
    runs: Arc<AtomicU32>,
) -> Result<(), ApiError> {
    let mut conn = app.pool.get().await.unwrap();
    let actor = Actor::system("crosswise");
    audited(&mut conn, &actor, move |conn| {
        let barrier = barrier.clone();
        let runs = runs.clone();
        async move {
            let run = runs.fetch_add(1, Ordering::SeqCst);
            lock_organization(conn, first).await?;
            if run < 2 {
                barrier.wait().await;
            }
            lock_organization(conn, second).await?;
            Ok(Recorded::new(()).with(Entry::updated("probe", format!("{first}-{second}"))))
        }
        .scope_boxed()
    })
    .await
}

#[actix_web::test]
async fn two_writers_that_deadlock_both_succeed_after_a_retry() {
    let app = TestApp::spawn().await;
    let barrier = Arc::new(Barrier::new(2));
    let runs = Arc::new(AtomicU32::new(0));
    // Two writers lock the same two rows in opposite order: PostgreSQL aborts one of them
    // with 40P01 (after its deadlock_timeout), and `audited` runs that one again.
    let (one, other) = tokio::join!(
        crosswise_writer(&app, AHLEN, BECKUM, barrier.clone(), runs.clone()),
        crosswise_writer(&app, BECKUM, AHLEN, barrier.clone(), runs.clone()),
    );
    one.unwrap();
    other.unwrap();
    assert_eq!(
        AtomicU32::load(&runs, Ordering::SeqCst),
        3,
        "one of the two ran twice: it was the deadlock's victim and was retried"
    );
    // Both writes were recorded once: the victim's first run left nothing behind.
    let mut conn = app.conn().await;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let audit: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM audit_log WHERE actor_subject = 'system:crosswise'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(audit.n, 2);
}

#[actix_web::test]
async fn a_write_that_keeps_colliding_ends_in_503_with_retry_after() {
    let app = TestApp::spawn().await;
    let mut conn = app.pool.get().await.unwrap();
    let actor = Actor::system("unlucky");
    let runs = Arc::new(AtomicU32::new(0));
    let counted = runs.clone();
    let result: Result<(), ApiError> = audited(&mut conn, &actor, move |conn| {
        let runs = counted.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            // Something written, then the collision: it must all be rolled back.
            lock_organization(conn, AHLEN).await?;
            Err(ApiError::Contention("deadlock detected".into()))
        }
        .scope_boxed()
    })
    .await;
    let error = result.unwrap_err();
    assert!(matches!(error, ApiError::Contention(_)), "{error:?}");
    assert_eq!(AtomicU32::load(&runs, Ordering::SeqCst), WRITE_ATTEMPTS);
    let response = error.error_response();
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));

    // Other errors are not retried.
    let runs = Arc::new(AtomicU32::new(0));
    let counted = runs.clone();
    let result: Result<(), ApiError> = audited(&mut conn, &actor, move |_| {
        let runs = counted.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            Err(ApiError::conflict("a real conflict"))
        }
        .scope_boxed()
    })
    .await;
    assert!(matches!(result, Err(ApiError::Conflict { .. })));
    assert_eq!(AtomicU32::load(&runs, Ordering::SeqCst), 1);
}
