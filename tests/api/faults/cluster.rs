//! A PostgreSQL cluster of a test's own: `initdb` in a temporary directory, a free port, started
//! and stopped with `pg_ctl`. Fault tests stop and restart it without disturbing the shared
//! server the other tests use, and restore tests use it as "another machine".
//!
//! The server binaries are looked up in `SMARTREGION_TEST_PG_BIN`, else in the newest
//! `/usr/lib/postgresql/<version>/bin` (Debian's layout), else next to `pg_config` on the
//! `PATH`. PostgreSQL refuses to run as root, so as root every command runs as the `postgres`
//! OS user (`runuser -u postgres --`), and the data directory lies under `/tmp` (or
//! `SMARTREGION_TEST_PG_DIR`), where that user can reach it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Cluster {
    pub port: u16,
    data: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
}

impl Cluster {
    /// Creates (but does not start) a cluster with trust authentication and the superuser
    /// `postgres`, or says why this machine cannot.
    pub fn create() -> Result<Cluster, String> {
        let bin = server_binaries().ok_or(
            "no PostgreSQL server binaries (initdb, pg_ctl) found: set SMARTREGION_TEST_PG_BIN \
             or install the PostgreSQL server package",
        )?;
        let as_postgres = running_as_root();
        if as_postgres && !command_succeeds("runuser", &["-u", "postgres", "--", "true"]) {
            return Err(
                "running as root, but `runuser -u postgres` does not work (PostgreSQL \
                        refuses to run as root and needs the `postgres` OS user)"
                    .into(),
            );
        }
        let base = std::env::var_os("SMARTREGION_TEST_PG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        let data = base.join(format!("smartregion-pg-{}", uuid::Uuid::new_v4().simple()));
        let cluster = Cluster {
            port: free_port(),
            data,
            bin,
            as_postgres,
        };
        let data = cluster.data.to_str().expect("a UTF-8 path").to_owned();
        let output = cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        if !output.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(cluster)
    }

    /// Starts the server and waits until it accepts connections. fsync is off (the machine
    /// does not crash in a test); commits still wait for their WAL to be written, so an
    /// immediate stop loses nothing that was acknowledged.
    pub fn start(&self) {
        let data = self.data.to_str().unwrap();
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {data} -c fsync=off -c full_page_writes=off \
             -c max_connections=60",
            self.port
        );
        let log = self.data.join("server.log");
        let output = self.run(
            "pg_ctl",
            &[
                "-D",
                data,
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "-t",
                "120",
                "start",
            ],
        );
        assert!(
            output.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops the server: `fast` (sessions are terminated, a checkpoint is written) or
    /// `immediate` (every process is killed at once, like a crash; recovery on the next start).
    pub fn stop(&self, mode: &str) {
        let output = self.run(
            "pg_ctl",
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-m",
                mode,
                "-w",
                "-t",
                "120",
                "stop",
            ],
        );
        assert!(
            output.status.success(),
            "pg_ctl stop failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// A URL of the superuser `postgres` for `database`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// The URL of `role` (trusted, no password) for `database`.
    pub fn url_as(&self, role: &str, database: &str) -> String {
        format!("postgres://{role}@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs one of the server's client programs (`psql`, `pg_restore`, ...) against this
    /// cluster as `postgres`.
    pub fn client(&self, program: &str, args: &[&str]) -> Output {
        let port = self.port.to_string();
        let mut all = vec!["-h", "127.0.0.1", "-p", port.as_str(), "-U", "postgres"];
        all.extend_from_slice(args);
        Command::new(self.bin.join(program))
            .args(&all)
            .output()
            .unwrap_or_else(|e| panic!("running {program}: {e}"))
    }

    /// Runs a server program, as `postgres` when the test runs as root.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&path);
            command
        } else {
            Command::new(&path)
        };
        // The test's working directory may be unreadable for the `postgres` user.
        command
            .args(args)
            .current_dir("/")
            .output()
            .unwrap_or_else(|e| panic!("running {program}: {e}"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            let _ = self.run(
                "pg_ctl",
                &["-D", self.data.to_str().unwrap(), "-m", "immediate", "stop"],
            );
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// The directory holding `initdb`, `pg_ctl` and the client programs.
pub fn server_binaries() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("SMARTREGION_TEST_PG_BIN") {
        return Some(PathBuf::from(dir)).filter(|d| has_tools(d));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    Some(dir).filter(|d| has_tools(d))
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn command_succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .current_dir("/")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
