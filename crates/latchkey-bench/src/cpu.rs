//! Who used the CPU during a phase: the bench, the server, and everything else on
//! the machine (`/proc/stat` minus the two), all in the kernel's clock ticks.
//! Other processes (a compiler, a noisy neighbour, hypervisor steal) make every
//! figure of that phase unreliable, so the report shows their share too.

use serde_json::json;

/// CPU counters at one instant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuSnapshot {
    bench: u64,
    server: u64,
    busy: u64,
    total: u64,
}

/// CPU time used during a phase, in clock ticks, and the machine's capacity over it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CpuShare {
    pub(crate) bench_ticks: u64,
    pub(crate) server_ticks: u64,
    /// Busy ticks of everything else (other processes, the kernel, steal).
    pub(crate) other_ticks: u64,
    /// All ticks of all cores (busy and idle) over the phase.
    pub(crate) total_ticks: u64,
}

impl CpuSnapshot {
    /// `server_pid`: the server's process, if one runs.
    pub(crate) fn now(server_pid: Option<u32>) -> CpuSnapshot {
        let (busy, total) = machine_ticks();
        CpuSnapshot {
            bench: process_ticks("/proc/self/stat"),
            server: server_pid.map_or(0, |pid| process_ticks(&format!("/proc/{pid}/stat"))),
            busy,
            total,
        }
    }

    pub(crate) fn since(&self, before: &CpuSnapshot) -> CpuShare {
        let bench_ticks = self.bench.saturating_sub(before.bench);
        let server_ticks = self.server.saturating_sub(before.server);
        let busy = self.busy.saturating_sub(before.busy);
        CpuShare {
            bench_ticks,
            server_ticks,
            other_ticks: busy.saturating_sub(bench_ticks + server_ticks),
            total_ticks: self.total.saturating_sub(before.total),
        }
    }
}

impl CpuShare {
    /// Fraction of the machine (all cores over the phase) used by the bench.
    pub(crate) fn bench_fraction(&self) -> f64 {
        fraction(self.bench_ticks, self.total_ticks)
    }

    pub(crate) fn server_fraction(&self) -> f64 {
        fraction(self.server_ticks, self.total_ticks)
    }

    pub(crate) fn other_fraction(&self) -> f64 {
        fraction(self.other_ticks, self.total_ticks)
    }

    /// The bench's part of the CPU time the bench and the server used together.
    pub(crate) fn bench_share(&self) -> f64 {
        fraction(self.bench_ticks, self.bench_ticks + self.server_ticks)
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        json!({
            "bench_cpu_fraction": round(self.bench_fraction(), 4),
            "server_cpu_fraction": round(self.server_fraction(), 4),
            "other_cpu_fraction": round(self.other_fraction(), 4),
            "bench_share_of_used_cpu": round(self.bench_share(), 4),
        })
    }
}

fn fraction(part: u64, whole: u64) -> f64 {
    if whole > 0 { part as f64 / whole as f64 } else { 0.0 }
}

pub(crate) fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` file.
fn process_ticks(path: &str) -> u64 {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name (field 2) may hold spaces; the fields after it start at ')'.
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // `rest` starts at field 3 (state), so field 14 is index 11.
    get(11) + get(12)
}

/// (busy, total) ticks of all cores from the `cpu` line of `/proc/stat`:
/// user nice system idle iowait irq softirq steal (guest time is already in user).
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else { return (0, 0) };
    let v: Vec<u64> = line.split_whitespace().skip(1).map(|f| f.parse().unwrap_or(0)).collect();
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    let idle = get(3) + get(4);
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    (busy, busy + idle)
}
