//! Fleet runs over real HTTP: two fake API servers and a kubeconfig of three contexts —
//! `prod` (everything readable), `staging` (nodes forbidden: partly read) and `gone`
//! (nothing listens). Each command in each output format: the reachable clusters are
//! judged, the unreachable one is reported as such and never as healthy, every command
//! printed addresses its own cluster, and exit 2 only when no cluster could be read.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use support::fake_apiserver::{FakeApiServer, Options, fixture_items};
use support::harness::{Env, Run, flat, run};

struct Fleet {
    prod: FakeApiServer,
    staging: FakeApiServer,
    env: Env,
}

/// A closed port: bound then dropped, so nothing listens there.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn kubeconfig(servers: &[(&str, String)]) -> String {
    let mut clusters = String::new();
    let mut contexts = String::new();
    for (name, url) in servers {
        clusters.push_str(&format!("- name: {name}\n  cluster:\n    server: {url}\n"));
        contexts.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: token\n"
        ));
    }
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{clusters}users:\n- name: token\n  user:\n    token: fake-token\ncontexts:\n{contexts}current-context: prod\n"
    )
}

fn fleet_with(prod: Options, staging: Options) -> Fleet {
    let prod = FakeApiServer::with(prod);
    let staging = FakeApiServer::with(staging.forbid("nodes"));
    let env = Env::with_kubeconfig(&kubeconfig(&[
        ("prod", prod.url()),
        ("staging", staging.url()),
        ("gone", format!("http://127.0.0.1:{}", closed_port())),
    ]));
    Fleet { prod, staging, env }
}

fn fleet() -> Fleet {
    fleet_with(Options::default(), Options::default())
}

fn sts(f: &Fleet, args: &[&str]) -> Run {
    let mut cmd = f.env.sts();
    cmd.args(args).args(["--request-timeout", "5s"]);
    if args[0] != "snapshot" {
        cmd.args(["--now", "2026-11-22T03:00:00Z"]);
    }
    run(&mut cmd)
}

/// The recorded state plus a claim left behind by a scale-down from 5 replicas: an orphan.
fn with_orphan() -> Options {
    let mut claims = fixture_items("persistentvolumeclaims");
    let mut left = claims
        .iter()
        .find(|c| c["metadata"]["name"] == "data-orders-db-0")
        .unwrap()
        .clone();
    left["metadata"]["name"] = json!("data-orders-db-4");
    left["metadata"]["uid"] = json!("uid-4");
    left["spec"]["volumeName"] = json!("pvc-uid-4");
    claims.push(left);
    Options::default().items("persistentvolumeclaims", claims)
}

fn yaml(run: &Run) -> Value {
    serde_saphyr::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not YAML ({e}):\n{}", run.stdout))
}

fn statuses(doc: &Value) -> Vec<(String, String)> {
    doc["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["context"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every command of every finding of `cluster` names that cluster's context, and no other.
fn commands_address_their_cluster(cluster: &Value) {
    let context = cluster["context"].as_str().unwrap();
    let findings = cluster["findings"]
        .as_array()
        .or_else(|| cluster["orphans"].as_array())
        .unwrap();
    let mut n = 0;
    for f in findings {
        for c in f["commands"].as_array().unwrap() {
            let cmd = c["command"].as_str().unwrap();
            if cmd.starts_with("kubectl ") {
                n += 1;
                assert!(
                    cmd.contains(&format!("--context {context} ")),
                    "{context}: {cmd}"
                );
                assert_eq!(cmd.matches("--context").count(), 1, "{cmd}");
            }
        }
    }
    assert!(n > 0, "{context} has commands to check");
}

#[test]
fn diagnose_json_and_yaml_report_each_cluster_and_the_unreachable_one_as_such() {
    let f = fleet();
    let r = sts(&f, &["diagnose", "-A", "--all-contexts", "-o", "json"]);
    assert_eq!(r.code, 1, "warnings found; stderr:\n{}", r.stderr);
    let doc = r.json();
    assert_eq!(
        statuses(&doc),
        [
            ("prod".into(), "ok".into()),
            ("staging".into(), "partial".into()),
            ("gone".into(), "unreachable".into())
        ]
    );
    let clusters = doc["clusters"].as_array().unwrap();
    let (prod, staging, gone) = (&clusters[0], &clusters[1], &clusters[2]);
    assert_eq!(prod["server"], f.prod.url().as_str().to_owned() + "/");
    assert!(!prod["findings"].as_array().unwrap().is_empty());
    commands_address_their_cluster(prod);
    commands_address_their_cluster(staging);
    // Partly read: the skipped kind is named, the checks that need it did not run.
    assert_eq!(staging["skipped"][0]["source"], "nodes");
    assert!(
        staging["not_checked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["runbook"] == "node-not-ready")
    );
    // Unreachable: no findings, every source skipped with the reason, never "healthy".
    assert_eq!(gone["findings"], Value::Array(vec![]));
    assert!(gone["reason"].as_str().unwrap().contains("cannot reach"));
    let skipped = gone["skipped"].as_array().unwrap();
    assert!(skipped.len() >= 10, "{skipped:?}");
    assert!(
        skipped
            .iter()
            .all(|s| s["reason"].as_str().unwrap().starts_with("unreachable: "))
    );
    let sum = |key: &str| {
        clusters
            .iter()
            .filter_map(|c| c["summary"][key].as_u64())
            .sum::<u64>()
    };
    assert_eq!(doc["summary"]["clusters"], 3);
    assert_eq!(doc["summary"]["read"], 2);
    for key in ["critical", "warning", "info"] {
        assert_eq!(doc["summary"][key].as_u64().unwrap(), sum(key), "{key}");
    }
    // Progress went to stderr, one line per cluster; stdout held only the document.
    for c in ["prod: ok", "staging: partial", "gone: unreachable"] {
        assert!(r.stderr.contains(c), "{c}:\n{}", r.stderr);
    }
    let y = sts(&f, &["diagnose", "-A", "--all-contexts", "-o", "yaml"]);
    let mut a = yaml(&y);
    let mut b = doc;
    // The same document either way (the unreachable cluster's port error may differ
    // only in wording between runs: compare the rest).
    for d in [&mut a, &mut b] {
        d["clusters"][2]["reason"] = Value::Null;
        d["clusters"][2]["skipped"] = Value::Null;
    }
    assert_eq!(a, b);
}

#[test]
fn diagnose_table_has_a_cluster_column_a_line_per_cluster_and_each_report() {
    let f = fleet();
    let r = sts(&f, &["diagnose", "-A", "--all-contexts"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = &r.stdout;
    assert!(
        out.starts_with("fleet · 3 contexts · 2 read, 1 not read"),
        "{out}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let header = lines
        .iter()
        .position(|l| {
            l.split_whitespace().collect::<Vec<_>>()
                == ["CLUSTER", "STATUS", "CRITICAL", "WARNING", "INFO", "NOTE"]
        })
        .expect("the clusters table");
    let row = |i: usize| lines[header + i].split_whitespace().collect::<Vec<_>>();
    assert_eq!(row(1)[..2], ["prod", "ok"]);
    assert_eq!(row(2)[..2], ["staging", "partial"]);
    assert!(lines[header + 2].contains("skipped: nodes"));
    assert_eq!(row(3)[..5], ["gone", "unreachable", "-", "-", "-"]);
    assert!(
        lines
            .iter()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["CLUSTER", "SEVERITY", "RUNBOOK", "OBJECT"])
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(" prod ") && l.contains("WARNING"))
    );
    for section in ["══ prod", "══ staging", "══ gone"] {
        assert!(lines.contains(&section), "{section}:\n{out}");
    }
    assert!(
        flat(out).contains("unreachable: cannot reach the Kubernetes API server"),
        "{out}"
    );
    assert!(flat(out).contains("Nothing is known about this cluster."));
    assert!(out.contains("fleet summary: 2 of 3 clusters read"));
    // Each cluster's report carries its own context in its commands.
    assert!(out.contains(" --context prod -n "));
    assert!(out.contains(" --context staging -n "));
}

#[test]
fn contexts_by_name_and_pattern_are_read_in_kubeconfig_order() {
    let f = fleet();
    let r = sts(
        &f,
        &["diagnose", "-A", "--context", "staging,pro*", "-o", "json"],
    );
    assert_eq!(
        statuses(&r.json()),
        [
            ("prod".into(), "ok".into()),
            ("staging".into(), "partial".into())
        ]
    );
    // --cluster would point every context at one cluster.
    let r = sts(&f, &["diagnose", "--all-contexts", "--cluster", "prod"]);
    assert!(
        r.usage_error().contains("--cluster and --user"),
        "{}",
        r.stderr
    );
    // A name that matches nothing is an error, not a smaller fleet.
    let r = sts(&f, &["diagnose", "--context", "prod,stagign"]);
    assert!(
        r.usage_error().contains("did you mean staging?"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_cluster_read_is_exit_2_after_the_report() {
    let f = fleet();
    let r = sts(&f, &["diagnose", "--context", "gon*", "-o", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(statuses(&r.json()), [("gone".into(), "unreachable".into())]);
    assert!(
        r.stderr
            .contains("error: none of the 1 clusters could be read"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_cluster_refusing_everything_is_unauthorized() {
    let mut locked = Options::default();
    for kind in [
        "statefulsets",
        "pods",
        "persistentvolumeclaims",
        "persistentvolumes",
        "nodes",
        "poddisruptionbudgets",
        "services",
        "endpointslices",
        "events",
        "storageclasses",
        "volumeattachments",
        "controllerrevisions",
        "deployments",
    ] {
        locked = locked.forbid(kind);
    }
    let f = fleet_with(locked, Options::default());
    let r = sts(&f, &["diagnose", "-A", "--all-contexts", "-o", "json"]);
    let doc = r.json();
    assert_eq!(statuses(&doc)[0], ("prod".into(), "unauthorized".into()));
    assert!(
        doc["clusters"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("refused every request")
    );
}

#[test]
fn clusters_are_read_concurrently_up_to_parallel() {
    let delay = Duration::from_millis(300);
    // Overlap between the two servers' requests: some request of one started before
    // the other's last one finished.
    let overlap = |f: &Fleet| {
        let a = f.prod.requests();
        let b = f.staging.requests();
        let end = |r: &[support::fake_apiserver::RecordedRequest]| {
            r.iter().filter_map(|x| x.finished).max().unwrap()
        };
        let start = |r: &[support::fake_apiserver::RecordedRequest]| {
            r.iter().map(|x| x.started).min().unwrap()
        };
        start(&b) < end(&a) && start(&a) < end(&b)
    };
    let f = fleet_with(
        Options::default().delay(delay),
        Options::default().delay(delay),
    );
    let r = sts(
        &f,
        &["diagnose", "-A", "--context", "prod,staging", "-o", "json"],
    );
    assert_eq!(r.json()["summary"]["read"], 2);
    assert!(overlap(&f), "the default reads both clusters at once");
    let f = fleet_with(
        Options::default().delay(delay),
        Options::default().delay(delay),
    );
    let r = sts(
        &f,
        &[
            "diagnose",
            "-A",
            "--context",
            "prod,staging",
            "--parallel",
            "1",
            "-o",
            "json",
        ],
    );
    assert_eq!(r.json()["summary"]["read"], 2);
    assert!(
        !overlap(&f),
        "--parallel 1 reads one cluster after the other"
    );
}

#[test]
fn orphans_total_the_cost_per_cluster_and_overall() {
    let f = fleet_with(with_orphan(), Options::default());
    let r = sts(&f, &["orphans", "-A", "--all-contexts", "-o", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(statuses(&doc)[2], ("gone".into(), "unreachable".into()));
    let clusters = doc["clusters"].as_array().unwrap();
    let n: usize = clusters
        .iter()
        .filter_map(|c| c["orphans"].as_array())
        .map(Vec::len)
        .sum();
    assert!(n > 0, "the recorded state has orphans");
    assert_eq!(doc["summary"]["orphans"], n);
    let cost: f64 = clusters
        .iter()
        .filter_map(|c| c["total_monthly_cost"].as_f64())
        .sum();
    assert!((doc["summary"]["total_monthly_cost"].as_f64().unwrap() - cost).abs() < 0.01);
    commands_address_their_cluster(&clusters[0]);
    assert!(clusters[2].get("orphans").is_none());
    assert!(!clusters[2]["skipped"].as_array().unwrap().is_empty());
    let y = sts(&f, &["orphans", "-A", "--all-contexts", "-o", "yaml"]);
    assert_eq!(yaml(&y)["summary"], doc["summary"]);

    let t = sts(&f, &["orphans", "-A", "--all-contexts"]);
    let out = &t.stdout;
    let total = out
        .lines()
        .find(|l| l.trim_start().starts_with("TOTAL"))
        .expect("a TOTAL row");
    assert!(total.contains(&format!(" {n} ")), "{total}");
    assert!(
        total.contains("clusters not read are not counted"),
        "{total}"
    );
    assert!(out.contains("══ gone"));
    // Deleting is one cluster at a time.
    let d = sts(&f, &["orphans", "--all-contexts", "--delete", "--yes"]);
    assert!(d.usage_error().contains("--delete works on one cluster"));
}

#[test]
fn snapshot_writes_a_file_per_context_that_diagnose_reads_back() {
    let f = fleet();
    let dir = f.env.work().join("snaps");
    let r = sts(
        &f,
        &[
            "snapshot",
            "-A",
            "--all-contexts",
            "--output-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("gone: unreachable"), "{}", r.stdout);
    assert!(!dir.join("gone.yaml").exists());
    let live = sts(&f, &["diagnose", "-A", "--context", "prod", "-o", "json"]).json();
    let saved = f
        .env
        .sts()
        .args(["diagnose", "-A", "-o", "json", "--context", "prod", "-f"])
        .arg(dir.join("prod.yaml"))
        .output()
        .unwrap();
    let saved: Value = serde_json::from_slice(&saved.stdout).unwrap();
    assert_eq!(saved["findings"], live["findings"]);
    assert!(Path::new(&dir.join("staging.yaml")).exists());
    // -o json: the same files as JSON.
    let json_dir = f.env.work().join("snaps-json");
    let r = sts(
        &f,
        &[
            "snapshot",
            "-A",
            "--context",
            "prod,staging",
            "-o",
            "json",
            "--output-dir",
            json_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for c in ["prod", "staging"] {
        let text = std::fs::read_to_string(json_dir.join(format!("{c}.json"))).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["kind"], "List", "{c}");
    }
    // Several contexts without a directory: where would the files go?
    let r = sts(&f, &["snapshot", "--all-contexts"]);
    assert!(r.usage_error().contains("--output-dir"));
}

#[test]
fn commands_on_one_cluster_refuse_several_contexts() {
    let f = fleet();
    for args in [
        &["drain-check", "node-a", "--context", "prod,staging"][..],
        &["rollout", "status", "db", "--context", "prod*"],
        &["pvc-expand", "db", "--size", "2Gi", "--context", "a,b"],
    ] {
        let r = sts(&f, args);
        assert!(
            r.usage_error().contains("works on one cluster"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let r = sts(&f, &["drain-check", "node-a", "--all-contexts"]);
    assert_eq!(r.code, 2, "--all-contexts is not a drain-check flag");
}

#[test]
#[cfg(unix)]
fn an_exec_credential_plugin_runs_per_context_not_per_request() {
    use std::os::unix::fs::PermissionsExt;
    let prod = FakeApiServer::start();
    let staging = FakeApiServer::start();
    let dir = tempfile::TempDir::new().unwrap();
    let log = dir.path().join("runs.log");
    let plugin = dir.path().join("get-token");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho \"$1\" >> {}\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"t\"}}}}'\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    let servers = [("prod", prod.url()), ("staging", staging.url())];
    for (name, url) in &servers {
        text.push_str(&format!("- name: {name}\n  cluster:\n    server: {url}\n"));
    }
    text.push_str("users:\n");
    for (name, _) in &servers {
        text.push_str(&format!(
            "- name: {name}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      args: [{name}]\n",
            plugin.display()
        ));
    }
    text.push_str("contexts:\n");
    for (name, _) in &servers {
        text.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n"
        ));
    }
    text.push_str("current-context: prod\n");
    let env = Env::with_kubeconfig(&text);
    let r = run(env
        .sts()
        .args(["diagnose", "-A", "--all-contexts", "-o", "json"]));
    assert_eq!(r.json()["summary"]["read"], 2, "{}", r.stderr);
    // Every list of a cluster carried that cluster's token...
    for s in [&prod, &staging] {
        let reqs = s.requests();
        assert!(reqs.len() >= 10);
        assert!(
            reqs.iter()
                .all(|q| q.header("authorization") == Some("Bearer t"))
        );
    }
    // ...obtained when the context's client was built, not per request: kube-rs asks the
    // plugin while building a client (for a client certificate, then for the token), a
    // fixed few times, however many requests follow.
    let text = std::fs::read_to_string(&log).unwrap();
    let runs = |c: &str| text.lines().filter(|l| *l == c).count();
    assert!((1..=3).contains(&runs("prod")), "{text}");
    assert_eq!(runs("prod"), runs("staging"), "{text}");
}

#[test]
fn prometheus_in_each_cluster_through_its_service_proxy_and_a_url_is_refused() {
    let path = support::harness::root().join("tests/fixtures/prometheus/shop-queries.json");
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let answers = recorded["answers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let at = recorded["evaluatedAt"].as_str().unwrap();
    // prod runs the Prometheus; staging has none at that name.
    let f = fleet_with(
        Options::default().prometheus_service("monitoring", "prometheus-k8s:9090", answers),
        Options::default(),
    );
    let r = run(f.env.sts().args([
        "diagnose",
        "-n",
        "shop",
        "--all-contexts",
        "--prometheus",
        "svc/monitoring/prometheus-k8s:9090",
        "--request-timeout",
        "5s",
        "--now",
        at,
        "-o",
        "json",
    ]));
    let doc = r.json();
    let prod = &doc["clusters"][0];
    let filling: Vec<&Value> = prod["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["runbook"] == "volume-filling-up")
        .collect();
    assert!(!filling.is_empty(), "{}", r.stdout);
    assert!(
        filling[0]["summary"]
            .as_str()
            .unwrap()
            .contains("full in about")
    );
    commands_address_their_cluster(prod);
    let staging = &doc["clusters"][1];
    assert!(
        staging["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["source"] == "prometheus"),
        "{}",
        staging["skipped"]
    );
    let r = sts(
        &f,
        &[
            "diagnose",
            "--all-contexts",
            "--prometheus",
            "http://127.0.0.1:9090",
        ],
    );
    assert!(
        r.usage_error().contains("svc/NAMESPACE/NAME:PORT"),
        "{}",
        r.stderr
    );
}
