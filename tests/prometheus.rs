//! `diagnose --prometheus` against a real Prometheus (backfilled with known series, see
//! `support::prometheus`) and the fake API server: the time-to-full the tool prints, in
//! the table and in JSON, the inode case, a stopped series, duplicate scrapes, and the
//! failures that must say "not checked" (unreachable, no series, a query error). The
//! service-proxy path runs against the fake, with answers recorded from the real server.
//!
//! Needs `prometheus` and `promtool` on PATH (Debian package `prometheus`): without them
//! these tests fail and say how to install them.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use support::fake_apiserver::{FakeApiServer, Options, fixture_items};
use support::harness::{Env, Run, flat, run};
use support::prometheus::{Claim, GI, Prometheus, free_port};

const RUNBOOK: &str = "volume-filling-up";

/// The recorded shop (claims data-orders-db-0..2 of 10Gi in namespace shop, class
/// `standard` allowing expansion) and its series:
/// - db-0: 88 % full, +1.4 GiB/h: full in 51 m (critical: sooner than a resize takes);
/// - db-1: bytes flat at 30 %, inodes 70 % used and +100k/h of 1M: out in 3 h (warning);
/// - db-2: 95 % full, but its series stopped an hour ago (pod gone): not reported.
fn shop_claims() -> Vec<Claim> {
    let ten = 10.0 * GI;
    let mut db1 = Claim::linear("shop", "data-orders-db-1", ten, 3.0 * GI, 0.0);
    db1.inodes_used = Box::new(|t| 700_000.0 - 100_000.0 * t / 3600.0);
    let mut db2 = Claim::linear("shop", "data-orders-db-2", ten, 9.5 * GI, 0.1 * GI);
    db2.stopped_secs_ago = 3600;
    vec![
        Claim::linear("shop", "data-orders-db-0", ten, 8.8 * GI, 1.4 * GI),
        db1,
        db2,
    ]
}

fn diagnose(api: &FakeApiServer, prometheus: &str, extra: &[&str]) -> Run {
    let env = Env::with_kubeconfig(&api.kubeconfig());
    let mut cmd = env.sts();
    cmd.args([
        "diagnose",
        "-n",
        "shop",
        "--prometheus",
        prometheus,
        "--no-interactive",
    ])
    .args(extra);
    run(&mut cmd)
}

fn ours(doc: &Value) -> Vec<&Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["runbook"] == RUNBOOK)
        .collect()
}

/// The minutes in "... full in about 2 h 10 m" / "45 m".
fn minutes(summary: &str, marker: &str) -> f64 {
    let tail = summary
        .split(marker)
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker:?} in {summary:?}"));
    let words: Vec<&str> = tail.split_whitespace().collect();
    let mut total = 0.0;
    let mut i = 0;
    while i + 1 < words.len() {
        let Ok(n) = words[i].parse::<f64>() else {
            break;
        };
        let unit = words[i + 1].trim_end_matches([',', ')', '(']);
        total += n * match unit {
            "d" => 1440.0,
            "h" => 60.0,
            "m" => 1.0,
            _ => break,
        };
        i += 2;
    }
    total
}

#[test]
fn time_to_full_is_printed_within_tolerance_in_json_and_table() {
    let prom = Prometheus::with(&shop_claims());
    let api = FakeApiServer::start();

    let r = diagnose(&api, &prom.url(), &["-o", "json"]);
    let doc = r.json();
    let found = ours(&doc);
    let names: Vec<&str> = found
        .iter()
        .map(|f| f["object"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["data-orders-db-0", "data-orders-db-1"],
        "db-2's series stopped: not reported; stderr: {}",
        r.stderr
    );
    assert!(
        doc["skipped"].as_array().unwrap().is_empty(),
        "{}",
        doc["skipped"]
    );
    assert!(
        !doc["not_checked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["runbook"] == RUNBOOK)
    );

    let db0 = found[0];
    let s = db0["summary"].as_str().unwrap();
    assert!(
        s.starts_with("data-orders-db-0 is 88 % full and grows 1.4 GiB/h: full in about"),
        "{s}"
    );
    let m = minutes(s, "full in about");
    assert!((m - 51.4).abs() <= 3.0, "51 m expected, got {m} m: {s}");
    assert_eq!(
        db0["severity"], "critical",
        "full sooner than a resize takes"
    );
    let evidence: Vec<&str> = db0["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    let trend = evidence
        .iter()
        .find(|e| e.contains("deriv(kubelet_volume_stats_*[6h]) over"))
        .unwrap_or_else(|| panic!("no trend evidence: {evidence:?}"));
    // 6 h of samples every 30 s, however many jobs scrape the kubelet.
    let samples: u64 = trend
        .split("over ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no sample count in {trend}"));
    assert!((715..=722).contains(&samples), "{trend}");
    let commands: Vec<&str> = db0["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    // Room for 7 days at 1.4 GiB/h, under 90 %: (8.8 + 235.2) / 0.9 = 271.1 → 272 Gi.
    assert!(
        commands[0].starts_with("kubectl sts pvc-expand orders-db --size 272Gi ")
            && commands[0].ends_with(" -n shop"),
        "{commands:?}"
    );
    assert!(commands[0].contains("--kubeconfig"), "{}", commands[0]);

    let db1 = found[1];
    let s = db1["summary"].as_str().unwrap();
    assert!(
        s.starts_with("data-orders-db-1 has used 70 % of its inodes and uses 100000 more an hour"),
        "{s}"
    );
    let m = minutes(s, "out of inodes in about");
    assert!((m - 180.0).abs() <= 5.0, "3 h expected, got {m} m: {s}");
    assert_eq!(db1["severity"], "warning");

    let table = diagnose(&api, &prom.url(), &[]);
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{}", table.stdout);
    }
    let text = flat(&table.stdout);
    assert!(
        text.contains("data-orders-db-0 is 88 % full and grows 1.4 GiB/h: full in about 51 m"),
        "{}",
        table.stdout
    );
    assert!(
        !text.contains("not checked (run with --volume-stats or --prometheus)"),
        "{}",
        table.stdout
    );
}

#[test]
fn a_flat_volume_below_80_percent_is_not_reported() {
    let ten = 10.0 * GI;
    let prom = Prometheus::with(&[
        Claim::linear("shop", "data-orders-db-0", ten, 7.0 * GI, 0.0),
        // Shrinking (compaction ran): not filling up.
        Claim::linear("shop", "data-orders-db-1", ten, 7.5 * GI, -0.5 * GI),
        // 75 % but slow: full in 5 days, beyond the one-day horizon.
        Claim::linear("shop", "data-orders-db-2", ten, 7.5 * GI, 0.02 * GI),
    ]);
    let api = FakeApiServer::start();
    let r = diagnose(&api, &prom.url(), &["-o", "json"]);
    let doc = r.json();
    assert!(ours(&doc).is_empty(), "{}", r.stdout);
    assert!(doc["skipped"].as_array().unwrap().is_empty());
}

#[test]
fn unreachable_prometheus_is_not_checked_with_the_reason() {
    let api = FakeApiServer::start();
    let url = format!("http://127.0.0.1:{}", free_port());
    let r = diagnose(&api, &url, &["-o", "json"]);
    assert!(matches!(r.code, 0 | 1), "never a crash: {}", r.stderr);
    let doc = r.json();
    let skipped = doc["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["source"], "prometheus");
    let reason = skipped[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!("{url}: unreachable")),
        "{reason}"
    );
    let nc: Vec<&Value> = doc["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["runbook"] == RUNBOOK)
        .collect();
    assert_eq!(nc.len(), 1);
    assert_eq!(nc[0]["missing"], serde_json::json!(["prometheus"]));

    let table = diagnose(&api, &url, &[]);
    let text = flat(&table.stdout);
    assert!(
        text.contains(&format!("skipped: prometheus ({url}: unreachable")),
        "{}",
        table.stdout
    );
    assert!(
        text.contains("not checked (needs prometheus): volume-filling-up"),
        "{}",
        table.stdout
    );
}

#[test]
fn no_matching_series_and_query_errors_are_not_checked() {
    let prom = Prometheus::with(&[Claim::linear(
        "elsewhere",
        "data-other-0",
        10.0 * GI,
        9.0 * GI,
        1.0 * GI,
    )]);
    let api = FakeApiServer::start();
    let r = diagnose(&api, &prom.url(), &["-o", "json"]);
    let doc = r.json();
    let reason = doc["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("no kubelet_volume_stats_used_bytes series in namespace shop"),
        "{}",
        r.stdout
    );
    assert!(ours(&doc).is_empty());

    // Claims in scope whose series are not there (their pods never ran).
    let mut claims = fixture_items("persistentvolumeclaims");
    claims.truncate(1);
    claims[0]["metadata"]["name"] = serde_json::json!("data-ghost-0");
    let prom = Prometheus::with(&shop_claims());
    let api = FakeApiServer::with(Options::default().items("persistentvolumeclaims", claims));
    let doc = diagnose(&api, &prom.url(), &["-o", "json"]).json();
    let reason = doc["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("no current kubelet_volume_stats_used_bytes series for the 1 claim(s)"),
        "{reason}"
    );

    // Not Prometheus at all (the fake API server answers 404 for /api/v1/query).
    let doc = diagnose(&api, &api.url(), &["-o", "json"]).json();
    let reason = doc["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("HTTP 404"), "{reason}");
}

#[test]
fn prometheus_and_kubelet_together_and_a_bad_window_is_refused() {
    let api = FakeApiServer::start();
    let env = Env::with_kubeconfig(&api.kubeconfig());
    let r = run(env.sts().args([
        "diagnose",
        "-n",
        "shop",
        "--prometheus",
        "http://127.0.0.1:9",
        "--trend-window",
        "6 hours",
    ]));
    assert!(r.usage_error().contains("--trend-window"), "{}", r.stderr);
    let r = run(env
        .sts()
        .args(["diagnose", "--prometheus", "prometheus:9090"]));
    assert!(r.usage_error().contains("svc/NAMESPACE/NAME:PORT"));
    assert!(api.requests().is_empty(), "a typo costs no round trip");
}

/// The fixture of recorded answers: `{"evaluatedAt": RFC3339, "answers": {PROMQL: BODY}}`.
fn recorded() -> (String, BTreeMap<String, Value>) {
    let path = support::harness::root().join("tests/fixtures/prometheus/shop-queries.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let answers = v["answers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (v["evaluatedAt"].as_str().unwrap().to_string(), answers)
}

#[test]
fn through_the_service_proxy() {
    let (at, answers) = recorded();
    let api = FakeApiServer::with(Options::default().prometheus_service(
        "monitoring",
        "prometheus-k8s:9090",
        answers,
    ));
    let r = diagnose(
        &api,
        "svc/monitoring/prometheus-k8s:9090",
        &["-o", "json", "--now", &at],
    );
    let doc = r.json();
    assert!(
        doc["skipped"].as_array().unwrap().is_empty(),
        "{}",
        doc["skipped"]
    );
    let found = ours(&doc);
    assert_eq!(found.len(), 2, "{}", r.stdout);
    assert!(
        found[0]["summary"]
            .as_str()
            .unwrap()
            .contains("grows 1.4 GiB/h: full in about 51 m")
    );
    let proxied: Vec<_> = api
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("/proxy/"))
        .collect();
    assert_eq!(
        proxied.len(),
        kubectl_sts::snapshot::prometheus::QUERIES,
        "a fixed number of queries"
    );
    assert!(proxied.iter().all(|r| r.method == "GET"
        && r.path
            == "/api/v1/namespaces/monitoring/services/prometheus-k8s:9090/proxy/api/v1/query"));
}

/// Records `tests/fixtures/prometheus/shop-queries.json` from a real server, and
/// `docs/examples/orders-db-filling-up.yaml` (`kubectl sts snapshot --prometheus` of the
/// fake's shop against it) for docs/diagnose.md:
/// `RECORD_PROMETHEUS=1 cargo test --test prometheus record -- --ignored`.
#[test]
#[ignore]
fn record_service_proxy_answers() {
    if std::env::var_os("RECORD_PROMETHEUS").is_none() {
        return;
    }
    let prom = Prometheus::with(&shop_claims());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut answers = serde_json::Map::new();
    for q in kubectl_sts::snapshot::prometheus::queries(Some("shop"), "6h") {
        let enc: String = q
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let body = prom.get(&format!("/api/v1/query?query={enc}&time={now}"));
        answers.insert(q, serde_json::from_str(&body).unwrap());
    }
    let at = jiff::Timestamp::from_second(now as i64)
        .unwrap()
        .to_string();
    let doc = serde_json::json!({"evaluatedAt": at, "answers": answers});
    let path = support::harness::root().join("tests/fixtures/prometheus/shop-queries.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();

    let api = FakeApiServer::start();
    let env = Env::with_kubeconfig(&api.kubeconfig());
    let r = run(env
        .sts()
        .args(["snapshot", "-n", "shop", "--prometheus", &prom.url()]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let path = support::harness::root().join("docs/examples/orders-db-filling-up.yaml");
    std::fs::write(&path, &r.stdout).unwrap();
}

#[test]
fn pvc_expand_sizes_for_a_duration_at_the_current_rate() {
    let prom = Prometheus::with(&shop_claims());
    let api = FakeApiServer::start();
    let env = Env::with_kubeconfig(&api.kubeconfig());
    let r = run(env.sts().args([
        "pvc-expand",
        "orders-db",
        "-n",
        "shop",
        "--to-usage",
        "70",
        "--for",
        "7d",
        "--prometheus",
        &prom.url(),
        "-o",
        "json",
    ]));
    let doc = r.json();
    // db-0: 8.8 Gi + 7 d × 1.4 GiB/h = 244 Gi; at 70 % of a 10 Gi filesystem on a 10 Gi
    // volume: 348.6 → 349Gi.
    assert_eq!(doc["to"], "349Gi", "{}", r.stdout);
    let basis = doc["size_basis"].as_str().unwrap();
    assert!(
        basis.starts_with("the fullest member in 7d at the current rate, data-orders-db-0"),
        "{basis}"
    );
    assert!(
        !api.requests().iter().any(|r| r.path.contains("/nodes/")),
        "Prometheus has the usage: no node proxy read"
    );

    // Without Prometheus there is no rate to size by.
    let r = run(env.sts().args([
        "pvc-expand",
        "orders-db",
        "-n",
        "shop",
        "--to-usage",
        "70",
        "--for",
        "7d",
    ]));
    assert!(
        r.usage_error()
            .contains("--for needs the growth rate from Prometheus")
    );
}
