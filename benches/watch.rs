//! `cargo bench --bench watch`: what one change costs `diagnose --watch` on a 10,000-pod
//! cluster: the state copied out of the watch stores (`Stores::snapshot` clones every
//! object), analysed, and compared with the findings before. Target (issue 16): a change is
//! on screen within 250 ms of its event.

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
    bencher.bench(|| {
        let copy = divan::black_box(s).clone();
        let after = analyze(&copy, now, &k);
        kubectl_sts::watch::diff(Some(&before), &after)
    });
}
