//! Time per check on a synthetic cluster, to find the expensive ones:
//! `cargo run --release --example per_check -- 10000`. Each check runs alone on one shared
//! index, best of five.
use kubectl_sts::analysis::{Ctx, index::Index};
use kubectl_sts::checks::CHECKS;
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::synth::{Shape, cluster};
use std::time::Instant;
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let s = cluster(Shape::pods(n));
    let k = Kubectl::default();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let i = Index::new(&s);
        best = best.min(t.elapsed().as_secs_f64());
        drop(i);
    }
    println!("index: {:.1} ms", best * 1e3);
    let ctx = Ctx {
        snap: &s,
        idx: Index::new(&s),
        now: s.captured_at.unwrap(),
        kubectl: &k,
    };
    let mut rows = vec![];
    let mut total = 0.0;
    for c in CHECKS {
        let mut best = f64::MAX;
        let mut nf = 0;
        for _ in 0..5 {
            let mut out = vec![];
            let t = Instant::now();
            (c.run)(&ctx, &mut out);
            best = best.min(t.elapsed().as_secs_f64());
            nf = out.len();
        }
        total += best;
        rows.push((best * 1e3, c.id, nf));
    }
    rows.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    println!("checks total: {:.1} ms", total * 1e3);
    for (ms, id, f) in rows.iter().take(20) {
        println!("{ms:8.2} ms  {id} ({f} findings)");
    }
}
