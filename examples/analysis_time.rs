//! The analysis alone (index and every check, as `diagnose` runs it), on a synthetic
//! cluster: `cargo run --release --example analysis_time -- 10000 [runs]`. Prints the
//! fastest and the median run in milliseconds, as JSON, for scripts/perf-table.py.
use kubectl_sts::checks::analyze;
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::synth::{Shape, cluster};
use std::time::Instant;

/// The binary's allocator (src/main.rs), so the figure is what `diagnose` spends.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let pods: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let runs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let snap = cluster(Shape::pods(pods));
    let k = Kubectl::default();
    let now = snap
        .captured_at
        .expect("synthetic clusters carry a capture time");
    let mut ms: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            let report = analyze(&snap, now, &k);
            let took = t.elapsed().as_secs_f64() * 1e3;
            std::hint::black_box(report);
            took
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    println!(
        "{{\"pods\": {pods}, \"fastest_ms\": {:.1}, \"median_ms\": {:.1}}}",
        ms[0],
        ms[ms.len() / 2]
    );
}
