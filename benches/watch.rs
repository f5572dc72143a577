//! `cargo bench --bench watch`: what one change to a pod costs `diagnose --watch` on a
//! 10,000-pod cluster: the pods copied out of their watch store again (`Stores::refresh`
//! copies only the kinds that changed), the state analysed, and compared with the findings
//! before. Target (issue 16): a change is on screen within 250 ms of its event.

use kubectl_sts::checks::analyze;
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::snapshot::Snapshot;
use kubectl_sts::synth::{Shape, cluster};
use std::sync::LazyLock;

fn main() {
    divan::main();
}

static SNAP: LazyLock<Snapshot> = LazyLock::new(|| cluster(Shape::pods(10_000)));

#[divan::bench(sample_count = 10)]
fn one_change_10k(bencher: divan::Bencher) {
    let s = &*SNAP;
    let now = s
        .captured_at
        .expect("synthetic snapshots have a capture time");
    let k = Kubectl::default();
    let before = analyze(s, now, &k);
    let mut state = s.clone();
    bencher.bench_local(|| {
        state.pods = divan::black_box(&s.pods).clone();
        let after = analyze(&state, now, &k);
        kubectl_sts::watch::diff(Some(&before), &after)
    });
}
