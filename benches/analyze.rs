//! `cargo bench`: analysis of synthetic clusters of 1k, 10k and 50k pods, and loading a
//! 10k-pod snapshot file. Targets (docs/performance.md): 10k pods analysed in < 50 ms on
//! 2 cores; 50k within 6x of 10k.

use kubectl_sts::checks::analyze;
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::snapshot::{Snapshot, file};
use kubectl_sts::synth::{Shape, cluster};
use std::sync::LazyLock;

fn main() {
    divan::main();
}

static CLUSTERS: LazyLock<Vec<(usize, Snapshot)>> = LazyLock::new(|| {
    [1_000, 10_000, 50_000]
        .into_iter()
        .map(|n| (n, cluster(Shape::pods(n))))
        .collect()
});

fn snap(pods: usize) -> &'static Snapshot {
    &CLUSTERS
        .iter()
        .find(|(n, _)| *n == pods)
        .expect("generated size")
        .1
}

#[divan::bench(args = [1_000, 10_000, 50_000], sample_count = 20)]
fn analyze_pods(bencher: divan::Bencher, pods: usize) {
    let s = snap(pods);
    let now = s
        .captured_at
        .expect("synthetic snapshots have a capture time");
    let k = Kubectl::default();
    bencher.bench(|| analyze(divan::black_box(s), now, &k));
}

static FILE_10K: LazyLock<String> = LazyLock::new(|| {
    let v = file::to_list_value(snap(10_000)).expect("serialisable");
    serde_saphyr::to_string(&v).expect("YAML")
});

static JSON_10K: LazyLock<String> = LazyLock::new(|| {
    let v = file::to_list_value(snap(10_000)).expect("serialisable");
    serde_json::to_string(&v).expect("JSON")
});

#[divan::bench(sample_count = 5)]
fn load_snapshot_yaml_10k(bencher: divan::Bencher) {
    let text = FILE_10K.as_str();
    bencher.bench(|| file::read_str(divan::black_box(text), "bench.yaml").expect("valid"));
}

#[divan::bench(sample_count = 5)]
fn load_snapshot_json_10k(bencher: divan::Bencher) {
    let text = JSON_10K.as_str();
    bencher.bench(|| file::read_str(divan::black_box(text), "bench.json").expect("valid"));
}

#[divan::bench(args = [10_000], sample_count = 10)]
fn index_only(bencher: divan::Bencher, pods: usize) {
    let s = snap(pods);
    bencher.bench(|| kubectl_sts::analysis::index::Index::new(divan::black_box(s)));
}
