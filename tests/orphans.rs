//! `kubectl sts orphans`: the listing on a fixture with every kind of leftover (exact items,
//! reasons and totals, table and JSON pinned by insta), and `--delete` against the fake
//! kube-apiserver over real HTTP: dry run first with `dryRun` in the body, preconditions in
//! every body, a 409 Conflict skipped and reported, a claim a pod started mounting left
//! alone, and nothing deleted without consent.

mod support;
use support::harness::bare as sts;
use support::harness::run;

use assert_cmd::Command;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;
use support::fake_apiserver::{
    FakeApiServer, Options, RecordedRequest, fixture, fixture_items, kubeconfig_for,
};
use tempfile::TempDir;

const LEFTOVERS: &str = "tests/fixtures/orphans/leftovers.yaml";

// ---------------------------------------------------------------- listing from a file

fn listing(extra: &[&str]) -> Value {
    let r = run(sts()
        .args(["orphans", "--from-file", LEFTOVERS, "-o", "json"])
        .args(extra));
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

fn rows(v: &Value) -> Vec<(String, String, String, Option<String>, f64)> {
    v["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["runbook"].as_str().unwrap().to_string(),
                o["kind"].as_str().unwrap().to_string(),
                o["name"].as_str().unwrap().to_string(),
                o["statefulset"].as_str().map(str::to_string),
                o["monthly_cost"].as_f64().unwrap(),
            )
        })
        .collect()
}

const GIB: u64 = 1024 * 1024 * 1024;

#[test]
fn the_leftovers_fixture_lists_exactly_the_orphans_with_their_reasons_and_costs() {
    let v = listing(&[]);
    let pvc = "PersistentVolumeClaim";
    let pv = "PersistentVolume";
    let s = |x: &str| Some(x.to_string());
    // Sorted by cost. Not listed: the mounted postgres claims, data-kafka-2 (a CronJob's
    // pod mounts it), datadir-zk-1..3 (zk runs ordinals 1..3; zk-3's pod is only missing),
    // shared-uploads (no StatefulSet made it), the ephemeral claim, the PVs bound to the
    // listed claims (counted with them), and nfs-share-3 (Available for 2 hours only).
    assert_eq!(
        rows(&v),
        vec![
            (
                "orphan-pv-unclaimed".into(),
                pv.into(),
                "nfs-share-2".into(),
                None,
                20.0
            ),
            (
                "orphan-pv-released".into(),
                pv.into(),
                "pv-mysql-old".into(),
                None,
                10.0
            ),
            (
                "orphan-pvc-scaled-down".into(),
                pvc.into(),
                "data-postgres-3".into(),
                s("postgres"),
                5.0
            ),
            (
                "orphan-pvc-scaled-down".into(),
                pvc.into(),
                "data-postgres-4".into(),
                s("postgres"),
                5.0
            ),
            (
                "orphan-pvc-statefulset-deleted".into(),
                pvc.into(),
                "data-kafka-0".into(),
                s("kafka"),
                2.0
            ),
            (
                "orphan-pvc-statefulset-deleted".into(),
                pvc.into(),
                "data-kafka-1".into(),
                s("kafka"),
                2.0
            ),
            (
                "orphan-pvc-scaled-down".into(),
                pvc.into(),
                "datadir-zk-0".into(),
                s("zk"),
                1.0
            ),
            (
                "orphan-pvc-statefulset-deleted".into(),
                pvc.into(),
                "data-redis-0".into(),
                s("redis"),
                0.8
            ),
        ]
    );
    assert_eq!(v["total_capacity_bytes"], json!(458 * GIB));
    assert_eq!(v["total_monthly_cost"], json!(45.8));
    assert_eq!(v["price_per_gib_month"], json!(0.1));
    assert_eq!(v["skipped"], json!([]));
    // The contract's fields are all there.
    for o in v["orphans"].as_array().unwrap() {
        for key in [
            "runbook",
            "kind",
            "namespace",
            "name",
            "statefulset",
            "storage_class",
            "capacity_bytes",
            "age_seconds",
            "monthly_cost",
            "commands",
        ] {
            assert!(o.get(key).is_some(), "{key} missing in {o}");
        }
        for c in o["commands"].as_array().unwrap() {
            assert!(
                c["command"].as_str().unwrap().starts_with("kubectl "),
                "{c}"
            );
        }
    }
    // The Released PV's disk is named: deleting a Retain PV does not delete it.
    let released = &v["orphans"][1];
    assert_eq!(released["volume_handle"], "vol-0abc123def4567890");
    assert!(
        released["commands"][0]["description"]
            .as_str()
            .unwrap()
            .contains("vol-0abc123def4567890, is NOT deleted")
    );
}

#[test]
fn class_prices_change_costs_and_totals() {
    let v = listing(&["--price", "gp3=0.08", "--price-per-gib", "0.05"]);
    let costs: Vec<(String, f64)> = rows(&v).into_iter().map(|r| (r.2, r.4)).collect();
    assert_eq!(
        costs,
        vec![
            ("nfs-share-2".to_string(), 10.0),
            ("pv-mysql-old".to_string(), 8.0),
            ("data-postgres-3".to_string(), 4.0),
            ("data-postgres-4".to_string(), 4.0),
            ("data-kafka-0".to_string(), 1.0),
            ("data-kafka-1".to_string(), 1.0),
            ("data-redis-0".to_string(), 0.64),
            ("datadir-zk-0".to_string(), 0.5),
        ]
    );
    assert_eq!(v["total_monthly_cost"], json!(29.14));
    assert_eq!(v["price_per_gib_month"], json!(0.05));
    assert_eq!(v["class_prices"], json!({"gp3": 0.08}));
}

#[test]
fn a_bad_price_is_a_usage_error() {
    let r = run(sts().args(["orphans", "--from-file", LEFTOVERS, "--price", "gp3"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("CLASS=PRICE"), "{}", r.stderr);
}

#[test]
fn orphans_are_info_so_only_fail_on_info_fails() {
    assert_eq!(
        run(sts().args(["orphans", "--from-file", LEFTOVERS])).code,
        0
    );
    let r = run(sts().args(["orphans", "--from-file", LEFTOVERS, "--fail-on", "info"]));
    assert_eq!(r.code, 1);
}

#[test]
fn the_leftovers_table_and_json_are_pinned() {
    let r = run(sts().args(["orphans", "--from-file", LEFTOVERS]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in r.stdout.lines() {
        if !line.trim_start().starts_with("kubectl ") {
            assert!(line.chars().count() <= 80, "over 80 columns: {line:?}");
        }
    }
    insta::assert_snapshot!("leftovers_table", r.stdout);
    let v = listing(&["--price", "gp3=0.08"]);
    insta::assert_json_snapshot!("leftovers_json", v);
}

#[test]
fn a_namespaced_table_leaves_out_the_namespace_and_volumes_claimed_elsewhere() {
    let r = run(sts().args(["orphans", "--from-file", LEFTOVERS, "-n", "data"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let head: Vec<&str> = r.stdout.lines().take(4).collect();
    assert!(head[3].starts_with("NAME "), "{head:?}");
    // nfs-share-2 never had a claim: it belongs to no namespace.
    assert!(!r.stdout.contains("nfs-share-2"));
    assert!(r.stdout.contains("1 orphaned PV(s)"), "{}", r.stdout);
}

#[test]
fn diagnose_reports_the_same_orphans_as_info_findings() {
    let r = run(sts().args(["diagnose", "--from-file", LEFTOVERS, "-o", "json"]));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut got: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["runbook"].as_str().unwrap().starts_with("orphan-"))
        .map(|f| {
            assert_eq!(f["severity"], "info");
            (
                f["runbook"].as_str().unwrap().to_string(),
                f["object"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = listing(&[])["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["runbook"].as_str().unwrap().to_string(),
                o["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    want.sort();
    assert_eq!(got, want);
}

// ---------------------------------------------------------------- --delete, live

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
            .arg(&self.kubeconfig);
        c
    }
}

/// A recorded claim of orders-db renamed to `name`, with its own uid and resourceVersion.
fn claim(name: &str, uid: &str, rv: &str, finalizers: bool) -> Value {
    let mut c = fixture_items("persistentvolumeclaims")
        .into_iter()
        .find(|c| c["metadata"]["name"] == "data-orders-db-0")
        .unwrap();
    c["metadata"]["name"] = json!(name);
    c["metadata"]["uid"] = json!(uid);
    c["metadata"]["resourceVersion"] = json!(rv);
    c["spec"]["volumeName"] = json!(format!("pvc-{uid}"));
    if !finalizers {
        c["metadata"].as_object_mut().unwrap().remove("finalizers");
    }
    c
}

/// The recorded shop (orders-db, 3 replicas, 3 mounted claims) plus what a scale-down from
/// 6 left: data-orders-db-3 (with the pvc-protection finalizer), -4 (without), -5; and a
/// PV Released with reclaim policy Retain.
fn claims(uid5: &str) -> Vec<Value> {
    let mut v = fixture_items("persistentvolumeclaims");
    v.push(claim("data-orders-db-3", "uid-3", "501", true));
    v.push(claim("data-orders-db-4", "uid-4", "502", false));
    v.push(claim("data-orders-db-5", uid5, "503", true));
    v
}

fn volumes() -> Vec<Value> {
    let mut v = fixture_items("persistentvolumes");
    let mut released = v[0].clone();
    released["metadata"]["name"] = json!("pv-orders-old");
    released["metadata"]["uid"] = json!("uid-pv-old");
    released["metadata"]["resourceVersion"] = json!("600");
    released["spec"]["csi"]["volumeHandle"] = json!("vol-0abc123def4567890");
    released["spec"]["persistentVolumeReclaimPolicy"] = json!("Retain");
    released["spec"]["claimRef"]["name"] = json!("data-orders-db-9");
    released["spec"]["claimRef"]["uid"] = json!("uid-gone");
    released["status"] = json!({"phase": "Released"});
    v.push(released);
    v
}

fn deletes(reqs: &[RecordedRequest]) -> Vec<(String, Value)> {
    reqs.iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| {
            assert!(
                r.query_value("dryRun").is_none(),
                "dryRun belongs in the body (a DELETE with a body ignores the query): {}",
                r.path
            );
            let body: Value =
                serde_json::from_str(r.body.as_deref().expect("DELETE without a body")).unwrap();
            (r.path.clone(), body)
        })
        .collect()
}

fn is_dry_run(body: &Value) -> bool {
    body.get("dryRun") == Some(&json!(["All"]))
}

const PVCS: &str = "/api/v1/namespaces/shop/persistentvolumeclaims";

#[test]
fn delete_dry_runs_everything_first_then_deletes_with_preconditions_and_skips_a_conflict() {
    // data-orders-db-5 is deleted and re-created (new uid) after it was listed.
    let server = FakeApiServer::with(
        Options::default()
            .items("persistentvolumeclaims", claims("uid-5"))
            .then_items("persistentvolumeclaims", claims("uid-5-recreated"))
            .items("persistentvolumes", volumes()),
    );
    let kube = Kube::new(&server);
    let r = run(kube
        .sts()
        .args(["orphans", "-n", "shop", "--delete", "--yes"]));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);

    let reqs = server.requests();
    let d = deletes(&reqs);
    let paths: Vec<(&str, bool)> = d.iter().map(|(p, b)| (p.as_str(), is_dry_run(b))).collect();
    let old_pv = "/api/v1/persistentvolumes/pv-orders-old";
    let (c3, c4, c5) = (
        format!("{PVCS}/data-orders-db-3"),
        format!("{PVCS}/data-orders-db-4"),
        format!("{PVCS}/data-orders-db-5"),
    );
    assert_eq!(
        paths,
        vec![
            // The whole batch is dry-run first...
            (c3.as_str(), true),
            (c4.as_str(), true),
            (c5.as_str(), true),
            (old_pv, true),
            // ...then the real deletions, without the one that changed.
            (c3.as_str(), false),
            (c4.as_str(), false),
            (old_pv, false),
        ]
    );
    // Every body carries the uid and resourceVersion from the listing.
    let want = |uid: &str, rv: &str| json!({"uid": uid, "resourceVersion": rv});
    for (path, body) in &d {
        let pre = &body["preconditions"];
        match path.rsplit('/').next().unwrap() {
            "data-orders-db-3" => assert_eq!(pre, &want("uid-3", "501")),
            "data-orders-db-4" => assert_eq!(pre, &want("uid-4", "502")),
            "data-orders-db-5" => assert_eq!(pre, &want("uid-5", "503")),
            "pv-orders-old" => assert_eq!(pre, &want("uid-pv-old", "600")),
            other => panic!("unexpected DELETE of {other}"),
        }
        if !is_dry_run(body) {
            assert!(body.get("dryRun").is_none(), "{body}");
        }
    }
    // The 409 is answered in the recorded Conflict shape, then skipped and reported.
    let conflict = reqs
        .iter()
        .find(|q| q.method == "DELETE" && q.path == c5)
        .unwrap();
    assert_eq!(conflict.status, Some(409));
    assert!(
        r.stdout.contains("skipped    pvc shop/data-orders-db-5: changed since it was listed (409 Conflict: Operation cannot be fulfilled on PersistentVolumeClaim \"data-orders-db-5\": the UID in the precondition (uid-5) does not match the UID in record (uid-5-recreated)"),
        "{}",
        r.stdout
    );
    // One re-check read of pods and StatefulSets for the namespace, not one per claim.
    let gets = |p: &str| {
        reqs.iter()
            .filter(|q| q.method == "GET" && q.path == p)
            .count()
    };
    assert_eq!(
        gets("/api/v1/namespaces/shop/pods"),
        2,
        "collector + one re-check"
    );
    assert_eq!(gets("/apis/apps/v1/namespaces/shop/statefulsets"), 2);
    let first_real = reqs
        .iter()
        .position(|q| {
            q.method == "DELETE"
                && !is_dry_run(&serde_json::from_str(q.body.as_deref().unwrap()).unwrap())
        })
        .unwrap();
    let recheck = reqs
        .iter()
        .rposition(|q| q.path == "/api/v1/namespaces/shop/pods")
        .unwrap();
    assert!(
        recheck < first_real,
        "the re-check comes right before the deletions"
    );
    // What people read: the plan with kubectl equivalents, the disk left by the Retain PV,
    // and the tally.
    assert!(
        r.stdout.contains("Plan: delete 4 orphaned object(s)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("kubectl --kubeconfig"), "{}", r.stdout);
    assert!(
        r.stdout.contains("-n shop delete pvc data-orders-db-3"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("does not delete the backing disk vol-0abc123def4567890"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("done       pvc shop/data-orders-db-3: marked for deletion; gone once its finalizer(s) kubernetes.io/pvc-protection let go"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Deleted 3 of 4 chosen (30 GiB, about 3.00 per month); 1 skipped"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_claim_a_pod_started_mounting_since_the_listing_is_not_deleted() {
    let mut pods = fixture_items("pods");
    pods.push(json!({
        "metadata": {"name": "copy-old-data-x7k2p", "namespace": "shop", "uid": "uid-copy",
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "copy-old-data",
                                          "uid": "uid-job", "controller": true}]},
        "spec": {"containers": [{"name": "c", "image": "busybox"}],
                 "volumes": [{"name": "old", "persistentVolumeClaim": {"claimName": "data-orders-db-4"}}]},
        "status": {"phase": "Pending"}
    }));
    let server = FakeApiServer::with(
        Options::default()
            .items("persistentvolumeclaims", claims("uid-5"))
            .items("persistentvolumes", fixture_items("persistentvolumes"))
            .then_items("pods", pods),
    );
    let kube = Kube::new(&server);
    let r = run(kube
        .sts()
        .args(["orphans", "-n", "shop", "--delete", "--yes"]));
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let real: Vec<String> = deletes(&server.requests())
        .into_iter()
        .filter(|(_, b)| !is_dry_run(b))
        .map(|(p, _)| p.rsplit('/').next().unwrap().to_string())
        .collect();
    assert_eq!(real, vec!["data-orders-db-3", "data-orders-db-5"]);
    assert!(
        r.stdout.contains(
            "skipped    pvc shop/data-orders-db-4: now mounted by pod copy-old-data-x7k2p (since it was listed)"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn without_a_terminal_and_without_yes_nothing_is_sent() {
    let server =
        FakeApiServer::with(Options::default().items("persistentvolumeclaims", claims("uid-5")));
    let kube = Kube::new(&server);
    let r = run(kube.sts().args(["orphans", "-n", "shop", "--delete"]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    // Refused before connecting: not a single request, so certainly no DELETE.
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn delete_refuses_a_snapshot_file() {
    let r = run(sts().args(["orphans", "--from-file", LEFTOVERS, "--delete", "--yes"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--from-file"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn yes_without_delete_is_a_usage_error() {
    let r = run(sts().args(["orphans", "--from-file", LEFTOVERS, "--yes"]));
    assert_eq!(r.code, 2);
}

#[test]
fn claims_gone_since_the_listing_are_skipped_not_failed() {
    // The claims vanish after the listing: every dry run answers 404 and is skipped; the
    // Released PV's dry run still passes. Then a 404 is a skip, not a failure.
    let server = FakeApiServer::with(
        Options::default()
            .items("persistentvolumeclaims", claims("uid-5"))
            .then_items(
                "persistentvolumeclaims",
                fixture_items("persistentvolumeclaims"),
            ),
    );
    let kube = Kube::new(&server);
    let r = run(kube
        .sts()
        .args(["orphans", "-n", "shop", "--delete", "--yes"]));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("already gone: deleted since it was listed (404 Not Found)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Nothing left to delete: every item changed since it was listed."),
        "{}",
        r.stdout
    );
    assert!(
        deletes(&server.requests())
            .iter()
            .all(|(_, b)| is_dry_run(b)),
        "only dry runs were sent"
    );
}

#[test]
fn ctrl_c_between_deletions_stops_and_says_what_was_done() {
    // Every answer takes a while, so the run can be interrupted with a deletion in flight.
    let server = FakeApiServer::with(
        Options::default()
            .items("persistentvolumeclaims", claims("uid-5"))
            .items("persistentvolumes", fixture_items("persistentvolumes"))
            .delay(Duration::from_millis(400)),
    );
    let kube = Kube::new(&server);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-sts"));
    cmd.env_remove("KUBECONFIG")
        .env("HOME", kube.dir.path().join("home"))
        .env("NO_COLOR", "1")
        .arg("--kubeconfig")
        .arg(&kube.kubeconfig)
        .args(["orphans", "-n", "shop", "--delete", "--yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let real_delete_started = || {
        server.requests().iter().any(|q| {
            q.method == "DELETE" && q.body.as_deref().is_some_and(|b| !b.contains("dryRun"))
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !real_delete_started() {
        assert!(std::time::Instant::now() < deadline, "no deletion started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: 0 done"), "{stderr}");
    assert!(
        stderr.contains("unknown    pvc shop/data-orders-db-3 (its request was in flight"),
        "{stderr}"
    );
    assert!(
        stderr.contains("untouched  pvc shop/data-orders-db-4"),
        "{stderr}"
    );
    assert!(
        stderr.contains("untouched  pvc shop/data-orders-db-5"),
        "{stderr}"
    );
    // Nothing after the interruption.
    let real = deletes(&server.requests())
        .into_iter()
        .filter(|(_, b)| !is_dry_run(b))
        .count();
    assert_eq!(real, 1);
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), answering each prompt once
/// its text shows. `None` when `script` is not installed.
fn on_a_terminal(kube: &Kube, args: &[&str], answers: &[(&str, &str)]) -> Option<(i32, String)> {
    use std::sync::{Arc, Mutex};
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("kubectl-sts");
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let line = format!(
        "{} --kubeconfig {} {}",
        quote(&bin.display().to_string()),
        quote(&kube.kubeconfig.display().to_string()),
        args.join(" ")
    );
    let mut child = std::process::Command::new("script")
        .args(["-qfec", &line, "/dev/null"])
        .env_remove("KUBECONFIG")
        .env("HOME", kube.dir.path().join("home"))
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let seen = Arc::new(Mutex::new(String::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let seen = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let mut stdin = child.stdin.take().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut from = 0;
    for (prompt, keys) in answers {
        loop {
            let text = seen.lock().unwrap().clone();
            if let Some(i) = text[from..].find(prompt) {
                from += i + prompt.len();
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no prompt {prompt:?} in:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // Let the prompt switch the terminal to raw mode before typing.
        std::thread::sleep(Duration::from_millis(200));
        stdin.write_all(keys.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let text = seen.lock().unwrap().clone();
    Some((status.code().unwrap_or(-1), text))
}

#[test]
fn on_a_terminal_nothing_is_deleted_without_the_typed_confirmation() {
    let server = FakeApiServer::with(
        Options::default()
            .items("persistentvolumeclaims", claims("uid-5"))
            .items("persistentvolumes", fixture_items("persistentvolumes")),
    );
    let kube = Kube::new(&server);
    // Tick the first item (data-orders-db-3), go on, then answer "y" instead of the phrase.
    let Some((code, text)) = on_a_terminal(
        &kube,
        &["orphans", "-n", "shop", "--delete"],
        &[("Which to delete?", " \r"), ("Type 'delete 1'", "y\r")],
    ) else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Not confirmed; nothing was deleted."),
        "{text}"
    );
    let d = deletes(&server.requests());
    assert_eq!(
        d.len(),
        1,
        "only the dry run of the one chosen claim: {d:?}"
    );
    assert!(d[0].0.ends_with("/data-orders-db-3") && is_dry_run(&d[0].1));

    // The phrase typed exactly: that one claim, and only it, is deleted.
    server.clear_requests();
    let (code, text) = on_a_terminal(
        &kube,
        &["orphans", "-n", "shop", "--delete"],
        &[
            ("Which to delete?", " \r"),
            ("Type 'delete 1'", "delete 1\r"),
        ],
    )
    .unwrap();
    assert_eq!(code, 0, "{text}");
    if std::env::var_os("SHOW_TERMINAL").is_some() {
        eprintln!("{text}");
    }
    let real: Vec<String> = deletes(&server.requests())
        .into_iter()
        .filter(|(_, b)| !is_dry_run(b))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(real, vec![format!("{PVCS}/data-orders-db-3")], "{text}");
}

// ---------------------------------------------------------------- the fake itself

/// A bare HTTP/1.1 DELETE with an optional body, independent of kube-rs.
fn raw_delete(server: &FakeApiServer, path_and_query: &str, body: Option<&Value>) -> (u16, Value) {
    let addr = server.url().trim_start_matches("http://").to_string();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    let payload = body.map(Value::to_string).unwrap_or_default();
    write!(
        conn,
        "DELETE {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .unwrap();
    let mut raw = String::new();
    conn.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap())
}

#[test]
fn fake_deletes_like_the_recorded_server() {
    let server = FakeApiServer::start();
    let path = "/api/v1/namespaces/shop/persistentvolumeclaims/data-orders-db-0";
    let uid = "d29c8aa5-09b2-420c-8a54-d519a6e5bfd4";
    // The recorded requests, answered as recorded.
    let (code, body) = raw_delete(
        &server,
        &format!("{path}?dryRun=All"),
        Some(&fixture(
            "DELETE_api_v1_namespaces_shop_persistentvolumeclaims_data-orders-db-0_dryRunAll_wrong_uid.request.json",
        )),
    );
    assert_eq!(code, 409);
    assert_eq!(
        body,
        fixture(
            "DELETE_api_v1_namespaces_shop_persistentvolumeclaims_data-orders-db-0_dryRunAll_wrong_uid.json"
        )
    );
    let (code, mut body) = raw_delete(
        &server,
        &format!("{path}?dryRun=All"),
        Some(&fixture(
            "DELETE_api_v1_namespaces_shop_persistentvolumeclaims_data-orders-db-0_dryRunAll_uid_match.request.json",
        )),
    );
    assert_eq!(code, 200);
    let mut want = fixture(
        "DELETE_api_v1_namespaces_shop_persistentvolumeclaims_data-orders-db-0_dryRunAll_uid_match.json",
    );
    for v in [&mut body, &mut want] {
        v["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("deletionTimestamp");
    }
    assert_eq!(
        body, want,
        "the object, held by its finalizer, nothing deleted"
    );
    // A stale resourceVersion is a Conflict too.
    let (code, body) = raw_delete(
        &server,
        path,
        Some(&json!({"preconditions": {"uid": uid, "resourceVersion": "1"}})),
    );
    assert_eq!(code, 409);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("the ResourceVersion in the precondition (1)")
    );
    // The trap: with a body, `?dryRun=All` in the query is ignored and it really deletes.
    let (code, body) = raw_delete(
        &server,
        &format!("{path}?dryRun=All"),
        Some(&json!({"preconditions": {"uid": uid}})),
    );
    assert_eq!(code, 200);
    assert!(body["metadata"]["deletionTimestamp"].is_string());
    let (_, again) = raw_delete(&server, &format!("{path}?dryRun=All"), None);
    assert!(
        again["metadata"]["deletionTimestamp"].is_string(),
        "still terminating"
    );
    // Without finalizers a real deletion removes it and answers a Success Status.
    let server = FakeApiServer::with(Options::default().items(
        "persistentvolumeclaims",
        vec![claim("lone", "uid-l", "7", false)],
    ));
    let p = "/api/v1/namespaces/shop/persistentvolumeclaims/lone";
    let (code, body) = raw_delete(&server, p, Some(&json!({})));
    assert_eq!((code, body["status"].as_str()), (200, Some("Success")));
    assert_eq!(
        body["details"],
        json!({"name": "lone", "kind": "persistentvolumeclaims", "uid": "uid-l"})
    );
    let (code, body) = raw_delete(&server, p, Some(&json!({})));
    assert_eq!((code, body["reason"].as_str()), (404, Some("NotFound")));
    // Request bodies are recorded.
    assert_eq!(server.requests()[0].body.as_deref(), Some("{}"));
}
