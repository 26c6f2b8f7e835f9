//! The server under test: the real `latchkey` binary as a child process, started
//! with `start-dev` on 127.0.0.1 and a free port, and watched through `/proc`.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Longest wait for readiness before giving up.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest wait for the process to exit after SIGTERM before SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) const RELATIVE_PATH: &str = "/keycloak/auth";

pub(crate) struct ServerConfig {
    pub(crate) bin: PathBuf,
    pub(crate) data_dir: PathBuf,
    pub(crate) import_dir: PathBuf,
    pub(crate) log_file: PathBuf,
    /// More flags for `start-dev` (`--db postgres …`).
    pub(crate) extra_args: Vec<String>,
}

/// A running server; dropping it stops the process (SIGTERM, then SIGKILL).
pub(crate) struct Server {
    child: Option<Child>,
    pub(crate) port: u16,
    pub(crate) pid: u32,
    log_file: PathBuf,
}

/// Time from spawn to the first 200 from the readiness endpoint.
pub(crate) struct Started {
    pub(crate) server: Server,
    pub(crate) ready_after: Duration,
    pub(crate) probes: u64,
}

/// A port that was free a moment ago (bound to 127.0.0.1:0, then released).
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

impl ServerConfig {
    /// Spawns the server and polls readiness every millisecond. On failure the
    /// server's log tail goes to stderr and the process is stopped.
    pub(crate) fn start(&self, port: u16) -> Result<Started, String> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log_file)
            .expect("open the server log file");
        let log_err = log.try_clone().expect("clone the log file handle");
        let started = Instant::now();
        let child = Command::new(&self.bin)
            .arg("start-dev")
            .arg("--http-port")
            .arg(port.to_string())
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--import-realm")
            .arg("--import-dir")
            .arg(&self.import_dir)
            .args(&self.extra_args)
            .env("LATCHKEY_BOOTSTRAP_ADMIN_USERNAME", "admin")
            .env("LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD", "bench-admin-password")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.bin.display()))?;
        let pid = child.id();
        let mut server = Server { child: Some(child), port, pid, log_file: self.log_file.clone() };
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let mut probes = 0u64;
        loop {
            probes += 1;
            if probe_ready(address) {
                return Ok(Started { server, ready_after: started.elapsed(), probes });
            }
            let failure = if let Some(status) = server.try_wait() {
                Some(format!("the server exited before it was ready ({status})"))
            } else if started.elapsed() > READY_TIMEOUT {
                Some(format!("the server was not ready after {READY_TIMEOUT:?}"))
            } else {
                None
            };
            if let Some(failure) = failure {
                eprintln!("{failure}; server log:\n{}", server.log_tail());
                return Err(failure);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// One `GET /health/ready` on a fresh connection; true on a 200.
fn probe_ready(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_nodelay(true);
    let request = format!(
        "GET {RELATIVE_PATH}/health/ready HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 16];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    head[..read].starts_with(b"HTTP/1.1 200")
}

impl Server {
    fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    /// Resident set size and its peak, in KiB, from `/proc/<pid>/status`.
    pub(crate) fn memory_kib(&self) -> Memory {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        Memory { rss_kib: field("VmRSS:"), hwm_kib: field("VmHWM:") }
    }

    /// The last lines of the server's log, for error messages.
    pub(crate) fn log_tail(&self) -> String {
        log_tail(&self.log_file, 40)
    }

    /// SIGTERM, wait up to 10 s, then SIGKILL. Returns the time to exit after SIGTERM.
    pub(crate) fn stop(&mut self) -> Option<Duration> {
        let mut child = self.child.take()?;
        if let Ok(Some(_)) = child.try_wait() {
            return Some(Duration::ZERO);
        }
        let started = Instant::now();
        // `kill(1)` rather than libc: the workspace forbids unsafe code.
        let terminated = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        if terminated {
            while started.elapsed() < STOP_TIMEOUT {
                if let Ok(Some(_)) = child.try_wait() {
                    return Some(started.elapsed());
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            eprintln!("the server did not stop within {STOP_TIMEOUT:?} of SIGTERM; killing it");
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Memory {
    pub(crate) rss_kib: u64,
    pub(crate) hwm_kib: u64,
}

pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Total size of the files in a directory (not recursive), in bytes.
pub(crate) fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
