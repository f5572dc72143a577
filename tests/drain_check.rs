//! `kubectl sts drain-check`: the simulation on the fixtures of `tests/fixtures/drain/` (one
//! per case of the issue, pinned by insta snapshots of the JSON report), the binary end to end
//! on saved state (exit codes, selectors, errors, flags carried into commands), and
//! `--server-dry-run` against the fake API server over real HTTP (which evictions are sent,
//! as what, and how a 429 is reported).

mod support;

use assert_cmd::Command;
use kubectl_sts::drain::{self, DrainReport, Verdict};
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::snapshot::file::read_files;
use predicates::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::fake_apiserver::{
    FakeApiServer, Options, RecordedRequest, fixture_dir, fixture_items, kubeconfig_for,
};
use tempfile::TempDir;

const NOW: &str = "2026-11-22T03:00:00Z";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/drain")
        .join(name)
}

fn names(nodes: &[&str]) -> Vec<String> {
    nodes.iter().map(|n| n.to_string()).collect()
}

/// The report for a fixture, judged at its capture time.
fn judge(file: &str, nodes: &[&str], plan: bool) -> DrainReport {
    let snap = read_files(&[fixture(file)], None).unwrap();
    let now = snap.captured_at.unwrap();
    let k = Kubectl::default();
    if plan {
        drain::plan(&snap, &names(nodes), now, &k)
    } else {
        drain::simulate(&snap, &names(nodes), now, &k)
    }
}

fn ids(r: &DrainReport, node: usize) -> Vec<&str> {
    r.nodes[node]
        .findings
        .iter()
        .map(|f| f.runbook.as_str())
        .collect()
}

// ---- the cases of the issue, on fixtures ----

#[test]
fn two_of_three_quorum_replicas_on_a_node_with_max_unavailable_one_is_blocked() {
    let r = judge("blocked.yaml", &["node-a"], false);
    assert_eq!(r.nodes[0].verdict, Verdict::Blocked);
    assert!(
        ids(&r, 0).contains(&"drain-pdb-blocked"),
        "{:?}",
        ids(&r, 0)
    );
    let outcomes: Vec<(&str, &str)> = r.nodes[0]
        .pods
        .iter()
        .map(|p| (p.name.as_str(), p.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        vec![("zk-0", "evicted-reschedulable"), ("zk-1", "refused")]
    );
    insta::assert_json_snapshot!("blocked", r);
}

#[test]
fn a_node_holding_a_local_volume_is_unsafe() {
    let r = judge("local-volume.yaml", &["node-a"], false);
    assert_eq!(r.nodes[0].verdict, Verdict::Unsafe);
    assert_eq!(ids(&r, 0), vec!["drain-volume-pinned"]);
    assert_eq!(r.nodes[0].pods[0].outcome.as_str(), "evicted-stays-down");
    insta::assert_json_snapshot!("local_volume", r);
}

#[test]
fn a_zonal_volume_without_another_schedulable_node_in_its_zone_is_unsafe() {
    let r = judge("zone-capacity.yaml", &["node-c"], false);
    assert_eq!(r.nodes[0].verdict, Verdict::Unsafe);
    assert_eq!(ids(&r, 0), vec!["drain-zone-capacity"]);
    // node-a's replica has node-b in its zone.
    let a = judge("zone-capacity.yaml", &["node-a"], false);
    assert_eq!(a.nodes[0].verdict, Verdict::Safe);
    insta::assert_json_snapshot!("zone_capacity", r);
}

#[test]
fn a_budget_without_a_number_blocks_every_node_and_says_how_to_fix_it() {
    // The same file pdb-blocks-drain fires on: the drain simulation must agree with it.
    let f = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runbooks/pdb-blocks-drain/fires-no-number.yaml");
    let snap = read_files(&[f], None).unwrap();
    let k = Kubectl::default();
    for node in ["node-a", "node-b", "node-c"] {
        let r = drain::simulate(&snap, &names(&[node]), snap.captured_at.unwrap(), &k);
        assert_eq!(r.nodes[0].verdict, Verdict::Blocked, "{node}");
        let f = &r.nodes[0].findings[0];
        assert!(
            f.evidence.iter().any(|e| e.contains("can never finish")),
            "{f:#?}"
        );
        assert_eq!(
            f.commands[0].command,
            r#"kubectl -n shop patch pdb zk-pdb --type=merge -p '{"spec":{"maxUnavailable":1,"minAvailable":null}}'"#
        );
    }
}

#[test]
fn a_healthy_node_is_safe() {
    let r = judge("healthy.yaml", &["node-a"], false);
    assert_eq!(r.nodes[0].verdict, Verdict::Safe);
    assert!(r.nodes[0].findings.is_empty());
    assert_eq!(r.nodes[0].not_evicted.len(), 1, "the DaemonSet pod stays");
    insta::assert_json_snapshot!("healthy", r);
}

#[test]
fn plan_finds_the_only_order_of_a_pool_of_three() {
    let given = ["pool-1", "pool-2", "pool-3"];
    let seq = judge("pool-order.yaml", &given, false);
    assert_eq!(seq.nodes[0].verdict, Verdict::Blocked, "in the order given");
    let r = judge("pool-order.yaml", &given, true);
    let plan = r.plan.as_ref().unwrap();
    assert!(plan.found);
    let steps: Vec<Vec<&str>> = plan
        .steps
        .iter()
        .map(|s| s.nodes.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(steps, vec![vec!["pool-2"], vec!["pool-1"], vec!["pool-3"]]);
    assert!(r.nodes.iter().all(|n| n.verdict == Verdict::Safe));
    insta::assert_json_snapshot!("pool_order_plan", r);
}

#[test]
fn every_order_of_the_pool_but_one_has_a_blocked_step() {
    let perms = [
        ["pool-1", "pool-2", "pool-3"],
        ["pool-1", "pool-3", "pool-2"],
        ["pool-2", "pool-1", "pool-3"],
        ["pool-2", "pool-3", "pool-1"],
        ["pool-3", "pool-1", "pool-2"],
        ["pool-3", "pool-2", "pool-1"],
    ];
    let safe: Vec<&[&str; 3]> = perms
        .iter()
        .filter(|p| {
            judge("pool-order.yaml", &p[..], false)
                .nodes
                .iter()
                .all(|n| n.verdict == Verdict::Safe)
        })
        .collect();
    assert_eq!(safe, vec![&["pool-2", "pool-1", "pool-3"]]);
}

// ---- the binary on saved state ----

/// The binary with an environment that cannot reach a real cluster or colour the output.
fn sts() -> Command {
    let mut c = Command::cargo_bin("kubectl-sts").unwrap();
    c.env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent")
        .env("NO_COLOR", "1");
    c
}

fn run_json(args: &[&str]) -> (Value, i32) {
    let out = sts().args(args).args(["-o", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap())
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn exit_codes_follow_the_verdicts() {
    let (v, code) = run_json(&["drain-check", "node-a", "-f", &path("healthy.yaml")]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["nodes"][0]["verdict"], "safe");
    for (file, node, verdict) in [
        ("blocked.yaml", "node-a", "blocked"),
        ("local-volume.yaml", "node-a", "unsafe"),
        ("zone-capacity.yaml", "node-c", "unsafe"),
    ] {
        let (v, code) = run_json(&["drain-check", node, "-f", &path(file)]);
        assert_eq!(code, 1, "{file}: {v}");
        assert_eq!(v["nodes"][0]["verdict"], verdict, "{file}");
    }
    // --fail-on never reports without failing.
    let (_, code) = run_json(&[
        "drain-check",
        "node-a",
        "-f",
        &path("blocked.yaml"),
        "--fail-on",
        "never",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn json_follows_the_contract() {
    let (v, _) = run_json(&["drain-check", "node-a", "-f", &path("blocked.yaml")]);
    let node = &v["nodes"][0];
    for key in ["node", "verdict", "pods", "findings", "commands"] {
        assert!(node.get(key).is_some(), "node lacks {key}: {node}");
    }
    for p in node["pods"].as_array().unwrap() {
        for key in ["namespace", "name", "statefulset", "outcome"] {
            assert!(p.get(key).is_some(), "pod lacks {key}: {p}");
        }
    }
    for f in node["findings"].as_array().unwrap() {
        for key in [
            "runbook", "severity", "object", "summary", "evidence", "commands",
        ] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
    }
    for c in node["commands"].as_array().unwrap() {
        assert!(c["command"].as_str().unwrap().starts_with("kubectl "));
    }
    assert!(v["skipped"].is_array());
    assert_eq!(v["evaluated_at"], NOW);
    // YAML is the same document.
    let out = sts()
        .args([
            "drain-check",
            "node-a",
            "-f",
            &path("blocked.yaml"),
            "-o",
            "yaml",
        ])
        .output()
        .unwrap();
    let y: Value = serde_saphyr_value(&out.stdout);
    assert_eq!(y, v);
}

fn serde_saphyr_value(bytes: &[u8]) -> Value {
    serde_saphyr::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
}

#[test]
fn unknown_nodes_and_missing_arguments_are_exit_2() {
    sts()
        .args(["drain-check", "node-x", "-f", &path("blocked.yaml")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "node node-x not found; did you mean node-a, node-b, node-c?",
        ));
    sts()
        .args(["drain-check", "-f", &path("blocked.yaml")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("name the nodes to drain"));
    sts()
        .args([
            "drain-check",
            "-l",
            "pool=nope",
            "-f",
            &path("pool-order.yaml"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no node matches -l pool=nope"));
    sts()
        .args([
            "drain-check",
            "-l",
            "pool in (db",
            "-f",
            &path("pool-order.yaml"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid selector"));
    sts()
        .args([
            "drain-check",
            "node-a",
            "--server-dry-run",
            "-f",
            &path("blocked.yaml"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with --from-file"));
}

#[test]
fn a_selector_picks_the_pool_and_plan_orders_it() {
    let (v, code) = run_json(&[
        "drain-check",
        "-l",
        "pool=db",
        "--plan",
        "-f",
        &path("pool-order.yaml"),
    ]);
    assert_eq!(code, 0, "{v}");
    let order: Vec<&str> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["node"].as_str().unwrap())
        .collect();
    assert_eq!(order, vec!["pool-2", "pool-1", "pool-3"]);
    assert_eq!(v["plan"]["search"], "exhaustive");
    assert_eq!(v["plan"]["found"], true);
    // Without --plan, the same nodes in name order: pool-1 is blocked.
    let (v, code) = run_json(&[
        "drain-check",
        "-l",
        "pool=db",
        "-f",
        &path("pool-order.yaml"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["nodes"][0]["node"], "pool-1");
    assert_eq!(v["nodes"][0]["verdict"], "blocked");
}

#[test]
fn context_reaches_every_command() {
    let (v, _) = run_json(&[
        "drain-check",
        "node-a",
        "-f",
        &path("healthy.yaml"),
        "--context",
        "prod-eu",
    ]);
    let cmds: Vec<&str> = v["nodes"][0]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert_eq!(
        cmds,
        vec![
            "kubectl --context prod-eu cordon node-a",
            "kubectl --context prod-eu drain node-a --ignore-daemonsets --timeout=10m",
            "kubectl --context prod-eu -n data rollout status statefulset/orders-db --timeout=10m",
            "kubectl --context prod-eu uncordon node-a",
        ]
    );
}

#[test]
fn the_table_reads_well() {
    // A relative path, so the header in the snapshot does not depend on the checkout.
    let out = sts()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "drain-check",
            "node-a",
            "-f",
            "tests/fixtures/drain/blocked.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        if !line.trim_start().starts_with("kubectl ") {
            assert!(line.chars().count() <= 80, "too wide: {line:?}");
        }
    }
    insta::assert_snapshot!("blocked_table", text);
}

// ---- --server-dry-run against the fake API server ----

/// A kubeconfig for one server and an empty HOME, so neither the developer's kubeconfig nor
/// their cluster can leak into a test.
struct Kube {
    dir: TempDir,
    kubeconfig: PathBuf,
}

impl Kube {
    fn new(server_url: &str) -> Self {
        let dir = TempDir::new().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, kubeconfig_for(server_url)).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Kube { dir, kubeconfig }
    }

    fn sts(&self) -> Command {
        let mut c = Command::cargo_bin("kubectl-sts").unwrap();
        c.env_remove("KUBECONFIG")
            .env("HOME", self.dir.path().join("home"))
            .env("NO_COLOR", "1");
        for var in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
            "KUBE_RS_DEBUG_OVERRIDE_URL",
        ] {
            c.env_remove(var);
        }
        c.arg("--kubeconfig").arg(&self.kubeconfig);
        c.timeout(Duration::from_secs(60));
        c
    }

    fn json(&self, args: &[&str]) -> (Value, i32, String) {
        let out = self
            .sts()
            .args(args)
            .args(["-o", "json", "--now", NOW])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{stderr}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        (v, out.status.code().unwrap(), stderr)
    }
}

/// The recorded nodes without the `node.kubernetes.io/not-ready:NoSchedule` taint they
/// were recorded with (the recording's nodes had no kubelet, so the node lifecycle
/// controller never lifted it): a healthy cluster, as the recording's README describes it.
/// With the taint, no node could take an evicted pod, which the simulation rightly says.
fn untainted_nodes() -> Vec<Value> {
    fixture_items("nodes")
        .into_iter()
        .map(|mut n| {
            if let Some(spec) = n["spec"].as_object_mut() {
                spec.remove("taints");
            }
            n
        })
        .collect()
}

fn evictions(reqs: &[RecordedRequest]) -> Vec<&RecordedRequest> {
    reqs.iter().filter(|r| r.method != "GET").collect()
}

fn recorded_request(file: &str) -> Value {
    let text = std::fs::read_to_string(fixture_dir().join(file)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every eviction sent is a POST to the pod's eviction subresource with `dryRun=All` in the
/// query (which the eviction API honours for POST) and a body shaped like the request
/// kubectl sends (the recorded one), plus `deleteOptions.dryRun` agreeing with the query.
fn assert_dry_run_eviction(r: &RecordedRequest, pod: &str) {
    assert_eq!(r.method, "POST", "{r:?}");
    assert_eq!(
        r.path,
        format!("/api/v1/namespaces/shop/pods/{pod}/eviction"),
        "{r:?}"
    );
    assert_eq!(r.query_value("dryRun"), Some("All"), "{r:?}");
    let body: Value = serde_json::from_str(r.body.as_deref().expect("an Eviction body")).unwrap();
    let mut recorded = recorded_request(
        "POST_api_v1_namespaces_shop_pods_orders-db-0_eviction_dryRunAll.request.json",
    );
    recorded["metadata"]["name"] = json!(pod);
    for key in ["apiVersion", "kind", "metadata"] {
        assert_eq!(
            body[key], recorded[key],
            "{key} differs from the recorded request"
        );
    }
    assert_eq!(body["deleteOptions"], json!({"dryRun": ["All"]}));
    assert_eq!(r.header("content-type"), Some("application/json"));
}

#[test]
fn server_dry_run_sends_dry_run_evictions_and_reports_a_429() {
    let server = FakeApiServer::with(
        Options::default()
            .items("nodes", untainted_nodes())
            .refuse_eviction(
                "shop",
                "orders-db-0",
                "POST_api_v1_namespaces_shop_pods_orders-db-0_eviction_dryRunAll_pdb_blocked.json",
            ),
    );
    let kube = Kube::new(&server.url());
    let (v, code, stderr) = kube.json(&["drain-check", "node-a", "--server-dry-run"]);
    assert_eq!(code, 1, "{v}\n{stderr}");
    let node = &v["nodes"][0];
    // The recorded budget allows 1: the simulation alone says safe; the server refuses.
    assert_eq!(node["simulated_verdict"], "safe");
    assert_eq!(node["verdict"], "blocked");
    assert_eq!(
        node["pods"][0]["server_dry_run"],
        json!({"allowed": false, "code": 429,
               "message": "The disruption budget orders-db does not allow evicting pods currently"})
    );
    let refused: Vec<&Value> = node["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["runbook"] == "drain-server-refused")
        .collect();
    assert_eq!(refused.len(), 1);
    assert!(
        refused[0]["summary"]
            .as_str()
            .unwrap()
            .contains("does not allow evicting pods currently")
    );

    let reqs = server.requests();
    let sent = evictions(&reqs);
    assert_eq!(
        sent.len(),
        1,
        "one dry-run eviction per pod on node-a: {sent:?}"
    );
    assert_dry_run_eviction(sent[0], "orders-db-0");
    assert_eq!(sent[0].status, Some(429));
    // The read path is unchanged: one list per kind, of every namespace (a drain evicts
    // pods of all of them).
    let lists: Vec<&str> = reqs
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(lists.len(), 13, "{lists:?}");
    assert!(
        lists.iter().all(|p| !p.contains("/namespaces/")),
        "{lists:?}"
    );
}

#[test]
fn server_dry_run_agrees_when_the_budget_has_room() {
    let server = FakeApiServer::with(Options::default().items("nodes", untainted_nodes()));
    let kube = Kube::new(&server.url());
    let (v, code, stderr) = kube.json(&["drain-check", "node-a", "--server-dry-run"]);
    assert_eq!(code, 0, "{v}\n{stderr}");
    let node = &v["nodes"][0];
    assert_eq!(node["verdict"], "safe");
    assert_eq!(node["simulated_verdict"], "safe");
    assert_eq!(
        node["pods"][0]["server_dry_run"],
        json!({"allowed": true, "code": 201})
    );
    let reqs = server.requests();
    let sent = evictions(&reqs);
    assert_eq!(sent.len(), 1);
    assert_dry_run_eviction(sent[0], "orders-db-0");
    assert_eq!(sent[0].status, Some(201));
}

#[test]
fn the_server_judging_one_eviction_at_a_time_misses_two_pods_of_one_budget() {
    // orders-db-1 moved to node-a: two pods of the budget (1 allowed) leave together.
    let pods: Vec<Value> = fixture_items("pods")
        .into_iter()
        .map(|mut p| {
            if p["metadata"]["name"] == "orders-db-1" {
                p["spec"]["nodeName"] = json!("node-a");
            }
            p
        })
        .collect();
    let server = FakeApiServer::with(
        Options::default()
            .items("pods", pods)
            .items("nodes", untainted_nodes()),
    );
    let kube = Kube::new(&server.url());
    let (v, code, stderr) = kube.json(&["drain-check", "node-a", "--server-dry-run"]);
    assert_eq!(code, 1, "{v}\n{stderr}");
    let node = &v["nodes"][0];
    assert_eq!(node["verdict"], "blocked");
    let runbooks: Vec<&str> = node["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["runbook"].as_str().unwrap())
        .collect();
    assert!(runbooks.contains(&"drain-pdb-blocked"), "{runbooks:?}");
    assert!(runbooks.contains(&"drain-server-disagrees"), "{runbooks:?}");
    let reqs = server.requests();
    let sent = evictions(&reqs);
    let mut pods: Vec<&str> = sent
        .iter()
        .map(|r| r.path.split('/').nth(6).unwrap())
        .collect();
    pods.sort();
    assert_eq!(pods, vec!["orders-db-0", "orders-db-1"]);
    for r in &sent {
        assert_eq!(r.status, Some(201), "each alone is allowed: {r:?}");
        assert_dry_run_eviction(r, r.path.split('/').nth(6).unwrap());
    }
}

#[test]
fn the_insufficient_pods_refusal_is_quoted_from_the_cause() {
    let server = FakeApiServer::with(
        Options::default()
            .items("nodes", untainted_nodes())
            .refuse_eviction(
                "shop",
                "orders-db-0",
                "POST_api_v1_namespaces_shop_pods_orders-db-0_eviction_dryRunAll_pdb_insufficient.json",
            ),
    );
    let kube = Kube::new(&server.url());
    let out = kube
        .sts()
        .args(["drain-check", "node-a", "--server-dry-run", "--now", NOW])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Words, not line breaks: the table wraps prose to 80 columns.
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains(
            "API server, dry-run eviction of shop/orders-db-0: 429 The disruption budget orders-db needs 2 healthy pods and has 2 currently"
        ),
        "{text}"
    );
    assert!(text.contains("BLOCKED (simulation alone: safe)"), "{text}");
    assert!(
        text.contains("# Only once the findings above are dealt with: Evict node-a's pods"),
        "{text}"
    );
}

#[test]
fn dry_run_evictions_are_sent_a_few_at_a_time() {
    // Twelve more pods on node-a (a ReplicaSet's), each answer delayed.
    let mut pods = fixture_items("pods");
    let template = pods
        .iter()
        .find(|p| p["metadata"]["name"] == "orders-db-0")
        .cloned()
        .unwrap();
    for i in 0..12 {
        let mut p = template.clone();
        p["metadata"]["name"] = json!(format!("web-{i}"));
        p["metadata"]["labels"] = json!({"app": "web"});
        p["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "name": "web-5d8f", "uid": "uid-rs-web", "controller": true}]);
        p["spec"]["volumes"] = json!([]);
        pods.push(p);
    }
    let server = FakeApiServer::with(
        Options::default()
            .items("pods", pods)
            .items("nodes", untainted_nodes())
            .delay(Duration::from_millis(100)),
    );
    let kube = Kube::new(&server.url());
    let (v, code, stderr) = kube.json(&["drain-check", "node-a", "--server-dry-run"]);
    assert_eq!(code, 0, "{v}\n{stderr}");
    let reqs = server.requests();
    let posts = evictions(&reqs);
    assert_eq!(posts.len(), 13);
    let most = posts
        .iter()
        .map(|r| {
            posts
                .iter()
                .filter(|o| o.started <= r.started && o.finished.is_none_or(|f| f > r.started))
                .count()
        })
        .max()
        .unwrap();
    assert!(
        (2..=5).contains(&most),
        "at most 5 evictions in flight, and more than one: {most}"
    );
}
