//! The real binary (`smartregion serve --dev`) as a child process on a free port, for tests
//! that signal or kill the process or point it at a cluster of their own.

use std::path::PathBuf;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder};

use super::cluster::free_port;
use crate::helpers::{PUBLIC_URL, SECRET};

pub struct Service {
    pub address: String,
    pub client: reqwest::Client,
    child: Mutex<Child>,
    log: PathBuf,
}

impl Service {
    /// Starts `serve --dev` with `DATABASE_URL` and the extra settings `env`, and waits until
    /// `/health/ready` answers 200. Tokens of `helpers::token` are accepted (its secret is set;
    /// `--dev` allows that published value), rate limits are off.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> Service {
        let port = free_port();
        let log = std::env::temp_dir().join(format!(
            "smartregion-serve-{}.log",
            uuid::Uuid::new_v4().simple()
        ));
        let log_file = std::fs::File::create(&log).unwrap();
        let mut command = crate::cli::smartregion();
        command
            .env("DATABASE_URL", database_url)
            .env_remove("SMARTREGION_OWNER_DATABASE_URL")
            .env("SMARTREGION_BIND", format!("127.0.0.1:{port}"))
            .env("SMARTREGION_PUBLIC_URL", PUBLIC_URL)
            .env("SMARTREGION_JWT_SECRET", SECRET)
            .env("SMARTREGION_RATE_LIMIT_ENABLED", "false")
            .env("SMARTREGION_DB_WAIT_MS", "1000")
            .env("SMARTREGION_WORKERS", "2")
            .env("RUST_LOG", "warn");
        for (name, value) in env {
            command.env(name, value);
        }
        // Logs go to a file, never to a pipe nobody reads (a full pipe would block the service).
        let child = command
            .args(["serve", "--dev"])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .unwrap();
        let service = Service {
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            child: Mutex::new(child),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(response) = service.get("/health/ready").send().await
                && response.status() == 200
            {
                break service;
            }
            if let Some(exit) = service.exit_status() {
                panic!("serve exited with {exit}:\n{}", service.logs());
            }
            assert!(
                Instant::now() < deadline,
                "serve did not become ready:\n{}",
                service.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    /// The process id, for `kill`.
    pub fn pid(&self) -> u32 {
        self.child.lock().unwrap().id()
    }

    /// Sends `signal` (`TERM`, `KILL`, ...) to the process.
    pub fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }

    /// How the process ended, or `None` while it runs.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.child.lock().unwrap().try_wait().unwrap()
    }

    /// Whether the process still runs.
    pub fn running(&self) -> bool {
        self.exit_status().is_none()
    }

    /// Waits for the process to end (at most `limit`, then fails).
    pub async fn exited(&self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(exit) = self.exit_status() {
                return exit;
            }
            assert!(
                Instant::now() < deadline,
                "serve did not stop:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the process logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        if child.try_wait().ok().flatten().is_none() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.log);
    }
}
