//! Writes a synthetic cluster snapshot (a `kubectl sts snapshot` file, JSON), for
//! benchmarks and memory measurements:
//! `cargo run --release --example synth -- 10000 > 10k.json` (StatefulSets of three), or
//! `… -- 10000 10` for StatefulSets of ten members (the shape issue 15 was measured on).
fn main() {
    let mut args = std::env::args().skip(1);
    let pods: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let mut shape = kubectl_sts::synth::Shape::pods(pods);
    if let Some(replicas) = args.next().and_then(|s| s.parse::<usize>().ok()) {
        shape.replicas = replicas.max(1);
        shape.statefulsets = pods.div_ceil(shape.replicas);
    }
    let snap = kubectl_sts::synth::cluster(shape);
    let doc = kubectl_sts::snapshot::file::to_list_value(&snap).expect("serialisable");
    println!("{}", serde_json::to_string(&doc).expect("JSON"));
}
