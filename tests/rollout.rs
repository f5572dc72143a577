//! `kubectl sts rollout`: the state of each rollout fixture (a forgotten partition is
//! `partitioned`, OnDelete with old pods `paused-ondelete`, a crashing updated pod `stuck`
//! and named), pinned by insta; and every action against the fake kube-apiserver over real
//! HTTP: which requests go out, in which order, with which bodies and preconditions; a
//! refusal by the guard sends no change; a 409 is reported and never retried; nothing is
//! sent without `--yes` off a terminal.

mod support;
use support::harness::bare as sts;
use support::harness::{flat, root, run};

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use support::fake_apiserver::{
    FakeApiServer, Options, RecordedRequest, fixture_items, kubeconfig_for,
};
use tempfile::TempDir;

// ---------------------------------------------------------------- status from fixtures

fn fixture(name: &str) -> String {
    format!("tests/fixtures/rollout/{name}.yaml")
}

fn status_json(name: &str, extra: &[&str]) -> (i32, Value) {
    let r = run(sts()
        .args([
            "rollout",
            "status",
            "pg",
            "-f",
            &fixture(name),
            "-o",
            "json",
        ])
        .args(extra));
    assert!(r.code == 0 || r.code == 1, "{name}: {}", r.stderr);
    let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{name}: {e}\n{}", r.stdout));
    (r.code, v)
}

fn runbooks(v: &Value) -> Vec<&str> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["runbook"].as_str().unwrap())
        .collect()
}

#[test]
fn each_fixture_has_the_right_state() {
    let cases = [
        ("forgotten-partition", "partitioned", 1),
        ("ondelete-old-pods", "paused-ondelete", 1),
        ("stuck-crashing-update", "stuck", 1),
        ("complete", "complete", 0),
        ("progressing", "progressing", 1),
    ];
    for (name, state, code) in cases {
        let (got_code, v) = status_json(name, &[]);
        assert_eq!(v["state"], state, "{name}");
        assert_eq!(got_code, code, "{name}: exit code");
        // The contract's fields.
        for key in [
            "statefulset",
            "strategy",
            "partition",
            "pod_management_policy",
            "current_revision",
            "update_revision",
            "state",
            "pods",
            "findings",
        ] {
            assert!(v.get(key).is_some(), "{name}: {key} missing");
        }
        assert_eq!(v["statefulset"], json!({"namespace": "shop", "name": "pg"}));
        for p in v["pods"].as_array().unwrap() {
            for key in ["name", "ordinal", "revision", "updated", "ready", "node"] {
                assert!(p.get(key).is_some(), "{name}: pods[].{key} missing");
            }
        }
        insta::assert_json_snapshot!(name, v);
    }
}

#[test]
fn a_forgotten_partition_is_never_complete() {
    let (_, v) = status_json("forgotten-partition", &[]);
    assert_eq!(v["state"], "partitioned");
    assert_eq!(v["partition"], 2);
    let updated: Vec<bool> = v["pods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["updated"].as_bool().unwrap())
        .collect();
    assert_eq!(updated, [false, false, true]);
    assert_eq!(runbooks(&v), ["rollout-partition-held"]);
}

#[test]
fn ondelete_with_old_pods_is_paused() {
    let (_, v) = status_json("ondelete-old-pods", &[]);
    assert_eq!(v["state"], "paused-ondelete");
    assert_eq!(
        (v["strategy"].as_str(), v["partition"].as_i64()),
        (Some("OnDelete"), Some(0))
    );
    assert_eq!(runbooks(&v), ["rollout-ondelete-pending"]);
}

#[test]
fn a_rollout_blocked_by_a_crashing_updated_pod_is_stuck_and_names_it() {
    let (_, v) = status_json("stuck-crashing-update", &[]);
    assert_eq!(v["state"], "stuck");
    assert_eq!(v["blocking"]["pod"], "pg-2");
    assert!(
        v["blocking"]["cause"]
            .as_str()
            .unwrap()
            .contains("CrashLoopBackOff"),
        "{}",
        v["blocking"]
    );
    let rb = runbooks(&v);
    assert!(
        rb.contains(&"rollout-stuck") && rb.contains(&"container-crashloop"),
        "{rb:?}"
    );
}

#[test]
fn exit_codes_follow_the_state_and_fail_on() {
    // Stuck is 1 whatever the threshold, unless --fail-on never.
    assert_eq!(
        status_json("stuck-crashing-update", &["--fail-on", "critical"]).0,
        1
    );
    assert_eq!(
        status_json("stuck-crashing-update", &["--fail-on", "never"]).0,
        0
    );
    // A held partition is a warning.
    assert_eq!(
        status_json("forgotten-partition", &["--fail-on", "critical"]).0,
        0
    );
    assert_eq!(status_json("complete", &["--fail-on", "info"]).0, 0);
    // A rollout in flight has a pod not Ready for a moment: a warning, not a failure.
    assert_eq!(status_json("progressing", &["--fail-on", "critical"]).0, 0);
}

#[test]
fn the_stuck_table_is_pinned_and_fits_80_columns() {
    let r = run(sts().args(["rollout", "pg", "-f", &fixture("stuck-crashing-update")]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    for line in r.stdout.lines() {
        if !line.trim_start().starts_with("kubectl ") {
            assert!(line.chars().count() <= 80, "over 80 columns: {line:?}");
        }
    }
    assert!(flat(&r.stdout).contains("state: STUCK"), "{}", r.stdout);
    assert!(flat(&r.stdout).contains("blocked by pg-2"), "{}", r.stdout);
    insta::assert_snapshot!("stuck_table", r.stdout);
}

#[test]
fn the_bare_form_is_the_status_and_names_are_checked() {
    let a = run(sts().args(["rollout", "pg", "-f", &fixture("complete"), "-o", "json"]));
    let b = run(sts().args([
        "rollout",
        "status",
        "pg",
        "-f",
        &fixture("complete"),
        "-o",
        "json",
    ]));
    assert_eq!((a.code, &a.stdout), (b.code, &b.stdout));
    let r = run(sts().args(["rollout", "pgg", "-f", &fixture("complete")]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean pg?"), "{}", r.stderr);
}

#[test]
fn watching_or_acting_needs_the_live_cluster() {
    let r = run(sts().args(["rollout", "pg", "--watch", "-f", &fixture("complete")]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--watch"), "{}", r.stderr);
    let r = run(sts().args(["rollout", "step", "pg", "--yes", "-f", &fixture("complete")]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--from-file"), "{}", r.stderr);
}

// ---------------------------------------------------------------- actions, live

/// A temp directory with a kubeconfig for one server and an empty HOME.
struct Kube {
    dir: TempDir,
    kubeconfig: PathBuf,
}

impl Kube {
    fn new(server: &FakeApiServer) -> Self {
        let dir = TempDir::new().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, kubeconfig_for(&server.url())).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Kube { dir, kubeconfig }
    }

    fn sts(&self) -> Command {
        let mut c = sts();
        c.env("HOME", self.dir.path().join("home"))
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(["-n", "shop"]);
        c
    }
}

const REV1: &str = "orders-db-784fcf764b";
const REV2: &str = "orders-db-6b5f8d9c7d";
const STS_PATH: &str = "/apis/apps/v1/namespaces/shop/statefulsets/orders-db";

/// The recorded orders-db with `change` merged in (RFC 7396).
fn statefulset(change: Value) -> Value {
    let mut s = fixture_items("statefulsets").remove(0);
    merge(&mut s, &change);
    s
}

fn merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = json!({});
            }
            let t = target.as_object_mut().unwrap();
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// orders-db in the middle of a rollout from REV1 to REV2 with `partition`.
fn rolling(partition: i64) -> Value {
    statefulset(json!({
        "spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": partition}}},
        "status": {"currentRevision": REV1, "updateRevision": REV2}
    }))
}

/// The recorded pod orders-db-`i` on `rev`, Ready or crash-looping.
fn pod(i: usize, rev: &str, ready: bool) -> Value {
    let name = format!("orders-db-{i}");
    let mut p = fixture_items("pods")
        .into_iter()
        .find(|p| p["metadata"]["name"] == name.as_str())
        .unwrap();
    p["metadata"]["labels"]["controller-revision-hash"] = json!(rev);
    if !ready {
        for c in p["status"]["conditions"].as_array_mut().unwrap() {
            if c["type"] == "Ready" || c["type"] == "ContainersReady" {
                c["status"] = json!("False");
            }
        }
        p["status"]["containerStatuses"] = json!([{
            "name": "postgres", "image": "postgres:17", "imageID": "", "ready": false, "restartCount": 6,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}
        }]);
    }
    p
}

/// What the controller re-creates in place of orders-db-`i`: a new uid, on `rev`, Ready.
fn recreated(i: usize, rev: &str) -> Value {
    let mut p = pod(i, rev, true);
    p["metadata"]["uid"] = json!(format!("uid-recreated-{i}"));
    p["metadata"]["resourceVersion"] = json!("900");
    p
}

fn pods(revs: [(&str, bool); 3]) -> Vec<Value> {
    revs.iter()
        .enumerate()
        .map(|(i, (rev, ready))| pod(i, rev, *ready))
        .collect()
}

fn uid_of(i: usize) -> String {
    pod(i, REV1, true)["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_string()
}

fn patches(reqs: &[RecordedRequest]) -> Vec<(bool, Value)> {
    reqs.iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| {
            assert_eq!(r.path, STS_PATH);
            assert_eq!(
                r.header("content-type"),
                Some("application/merge-patch+json"),
                "a JSON merge patch"
            );
            assert_eq!(r.query_value("fieldManager"), Some("kubectl-sts"));
            let body =
                serde_json::from_str(r.body.as_deref().expect("PATCH without a body")).unwrap();
            (r.query_value("dryRun") == Some("All"), body)
        })
        .collect()
}

/// Asserts one dry run then one real patch, both with exactly `body`; the StatefulSet was
/// read (GET) before either.
fn assert_dry_run_then_patch(reqs: &[RecordedRequest], body: &Value) {
    let p = patches(reqs);
    assert_eq!(p.len(), 2, "one dry run, one real patch: {p:?}");
    assert_eq!((p[0].0, p[1].0), (true, false), "the dry run goes first");
    assert_eq!(&p[0].1, body);
    assert_eq!(&p[1].1, body);
    let get = reqs
        .iter()
        .position(|r| r.method == "GET" && r.path == STS_PATH)
        .expect("the StatefulSet is read right before acting");
    let first_patch = reqs.iter().position(|r| r.method == "PATCH").unwrap();
    assert!(get < first_patch);
}

fn partition_body(partition: i64) -> Value {
    json!({"metadata": {"resourceVersion": "279"},
           "spec": {"updateStrategy": {"rollingUpdate": {"partition": partition}}}})
}

#[test]
fn step_dry_runs_then_lowers_the_partition_by_one_with_the_precondition() {
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![rolling(2)])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)])),
    );
    let kube = Kube::new(&server);
    let r = run(kube.sts().args(["rollout", "step", "orders-db", "--yes"]));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert_dry_run_then_patch(&server.requests(), &partition_body(1));
    // The plan shows the kubectl equivalent, complete.
    assert!(
        flat(&r.stdout).contains(
            r#"--context fake -n shop patch statefulset orders-db --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}}}}'"#
        ),
        "{}",
        r.stdout
    );
    assert!(flat(&r.stdout).contains("dry-run ok"), "{}", r.stdout);
    assert!(
        flat(&r.stdout).contains("applied: step orders-db: partition 2 → 1"),
        "{}",
        r.stdout
    );
}

#[test]
fn step_refuses_while_the_canary_is_not_ready_and_sends_no_patch() {
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![rolling(2)])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, false)])),
    );
    let kube = Kube::new(&server);
    let r = run(kube.sts().args(["rollout", "step", "orders-db", "--yes"]));
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(
        flat(&r.stdout).contains("step refused; nothing was changed"),
        "{}",
        r.stdout
    );
    assert!(
        flat(&r.stdout)
            .contains("orders-db-2 (ordinal 2) runs orders-db-6b5f8d9c7d but is not Ready"),
        "{}",
        r.stdout
    );
    assert!(patches(&server.requests()).is_empty());
}

#[test]
fn a_conflict_on_the_real_patch_is_reported_and_not_retried() {
    // Someone writes the StatefulSet between the dry run and the real patch.
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![rolling(2)])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)]))
            .statefulset_changes_after(2),
    );
    let kube = Kube::new(&server);
    let r = run(kube
        .sts()
        .args(["rollout", "promote", "orders-db", "--yes"]));
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(
        flat(&r.stdout).contains("changed since it was read: re-run to see the current state"),
        "{}",
        r.stdout
    );
    assert!(flat(&r.stdout).contains("409 Conflict"), "{}", r.stdout);
    let reqs = server.requests();
    let p = patches(&reqs);
    assert_eq!(p.len(), 2, "no second real patch: {p:?}");
    assert_eq!(p[1].1, partition_body(0));
    assert_eq!(
        reqs.iter().filter(|r| r.status == Some(409)).count(),
        1,
        "one conflict, not retried"
    );
}

#[test]
fn a_conflict_on_the_dry_run_stops_before_anything_changes() {
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![rolling(2)])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)]))
            .statefulset_changes_after(1),
    );
    let kube = Kube::new(&server);
    let r = run(kube
        .sts()
        .args(["rollout", "step", "orders-db", "--yes", "-o", "json"]));
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let p = patches(&server.requests());
    assert_eq!(p.len(), 1);
    assert!(p[0].0, "only the dry run was sent");
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["result"], "conflict");
    assert_eq!(doc["action"], "step");
}

#[test]
fn nothing_is_sent_without_yes_off_a_terminal() {
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![rolling(2)])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)])),
    );
    let kube = Kube::new(&server);
    for action in ["step", "promote", "pause", "canary", "undo"] {
        let r = run(kube.sts().args(["rollout", action, "orders-db"]));
        assert_eq!(r.code, 2, "{action}: {}", r.stderr);
        assert!(r.stderr.contains("--yes"), "{action}: {}", r.stderr);
    }
    assert!(
        server.requests().is_empty(),
        "refused before reading anything"
    );
}

#[test]
fn canary_sets_the_partition_and_the_image_in_one_patch() {
    let server = FakeApiServer::with(Options::default().serve_pods());
    let kube = Kube::new(&server);
    let r = run(kube.sts().args([
        "rollout",
        "canary",
        "orders-db",
        "--replicas",
        "1",
        "--image",
        "postgres=postgres:16.6",
        "--yes",
    ]));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    // The containers list as recorded, with the one image changed (a merge patch replaces a
    // list whole).
    let mut containers = statefulset(json!({}))["spec"]["template"]["spec"]["containers"].clone();
    containers[0]["image"] = json!("postgres:16.6");
    let body = json!({"metadata": {"resourceVersion": "279"},
        "spec": {"updateStrategy": {"rollingUpdate": {"partition": 2}},
                 "template": {"spec": {"containers": containers}}}});
    assert_dry_run_then_patch(&server.requests(), &body);
    assert!(
        flat(&r.stdout).contains(
            "--context fake -n shop set image statefulset/orders-db postgres=postgres:16.6"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn canary_of_an_unknown_container_is_refused_without_a_patch() {
    let server = FakeApiServer::with(Options::default().serve_pods());
    let kube = Kube::new(&server);
    let r = run(kube.sts().args([
        "rollout",
        "canary",
        "orders-db",
        "--image",
        "pg=postgres:17",
        "--yes",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        flat(&r.stdout).contains("has no container pg (it has: postgres)"),
        "{}",
        r.stdout
    );
    assert!(patches(&server.requests()).is_empty());
}

#[test]
fn promote_is_guarded_and_force_skips_the_guard() {
    let opts = || {
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![rolling(2)])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, false)]))
    };
    let server = FakeApiServer::with(opts());
    let kube = Kube::new(&server);
    let r = run(kube
        .sts()
        .args(["rollout", "promote", "orders-db", "--yes"]));
    assert_eq!(r.code, 1);
    assert!(
        flat(&r.stdout).contains("--force skips this check"),
        "{}",
        r.stdout
    );
    assert!(patches(&server.requests()).is_empty());

    let server = FakeApiServer::with(opts());
    let kube = Kube::new(&server);
    let r = run(kube
        .sts()
        .args(["rollout", "promote", "orders-db", "--force", "--yes"]));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(
        flat(&r.stdout).contains("--force: the guard is skipped"),
        "{}",
        r.stdout
    );
    assert_dry_run_then_patch(&server.requests(), &partition_body(0));
}

#[test]
fn pause_raises_the_partition_to_the_lowest_updated_ordinal() {
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![rolling(0)])
            .items("pods", pods([(REV1, true), (REV2, true), (REV2, true)])),
    );
    let kube = Kube::new(&server);
    let r = run(kube.sts().args(["rollout", "pause", "orders-db", "--yes"]));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert_dry_run_then_patch(&server.requests(), &partition_body(1));
}

/// REV2: the recorded revision 1 with postgres:17, which crash-loops.
fn revisions() -> Vec<Value> {
    let rev1 = fixture_items("controllerrevisions").remove(0);
    let mut rev2 = rev1.clone();
    rev2["metadata"]["name"] = json!(REV2);
    rev2["metadata"]["uid"] = json!("uid-rev2");
    rev2["metadata"]["labels"]["controller.kubernetes.io/hash"] = json!("6b5f8d9c7d");
    rev2["revision"] = json!(2);
    rev2["data"]["spec"]["template"]["spec"]["containers"][0]["image"] = json!("postgres:17");
    vec![rev1, rev2]
}

#[test]
fn undo_restores_the_template_then_deletes_the_trapped_pod_and_waits_for_it() {
    let mut broken = rolling(0);
    broken["spec"]["template"]["spec"]["containers"][0]["image"] = json!("postgres:17");
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![broken])
            .items("controllerrevisions", revisions())
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, false)]))
            .recreate("shop", "orders-db-2", recreated(2, REV1)),
    );
    let kube = Kube::new(&server);
    let r = run(kube.sts().args(["rollout", "undo", "orders-db", "--yes"]));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let reqs = server.requests();

    // The template of revision 1, exactly: the containers list as it records it.
    let want =
        fixture_items("controllerrevisions")[0]["data"]["spec"]["template"]["spec"]["containers"]
            .clone();
    let body = json!({"metadata": {"resourceVersion": "279"},
                      "spec": {"template": {"spec": {"containers": want}}}});
    assert_dry_run_then_patch(&reqs, &body);
    assert!(
        flat(&r.stdout)
            .contains("--context fake -n shop rollout undo statefulset/orders-db --to-revision=1"),
        "{}",
        r.stdout
    );

    // Then the trapped pod: a dry-run eviction, a real one, both with the pod's uid and
    // resourceVersion as preconditions, then reads of the pod until its replacement is Ready.
    let pod_path = "/api/v1/namespaces/shop/pods/orders-db-2";
    let pre = json!({"uid": uid_of(2), "resourceVersion": "277"});
    let meta = json!({"name": "orders-db-2", "namespace": "shop"});
    let eviction = format!("{pod_path}/eviction");
    assert_eq!(
        evictions(&reqs),
        vec![
            (
                eviction.clone(),
                true,
                json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": meta,
                       "deleteOptions": {"dryRun": ["All"], "preconditions": pre}})
            ),
            (
                eviction,
                false,
                json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": meta,
                       "deleteOptions": {"preconditions": pre}})
            ),
        ]
    );
    assert!(
        !reqs.iter().any(|r| r.method == "DELETE"),
        "no pod is deleted behind the budget's back"
    );
    let last_patch = reqs.iter().rposition(|r| r.method == "PATCH").unwrap();
    let first_eviction = reqs.iter().position(|r| r.method == "POST").unwrap();
    assert!(
        reqs[last_patch..first_eviction]
            .iter()
            .any(|r| r.method == "GET" && r.path == STS_PATH),
        "the controller's uptake of the undo is checked before any pod is evicted"
    );
    let last_eviction = reqs.iter().rposition(|r| r.method == "POST").unwrap();
    assert!(
        reqs[last_eviction..]
            .iter()
            .any(|r| r.method == "GET" && r.path == pod_path),
        "the replacement is waited for"
    );
    assert!(
        flat(&r.stdout).contains("orders-db-2: re-created and Ready"),
        "{}",
        r.stdout
    );
}

/// The recorded nodes without the `not-ready` taint the recording server left on them (no
/// kubelet ran there).
fn healthy_nodes() -> Vec<Value> {
    fixture_items("nodes")
        .into_iter()
        .map(|mut n| {
            n["spec"].as_object_mut().unwrap().remove("taints");
            n
        })
        .collect()
}

fn ondelete() -> Value {
    statefulset(json!({
        "spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}},
        "status": {"currentRevision": REV1, "updateRevision": REV2}
    }))
}

fn evictions(reqs: &[RecordedRequest]) -> Vec<(String, bool, Value)> {
    reqs.iter()
        .filter(|r| r.method == "POST")
        .map(|r| {
            let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
            (r.path.clone(), r.query_value("dryRun") == Some("All"), body)
        })
        .collect()
}

#[test]
fn ondelete_step_evicts_the_next_old_pod_with_preconditions_and_waits_for_it() {
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![ondelete()])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)]))
            .recreate("shop", "orders-db-1", recreated(1, REV2)),
    );
    let kube = Kube::new(&server);
    let r = run(kube.sts().args(["rollout", "step", "orders-db", "--yes"]));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let reqs = server.requests();
    let path = "/api/v1/namespaces/shop/pods/orders-db-1/eviction";
    let pre = json!({"uid": uid_of(1), "resourceVersion": "275"});
    let meta = json!({"name": "orders-db-1", "namespace": "shop"});
    assert_eq!(
        evictions(&reqs),
        vec![
            (
                path.to_string(),
                true,
                json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": meta,
                       "deleteOptions": {"dryRun": ["All"], "preconditions": pre}})
            ),
            (
                path.to_string(),
                false,
                json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": meta,
                       "deleteOptions": {"preconditions": pre}})
            ),
        ]
    );
    assert!(
        patches(&reqs).is_empty(),
        "OnDelete has no partition to patch"
    );
    let evicted = reqs.iter().rposition(|r| r.method == "POST").unwrap();
    assert!(
        reqs[evicted..]
            .iter()
            .any(|r| r.method == "GET" && r.path == "/api/v1/namespaces/shop/pods/orders-db-1")
    );
    assert!(
        flat(&r.stdout).contains("orders-db-1: re-created and Ready"),
        "{}",
        r.stdout
    );
    assert!(
        flat(&r.stdout).contains(
            "--context fake create --raw /api/v1/namespaces/shop/pods/orders-db-1/eviction -f -"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn ondelete_step_stops_when_the_budget_refuses_the_dry_run() {
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![ondelete()])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)]))
            .refuse_eviction(
                "shop",
                "orders-db-1",
                "POST_api_v1_namespaces_shop_pods_orders-db-0_eviction_dryRunAll_pdb_blocked.json",
            ),
    );
    let kube = Kube::new(&server);
    let r = run(kube.sts().args(["rollout", "step", "orders-db", "--yes"]));
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(
        flat(&r.stdout).contains("refused by its PodDisruptionBudget"),
        "{}",
        r.stdout
    );
    let e = evictions(&server.requests());
    assert_eq!(e.len(), 1);
    assert!(e[0].1, "only the dry run was sent");
}

#[test]
fn watch_prints_what_changes_until_the_rollout_completes() {
    // First read: orders-db-2 updated, orders-db-1 being replaced (not Ready, just
    // created). Second read: everything on REV2 and Ready.
    let mut starting = pod(1, REV2, false);
    starting["status"]["containerStatuses"] = json!([{
        "name": "postgres", "image": "postgres:17", "imageID": "", "ready": false, "restartCount": 0,
        "state": {"running": {"startedAt": "2026-11-22T02:59:50Z"}}}]);
    for c in starting["status"]["conditions"].as_array_mut().unwrap() {
        c["lastTransitionTime"] = json!("2099-01-01T00:00:00Z");
    }
    let mut done =
        statefulset(json!({"status": {"currentRevision": REV2, "updateRevision": REV2}}));
    done["metadata"]["resourceVersion"] = json!("300");
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("nodes", healthy_nodes())
            .items("statefulsets", vec![rolling(0)])
            .then_items("statefulsets", vec![done])
            .items(
                "pods",
                vec![pod(0, REV1, true), starting, pod(2, REV2, true)],
            )
            .then_items("pods", pods([(REV2, true), (REV2, true), (REV2, true)])),
    );
    let kube = Kube::new(&server);
    let r = run(kube.sts().args([
        "rollout",
        "status",
        "orders-db",
        "--watch",
        "--timeout",
        "30s",
    ]));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    assert!(
        flat(&r.stdout).contains("state: PROGRESSING"),
        "{}",
        r.stdout
    );
    assert!(
        flat(&r.stdout).contains(&format!("orders-db-0: revision {REV1} → {REV2}")),
        "{}",
        r.stdout
    );
    assert!(
        flat(&r.stdout).contains("orders-db-1: Ready"),
        "{}",
        r.stdout
    );
    assert!(
        flat(&r.stdout).contains("state complete: all 3 members run"),
        "{}",
        r.stdout
    );
    // Re-reads are one GET of the StatefulSet and one list of the namespace's pods.
    let reqs = server.requests();
    assert!(reqs.iter().any(|r| r.method == "GET" && r.path == STS_PATH));
    assert!(
        reqs.iter()
            .filter(|r| r.path == "/api/v1/namespaces/shop/pods")
            .count()
            >= 2
    );
}

#[test]
fn on_a_terminal_the_status_offers_the_actions_valid_now() {
    use rexpect::session::spawn_command;
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![rolling(2)])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)])),
    );
    let kube = Kube::new(&server);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-sts"));
    cmd.args(["rollout", "orders-db", "-n", "shop", "--kubeconfig"])
        .arg(&kube.kubeconfig)
        .current_dir(root())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env("HOME", kube.dir.path().join("home"));
    let mut p = spawn_command(cmd, Some(30_000)).unwrap();
    p.exp_string("Act on the rollout?").unwrap();
    let menu = p.exp_string("quit (change nothing)").unwrap();
    // (rexpect reads bytes as Latin-1: only ASCII is matched.) Valid now: step and promote (the canary is updated and Ready); not pause (already
    // held at the canary), not canary (the partition already is 2), not undo (the template
    // already is the revision the other pods run).
    let flat_menu = flat(&menu);
    assert!(
        flat_menu.contains("step orders-db: partition 2")
            && flat_menu.contains("1; the controller replaces orders-db-1"),
        "{menu}"
    );
    assert!(flat_menu.contains("promote orders-db"), "{menu}");
    assert!(
        !flat_menu.contains("pause orders-db") && !flat_menu.contains("canary orders-db"),
        "{menu}"
    );
    // Keys typed before the prompt switches the terminal to raw mode would be lost.
    std::thread::sleep(Duration::from_millis(300));
    // From "quit" (the default) up twice to "step".
    p.send("\x1b[A\x1b[A\r").unwrap();
    p.flush().unwrap();
    p.exp_string("dry-run ok").unwrap();
    p.exp_string("Apply: step orders-db").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    p.send("y").unwrap();
    p.flush().unwrap();
    p.exp_string("applied: step orders-db").unwrap();
    p.exp_eof().unwrap();
    assert_dry_run_then_patch(&server.requests(), &partition_body(1));
}
