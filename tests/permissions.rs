//! Partial permissions: each of the 13 kinds the collector lists is, in turn, Forbidden by
//! the fake API server (a real 403 Status), and every reading command runs against it:
//! `diagnose -A`, `orphans -A`, `drain-check node-a`, `rollout status orders-db` and the
//! `pvc-expand orders-db --size 20Gi` plan, as JSON and as tables.
//!
//! What must hold in every cell of the matrix:
//! - the command runs (exit ≠ 2), unless it cannot work at all without that kind; then exit
//!   2 with one line that names the missing permission (`cannot list resource "pods"`).
//!   Required: drain-check needs nodes and pods (whose pods would leave, and to where);
//!   rollout status needs statefulsets and pods (the state is computed from them); the
//!   pvc-expand plan needs statefulsets, claims and pods (which claims are mounted and
//!   which pod restarts to grow its filesystem);
//! - the source is listed as skipped (`skipped` in JSON, `skipped: ...` in tables), and
//!   every check that needs it is marked not checked (diagnose and rollout `not_checked`,
//!   orphans `not_checked`, drain-check a `drain-not-checked` finding, pvc-expand a skipped
//!   check);
//! - nothing is presented as complete for what could not be seen: no bare "No problems
//!   found." or "No orphaned PVCs or PVs.", no `safe` drain verdict when budgets,
//!   StatefulSets, claims or volumes are missing, no orphan that the missing kind could
//!   have shown to be in use, and no finding of a check that did not run;
//! - a kind a command does not read changes nothing but the `skipped` list.
//!
//! Also: with every kind forbidden, each command is exit 2, "refused every request".

mod support;

use kubectl_sts::checks::CHECKS;
use kubectl_sts::finding::Category;
use kubectl_sts::snapshot::Source;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use support::fake_apiserver::{FakeApiServer, KINDS, Options, fixture_items, kubeconfig_for};
use support::harness::{Env, Run, flat, run};

const NOW: &str = "2026-11-22T03:00:00Z";

/// The recorded nodes without the `not-ready` taint the recording left on them (no kubelet
/// ran there), so a drain of node-a has somewhere to send its pod: a healthy cluster.
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

/// A recorded claim of orders-db renamed to `name` (a fresh uid and resourceVersion).
fn claim(name: &str, uid: &str) -> Value {
    let mut c = fixture_items("persistentvolumeclaims")
        .into_iter()
        .next()
        .unwrap();
    c["metadata"]["name"] = json!(name);
    c["metadata"]["uid"] = json!(uid);
    c["metadata"]["resourceVersion"] = json!("900");
    c["spec"]["volumeName"] = json!(format!("pv-{uid}"));
    c
}

/// A recorded volume renamed, in `phase`, reserved for `claim` in shop.
fn volume(name: &str, phase: &str, claim: &str) -> Value {
    let mut v = fixture_items("persistentvolumes")
        .into_iter()
        .next()
        .unwrap();
    v["metadata"]["name"] = json!(name);
    v["metadata"]["uid"] = json!(format!("uid-{name}"));
    v["metadata"]["creationTimestamp"] = json!("2026-10-01T00:00:00Z");
    v["spec"]["persistentVolumeReclaimPolicy"] = json!("Retain");
    v["spec"]["claimRef"] = json!({"kind": "PersistentVolumeClaim", "namespace": "shop",
                                   "name": claim, "uid": format!("uid-{claim}")});
    v["status"] = json!({"phase": phase, "lastPhaseTransitionTime": "2026-10-01T00:00:00Z"});
    v
}

/// The recorded shop with healthy nodes, plus waste of every kind orphans judges: a claim
/// of a scaled-down member (no pod mounts it), a Released volume, and an Available volume
/// reserved for a claim that exists (binding pending: not waste, but only the claims tell).
fn options() -> Options {
    let mut claims = fixture_items("persistentvolumeclaims");
    claims.push(claim("data-orders-db-3", "c3"));
    // A claim of no StatefulSet, waiting for the volume reserved for it.
    let mut pending = claim("scratch", "c4");
    pending["spec"]["volumeName"] = json!("pv-reserved");
    pending["status"] = json!({"phase": "Pending"});
    claims.push(pending);
    let mut volumes = fixture_items("persistentvolumes");
    volumes.push(volume("pv-released", "Released", "data-gone-0"));
    volumes.push(volume("pv-reserved", "Available", "scratch"));
    Options::default()
        .items("nodes", untainted_nodes())
        .items("persistentvolumeclaims", claims)
        .items("persistentvolumes", volumes)
}

/// The commands of the matrix, each with the kinds it cannot run without.
const COMMANDS: [(&str, &[&str]); 5] = [
    ("diagnose -A", &[]),
    ("orphans -A", &[]),
    ("drain-check node-a", &["nodes", "pods"]),
    (
        "rollout status orders-db -n shop",
        &["statefulsets", "pods"],
    ),
    (
        "pvc-expand orders-db --size 20Gi -n shop",
        &["statefulsets", "persistentvolumeclaims", "pods"],
    ),
];

fn source(resource: &str) -> Source {
    Source::from_resource(resource).unwrap()
}

/// The runbooks whose check needs `resource` (of `category`, if given).
fn needing(resource: &str, category: Option<Category>) -> BTreeSet<String> {
    CHECKS
        .iter()
        .filter(|c| c.needs.contains(&source(resource)))
        .filter(|c| {
            category.is_none_or(|cat| {
                kubectl_sts::runbooks::get(c.id).is_some_and(|r| r.category == cat)
            })
        })
        .map(|c| c.id.to_string())
        .collect()
}

fn ids(v: &Value, key: &str, field: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x[field].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `cmd -o <output>` against a server forbidding `forbid` (nothing if `None`).
fn cell(forbid: Option<&str>, cmd: &str, output: &str) -> Run {
    let mut o = options();
    if let Some(k) = forbid {
        o = o.forbid(k);
    }
    let server = FakeApiServer::with(o);
    let env = Env::with_kubeconfig(&kubeconfig_for(&server.url()));
    run(env
        .sts()
        .args(cmd.split(' '))
        .args(["-o", output, "--now", NOW]))
}

/// Asserts the `skipped` list of a document names exactly `resource`.
fn skipped_is(v: &Value, resource: &str, what: &str) {
    let s = ids(v, "skipped", "source");
    assert_eq!(
        s,
        BTreeSet::from([resource.to_string()]),
        "{what}: skipped {}",
        v["skipped"]
    );
    let reason = v["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("forbidden: ") && reason.contains(&format!("\"{resource}\"")),
        "{what}: {reason}"
    );
}

/// The table never ends a run with an unqualified all-clear.
fn no_bare_all_clear(table: &str, what: &str) {
    for bare in ["No problems found.", "No orphaned PVCs or PVs."] {
        assert!(
            !table.lines().any(|l| l.trim() == bare),
            "{what}: says {bare:?} with a source unread:\n{table}"
        );
    }
}

#[test]
fn every_command_runs_lists_the_skipped_kind_and_never_gives_a_clean_bill_for_it() {
    // What each command says with every permission, to compare against.
    let base: Vec<Value> = COMMANDS
        .iter()
        .map(|(cmd, _)| {
            let r = cell(None, cmd, "json");
            assert_ne!(r.code, 2, "{cmd}: {}", r.stderr);
            r.json()
        })
        .collect();
    let base_orphans: BTreeSet<String> = ids(&base[1], "orphans", "name");
    assert_eq!(
        base_orphans,
        BTreeSet::from(["data-orders-db-3".into(), "pv-released".into()]),
        "the waste the fixture holds"
    );
    assert_eq!(
        base[2]["nodes"][0]["verdict"], "safe",
        "node-a drains safely"
    );
    assert_eq!(base[3]["state"], "complete");
    assert_eq!(base[4]["blocked"], false);

    for kind in KINDS.iter().map(|k| k.resource) {
        for ((cmd, required), base) in COMMANDS.iter().zip(&base) {
            let what = format!("{kind} forbidden, {cmd}");
            let r = cell(Some(kind), cmd, "json");
            if required.contains(&kind) {
                let e = r.usage_error();
                assert!(
                    e.contains(&format!("cannot list resource \\\"{kind}\\\""))
                        || e.contains(&format!("cannot list resource \"{kind}\"")),
                    "{what}: the message names the permission: {e}"
                );
                continue;
            }
            assert_ne!(r.code, 2, "{what}: {}", r.stderr);
            let v = r.json();
            match cmd.split(' ').next().unwrap() {
                "diagnose" => diagnose_cell(kind, &v, base, &what),
                "orphans" => orphans_cell(kind, &v, &what),
                "drain-check" => drain_cell(kind, &v, base, r.code, &what),
                "rollout" => rollout_cell(kind, &v, base, &what),
                _ => expand_cell(kind, &v, base, r.code, &what),
            }
            // The table says the same: the skipped source, and no unqualified all-clear.
            let t = cell(Some(kind), cmd, "table");
            assert_ne!(t.code, 2, "{what}: {}", t.stderr);
            no_bare_all_clear(&t.stdout, &what);
            if !cmd.starts_with("pvc-expand") {
                assert!(
                    flat(&t.stdout).contains(&format!("skipped: {kind} (forbidden: ")),
                    "{what}:\n{}",
                    t.stdout
                );
            }
        }
    }
}

fn diagnose_cell(kind: &str, v: &Value, base: &Value, what: &str) {
    skipped_is(v, kind, what);
    let not_checked = ids(v, "not_checked", "runbook");
    let need = needing(kind, None);
    assert!(
        need.is_subset(&not_checked),
        "{what}: every check needing {kind} is marked not checked; missing {:?}",
        need.difference(&not_checked).collect::<Vec<_>>()
    );
    let found = ids(v, "findings", "runbook");
    assert!(
        found.is_disjoint(&need),
        "{what}: a check that did not run has findings: {:?}",
        found.intersection(&need).collect::<Vec<_>>()
    );
    // What the other checks found is unchanged.
    let base_found: BTreeSet<String> = ids(base, "findings", "runbook")
        .difference(&need)
        .cloned()
        .collect();
    assert!(base_found.is_subset(&found), "{what}: {found:?}");
}

fn orphans_cell(kind: &str, v: &Value, what: &str) {
    skipped_is(v, kind, what);
    let listed = ids(v, "orphans", "name");
    let not_checked: Vec<String> = v["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    // Without pods every claim looks unmounted, without StatefulSets every claim looks
    // abandoned, without claims a reserved volume looks unclaimed: none may be listed.
    let (want, unchecked): (&[&str], &[&str]) = match kind {
        "pods" | "statefulsets" => (&["pv-released"], &["orphaned PVCs"]),
        "persistentvolumeclaims" => (
            &["pv-released"],
            &["orphaned PVCs", "Available PVs reserved for a claim"],
        ),
        "persistentvolumes" => (&["data-orders-db-3"], &["orphaned PVs"]),
        _ => (&["data-orders-db-3", "pv-released"], &[]),
    };
    assert_eq!(
        listed,
        want.iter().map(|s| s.to_string()).collect(),
        "{what}"
    );
    for u in unchecked {
        assert!(
            not_checked
                .iter()
                .any(|n| n.starts_with(u) && n.contains(kind)),
            "{what}: {not_checked:?}"
        );
    }
    if unchecked.is_empty() {
        assert!(not_checked.is_empty(), "{what}: {not_checked:?}");
    }
}

/// The kinds a drain verdict depends on.
const VERDICT_KINDS: [&str; 4] = [
    "poddisruptionbudgets",
    "statefulsets",
    "persistentvolumeclaims",
    "persistentvolumes",
];

fn drain_cell(kind: &str, v: &Value, base: &Value, code: i32, what: &str) {
    skipped_is(v, kind, what);
    let node = &v["nodes"][0];
    let findings = ids(node, "findings", "runbook");
    if VERDICT_KINDS.contains(&kind) {
        assert_ne!(node["verdict"], "safe", "{what}");
        assert_eq!(code, 1, "{what}: a script must not drain on it");
        assert!(
            findings.contains("drain-not-checked"),
            "{what}: {findings:?}"
        );
    } else {
        assert_eq!(node["verdict"], base["nodes"][0]["verdict"], "{what}");
        assert_eq!(node["pods"], base["nodes"][0]["pods"], "{what}");
        assert!(!findings.contains("drain-not-checked"), "{what}");
    }
}

fn rollout_cell(kind: &str, v: &Value, base: &Value, what: &str) {
    skipped_is(v, kind, what);
    // The state comes from the StatefulSet and its pods, which were read.
    for key in [
        "state",
        "pods",
        "partition",
        "current_revision",
        "update_revision",
    ] {
        assert_eq!(v[key], base[key], "{what}: {key}");
    }
    let need = needing(kind, Some(Category::Incident));
    let not_checked = ids(v, "not_checked", "runbook");
    assert_eq!(
        not_checked, need,
        "{what}: the incident checks that could not run are named"
    );
    let found = ids(v, "findings", "runbook");
    assert!(found.is_disjoint(&need), "{what}: {found:?}");
}

fn expand_cell(kind: &str, v: &Value, base: &Value, code: i32, what: &str) {
    if kind == "storageclasses" {
        // The one check that needs it is skipped, saying the dry run checks it instead.
        let skipped: Vec<(&str, &str)> = v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["check"].as_str().unwrap(), s["source"].as_str().unwrap()))
            .collect();
        assert!(
            skipped.contains(&("storageclass-allows-expansion", "storageclasses")),
            "{what}: {skipped:?}"
        );
        assert!(
            !ids(v, "checks", "name").contains("storageclass-allows-expansion"),
            "{what}: not reported as passed"
        );
        assert_eq!(steps(v), steps(base), "{what}");
        return;
    }
    // A kind the plan does not read changes nothing.
    assert_eq!(code, 0, "{what}");
    for key in [
        "blocked", "checks", "claims", "skipped", "notes", "warnings",
    ] {
        assert_eq!(v[key], base[key], "{what}: {key}");
    }
    assert_eq!(steps(v), steps(base), "{what}");
}

/// The steps, without each run's own kubeconfig path.
fn steps(v: &Value) -> Vec<String> {
    v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let text = format!("{} {}", s["description"], s["command"]);
            let mut words = text.split(' ');
            let mut out = Vec::new();
            while let Some(w) = words.next() {
                out.push(w);
                if w.ends_with("--kubeconfig") {
                    words.next();
                }
            }
            out.join(" ")
        })
        .collect()
}

#[test]
fn with_every_kind_forbidden_each_command_says_it_was_refused() {
    let mut o = options();
    for k in KINDS.iter() {
        o = o.forbid(k.resource);
    }
    let server = FakeApiServer::with(o);
    let env = Env::with_kubeconfig(&kubeconfig_for(&server.url()));
    for (cmd, _) in COMMANDS {
        let r = run(env.sts().args(cmd.split(' ')));
        let e = r.usage_error();
        assert!(
            e.starts_with(&format!(
                "error: the API server at {}/ refused every request: forbidden: ",
                server.url()
            )),
            "{cmd}: {e}"
        );
    }
}

#[test]
fn a_diagnosis_that_finds_nothing_says_which_checks_it_could_not_run() {
    for group in ["pending", "crashloop", "dns", "storage"] {
        let base = cell(None, &format!("diagnose -A --symptom {group}"), "table");
        assert!(
            base.stdout.lines().any(|l| l == "No problems found."),
            "{group}: the recorded shop is healthy:\n{}",
            base.stdout
        );
        let in_group: BTreeSet<String> = CHECKS
            .iter()
            .filter(|c| kubectl_sts::runbooks::get(c.id).is_some_and(|r| r.group == group))
            .map(|c| c.id.to_string())
            .collect();
        for kind in [
            "pods",
            "persistentvolumes",
            "events",
            "services",
            "deployments",
        ] {
            let r = cell(
                Some(kind),
                &format!("diagnose -A --symptom {group}"),
                "table",
            );
            let what = format!("{kind} forbidden, --symptom {group}");
            no_bare_all_clear(&r.stdout, &what);
            let blind = !needing(kind, None).is_disjoint(&in_group);
            let want = if blind {
                "No problems found in what could be read; some checks did not run (below)."
            } else {
                "No problems found. Some data could not be read (below); no check run here needed it."
            };
            assert!(r.stdout.lines().any(|l| l == want), "{what}:\n{}", r.stdout);
        }
    }
}
