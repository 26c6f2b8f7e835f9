//! The report: a table for people on stdout, then the same figures as one JSON line.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::ceilings::Ceiling;
use crate::cpu::{CpuShare, round};
use crate::load::PhaseResult;
use crate::server::Memory;
use latchkey_core::token::algorithm::{Algorithm, KeyType};

/// Targets from the performance issues: refresh against the RSA signature ceiling
/// (issue 2, RSA algorithms), refresh against the combined ceiling of one signature and
/// one trivial POST (issue 14), ES256 refreshes per second, password against argon2id.
const REFRESH_RSA_TARGET: f64 = 0.8;
const REFRESH_COMBINED_TARGET: f64 = 0.6;
const ES256_REFRESH_TARGET: f64 = 15_000.0;
const PASSWORD_TARGET: f64 = 0.9;
/// Keycloak's sizing guide, per vCPU.
const KEYCLOAK_REFRESH_PER_VCPU: f64 = 120.0;
const KEYCLOAK_LOGINS_PER_VCPU: f64 = 15.0;
/// Above this share of the machine used by other processes, a phase is flagged.
const NOISE_LIMIT: f64 = 0.05;

fn fraction(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// Warnings and errors the server logged during the run.
#[derive(Debug, Default)]
pub(crate) struct ServerLogSummary {
    pub(crate) warnings: u64,
    pub(crate) errors: u64,
    /// Lines that mention SQLite being busy or locked.
    pub(crate) busy: u64,
    /// The first few distinct warning or error lines.
    pub(crate) samples: Vec<String>,
}

impl ServerLogSummary {
    pub(crate) fn read(path: &Path) -> ServerLogSummary {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut summary = ServerLogSummary::default();
        for line in text.lines().map(strip_ansi) {
            let is_warning = line.contains(" WARN ");
            let is_error = line.contains(" ERROR ");
            let lower = line.to_ascii_lowercase();
            if lower.contains("busy") || lower.contains("database is locked") {
                summary.busy += 1;
            }
            if !(is_warning || is_error) {
                continue;
            }
            summary.warnings += u64::from(is_warning);
            summary.errors += u64::from(is_error);
            // Drop the timestamp, so repeated messages compare equal.
            let message = line.split_once(' ').map_or(line.as_str(), |(_, m)| m).trim().to_owned();
            if summary.samples.len() < 5 && !summary.samples.contains(&message) {
                summary.samples.push(message);
            }
        }
        summary
    }
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC '[' parameters, ending with a letter.
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) struct Report {
    pub(crate) cores: usize,
    pub(crate) concurrency: usize,
    pub(crate) duration: Duration,
    pub(crate) sessions_target: u64,
    /// The algorithm asked for, and the `alg` of a token the server actually signed.
    pub(crate) algorithm: Algorithm,
    pub(crate) signed_with: String,
    pub(crate) signatures: Ceiling,
    pub(crate) argon2: Ceiling,
    /// The HTTP ceiling: the trivial server's answers on the same kind of connections.
    pub(crate) trivial: PhaseResult,
    pub(crate) trivial_cpu: CpuShare,
    pub(crate) service: PhaseResult,
    pub(crate) service_cpu: CpuShare,
    pub(crate) first_start: Duration,
    pub(crate) restart: Duration,
    pub(crate) restart_probes: u64,
    pub(crate) first_stop: Option<Duration>,
    pub(crate) final_stop: Option<Duration>,
    pub(crate) first_memory: Memory,
    pub(crate) idle_memory: Memory,
    pub(crate) sessions_memory: Memory,
    pub(crate) refresh_memory: Memory,
    pub(crate) end_memory: Memory,
    pub(crate) database_bytes: u64,
    pub(crate) sessions: PhaseResult,
    pub(crate) sessions_cpu: CpuShare,
    pub(crate) refresh: PhaseResult,
    pub(crate) refresh_cpu: CpuShare,
    pub(crate) password: PhaseResult,
    pub(crate) password_cpu: CpuShare,
    pub(crate) log: ServerLogSummary,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn stop_text(stop: Option<Duration>) -> String {
    stop.map_or_else(
        || "killed (no exit within 10 s of SIGTERM)".to_owned(),
        |d| format!("{:.0} ms", ms(d)),
    )
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// Throughput beside its ceiling.
struct Versus<'a> {
    phase: &'a PhaseResult,
    cpu: &'a CpuShare,
    ceiling: f64,
    /// The ceiling's rate per share of the machine it used (see `ratio_per_cpu_used`).
    ceiling_per_cpu: f64,
    target: Option<f64>,
    keycloak_per_vcpu: f64,
    cores: usize,
}

impl Versus<'_> {
    fn rate(&self) -> f64 {
        self.phase.per_second()
    }

    fn ratio(&self) -> f64 {
        fraction(self.rate(), self.ceiling)
    }

    /// The ratio against the part of the machine the bench left to the server.
    fn ratio_without_bench(&self) -> f64 {
        fraction(self.rate(), self.ceiling * (1.0 - self.cpu.bench_fraction()))
    }

    /// The ratio with each rate divided by the share of the machine it used: the
    /// ceiling's own, the server and the bench for the phase. Other processes taking
    /// CPU slow both rates but not these, so this is the figure to compare on a busy
    /// machine. On an idle machine it equals `ratio` when the server keeps every core
    /// busy, and is higher when the server waits (disk, locks).
    fn ratio_per_cpu_used(&self) -> f64 {
        let phase = fraction(self.rate(), self.cpu.server_fraction() + self.cpu.bench_fraction());
        fraction(phase, self.ceiling_per_cpu)
    }

    fn per_vcpu(&self) -> f64 {
        self.rate() / self.cores as f64
    }

    fn target_text(&self) -> String {
        self.target.map_or_else(|| "-".to_owned(), |target| format!(">={target:.1}"))
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "per_second": round(self.rate(), 1),
            "ok": self.phase.ok,
            "errors": self.phase.error_count(),
            "error_kinds": self.phase.errors,
            "seconds": round(self.phase.elapsed.as_secs_f64(), 3),
            "p50_ms": round(self.phase.latency_ms(0.50), 2),
            "p99_ms": round(self.phase.latency_ms(0.99), 2),
            "ceiling_per_second": round(self.ceiling, 1),
            "ratio": round(self.ratio(), 3),
            "ratio_without_bench_cpu": round(self.ratio_without_bench(), 3),
            "ratio_per_cpu_used": round(self.ratio_per_cpu_used(), 3),
            "target_ratio": self.target,
            "per_vcpu": round(self.per_vcpu(), 1),
            "keycloak_sizing_per_vcpu": self.keycloak_per_vcpu,
            "cpu": self.cpu.json(),
        })
    }
}

/// One signature plus one trivial POST per grant: `1 / (1/S + 1/T)`.
fn combined(signatures: f64, trivial: f64) -> f64 {
    if signatures > 0.0 && trivial > 0.0 { 1.0 / (1.0 / signatures + 1.0 / trivial) } else { 0.0 }
}

impl Report {
    fn signature_per_cpu(&self) -> f64 {
        fraction(self.signatures.per_second, self.signatures.cpu.bench_fraction())
    }

    /// The trivial server's answers per second.
    fn trivial_rate(&self) -> f64 {
        self.trivial.per_second()
    }

    fn trivial_per_cpu(&self) -> f64 {
        fraction(
            self.trivial_rate(),
            self.trivial_cpu.server_fraction() + self.trivial_cpu.bench_fraction(),
        )
    }

    /// The combined ceiling of a token grant: one signature and one trivial POST.
    fn combined(&self) -> f64 {
        combined(self.signatures.per_second, self.trivial_rate())
    }

    fn grant<'a>(
        &'a self,
        phase: &'a PhaseResult,
        cpu: &'a CpuShare,
        target: Option<f64>,
    ) -> Versus<'a> {
        Versus {
            phase,
            cpu,
            ceiling: self.combined(),
            ceiling_per_cpu: combined(self.signature_per_cpu(), self.trivial_per_cpu()),
            target,
            keycloak_per_vcpu: KEYCLOAK_REFRESH_PER_VCPU,
            cores: self.cores,
        }
    }

    fn refresh(&self) -> Versus<'_> {
        self.grant(&self.refresh, &self.refresh_cpu, Some(REFRESH_COMBINED_TARGET))
    }

    fn service(&self) -> Versus<'_> {
        self.grant(&self.service, &self.service_cpu, None)
    }

    /// Refresh against the signature ceiling alone (issue 2's figure for RSA).
    fn refresh_vs_signatures(&self) -> Versus<'_> {
        let is_rsa = matches!(self.algorithm.key_type(), KeyType::Rsa);
        Versus {
            phase: &self.refresh,
            cpu: &self.refresh_cpu,
            ceiling: self.signatures.per_second,
            ceiling_per_cpu: self.signature_per_cpu(),
            target: is_rsa.then_some(REFRESH_RSA_TARGET),
            keycloak_per_vcpu: KEYCLOAK_REFRESH_PER_VCPU,
            cores: self.cores,
        }
    }

    fn password(&self) -> Versus<'_> {
        Versus {
            phase: &self.password,
            cpu: &self.password_cpu,
            ceiling: self.argon2.per_second,
            ceiling_per_cpu: fraction(self.argon2.per_second, self.argon2.cpu.bench_fraction()),
            target: Some(PASSWORD_TARGET),
            keycloak_per_vcpu: KEYCLOAK_LOGINS_PER_VCPU,
            cores: self.cores,
        }
    }

    pub(crate) fn print(&self) {
        println!("{}", self.table());
        println!("{}", self.json());
    }

    fn table(&self) -> String {
        let mut t = String::new();
        let refresh = self.refresh();
        let service = self.service();
        let by_signature = self.refresh_vs_signatures();
        let password = self.password();
        let _ = writeln!(t);
        let _ = writeln!(
            t,
            "latchkey-bench: {} cores, concurrency {}, {:.0} s per throughput phase, access tokens {} (signed with {})",
            self.cores,
            self.concurrency,
            self.duration.as_secs_f64(),
            self.algorithm,
            self.signed_with
        );
        let _ = writeln!(t, "{}", "=".repeat(78));
        let _ = writeln!(t, "Ceilings (same machine, same run; CPU ones one thread per core)");
        let _ = writeln!(
            t,
            "  {:<44}{:>10.0}/s   ({} threads, {:.1} s, {} ops, others {})",
            format!("{} signatures", crate::ceilings::signature_name(self.algorithm)),
            self.signatures.per_second,
            self.signatures.threads,
            self.signatures.seconds,
            self.signatures.operations,
            pct(self.signatures.cpu.other_fraction())
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1}/s   ({} threads, {:.1} s, {} ops, others {})",
            "argon2id hashes (7168 KiB, t=5, p=1, 32 B)",
            self.argon2.per_second,
            self.argon2.threads,
            self.argon2.seconds,
            self.argon2.operations,
            pct(self.argon2.cpu.other_fraction())
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10.0}/s   (same HTTP stack, same form, 2 KB answer; server {}, bench {}, others {})",
            "trivial POST (parse the form, fixed JSON)",
            self.trivial_rate(),
            pct(self.trivial_cpu.server_fraction()),
            pct(self.trivial_cpu.bench_fraction()),
            pct(self.trivial_cpu.other_fraction())
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10.0}/s   (1 / (1/signatures + 1/trivial))",
            "combined: one signature + one trivial POST",
            self.combined()
        );
        let _ = writeln!(t, "Startup (spawn -> first 200 from /health/ready, polled every 1 ms)");
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1} ms",
            "first start (new database, import, RSA keys)",
            ms(self.first_start)
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1} ms   ({} probes)",
            "restart on the same data dir",
            ms(self.restart),
            self.restart_probes
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>13}   (final stop: {})",
            "stop after first start (SIGTERM -> exit)",
            stop_text(self.first_stop),
            stop_text(self.final_stop)
        );
        let _ = writeln!(t, "Resident memory of the server (VmRSS)");
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1} MiB",
            "idle after first start",
            mib(self.first_memory.rss_kib)
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1} MiB",
            "idle after restart",
            mib(self.idle_memory.rss_kib)
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1} MiB",
            format!("after {} sessions", self.sessions.ok),
            mib(self.sessions_memory.rss_kib)
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1} MiB",
            "after the refresh phase",
            mib(self.refresh_memory.rss_kib)
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1} MiB   (peak VmHWM {:.1} MiB)",
            "after the password phase (end)",
            mib(self.end_memory.rss_kib),
            mib(self.end_memory.hwm_kib)
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1} MiB",
            "database files on disk at the end",
            self.database_bytes as f64 / (1024.0 * 1024.0)
        );
        let _ = writeln!(t, "Sessions (client_credentials grants, one persisted session each)");
        let _ = writeln!(
            t,
            "  {:<44}{:>10.1}/s   ({} of {} in {:.1} s, {} errors, p50 {:.1} ms, p99 {:.1} ms)",
            "sessions created",
            self.sessions.per_second(),
            self.sessions.ok,
            self.sessions_target,
            self.sessions.elapsed.as_secs_f64(),
            self.sessions.error_count(),
            self.sessions.latency_ms(0.50),
            self.sessions.latency_ms(0.99)
        );
        let _ = writeln!(
            t,
            "  {:<44}{:>10}   (server {}, bench {}, others {} of the machine)",
            "CPU",
            "",
            pct(self.sessions_cpu.server_fraction()),
            pct(self.sessions_cpu.bench_fraction()),
            pct(self.sessions_cpu.other_fraction())
        );
        let _ = writeln!(t, "Token endpoint throughput (keep-alive HTTP/1.1, only 200s counted)");
        let _ = writeln!(
            t,
            "  {:<18}{:>9}{:>10}{:>8}{:>9}{:>9}{:>9}{:>9}{:>8}",
            "", "per s", "ceiling", "ratio", "target", "p50 ms", "p99 ms", "errors", "/vCPU"
        );
        for (name, v) in [
            ("refresh grants", &refresh),
            ("  vs signatures", &by_signature),
            ("client creds", &service),
            ("password grants", &password),
        ] {
            let _ = writeln!(
                t,
                "  {:<18}{:>9.1}{:>10.1}{:>8.3}{:>9}{:>9.2}{:>9.2}{:>9}{:>8.1}",
                name,
                v.rate(),
                v.ceiling,
                v.ratio(),
                v.target_text(),
                v.phase.latency_ms(0.50),
                v.phase.latency_ms(0.99),
                v.phase.error_count(),
                v.per_vcpu()
            );
        }
        let _ = writeln!(
            t,
            "  ceilings: refresh and client_credentials (no refresh token, nothing stored) vs the combined ceiling, \
             refresh also vs signatures/s alone, password vs argon2id hashes/s"
        );
        let _ = writeln!(
            t,
            "  targets: >= {ES256_REFRESH_TARGET:.0} refreshes/s with ES256 (here {:.0}/s with {}), \
             >= {REFRESH_COMBINED_TARGET} of the combined ceiling, RSA algorithms >= {REFRESH_RSA_TARGET} of the signature ceiling",
            refresh.rate(),
            self.signed_with
        );
        let _ = writeln!(
            t,
            "  Keycloak sizing guide per vCPU: {KEYCLOAK_REFRESH_PER_VCPU:.0} refreshes/s, {KEYCLOAK_LOGINS_PER_VCPU:.0} logins/s \
             (here: {:.0} and {:.1}, i.e. {:.1}x and {:.1}x)",
            refresh.per_vcpu(),
            password.per_vcpu(),
            refresh.per_vcpu() / KEYCLOAK_REFRESH_PER_VCPU,
            password.per_vcpu() / KEYCLOAK_LOGINS_PER_VCPU
        );
        let _ = writeln!(t, "CPU during the throughput phases (share of all cores over the phase)");
        for (name, v) in [
            ("refresh", &refresh),
            ("  vs sig", &by_signature),
            ("client cc", &service),
            ("password", &password),
        ] {
            let _ = writeln!(
                t,
                "  {:<10} server {:>6}  bench {:>6}  others {:>6}  bench/(bench+server) {:>6}  ratio w/o bench CPU {:.3}  per CPU used {:.3}",
                name,
                pct(v.cpu.server_fraction()),
                pct(v.cpu.bench_fraction()),
                pct(v.cpu.other_fraction()),
                pct(v.cpu.bench_share()),
                v.ratio_without_bench(),
                v.ratio_per_cpu_used()
            );
        }
        let noisy = [
            ("signature ceiling", &self.signatures.cpu),
            ("argon2 ceiling", &self.argon2.cpu),
            ("trivial ceiling", &self.trivial_cpu),
            ("client credentials", &self.service_cpu),
            ("sessions", &self.sessions_cpu),
            ("refresh", &self.refresh_cpu),
            ("password", &self.password_cpu),
        ]
        .into_iter()
        .filter(|(_, cpu)| cpu.other_fraction() > NOISE_LIMIT)
        .map(|(name, cpu)| format!("{name} {}", pct(cpu.other_fraction())))
        .collect::<Vec<_>>();
        if !noisy.is_empty() {
            let _ = writeln!(
                t,
                "WARNING: other processes used the CPU during: {}. Those figures (and the ratios) \
                 are not reliable; rerun on a quiet machine.",
                noisy.join(", ")
            );
        }
        let phases = [
            ("sessions", &self.sessions),
            ("refresh", &self.refresh),
            ("client cc", &self.service),
            ("trivial", &self.trivial),
            ("password", &self.password),
        ];
        if phases.iter().any(|(_, p)| p.error_count() > 0) {
            let _ = writeln!(t, "Errors");
            for (name, phase) in phases {
                for (kind, count) in &phase.errors {
                    let sample = phase.samples.get(kind).map_or("", String::as_str);
                    let _ = writeln!(t, "  {name:<10} {count:>8} x {kind}: {sample}");
                }
            }
        }
        let _ = writeln!(
            t,
            "Server log: {} warnings, {} errors, {} lines about SQLite busy/locked",
            self.log.warnings, self.log.errors, self.log.busy
        );
        for sample in &self.log.samples {
            let _ = writeln!(t, "  {}", sample.chars().take(200).collect::<String>());
        }
        t
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "bench": "latchkey",
            "cores": self.cores,
            "concurrency": self.concurrency,
            "duration_s": self.duration.as_secs_f64(),
            "algorithm": self.algorithm.as_str(),
            "signed_with": self.signed_with,
            "ceilings": {
                "signatures_per_second": round(self.signatures.per_second, 1),
                "signature": crate::ceilings::signature_name(self.algorithm),
                "argon2id_hash_per_second": round(self.argon2.per_second, 2),
                "trivial_post_per_second": round(self.trivial_rate(), 1),
                "combined_per_second": round(self.combined(), 1),
                "threads": self.signatures.threads,
                "signature_cpu": self.signatures.cpu.json(),
                "argon2_cpu": self.argon2.cpu.json(),
                "trivial_cpu": self.trivial_cpu.json(),
                "trivial_errors": self.trivial.error_count(),
            },
            "startup": {
                "first_start_ms": round(ms(self.first_start), 2),
                "restart_ms": round(ms(self.restart), 2),
                "first_stop_ms": self.first_stop.map(|d| round(ms(d), 2)),
                "final_stop_ms": self.final_stop.map(|d| round(ms(d), 2)),
            },
            "memory_kib": {
                "idle_first_start": self.first_memory.rss_kib,
                "idle_restart": self.idle_memory.rss_kib,
                "after_sessions": self.sessions_memory.rss_kib,
                "after_refresh": self.refresh_memory.rss_kib,
                "end": self.end_memory.rss_kib,
                "peak": self.end_memory.hwm_kib,
            },
            "database_bytes": self.database_bytes,
            "sessions": {
                "target": self.sessions_target,
                "created": self.sessions.ok,
                "per_second": round(self.sessions.per_second(), 1),
                "errors": self.sessions.error_count(),
                "error_kinds": self.sessions.errors,
                "seconds": round(self.sessions.elapsed.as_secs_f64(), 3),
                "p50_ms": round(self.sessions.latency_ms(0.50), 2),
                "p99_ms": round(self.sessions.latency_ms(0.99), 2),
                "cpu": self.sessions_cpu.json(),
            },
            "refresh": self.refresh().json(),
            "refresh_vs_signatures": self.refresh_vs_signatures().json(),
            "client_credentials": self.service().json(),
            "password": self.password().json(),
            "server_log": {
                "warnings": self.log.warnings,
                "errors": self.log.errors,
                "sqlite_busy_lines": self.log.busy,
            },
        })
    }
}
