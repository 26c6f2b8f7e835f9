//! Scratch experiment (to be deleted): do concurrent writers on a shared pool hit SQLITE_BUSY?
#![allow(clippy::unwrap_used, clippy::print_stdout)]
use std::time::{Duration, Instant};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

async fn run(mode: &str, conns: u32) {
    let dir = tempfile::tempdir().unwrap();
    let opts = SqliteConnectOptions::new().filename(dir.path().join("x.db")).create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5)).foreign_keys(true);
    let pool = SqlitePoolOptions::new().max_connections(conns).connect_with(opts).await.unwrap();
    sqlx::query("CREATE TABLE s (id TEXT PRIMARY KEY, n INTEGER NOT NULL)").execute(&pool).await.unwrap();
    let start = Instant::now();
    let mut handles = Vec::new();
    for t in 0..16 {
        let pool = pool.clone();
        let mode = mode.to_owned();
        handles.push(tokio::spawn(async move {
            let mut errors = Vec::new();
            for i in 0..125 {
                let id = format!("{t}-{i}");
                let r: Result<(), sqlx::Error> = async {
                    match mode.as_str() {
                        "autocommit" => {
                            sqlx::query("INSERT INTO s VALUES ($1, 0)").bind(&id).execute(&pool).await?;
                            sqlx::query("UPDATE s SET n = n + 1 WHERE id = $1").bind(&id).execute(&pool).await?;
                        }
                        "deferred-rmw" | "immediate-rmw" => {
                            sqlx::query("INSERT INTO s VALUES ($1, 0)").bind(&id).execute(&pool).await?;
                            let mut tx = if mode == "deferred-rmw" { pool.begin().await? } else { pool.begin_with("BEGIN IMMEDIATE").await? };
                            let n: i64 = sqlx::query_scalar("SELECT n FROM s WHERE id = $1").bind(&id).fetch_one(&mut *tx).await?;
                            sqlx::query("UPDATE s SET n = $2 WHERE id = $1").bind(&id).bind(n + 1).execute(&mut *tx).await?;
                            tx.commit().await?;
                        }
                        _ => unreachable!(),
                    }
                    Ok(())
                }.await;
                if let Err(e) = r { errors.push(e.to_string()); }
            }
            errors
        }));
    }
    let mut errors = Vec::new();
    for h in handles { errors.extend(h.await.unwrap()); }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM s").fetch_one(&pool).await.unwrap();
    println!("mode={mode} conns={conns} elapsed={:?} rows={count} errors={} first={:?}", start.elapsed(), errors.len(), errors.first());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn busy_experiment() {
    for (mode, conns) in [("autocommit", 8), ("deferred-rmw", 8), ("immediate-rmw", 8), ("autocommit", 1), ("deferred-rmw", 1)] {
        run(mode, conns).await;
    }
}
