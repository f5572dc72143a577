//! Mutations under concurrency and failure, against the fake API server over real HTTP:
//! for every action, the object changing between the listing and the change (409), the
//! server failing half-way (500, or no answer within `--request-timeout`), and the person
//! interrupting (SIGINT). What must hold: nothing is retried blindly, nothing is changed
//! that was not confirmed, nothing more is sent after a failure, and the output says exactly
//! what was and was not done.
//!
//! The whole matrix, with where each cell is tested (this file unless named):
//!
//! | action | changed since read (409) | 500 half-way | no answer in time | SIGINT |
//! |---|---|---|---|---|
//! | `orphans --delete` | `orphans.rs` `delete_dry_runs_everything_first_then_deletes_with_preconditions_and_skips_a_conflict` (real delete), `claims_gone_since_the_listing_are_skipped_not_failed` (404 on the dry run) | `orphans_a_500_half_way_stops_the_batch` | `orphans_no_answer_half_way_stops_the_batch` | `orphans.rs` `ctrl_c_between_deletions_stops_and_says_what_was_done` |
//! | `rollout step` (partition) | `rollout.rs` `a_conflict_on_the_dry_run_stops_before_anything_changes` | `rollout_patch_actions_a_500_on_the_change_is_reported_not_retried` | `rollout_patch_actions_no_answer_says_the_change_may_have_landed` | `rollout_sigint_with_the_change_in_flight` |
//! | `rollout promote` | `rollout.rs` `a_conflict_on_the_real_patch_is_reported_and_not_retried` | same as step | same as step | — (same code path as step) |
//! | `rollout canary`, `pause` | `rollout_canary_and_pause_conflict_on_the_change` | same as step | same as step | — (same code path as step) |
//! | `rollout step` (OnDelete eviction) | `rollout_ondelete_step_each_failure_of_the_eviction` | same test | same test | `rollout_sigint_while_waiting_for_the_evicted_pod` |
//! | `rollout undo` | `rollout_undo_conflict_on_the_template` | `rollout_undo_a_500_after_the_template_says_the_undo_landed` | same test (timeout case) | `rollout_sigint_after_the_undo_landed` |
//! | `pvc-expand --apply` | `pvc_expand.rs` `a_claim_changed_since_the_plan_stops_the_run_before_anything_changes` (dry run), `pvc_expand_conflict_on_a_real_claim_patch` | `pvc_expand.rs` `a_failure_mid_way_says_where_it_stopped_and_how_to_resume_or_restore` (re-create), `pvc_expand_no_answer_or_500_on_the_second_claim` | `pvc_expand_no_answer_or_500_on_the_second_claim` | `pvc_expand.rs` `ctrl_c_mid_way_says_what_was_done_and_how_to_go_on` |
//! | `diagnose` command runner | kubectl's business (the runner runs `kubectl`, which re-reads) | kubectl's | kubectl's | `runner_ctrl_c_at_the_confirmation_runs_nothing`; and `runner_yes_never_runs_a_destructive_command_unasked` |

mod support;

use rexpect::session::{PtySession, spawn_command};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::fake_apiserver::{
    Expansion, FakeApiServer, FaultAnswer, Options, RecordedRequest, fixture, fixture_items,
    kubeconfig_for,
};
use support::harness::{Env, Run, flat, run};

fn env(server: &FakeApiServer) -> Env {
    Env::with_kubeconfig(&kubeconfig_for(&server.url()))
}

/// Whether a request is a real change (not a read, not a dry run).
fn real(r: &RecordedRequest) -> bool {
    r.method != "GET"
        && r.query_value("dryRun") != Some("All")
        && !r
            .body
            .as_deref()
            .is_some_and(|b| b.replace(' ', "").contains("\"dryRun\":[\"All\"]"))
}

/// The real changes a run sent: (method, path).
fn changes(server: &FakeApiServer) -> Vec<(String, String)> {
    server
        .requests()
        .iter()
        .filter(|r| real(r))
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect()
}

/// Starts the binary, waits until `ready` holds for the server's record, sends SIGINT, and
/// returns (exit code, stdout, stderr).
fn interrupt_when(
    env: &Env,
    server: &FakeApiServer,
    args: &[&str],
    ready: impl Fn(&[RecordedRequest]) -> bool,
) -> Run {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-sts"));
    cmd.env_remove("KUBECONFIG")
        .env("HOME", env.dir.path().join("home"))
        .env("NO_COLOR", "1")
        .current_dir(env.work())
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready(&server.requests()) {
        assert!(Instant::now() < deadline, "never got there");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A real change is on its way to the server and not answered yet.
fn in_flight(method: &'static str) -> impl Fn(&[RecordedRequest]) -> bool {
    move |reqs| {
        reqs.iter()
            .any(|r| r.method == method && real(r) && r.finished.is_none())
    }
}

// ---------------------------------------------------------------- orphans --delete

const PVCS: &str = "/api/v1/namespaces/shop/persistentvolumeclaims";

/// A recorded claim of orders-db renamed to `name` (no pod mounts it: a scale-down left it).
fn claim(name: &str, uid: &str, rv: &str) -> Value {
    let mut c = fixture_items("persistentvolumeclaims")
        .into_iter()
        .find(|c| c["metadata"]["name"] == "data-orders-db-0")
        .unwrap();
    c["metadata"]["name"] = json!(name);
    c["metadata"]["uid"] = json!(uid);
    c["metadata"]["resourceVersion"] = json!(rv);
    c["spec"]["volumeName"] = json!(format!("pvc-{uid}"));
    c["metadata"].as_object_mut().unwrap().remove("finalizers");
    c
}

/// The recorded shop plus three claims a scale-down from 6 left behind.
fn leftover_claims() -> Options {
    let mut v = fixture_items("persistentvolumeclaims");
    for i in 3..6 {
        v.push(claim(
            &format!("data-orders-db-{i}"),
            &format!("uid-{i}"),
            &format!("50{i}"),
        ));
    }
    Options::default().items("persistentvolumeclaims", v)
}

fn orphans_delete(env: &Env, extra: &[&str]) -> Run {
    run(env
        .sts()
        .args(extra)
        .args(["orphans", "-n", "shop", "--delete", "--yes"]))
}

#[test]
fn orphans_a_500_half_way_stops_the_batch() {
    let server = FakeApiServer::with(leftover_claims().fault(
        "DELETE",
        "/data-orders-db-4",
        1,
        FaultAnswer::Status(500),
    ));
    let env = env(&server);
    let r = orphans_delete(&env, &[]);
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    // Every dry run passed; then -3 deleted, -4 failed, and -5 was not sent.
    assert_eq!(
        changes(&server),
        [
            ("DELETE".to_string(), format!("{PVCS}/data-orders-db-3")),
            ("DELETE".to_string(), format!("{PVCS}/data-orders-db-4")),
        ]
    );
    let out = flat(&r.stdout);
    assert!(out.contains("done pvc shop/data-orders-db-3"), "{out}");
    assert!(
        out.contains("FAILED pvc shop/data-orders-db-4: 500 InternalError: Internal error occurred: etcdserver: request timed out"),
        "{out}"
    );
    assert!(
        out.contains(
            "untouched pvc shop/data-orders-db-5 (not sent: the batch stops at a failure)"
        ),
        "{out}"
    );
    assert!(
        out.contains("Deleted 1 of 3 chosen (10 GiB, about 1.00 per month); 0 skipped as changed since listed or in use; 1 failed; 1 not attempted: the run stopped at the failure and retried nothing"),
        "{out}"
    );
}

#[test]
fn orphans_no_answer_half_way_stops_the_batch() {
    let server = FakeApiServer::with(leftover_claims().fault(
        "DELETE",
        "/data-orders-db-4",
        1,
        FaultAnswer::Delay(Duration::from_secs(5)),
    ));
    let env = env(&server);
    let r = orphans_delete(&env, &["--request-timeout", "1s"]);
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let sent: Vec<String> = changes(&server).into_iter().map(|(_, p)| p).collect();
    assert_eq!(
        sent,
        [
            format!("{PVCS}/data-orders-db-3"),
            format!("{PVCS}/data-orders-db-4")
        ],
        "not retried, and nothing after it"
    );
    let out = flat(&r.stdout);
    assert!(
        out.contains("FAILED pvc shop/data-orders-db-4: no answer within 1s; it may or may not have been deleted: check before retrying"),
        "{out}"
    );
    assert!(out.contains("untouched pvc shop/data-orders-db-5"), "{out}");
    assert!(out.contains("1 failed; 1 not attempted"), "{out}");
}

// ---------------------------------------------------------------- rollout

const REV1: &str = "orders-db-784fcf764b";
const REV2: &str = "orders-db-6b5f8d9c7d";
const STS_PATH: &str = "/apis/apps/v1/namespaces/shop/statefulsets/orders-db";

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

/// The recorded orders-db with `change` merged in.
fn statefulset(change: Value) -> Value {
    let mut s = fixture_items("statefulsets").remove(0);
    merge(&mut s, &change);
    s
}

/// orders-db rolling from REV1 to REV2 with `partition`.
fn rolling(partition: i64) -> Value {
    statefulset(json!({
        "spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": partition}}},
        "status": {"currentRevision": REV1, "updateRevision": REV2}
    }))
}

fn ondelete() -> Value {
    statefulset(json!({
        "spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": null}},
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

fn pods(revs: [(&str, bool); 3]) -> Vec<Value> {
    revs.iter()
        .enumerate()
        .map(|(i, (rev, ready))| pod(i, rev, *ready))
        .collect()
}

/// What the controller re-creates in place of orders-db-`i`: a new uid, on `rev`, Ready.
fn recreated(i: usize, rev: &str) -> Value {
    let mut p = pod(i, rev, true);
    p["metadata"]["uid"] = json!(format!("uid-recreated-{i}"));
    p["metadata"]["resourceVersion"] = json!("900");
    p
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

/// A rollout half-way (partition 2, orders-db-2 updated and Ready): every patch action's
/// guard passes on it, with the pods each needs.
fn patch_world(action: &str) -> (Options, Vec<&'static str>) {
    let base = Options::default().serve_pods();
    match action {
        // Step and promote: the canary (orders-db-2) is updated and Ready.
        "step" | "promote" => (
            base.items("statefulsets", vec![rolling(2)])
                .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)])),
            vec![],
        ),
        // Pause: a rollout under way with nothing held (orders-db-1 and -2 updated).
        "pause" => (
            base.items("statefulsets", vec![rolling(0)])
                .items("pods", pods([(REV1, true), (REV2, true), (REV2, true)])),
            vec![],
        ),
        // Canary: a settled set and a new image for the top member.
        _ => (base, vec!["--image", "postgres=postgres:16.6"]),
    }
}

const PATCH_ACTIONS: [&str; 4] = ["step", "promote", "pause", "canary"];

fn rollout(env: &Env, action: &str, extra: &[&str]) -> Run {
    run(env
        .sts()
        .args(["rollout", action, "orders-db", "-n", "shop", "--yes"])
        .args(extra))
}

#[test]
fn rollout_patch_actions_a_500_on_the_change_is_reported_not_retried() {
    for action in PATCH_ACTIONS {
        let (o, extra) = patch_world(action);
        let server = FakeApiServer::with(o.fault(
            "PATCH",
            "/statefulsets/orders-db",
            1,
            FaultAnswer::Status(500),
        ));
        let env = env(&server);
        let r = rollout(&env, action, &extra);
        let e = r.usage_error();
        assert_eq!(
            e,
            "error: the change was refused; nothing was retried: 500 InternalError: Internal error occurred: etcdserver: request timed out",
            "{action}"
        );
        assert!(
            flat(&r.stdout).contains("dry-run ok"),
            "{action}: {}",
            r.stdout
        );
        assert!(!flat(&r.stdout).contains("applied:"), "{action}");
        assert_eq!(
            changes(&server),
            [("PATCH".to_string(), STS_PATH.to_string())],
            "{action}: one real patch, not retried"
        );
    }
}

#[test]
fn rollout_patch_actions_no_answer_says_the_change_may_have_landed() {
    for action in PATCH_ACTIONS {
        let (o, extra) = patch_world(action);
        let server = FakeApiServer::with(o.fault(
            "PATCH",
            "/statefulsets/orders-db",
            1,
            FaultAnswer::Delay(Duration::from_secs(4)),
        ));
        let env = env(&server);
        let started = Instant::now();
        let mut args = extra.clone();
        args.extend(["--request-timeout", "1s"]);
        let r = rollout(&env, action, &args);
        assert!(started.elapsed() < Duration::from_secs(15), "{action}");
        let e = r.usage_error();
        assert_eq!(
            e,
            "error: the change got no answer (no answer within 1s: the change may or may not have been applied; check before running again); it may or may not have been applied: check with kubectl sts rollout status before running again; nothing was retried",
            "{action}"
        );
        assert_eq!(
            changes(&server).len(),
            1,
            "{action}: one real patch, not retried"
        );
    }
}

#[test]
fn rollout_canary_and_pause_conflict_on_the_change() {
    // Someone writes the StatefulSet between the dry run and the real patch (the GET and
    // the dry run are its first two requests).
    for action in ["canary", "pause"] {
        let (o, extra) = patch_world(action);
        let server = FakeApiServer::with(o.statefulset_changes_after(2));
        let env = env(&server);
        let mut args = extra.clone();
        args.extend(["-o", "json"]);
        let r = rollout(&env, action, &args);
        assert_eq!(r.code, 1, "{action}: {}", r.stderr);
        assert_eq!(r.json()["result"], "conflict", "{action}");
        assert!(
            flat(&r.stderr).contains("the change was not applied: changed since it was read: re-run to see the current state (409 Conflict"),
            "{action}: {}",
            r.stderr
        );
        let reqs = server.requests();
        assert_eq!(
            reqs.iter().filter(|r| r.status == Some(409)).count(),
            1,
            "{action}: one conflict, not retried"
        );
        assert_eq!(changes(&server).len(), 1, "{action}");
    }
}

#[test]
fn rollout_sigint_with_the_change_in_flight() {
    let (o, _) = patch_world("step");
    let server = FakeApiServer::with(o.fault(
        "PATCH",
        "/statefulsets/orders-db",
        1,
        FaultAnswer::Delay(Duration::from_secs(20)),
    ));
    let env = env(&server);
    let r = interrupt_when(
        &env,
        &server,
        &["rollout", "step", "orders-db", "-n", "shop", "--yes"],
        in_flight("PATCH"),
    );
    assert_eq!(r.code, 130, "{}", r.stderr);
    assert!(
        flat(&r.stderr).contains("interrupted while the change was in flight: it may or may not have been applied; see `kubectl sts rollout status orders-db -n shop`"),
        "{}",
        r.stderr
    );
    assert_eq!(changes(&server).len(), 1);
}

/// OnDelete, orders-db-2 updated: step evicts orders-db-1, which comes back on REV2.
fn ondelete_world() -> Options {
    Options::default()
        .serve_pods()
        .items("statefulsets", vec![ondelete()])
        .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)]))
        .recreate("shop", "orders-db-1", recreated(1, REV2))
}

const EVICT_1: &str = "/api/v1/namespaces/shop/pods/orders-db-1/eviction";

#[test]
fn rollout_ondelete_step_each_failure_of_the_eviction() {
    for (answer, code, says) in [
        (
            FaultAnswer::Status(409),
            1,
            "the eviction of orders-db-1 was not applied: it changed since it was read: re-run to see the current state (409 Conflict",
        ),
        (
            FaultAnswer::Status(500),
            2,
            "error: the eviction of orders-db-1 failed (500: Internal error occurred: etcdserver: request timed out); nothing was retried",
        ),
        (
            FaultAnswer::Delay(Duration::from_secs(4)),
            2,
            "error: the eviction of orders-db-1 got no answer (no answer within 1s); it may or may not have been evicted: check with kubectl get pod orders-db-1 before running again; nothing was retried",
        ),
    ] {
        let server = FakeApiServer::with(ondelete_world().fault("POST", EVICT_1, 1, answer));
        let env = env(&server);
        let r = rollout(&env, "step", &["--request-timeout", "1s"]);
        assert_eq!(r.code, code, "{answer:?}: {}\n{}", r.stdout, r.stderr);
        let all = flat(&format!("{}\n{}", r.stdout, r.stderr));
        assert!(all.contains(says), "{answer:?}: {all}");
        if code == 2 {
            r.usage_error();
        }
        assert_eq!(
            changes(&server),
            [("POST".to_string(), EVICT_1.to_string())],
            "{answer:?}: one real eviction, not retried"
        );
        assert!(!all.contains("re-created and Ready"), "{answer:?}");
    }
}

#[test]
fn rollout_sigint_while_waiting_for_the_evicted_pod() {
    // The replacement never comes: the pod stays as it was after the eviction.
    let server = FakeApiServer::with(
        Options::default()
            .serve_pods()
            .items("statefulsets", vec![ondelete()])
            .items("pods", pods([(REV1, true), (REV1, true), (REV2, true)]))
            .recreate("shop", "orders-db-1", pod(1, REV1, true)),
    );
    let env = env(&server);
    let r = interrupt_when(
        &env,
        &server,
        &["rollout", "step", "orders-db", "-n", "shop", "--yes"],
        |reqs| {
            reqs.iter()
                .any(|r| r.method == "GET" && r.path == "/api/v1/namespaces/shop/pods/orders-db-1")
        },
    );
    assert_eq!(r.code, 130, "{}", r.stderr);
    assert!(
        flat(&r.stderr).contains("interrupted after orders-db-1 was evicted, while waiting for it to be Ready again: see `kubectl -n shop get pod orders-db-1`"),
        "{}",
        r.stderr
    );
    assert_eq!(changes(&server).len(), 1, "one eviction");
}

/// orders-db stuck on a crash-looping REV2 (postgres:17) at orders-db-2.
fn undo_world() -> Options {
    let mut broken = rolling(0);
    broken["spec"]["template"]["spec"]["containers"][0]["image"] = json!("postgres:17");
    Options::default()
        .serve_pods()
        .items("statefulsets", vec![broken])
        .items("controllerrevisions", revisions())
        .items("pods", pods([(REV1, true), (REV1, true), (REV2, false)]))
}

const EVICT_2: &str = "/api/v1/namespaces/shop/pods/orders-db-2/eviction";

#[test]
fn rollout_undo_conflict_on_the_template() {
    let server = FakeApiServer::with(undo_world().statefulset_changes_after(2));
    let env = env(&server);
    let r = rollout(&env, "undo", &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        flat(&r.stdout).contains("the change was not applied: changed since it was read"),
        "{}",
        r.stdout
    );
    assert_eq!(changes(&server).len(), 1, "the template patch, refused");
    assert!(
        !server.requests().iter().any(|r| r.method == "POST"),
        "no pod is evicted after a refused undo"
    );
}

#[test]
fn rollout_undo_a_500_after_the_template_says_the_undo_landed() {
    for (answer, says) in [
        (
            FaultAnswer::Status(500),
            "the eviction of orders-db-2 failed (500: Internal error occurred: etcdserver: request timed out); nothing was retried",
        ),
        (
            FaultAnswer::Delay(Duration::from_secs(4)),
            "the eviction of orders-db-2 got no answer (no answer within 1s); it may or may not have been evicted",
        ),
    ] {
        let server = FakeApiServer::with(
            undo_world()
                .recreate("shop", "orders-db-2", recreated(2, REV1))
                .fault("POST", EVICT_2, 1, answer),
        );
        let env = env(&server);
        let r = rollout(&env, "undo", &["--request-timeout", "1s"]);
        let e = r.usage_error();
        assert!(
            e.starts_with(&format!(
                "error: the undo was applied (the template is {REV1} again), then {says}"
            )) && e.ends_with("; the remaining pods were not touched"),
            "{answer:?}: {e}"
        );
        assert!(
            flat(&r.stdout).contains("applied: undo orders-db"),
            "{}",
            r.stdout
        );
        assert_eq!(
            changes(&server),
            [
                ("PATCH".to_string(), STS_PATH.to_string()),
                ("POST".to_string(), EVICT_2.to_string())
            ],
            "{answer:?}"
        );
    }
}

#[test]
fn rollout_sigint_after_the_undo_landed() {
    // The trapped pod's replacement never becomes Ready.
    let server =
        FakeApiServer::with(undo_world().recreate("shop", "orders-db-2", pod(2, REV1, false)));
    let env = env(&server);
    let r = interrupt_when(
        &env,
        &server,
        &["rollout", "undo", "orders-db", "-n", "shop", "--yes"],
        |reqs| {
            reqs.iter().any(|r| r.method == "POST" && real(r))
                && reqs.iter().any(|r| {
                    r.method == "GET" && r.path == "/api/v1/namespaces/shop/pods/orders-db-2"
                })
        },
    );
    assert_eq!(r.code, 130, "{}", r.stderr);
    assert!(
        flat(&r.stderr).contains("interrupted after the undo was applied, before every trapped pod was handled: see `kubectl sts rollout status orders-db -n shop`"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------- pvc-expand --apply

const CLAIM: &str = "/api/v1/namespaces/shop/persistentvolumeclaims/data-orders-db";

fn expansion() -> Expansion {
    Expansion::new(
        fixture("GET_apis_apps_v1_namespaces_shop_statefulsets_orders-db.json"),
        fixture_items("persistentvolumeclaims"),
        fixture_items("pods"),
    )
}

fn expand(env: &Env, extra: &[&str]) -> Run {
    run(env
        .sts()
        .args([
            "pvc-expand",
            "orders-db",
            "-n",
            "shop",
            "--size",
            "20Gi",
            "--apply",
            "--yes",
            "--online-resize-wait",
            "3s",
            "--step-timeout",
            "30s",
            "--backup-dir",
        ])
        .arg(env.work())
        .args(extra))
}

#[test]
fn pvc_expand_no_answer_or_500_on_the_second_claim() {
    for (answer, says) in [
        (
            FaultAnswer::Status(500),
            "500 InternalError: Internal error occurred: etcdserver: request timed out",
        ),
        (
            FaultAnswer::Delay(Duration::from_secs(4)),
            "no answer within 1s",
        ),
    ] {
        let server =
            FakeApiServer::with(Options::default().expansion(Arc::new(expansion())).fault(
                "PATCH",
                "/data-orders-db-1",
                1,
                answer,
            ));
        let env = env(&server);
        let r = expand(&env, &["--request-timeout", "1s"]);
        assert_eq!(r.code, 1, "{answer:?}: {}\n{}", r.stdout, r.stderr);
        let err = flat(&r.stderr);
        assert!(
            err.contains(
                "error: stopped at step 5 of 17 (grow claim data-orders-db-1 from 10Gi to 20Gi)"
            ),
            "{answer:?}: {err}"
        );
        assert!(err.contains(says), "{answer:?}: {err}");
        assert!(
            err.contains("done: claims asked to grow to 20Gi: data-orders-db-2"),
            "{answer:?}: {err}"
        );
        // The second claim's patch was sent once, the third never, the StatefulSet untouched.
        let sent: Vec<String> = changes(&server).into_iter().map(|(_, p)| p).collect();
        assert_eq!(
            sent,
            [format!("{CLAIM}-2"), format!("{CLAIM}-1")],
            "{answer:?}"
        );
    }
}

#[test]
fn pvc_expand_conflict_on_a_real_claim_patch() {
    let server = FakeApiServer::with(Options::default().expansion(Arc::new(expansion())).fault(
        "PATCH",
        "/data-orders-db-1",
        1,
        FaultAnswer::Status(409),
    ));
    let env = env(&server);
    let r = expand(&env, &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let err = flat(&r.stderr);
    assert!(
        err.contains(
            "error: stopped at step 5 of 17 (grow claim data-orders-db-1 from 10Gi to 20Gi)"
        ),
        "{err}"
    );
    assert!(err.contains("changed since it was read"), "{err}");
    let sent: Vec<String> = changes(&server).into_iter().map(|(_, p)| p).collect();
    assert_eq!(sent, [format!("{CLAIM}-2"), format!("{CLAIM}-1")]);
}

// ---------------------------------------------------------------- the diagnose runner

const UP: &str = "\x1b[A";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fake kubectl that appends its arguments to `log`.
fn fake_kubectl(dir: &Path) -> std::path::PathBuf {
    let log = dir.join("kubectl.log");
    let script = dir.join("kubectl");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"ARGS: $*\" >> {}\n", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    log
}

fn key(p: &mut PtySession, keys: &str) {
    p.send(keys).unwrap();
    p.flush().unwrap();
}

/// Keys typed before a prompt switched the terminal to raw mode would be lost.
fn pause() {
    std::thread::sleep(Duration::from_millis(300));
}

/// From "quit" (the default, last entry) up to the entry whose command starts `command`.
fn choose(p: &mut PtySession, menu: &str, command: &str) {
    let entries: Vec<&str> = menu
        .lines()
        .filter(|l| l.starts_with("      kubectl"))
        .collect();
    let idx = entries
        .iter()
        .position(|l| l.trim_start().starts_with(command))
        .unwrap_or_else(|| panic!("no entry {command:?} in {menu}"));
    pause();
    for _ in 0..(entries.len() - idx) {
        key(p, UP);
    }
    key(p, ENTER);
}

fn runner(dir: &Path, extra: &[&str]) -> PtySession {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-sts"));
    cmd.args([
        "diagnose",
        "-f",
        "docs/examples/cassandra-node-lost.yaml",
        "-n",
        "data",
    ])
    .args(extra)
    .current_dir(root())
    .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
    .env("TERM", "xterm")
    .env("NO_COLOR", "1")
    .env_remove("KUBECONFIG")
    .env("HOME", dir);
    spawn_command(cmd, Some(20_000)).unwrap()
}

#[test]
fn runner_yes_never_runs_a_destructive_command_unasked() {
    let dir = tempfile::tempdir().unwrap();
    let log = fake_kubectl(dir.path());
    let mut p = runner(dir.path(), &["--yes"]);
    // A read-only command runs at once with --yes ...
    p.exp_string("Run one of these commands?").unwrap();
    let menu = p.exp_string("quit\r\n").unwrap().replace('\r', "");
    choose(&mut p, &menu, "kubectl -n data get pods");
    let between = p.exp_string("exited with").unwrap();
    assert!(!between.contains("Run it?"), "{between}");
    // ... a destructive one still asks, and declining runs nothing.
    p.exp_string("Run one of these commands?").unwrap();
    let menu = p.exp_string("quit\r\n").unwrap().replace('\r', "");
    choose(&mut p, &menu, "kubectl -n data delete pvc data-cassandra-1");
    p.exp_string("WARNING: this is destructive and cannot be undone.")
        .unwrap();
    p.exp_string("Run it?").unwrap();
    pause();
    key(&mut p, "n");
    p.exp_string("Run one of these commands?").unwrap();
    pause();
    key(&mut p, ESC);
    p.exp_eof().unwrap();
    let got = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        got.lines().collect::<Vec<_>>(),
        ["ARGS: -n data get pods -l app=cassandra -o wide"],
        "only the read-only command ran"
    );
}

#[test]
fn runner_ctrl_c_at_the_confirmation_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = fake_kubectl(dir.path());
    let mut p = runner(dir.path(), &[]);
    p.exp_string("Run one of these commands?").unwrap();
    let menu = p.exp_string("quit\r\n").unwrap().replace('\r', "");
    choose(&mut p, &menu, "kubectl -n data delete pod cassandra-1");
    p.exp_string("Run it?").unwrap();
    pause();
    key(&mut p, "\x03");
    let before = p.exp_string("interrupted").unwrap();
    assert!(
        before.contains("\x1b[?25h"),
        "the cursor the prompt hid is shown again: {before:?}"
    );
    p.exp_eof().unwrap();
    match p.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 130),
        other => panic!("{other:?}"),
    }
    assert!(!log.exists(), "kubectl ran");
}
