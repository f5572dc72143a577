//! `kubectl sts pvc-expand`: the plan from saved state (a class without expansion, a smaller
//! size and a quota too small are blocked with exit 1; a valid case lists its steps; JSON
//! pinned by insta), size typos, and `--apply` against the fake kube-apiserver over real
//! HTTP: every request of the whole sequence (dry runs first, claim patches with their
//! resourceVersion, the waits, the eviction of the pod whose filesystem needs a restart,
//! the orphan delete with its options in the body, the re-create equal to the original
//! but for the size, the adoption check), a failure mid-way that says how to resume or
//! restore, and a second run that skips what the first finished.

mod support;
use support::harness::{Run, run};

/// The sealed binary of `support::harness`, with more time: `--apply` waits for claims.
fn sts() -> Command {
    let mut c = support::harness::bare();
    c.timeout(Duration::from_secs(120));
    c
}

use assert_cmd::Command;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use support::fake_apiserver::expansion::{Expansion, Resizer};
use support::fake_apiserver::{
    FakeApiServer, Options, RecordedRequest, fixture, fixture_items, kubeconfig_for,
};
use tempfile::TempDir;

const NOW: &str = "2026-11-22T03:00:00Z";

fn expand_fixture(name: &str) -> String {
    format!("tests/fixtures/expand/{name}")
}

// ---------------------------------------------------------------- plans from saved state

fn plan_of(file: &str, size: &str) -> (Value, i32) {
    let r = run(sts().args([
        "pvc-expand",
        "pg",
        "--size",
        size,
        "-n",
        "data",
        "-f",
        &expand_fixture(file),
        "--now",
        NOW,
        "-o",
        "json",
    ]));
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    assert!(
        !r.stderr.contains("ResourceQuota"),
        "quotas are read, not ignored: {}",
        r.stderr
    );
    (v, r.code)
}

fn failed_checks(v: &Value) -> Vec<&str> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

/// The contract's fields, present and typed, in every plan.
fn assert_contract(v: &Value) {
    assert_eq!(v["statefulset"], json!({"namespace": "data", "name": "pg"}));
    for k in ["template", "from", "to"] {
        assert!(v[k].is_string(), "{k}: {v}");
    }
    for c in v["checks"].as_array().unwrap() {
        assert!(c["name"].is_string() && c["ok"].is_boolean() && c["detail"].is_string());
    }
    assert!(v["blocked"].is_boolean());
    for s in v["steps"].as_array().unwrap() {
        assert!(s["description"].is_string());
        assert!(
            s["command"].as_str().unwrap().starts_with("kubectl "),
            "{s}"
        );
    }
    if v["blocked"] == true {
        assert_eq!(v["steps"], json!([]), "a blocked plan has no steps");
    }
}

#[test]
fn a_valid_expansion_lists_its_steps_with_kubectl_commands() {
    let (v, code) = plan_of("valid.yaml", "20Gi");
    assert_eq!(code, 0);
    assert_contract(&v);
    assert_eq!(v["blocked"], false);
    assert!(failed_checks(&v).is_empty());
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("10Gi"), Some("20Gi"))
    );
    let commands: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["command"].as_str().unwrap())
        .collect();
    // Highest ordinal first, then the claim template.
    let patched: Vec<&str> = commands
        .iter()
        .filter(|c| c.contains(" patch pvc "))
        .map(|c| c.split_whitespace().nth(5).unwrap())
        .collect();
    assert_eq!(patched, ["data-pg-2", "data-pg-1", "data-pg-0"]);
    assert!(commands.contains(&"kubectl -n data delete statefulset pg --cascade=orphan"));
    insta::assert_json_snapshot!("valid", v);
}

#[test]
fn a_class_without_expansion_is_blocked() {
    let (v, code) = plan_of("no-expansion.yaml", "20Gi");
    assert_eq!(code, 1);
    assert_contract(&v);
    assert_eq!(v["blocked"], true);
    assert_eq!(failed_checks(&v), ["storageclass-allows-expansion"]);
    insta::assert_json_snapshot!("no_expansion", v);
}

#[test]
fn a_smaller_size_is_blocked() {
    let (v, code) = plan_of("valid.yaml", "5Gi");
    assert_eq!(code, 1);
    assert_contract(&v);
    assert_eq!(failed_checks(&v), ["size-larger"]);
    insta::assert_json_snapshot!("smaller", v);
}

#[test]
fn a_quota_too_small_is_blocked() {
    let (v, code) = plan_of("quota-too-small.yaml", "20Gi");
    assert_eq!(code, 1);
    assert_contract(&v);
    assert_eq!(failed_checks(&v), ["quota-headroom"]);
    insta::assert_json_snapshot!("quota_too_small", v);
    // The table says the same, and that nothing changed.
    let r = run(sts().args([
        "pvc-expand",
        "pg",
        "--size",
        "20Gi",
        "-n",
        "data",
        "-f",
        &expand_fixture("quota-too-small.yaml"),
        "--now",
        NOW,
    ]));
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("quota_too_small_table", r.stdout);
    // --fail-on never still shows it, with exit 0.
    let r = run(sts().args([
        "pvc-expand",
        "pg",
        "--size",
        "20Gi",
        "-n",
        "data",
        "-f",
        &expand_fixture("quota-too-small.yaml"),
        "--fail-on",
        "never",
    ]));
    assert_eq!(r.code, 0);
}

#[test]
fn quotas_missing_from_the_input_are_not_checked_and_say_so() {
    // The snapshot file of another fixture has no ResourceQuota objects.
    let r = run(sts().args([
        "pvc-expand",
        "pg",
        "--size",
        "20Gi",
        "-n",
        "data",
        "-f",
        "tests/fixtures/expand/without-quotas.yaml",
        "-o",
        "json",
    ]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stderr));
    assert_eq!(v["skipped"][0]["check"], "quota-headroom");
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "quota-headroom")
    );
}

#[test]
fn size_typos_are_refused_with_what_was_meant() {
    for (size, want) in [
        (
            "20GB",
            "invalid size \"20GB\": not a Kubernetes quantity; did you mean 20Gi? 20G is 20×10⁹ bytes",
        ),
        ("20gb", "did you mean 20Gi?"),
    ] {
        let r = run(sts().args([
            "pvc-expand",
            "pg",
            "--size",
            size,
            "-n",
            "data",
            "-f",
            &expand_fixture("valid.yaml"),
        ]));
        assert_eq!(r.code, 2, "{size}");
        assert!(r.stderr.contains(want), "{size}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    }
    // 20G is valid, with the hint as a warning.
    let (v, code) = plan_of("valid.yaml", "20G");
    assert_eq!(code, 0);
    assert!(
        v["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("size 20G: did you mean 20Gi? 20G is 20×10⁹ bytes"),
        "{}",
        v["warnings"]
    );
}

#[test]
fn apply_refuses_saved_state_and_a_pipe_without_yes() {
    let r = run(sts().args([
        "pvc-expand",
        "pg",
        "--size",
        "20Gi",
        "-n",
        "data",
        "-f",
        &expand_fixture("valid.yaml"),
        "--apply",
    ]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--apply changes the live cluster"),
        "{}",
        r.stderr
    );

    let server = FakeApiServer::start();
    let k = Kube::new(&server);
    let r = run(k
        .sts()
        .args(["pvc-expand", "orders-db", "--size", "20Gi", "--apply"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert!(
        server.requests().is_empty(),
        "nothing is read before consent is settled"
    );
}

// ---------------------------------------------------------------- --apply, live

/// A temp directory with a kubeconfig for one server, an empty HOME and a backup dir.
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
        std::fs::create_dir(dir.path().join("backups")).unwrap();
        Kube { dir, kubeconfig }
    }

    fn backups(&self) -> PathBuf {
        self.dir.path().join("backups")
    }

    fn sts(&self) -> Command {
        let mut c = sts();
        c.env("HOME", self.dir.path().join("home"))
            .arg("--kubeconfig")
            .arg(&self.kubeconfig);
        c
    }

    /// `pvc-expand orders-db -n shop --size 20Gi --apply --yes` with the backups here.
    fn apply(&self, extra: &[&str]) -> Run {
        run(self
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
            .arg(self.backups())
            .args(extra))
    }
}

/// The recorded StatefulSet as a single object.
fn recorded_sts() -> Value {
    fixture("GET_apis_apps_v1_namespaces_shop_statefulsets_orders-db.json")
}

fn expansion() -> Expansion {
    Expansion::new(
        recorded_sts(),
        fixture_items("persistentvolumeclaims"),
        fixture_items("pods"),
    )
}

/// The requests of the mutation, one line each: method, path, dryRun; the collector's
/// lists (with `limit`) left out and repeated polls collapsed into one line.
fn story(reqs: &[RecordedRequest]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in reqs {
        if r.method == "GET" && r.query_value("limit").is_some() && r.resource() != "resourcequotas"
        {
            continue;
        }
        let mut line = format!("{} {}", r.method, r.path);
        if let Some(d) = r.query_value("dryRun") {
            line.push_str(&format!("?dryRun={d}"));
        }
        if let Some(b) = &r.body {
            let v: Value = serde_json::from_str(b).unwrap_or(Value::Null);
            if v.pointer("/dryRun").is_some() || v.pointer("/deleteOptions/dryRun").is_some() {
                line.push_str(" body:dryRun");
            }
        }
        line.push_str(&format!(" -> {}", r.status.unwrap_or(0)));
        if out.last() != Some(&line) {
            out.push(line);
        }
    }
    out
}

fn body_of(r: &RecordedRequest) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap()).unwrap()
}

fn find<'a>(
    reqs: &'a [RecordedRequest],
    method: &str,
    path_end: &str,
    dry: bool,
) -> Vec<&'a RecordedRequest> {
    reqs.iter()
        .filter(|r| r.method == method && r.path.ends_with(path_end))
        .filter(|r| {
            let in_body = r
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
                .is_some_and(|v| {
                    v.pointer("/dryRun").is_some() || v.pointer("/deleteOptions/dryRun").is_some()
                });
            (r.query_value("dryRun") == Some("All") || in_body) == dry
        })
        .collect()
}

/// The recorded object without the fields the server owns, as it can be created again.
fn creatable(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o.remove("status");
    let m = o.get_mut("metadata").unwrap().as_object_mut().unwrap();
    for f in [
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
    ] {
        m.remove(f);
    }
    v
}

const CLAIM: &str = "/api/v1/namespaces/shop/persistentvolumeclaims/data-orders-db";
const STS: &str = "/apis/apps/v1/namespaces/shop/statefulsets";

#[test]
fn apply_runs_the_whole_sequence_and_every_request_is_the_right_one() {
    let exp = Arc::new(
        expansion()
            .resizer("data-orders-db-2", Resizer::Online)
            .resizer("data-orders-db-1", Resizer::Offline)
            .resizer("data-orders-db-0", Resizer::OnlineAfterPending),
    );
    let server = FakeApiServer::with(Options::default().expansion(Arc::clone(&exp)));
    let k = Kube::new(&server);
    let r = k.apply(&[]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let reqs = server.requests();
    let s = story(&reqs);
    let want = [
        // The namespace's quotas: one list.
        "GET /api/v1/namespaces/shop/resourcequotas -> 200".to_string(),
        // Dry run of everything first: each claim's patch (query) and the orphan delete (body).
        format!("PATCH {CLAIM}-2?dryRun=All -> 200"),
        format!("PATCH {CLAIM}-1?dryRun=All -> 200"),
        format!("PATCH {CLAIM}-0?dryRun=All -> 200"),
        format!("DELETE {STS}/orders-db body:dryRun -> 200"),
        // Highest ordinal first; online: grown at the first look.
        format!("PATCH {CLAIM}-2 -> 200"),
        format!("GET {CLAIM}-2 -> 200"),
        // Offline: the filesystem waits; after the online wait, the pod is evicted (dry run
        // first) and the next claim waits until it is back and Ready.
        format!("PATCH {CLAIM}-1 -> 200"),
        format!("GET {CLAIM}-1 -> 200"),
        "GET /api/v1/namespaces/shop/pods/orders-db-1 -> 200".to_string(),
        "POST /api/v1/namespaces/shop/pods/orders-db-1/eviction?dryRun=All body:dryRun -> 201"
            .to_string(),
        "POST /api/v1/namespaces/shop/pods/orders-db-1/eviction -> 201".to_string(),
        "GET /api/v1/namespaces/shop/pods/orders-db-1 -> 200".to_string(),
        format!("GET {CLAIM}-1 -> 200"),
        // Online after a FileSystemResizePending.
        format!("PATCH {CLAIM}-0 -> 200"),
        format!("GET {CLAIM}-0 -> 200"),
        // The template: read, list the pods, delete (dry run, real), wait for the 404,
        // create (dry run, real), check the pods were adopted.
        format!("GET {STS}/orders-db -> 200"),
        "GET /api/v1/namespaces/shop/pods -> 200".to_string(),
        format!("DELETE {STS}/orders-db body:dryRun -> 200"),
        format!("DELETE {STS}/orders-db -> 200"),
        format!("GET {STS}/orders-db -> 200"),
        format!("GET {STS}/orders-db -> 404"),
        format!("POST {STS}?dryRun=All -> 201"),
        format!("POST {STS} -> 201"),
        "GET /api/v1/namespaces/shop/pods -> 200".to_string(),
    ];
    assert_eq!(s, want, "\n{}", s.join("\n"));

    // Claim patches: the size and the resourceVersion each claim had when listed.
    let rvs: Vec<(String, String)> = fixture_items("persistentvolumeclaims")
        .iter()
        .map(|c| {
            (
                c["metadata"]["name"].as_str().unwrap().to_string(),
                c["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    for (name, rv) in &rvs {
        for dry in [true, false] {
            let p = find(&reqs, "PATCH", &format!("/{name}"), dry);
            assert_eq!(p.len(), 1, "{name} dry={dry}");
            assert_eq!(
                p[0].header("content-type"),
                Some("application/merge-patch+json")
            );
            assert_eq!(
                body_of(p[0]),
                json!({"metadata": {"resourceVersion": rv},
                       "spec": {"resources": {"requests": {"storage": "20Gi"}}}})
            );
        }
    }
    // The waits read until done: the offline claim several times, as long as the online
    // wait lasted.
    let reads_1 = reqs
        .iter()
        .filter(|r| r.method == "GET" && r.path == format!("{CLAIM}-1"))
        .count();
    assert!(reads_1 >= 3, "{reads_1}");
    let reads_0 = reqs
        .iter()
        .filter(|r| r.method == "GET" && r.path == format!("{CLAIM}-0"))
        .count();
    assert_eq!(reads_0, 2, "pending, then grown");
    // Only orders-db-1 was evicted, with the pod's identity as preconditions.
    let ev = find(&reqs, "POST", "/eviction", false);
    assert_eq!(ev.len(), 1);
    let pod1 = fixture_items("pods")
        .into_iter()
        .find(|p| p["metadata"]["name"] == "orders-db-1")
        .unwrap();
    assert_eq!(
        body_of(ev[0])["deleteOptions"],
        json!({"preconditions": {"uid": pod1["metadata"]["uid"], "resourceVersion": pod1["metadata"]["resourceVersion"]}})
    );

    // The orphan delete: options and preconditions in the body (the query's dryRun would
    // be ignored), the uid and resourceVersion of the object read right before.
    // Two dry runs: before anything changes (the uid as planned), and right before the real
    // one (uid and resourceVersion as just read).
    let live = recorded_sts();
    let dry = find(&reqs, "DELETE", "/statefulsets/orders-db", true);
    let real = find(&reqs, "DELETE", "/statefulsets/orders-db", false);
    assert_eq!((dry.len(), real.len()), (2, 1));
    for d in dry.iter().chain(&real) {
        let b = body_of(d);
        assert_eq!(b["propagationPolicy"], "Orphan");
        assert_eq!(b["preconditions"]["uid"], live["metadata"]["uid"]);
        assert_eq!(d.query_value("dryRun"), None, "dryRun in the body only");
    }
    assert_eq!(body_of(dry[0])["dryRun"], json!(["All"]));
    assert_eq!(
        body_of(dry[0])["preconditions"].get("resourceVersion"),
        None
    );
    for d in [dry[1], real[0]] {
        assert_eq!(
            body_of(d)["preconditions"]["resourceVersion"],
            live["metadata"]["resourceVersion"]
        );
    }
    assert_eq!(body_of(real[0]).get("dryRun"), None);

    // The re-created object: the original, server fields removed, only the size changed.
    let posts = find(&reqs, "POST", "/statefulsets", false);
    let sent = body_of(posts[0]);
    let mut want_obj = creatable(live.clone());
    want_obj["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
        json!("20Gi");
    assert_eq!(sent, want_obj);
    assert_eq!(body_of(find(&reqs, "POST", "/statefulsets", true)[0]), sent);

    // The pods kept running (same uid, except the evicted one) and were adopted.
    let new_uid =
        exp.object("statefulsets", "shop", "orders-db").unwrap()["metadata"]["uid"].clone();
    assert_ne!(new_uid, live["metadata"]["uid"]);
    for i in 0..3 {
        let p = exp
            .object("pods", "shop", &format!("orders-db-{i}"))
            .unwrap();
        assert_eq!(
            p["metadata"]["ownerReferences"][0]["uid"], new_uid,
            "orders-db-{i}"
        );
    }
    for i in 0..3 {
        let c = exp
            .object(
                "persistentvolumeclaims",
                "shop",
                &format!("data-orders-db-{i}"),
            )
            .unwrap();
        assert_eq!(c["status"]["capacity"]["storage"], "20Gi");
    }

    // The backup restores the old object; the re-create manifest is what was sent.
    let files: Vec<PathBuf> = std::fs::read_dir(k.backups())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    let backup = files
        .iter()
        .find(|f| !f.to_string_lossy().ends_with("-20Gi.yaml"))
        .unwrap();
    let text = std::fs::read_to_string(backup).unwrap();
    assert!(
        text.starts_with("# StatefulSet shop/orders-db (uid a631e4c7"),
        "{text}"
    );
    let saved: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(saved, creatable(live));
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("shop-orders-db-") && name.ends_with("Z.yaml"),
        "{name}"
    );

    // What people read.
    for line in [
        "grow data-orders-db-2 to 20Gi",
        "data-orders-db-1's filesystem waits for a restart: evicting pod orders-db-1",
        "pod orders-db-1 is back and Ready",
        "deleted statefulset orders-db with --cascade=orphan: its pods keep running",
        "3 pod(s) kept running and were adopted by the new StatefulSet",
        "Done: shop/orders-db claim template data and its claims are at 20Gi.",
    ] {
        assert!(r.stdout.contains(line), "{line:?} in:\n{}", r.stdout);
    }
}

#[test]
fn a_failure_mid_way_says_where_it_stopped_and_how_to_resume_or_restore() {
    let exp = Arc::new(expansion().fail_create(500));
    let server = FakeApiServer::with(Options::default().expansion(Arc::clone(&exp)));
    let k = Kube::new(&server);
    let r = k.apply(&[]);
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let reqs = server.requests();
    let s = story(&reqs);
    assert_eq!(
        &s[s.len() - 2..],
        [
            format!("POST {STS}?dryRun=All -> 201"),
            format!("POST {STS} -> 500")
        ],
        "{}",
        s.join("\n")
    );
    // The claims grew and the StatefulSet is gone: the message says so, names the step,
    // and gives the commands that finish or restore, with the files' paths.
    let err = &r.stderr;
    assert!(
        err.contains(
            "error: stopped at step 16 of 17 (re-create it with claim template data at 20Gi"
        ),
        "{err}"
    );
    assert!(err.contains("500 InternalError"), "{err}");
    assert!(
        err.contains("done: claims asked to grow to 20Gi: data-orders-db-2, data-orders-db-1, data-orders-db-0"),
        "{err}"
    );
    // A 500 may or may not have created it: the message says to look first.
    assert!(
        err.contains(
            "the StatefulSet shop/orders-db was deleted and its re-create got no clear answer"
        ),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "kubectl --kubeconfig {} --context fake -n shop get statefulset orders-db",
            k.kubeconfig.display()
        )),
        "{err}"
    );
    let files: Vec<PathBuf> = std::fs::read_dir(k.backups())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    let recreate = files
        .iter()
        .find(|f| f.to_string_lossy().ends_with("-20Gi.yaml"))
        .unwrap();
    let backup = files.iter().find(|f| *f != recreate).unwrap();
    let create = |f: &Path| {
        format!(
            "kubectl --kubeconfig {} --context fake -n shop create -f {}",
            k.kubeconfig.display(),
            f.display()
        )
    };
    assert!(err.contains(&create(recreate)), "{err}");
    assert!(
        err.contains(&format!(
            "restore it as it was from the backup {}",
            backup.display()
        )),
        "{err}"
    );
    assert!(err.contains(&create(backup)), "{err}");
    // What the message promises is there: the re-create manifest is the object to create.
    let manifest: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(recreate).unwrap()).unwrap();
    assert_eq!(
        manifest,
        body_of(find(&reqs, "POST", "/statefulsets", false)[0])
    );

    // Running it again now finds no StatefulSet and points at the files.
    let again = k.apply(&[]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("statefulset orders-db not found"),
        "{}",
        again.stderr
    );
    assert!(
        again.stderr.contains(&backup.display().to_string()),
        "{}",
        again.stderr
    );
}

#[test]
fn a_second_run_skips_the_claims_the_first_one_finished() {
    // As a first run left it: data-orders-db-2 grown, data-orders-db-1 patched and waiting
    // for its pod to restart, data-orders-db-0 not reached; the template unchanged.
    let mut claims = fixture_items("persistentvolumeclaims");
    for c in &mut claims {
        match c["metadata"]["name"].as_str().unwrap() {
            "data-orders-db-2" => {
                c["spec"]["resources"]["requests"]["storage"] = json!("20Gi");
                c["status"]["capacity"]["storage"] = json!("20Gi");
            }
            "data-orders-db-1" => {
                c["spec"]["resources"]["requests"]["storage"] = json!("20Gi");
                c["status"]["conditions"] =
                    json!([{"type": "FileSystemResizePending", "status": "True"}]);
            }
            _ => {}
        }
    }
    let exp = Arc::new(
        Expansion::new(recorded_sts(), claims, fixture_items("pods"))
            .resizer("data-orders-db-1", Resizer::Offline)
            .quotas(None),
    );
    let server = FakeApiServer::with(Options::default().expansion(Arc::clone(&exp)));
    let k = Kube::new(&server);
    let r = k.apply(&["-o", "json"]);
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    // The plan (stdout, JSON) says what is skipped and why; quotas could not be read.
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let actions: Vec<&str> = v["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["grow", "finish", "done"]);
    assert_eq!(v["skipped"][0]["check"], "quota-headroom");
    assert!(
        v["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("forbidden")
    );
    let reqs = server.requests();
    // Only data-orders-db-0 is patched (dry run and real); db-2 is not touched at all.
    let patches: Vec<String> = reqs
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(patches, [format!("{CLAIM}-0"), format!("{CLAIM}-0")]);
    assert!(!reqs.iter().any(|r| r.path == format!("{CLAIM}-2")));
    // db-1 is finished: its pod restarted.
    assert_eq!(find(&reqs, "POST", "/orders-db-1/eviction", false).len(), 1);
    assert!(
        r.stderr
            .contains("data-orders-db-1 already asks for 20Gi: waiting for it"),
        "{}",
        r.stderr
    );
    assert_eq!(
        exp.object("statefulsets", "shop", "orders-db").unwrap()["spec"]["volumeClaimTemplates"][0]
            ["spec"]["resources"]["requests"]["storage"],
        "20Gi"
    );
}

#[test]
fn a_claim_changed_since_the_plan_stops_the_run_before_anything_changes() {
    let exp = Arc::new(expansion().changes_after_listing("data-orders-db-1"));
    let server = FakeApiServer::with(Options::default().expansion(Arc::clone(&exp)));
    let k = Kube::new(&server);
    let r = k.apply(&[]);
    assert_eq!(r.code, 1, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let reqs = server.requests();
    let s = story(&reqs);
    assert_eq!(
        s[1..],
        [
            format!("PATCH {CLAIM}-2?dryRun=All -> 200"),
            format!("PATCH {CLAIM}-1?dryRun=All -> 409"),
        ],
        "{}",
        s.join("\n")
    );
    assert!(
        r.stderr.contains(
            "the dry run of growing claim data-orders-db-1 was refused: changed since it was read"
        ),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was changed"), "{}", r.stderr);
    assert!(r.stderr.contains("to try again:"), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(k.backups()).unwrap().count(), 0);
}

#[test]
fn ctrl_c_mid_way_says_what_was_done_and_how_to_go_on() {
    let exp = Arc::new(expansion().resizer("data-orders-db-2", Resizer::Offline));
    let server = FakeApiServer::with(Options::default().expansion(Arc::clone(&exp)));
    let k = Kube::new(&server);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-sts"))
        .env_remove("KUBECONFIG")
        .env("HOME", k.dir.path().join("home"))
        .env("NO_COLOR", "1")
        .arg("--kubeconfig")
        .arg(&k.kubeconfig)
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
            "60s",
            "--backup-dir",
        ])
        .arg(k.backups())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first claim is patched and being waited for.
    let started = std::time::Instant::now();
    while !server
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path == format!("{CLAIM}-2"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never got there"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("stopped at step 2 of 17 (wait until data-orders-db-2's capacity is 20Gi"),
        "{err}"
    );
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        err.contains("done: claims asked to grow to 20Gi: data-orders-db-2"),
        "{err}"
    );
    assert!(
        err.contains("to go on, run the same command again (claims already asking for 20Gi are not patched again):"),
        "{err}"
    );
    assert!(
        err.contains(
            "kubectl sts pvc-expand orders-db --size 20Gi --template data --apply --backup-dir"
        ),
        "{err}"
    );
    // Only the one claim was patched for real.
    let real: Vec<_> = find(&server.requests(), "PATCH", "", false)
        .into_iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(real, [format!("{CLAIM}-2")]);
}
