//! Writes a synthetic cluster snapshot: `cargo run --release --example synth -- 10000 > 10k.json`
//! (a `kubectl sts snapshot` file, JSON), for benchmarks and memory measurements.
fn main() {
    let pods: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let snap = kubectl_sts::synth::cluster(kubectl_sts::synth::Shape::pods(pods));
    let doc = kubectl_sts::snapshot::file::to_list_value(&snap).expect("serialisable");
    println!("{}", serde_json::to_string(&doc).expect("JSON"));
}
