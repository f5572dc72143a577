//! Hostile input: realistic objects from every fixture, mutated at random (fields removed,
//! nulled, given odd types, names without ordinals or with huge ones, exotic quantities,
//! duplicated objects, events pointing at nothing), read and put through the pure core of
//! every command: `diagnose` (analyse), `orphans`, `drain-check` (judge and plan),
//! `rollout status` (and the plan of every rollout action) and `pvc-expand` planning, each
//! rendered as a table and as JSON. Nothing may panic or hang: odd data becomes evidence, a
//! clear error, or is ignored. Bounded: the whole file runs in seconds in a debug build.

use jiff::Timestamp;
use kubectl_sts::checks::analyze;
use kubectl_sts::drain;
use kubectl_sts::expand::{self, Quotas, Target};
use kubectl_sts::k8s;
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::orphans::{self, cost::Prices};
use kubectl_sts::render::{self, Style, diagnose};
use kubectl_sts::rollout::{self, Action};
use kubectl_sts::snapshot::Snapshot;
use kubectl_sts::snapshot::file::read_str;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// Every object of every YAML fixture in the repository, as JSON values.
static CORPUS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("tests/fixtures"), root.join("docs/examples")];
    while let Some(d) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                let text = std::fs::read_to_string(&p).unwrap();
                if let Ok(docs) = serde_saphyr::from_multiple::<Value>(&text) {
                    for d in docs {
                        collect_objects(d, &mut out);
                    }
                }
            }
        }
    }
    assert!(out.len() > 20, "corpus too small: {}", out.len());
    out
});

fn collect_objects(v: Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(mut o) => {
            if let Some(Value::Array(items)) = o.remove("items") {
                for i in items {
                    collect_objects(i, out);
                }
            } else if o.contains_key("kind") {
                out.push(Value::Object(o));
            }
        }
        Value::Array(a) => a.into_iter().for_each(|x| collect_objects(x, out)),
        _ => {}
    }
}

const ODD_STRINGS: &[&str] = &[
    "",
    " ",
    "10Gi ",
    "1e3",
    "0.5Ti",
    "-5Gi",
    "NaN",
    "db",
    "db-",
    "db-01",
    "db-99999999999999999999",
    "db-4294967296",
    "x-0",
    "☃",
    "Always",
    "True",
    "False",
    "Unknown",
    "null",
    "2026-13-45T99:99:99Z",
];

/// Applies one mutation chosen by `op` at a node chosen by `pick` (both from proptest).
fn mutate(v: &mut Value, pick: usize, op: usize) {
    // Walk to the pick-th node in pre-order.
    fn nth<'a>(v: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
        if *n == 0 {
            return Some(v);
        }
        *n -= 1;
        match v {
            Value::Object(o) => {
                for (_, c) in o.iter_mut() {
                    if let Some(x) = nth(c, n) {
                        return Some(x);
                    }
                }
                None
            }
            Value::Array(a) => {
                for c in a.iter_mut() {
                    if let Some(x) = nth(c, n) {
                        return Some(x);
                    }
                }
                None
            }
            _ => None,
        }
    }
    let size = count(v);
    let mut n = pick % size.max(1);
    let Some(node) = nth(v, &mut n) else { return };
    match op % 9 {
        0 => *node = Value::Null,
        1 => *node = json!(ODD_STRINGS[pick % ODD_STRINGS.len()]),
        2 => *node = json!(-1),
        3 => *node = json!(u64::MAX),
        4 => *node = json!([]),
        5 => *node = json!({}),
        6 => {
            if let Value::Object(o) = node
                && let Some(k) = o.keys().nth(pick % o.len().max(1)).cloned()
            {
                o.remove(&k);
            }
        }
        7 => *node = json!(true),
        _ => {
            if let Value::Array(a) = node
                && let Some(first) = a.first().cloned()
            {
                a.push(first);
            }
        }
    }
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Object(o) => o.values().map(count).sum(),
        Value::Array(a) => a.iter().map(count).sum(),
        _ => 0,
    }
}

/// Reads and runs every command's core; true when the input was readable and went through.
fn check(objects: Vec<Value>) -> bool {
    let doc = json!({"apiVersion": "v1", "kind": "List", "items": objects});
    let text = serde_json::to_string(&doc).unwrap();
    // An invalid object is a clear error, never a panic.
    let Ok(snap) = read_str(&text, "hostile.json") else {
        return false;
    };
    every_command(&snap, now());
    true
}

fn now() -> Timestamp {
    "2026-11-22T03:00:00Z".parse().unwrap()
}

/// At most this many StatefulSets and nodes per input get the per-object commands, so a
/// case stays cheap; the proptest's inputs rarely hold more.
const PER_OBJECT: usize = 4;

/// What each command does with a snapshot, without a cluster: the pure core, then both
/// renderings. Returns nothing: the point is that it returns at all.
fn every_command(snap: &Snapshot, now: Timestamp) {
    let kubectl = Kubectl {
        kubeconfig: None,
        context: Some("hostile".into()),
    };
    let plain = Style::plain();

    // diagnose
    let report = analyze(snap, now, &kubectl);
    let header = diagnose::Header {
        source: "hostile",
        scope: "all namespaces".into(),
        now,
    };
    let _ = diagnose::table(&report, &header, &plain);
    serde_json::to_string(&report).unwrap();

    // orphans
    let found = orphans::find(snap, now, &Prices::default(), &kubectl);
    let _ = render::orphans::table(
        &found,
        &render::orphans::Header {
            source: "hostile",
            scope: "all namespaces".into(),
            namespaced: false,
            now,
        },
        &plain,
    );
    serde_json::to_string(&found).unwrap();

    // drain-check: the first nodes by name (as typed), and by a selector every node has.
    let names: Vec<String> = snap
        .nodes
        .iter()
        .map(|n| k8s::name(&n.metadata).to_string())
        .take(PER_OBJECT)
        .collect();
    let selected = [
        drain::select::nodes(snap, &names, None),
        drain::select::nodes(snap, &[], Some("kubernetes.io/hostname")),
        drain::select::nodes(snap, &["no-such-node".to_string()], None),
    ];
    for nodes in selected.into_iter().flatten() {
        let nodes: Vec<String> = nodes.into_iter().take(PER_OBJECT).collect();
        for r in [
            drain::simulate(snap, &nodes, now, &kubectl),
            drain::plan(snap, &nodes, now, &kubectl),
        ] {
            let _ = render::drain::table(
                &r,
                &render::drain::Header {
                    source: "hostile",
                    now,
                },
                &plain,
            );
            serde_json::to_string(&r).unwrap();
        }
    }

    // rollout status, the menu's actions, and actions with every argument kind; pvc-expand.
    for sts in snap.statefulsets.iter().take(PER_OBJECT) {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        if let Ok(st) = rollout::status(snap, ns, name, now, &kubectl) {
            let _ = render::rollout::table(
                &st,
                &render::rollout::Header {
                    source: "hostile",
                    now,
                },
                &plain,
            );
            let _ = render::rollout::progress(&st, 5, 600);
            let _ = render::rollout::changes(&st, &st);
            serde_json::to_string(&st).unwrap();
        }
        let _ = rollout::actions::available(snap, ns, name, now, &kubectl);
        let raw = serde_json::to_value(sts).unwrap();
        for action in [
            Action::Canary {
                replicas: 1,
                image: Some(("app".into(), "app:2".into())),
            },
            Action::Canary {
                replicas: i32::MAX,
                image: None,
            },
            Action::Canary {
                replicas: k8s::replicas(sts).saturating_sub(1),
                image: None,
            },
            Action::Promote { force: true },
            Action::Undo {
                to_revision: Some(1),
            },
            Action::Undo {
                to_revision: Some(i64::MAX),
            },
            Action::Undo {
                to_revision: Some(-1),
            },
            Action::Canary {
                replicas: -1,
                image: Some(("".into(), "".into())),
            },
        ] {
            match rollout::actions::plan(snap, ns, name, &action, now, &kubectl, Some(&raw)) {
                Ok(p) => {
                    let _ = render::rollout::plan(&p);
                }
                Err(r) => {
                    let _ = render::rollout::refusal(&r, &plain);
                }
            }
        }
        for rev in ["", "x", name] {
            let _ = rollout::undo::trapped_in(snap, ns, name, rev, now, &kubectl);
        }

        let backup = Path::new("/nonexistent-backups");
        for target in [
            Target::Size(expand::size::parse("20Gi").unwrap()),
            Target::Size(expand::size::parse("1").unwrap()),
            Target::ToUsage(70.0),
        ] {
            for quotas in [
                Quotas::NotRead("not read in this test".into()),
                Quotas::Read(Vec::new()),
            ] {
                let req = expand::Request {
                    namespace: ns,
                    name,
                    template: None,
                    target: target.clone(),
                    backup_dir: backup,
                    step_timeout: "10m",
                };
                if let Ok(p) = expand::plan(snap, &quotas, &req, now, &kubectl) {
                    let _ = render::expand::table(
                        &p,
                        &render::expand::Header {
                            source: "hostile",
                            now,
                            applying: true,
                        },
                        &plain,
                    );
                    serde_json::to_string(&p).unwrap();
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures_never_panic(
        picks in proptest::collection::vec((any::<usize>(), any::<usize>(), any::<usize>()), 1..12),
        subset in proptest::collection::vec(any::<usize>(), 5..40),
    ) {
        let corpus = &*CORPUS;
        let mut objects: Vec<Value> = subset.iter().map(|i| corpus[i % corpus.len()].clone()).collect();
        for (which, pick, op) in picks {
            let len = objects.len();
            mutate(&mut objects[which % len], pick, op);
        }
        check(objects);
    }
}

#[test]
fn most_mutated_inputs_reach_the_analysis() {
    // Without this, a reader that rejected everything would make the property test vacuous.
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config {
        cases: 100,
        failure_persistence: None,
        ..Config::default()
    });
    let analysed = std::cell::Cell::new(0);
    let strategy = (
        proptest::collection::vec(any::<usize>(), 5..20),
        any::<usize>(),
        any::<usize>(),
    );
    runner
        .run(&strategy, |(subset, pick, op)| {
            let corpus = &*CORPUS;
            let mut objects: Vec<Value> = subset
                .iter()
                .map(|i| corpus[i % corpus.len()].clone())
                .collect();
            let len = objects.len();
            // Null or remove: what real partial objects look like.
            mutate(
                &mut objects[pick % len],
                pick,
                if op % 2 == 0 { 0 } else { 6 },
            );
            if check(objects) {
                analysed.set(analysed.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    let analysed = analysed.get();
    assert!(
        analysed >= 50,
        "only {analysed} of 100 mutated inputs were readable"
    );
}

#[test]
fn the_classic_odd_inputs_do_not_panic() {
    // Objects with nothing but a kind and a name: no spec, no status.
    let bare: Vec<Value> = [
        ("apps/v1", "StatefulSet"),
        ("v1", "Pod"),
        ("v1", "PersistentVolumeClaim"),
        ("v1", "PersistentVolume"),
        ("v1", "Node"),
        ("policy/v1", "PodDisruptionBudget"),
        ("v1", "Service"),
        ("discovery.k8s.io/v1", "EndpointSlice"),
        ("v1", "Event"),
        ("storage.k8s.io/v1", "StorageClass"),
        ("apps/v1", "ControllerRevision"),
        ("apps/v1", "Deployment"),
    ]
    .iter()
    .map(|(av, k)| json!({"apiVersion": av, "kind": k, "metadata": {"name": "db-0", "namespace": "x"}}))
    .collect();
    assert!(check(bare), "bare objects are readable");
    // Events about objects that do not exist, a StatefulSet with 0 and negative replicas,
    // pods with ordinals beyond u32 and without any.
    let odd = check(vec![
        json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "x"},
               "involvedObject": {"kind": "Pod", "name": "ghost", "namespace": "x"}, "reason": "FailedMount",
               "message": "MountVolume.SetUp failed", "type": "Warning"}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "x"},
               "spec": {"replicas": -3, "selector": {}, "template": {}, "serviceName": "db",
                        "ordinals": {"start": 2147483647}}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-99999999999", "namespace": "x",
               "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "u", "controller": true}]}}),
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db", "namespace": "x",
               "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "u", "controller": true}]}}),
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data-db-0", "namespace": "x"},
               "spec": {"resources": {"requests": {"storage": "10Gi "}}}, "status": {"capacity": {"storage": "-1e999"}}}),
    ]);
    assert!(odd, "odd but well-typed objects are readable");
}

/// Runs every command on `objects` and fails if that takes longer than `limit`; a hang shows
/// as the test harness's own "has been running for over 60 seconds".
fn within(limit: Duration, objects: Vec<Value>) {
    let started = Instant::now();
    assert!(check(objects), "the objects are readable");
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}, more than {limit:?}");
}

/// A StatefulSet `db` in `x` with this spec (merged over a realistic one) and status.
fn sts(spec: Value, status: Value) -> Value {
    let mut base = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "x", "uid": "sts-uid", "resourceVersion": "7",
                     "generation": 2},
        "spec": {"replicas": 3, "serviceName": "db", "podManagementPolicy": "OrderedReady",
                 "selector": {"matchLabels": {"app": "db"}},
                 "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                 "template": {"metadata": {"labels": {"app": "db"}},
                              "spec": {"containers": [{"name": "app", "image": "app:1"}]}},
                 "volumeClaimTemplates": [{"metadata": {"name": "data"},
                     "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                              "resources": {"requests": {"storage": "10Gi"}}}}]},
        "status": {"observedGeneration": 2, "replicas": 3, "readyReplicas": 0,
                   "currentRevision": "db-1", "updateRevision": "db-2"}
    });
    for (key, v) in [("spec", spec), ("status", status)] {
        if let (Some(t), Value::Object(m)) = (base[key].as_object_mut(), v) {
            t.extend(m);
        }
    }
    base
}

fn pod(name: &str, node: &str, ready: bool) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": "x", "uid": format!("uid-{name}"),
                        "labels": {"app": "db", "controller-revision-hash": "db-2"},
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                                             "name": "db", "uid": "sts-uid", "controller": true}]},
           "spec": {"nodeName": node, "containers": [{"name": "app", "image": "app:2"}],
                    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": format!("data-{name}")}}]},
           "status": {"phase": "Running",
                      "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}})
}

fn claim(name: &str, size: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": name, "namespace": "x", "uid": format!("uid-{name}"), "resourceVersion": "3",
                        "creationTimestamp": "2026-01-01T00:00:00Z"},
           "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                    "resources": {"requests": {"storage": size}}},
           "status": {"phase": "Bound", "capacity": {"storage": size}}})
}

fn node(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                  "topology.kubernetes.io/zone": "z1"}},
           "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
}

fn class() -> Value {
    json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "gp3"},
           "provisioner": "ebs.csi.aws.com", "allowVolumeExpansion": true})
}

fn pdb(selector: Value) -> Value {
    json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": {"name": "db", "namespace": "x"},
           "spec": {"maxUnavailable": 1, "selector": selector},
           "status": {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 2,
                      "expectedPods": 3}})
}

#[test]
fn the_largest_replicas_and_ordinals_neither_allocate_nor_loop_forever() {
    // replicas 2^31-1 starting near i32::MAX: a loop over every ordinal, or a Vec of every
    // member, would run for hours or exhaust memory. Members are enumerated up to a bound
    // (`MAX_MEMBERS` in `analysis::index`, `checks::workload`, `expand`).
    // Each case takes about two seconds in a debug build: the bound is 100k members.
    let max = i64::from(i32::MAX);
    for (start, partition, policy) in [
        (0, 0, "OrderedReady"),
        (max - 1, max, "Parallel"),
        (max, 1, "OrderedReady"),
    ] {
        let first = format!("db-{start}");
        within(
            Duration::from_secs(20),
            vec![
                sts(
                    json!({"replicas": i32::MAX, "ordinals": {"start": start},
                               "podManagementPolicy": policy,
                               "updateStrategy": {"type": "RollingUpdate",
                                                  "rollingUpdate": {"partition": partition}}}),
                    json!({"replicas": i32::MAX, "readyReplicas": 1,
                               "currentReplicas": i32::MAX, "updatedReplicas": 1}),
                ),
                pod(&first, "n1", true),
                pod("db-4294967296", "n1", false),
                pod("db-99999999999999999999", "n2", false),
                claim(&format!("data-{first}"), "10Gi"),
                claim("data-db-4294967296", "10Gi"),
                node("n1"),
                node("n2"),
                class(),
                pdb(json!({"matchLabels": {"app": "db"}})),
            ],
        );
    }
}

fn event(name: &str, kind: &str, object: &str, reason: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "x"},
           "involvedObject": {"kind": kind, "name": object, "namespace": "x"},
           "reason": reason, "message": "MountVolume.SetUp failed for volume \"pvc-ghost\"",
           "type": "Warning", "count": 3, "lastTimestamp": "2026-11-22T02:59:00Z"})
}

#[test]
fn duplicates_ghost_events_empty_selectors_and_exotic_quantities_go_through_every_command() {
    let mut objects = vec![
        // The same StatefulSet, pod and claim three times: the reader keeps one, with a note.
        sts(json!({}), json!({"readyReplicas": 2})),
        sts(json!({}), json!({"readyReplicas": 2})),
        sts(json!({"replicas": 5}), json!({"readyReplicas": 2})),
        pod("db-0", "n1", true),
        pod("db-0", "n1", true),
        pod("db-1", "n1", true),
        pod("db-2", "ghost-node", false),
        claim("data-db-0", "10Gi"),
        claim("data-db-0", "10Gi"),
        // Quantities the API would not store, and some it would.
        claim("data-db-1", "10Gi "),
        claim("data-db-2", "1e3"),
        claim("data-db-3", "0.5Ti"),
        claim("data-db-4", "-5Gi"),
        claim("data-db-5", "NaN"),
        claim("data-db-6", ""),
        claim("data-db-7", "99999999999999999999999Ei"),
        node("n1"),
        node("n1"),
        class(),
        // Empty selectors: a budget with `{}` selects every pod of its namespace in
        // policy/v1; one with no selector selects none. A service and a StatefulSet too.
        pdb(json!({})),
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": {"name": "none", "namespace": "x"}, "spec": {"minAvailable": "50%"}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "x"},
               "spec": {"clusterIP": "None", "selector": {}}}),
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
               "metadata": {"name": "open", "namespace": "x", "resourceVersion": "1"},
               "spec": {"replicas": 2, "serviceName": "db", "selector": {},
                        "template": {"metadata": {}, "spec": {"containers": []}}}}),
    ];
    // Events about objects that do not exist, of kinds the tool does not know, and empty.
    for (i, (kind, object)) in [
        ("Pod", "ghost-0"),
        ("PersistentVolumeClaim", "data-ghost-0"),
        ("Node", "ghost-node"),
        ("StatefulSet", "ghost"),
        ("Widget", "w"),
        ("", ""),
    ]
    .into_iter()
    .enumerate()
    {
        for reason in [
            "FailedMount",
            "FailedScheduling",
            "FailedAttachVolume",
            "BackOff",
        ] {
            objects.push(event(&format!("e{i}-{reason}"), kind, object, reason));
        }
    }
    let text =
        serde_json::to_string(&json!({"kind": "List", "apiVersion": "v1", "items": objects}))
            .unwrap();
    let snap = read_str(&text, "odd.json").expect("readable");
    assert_eq!(snap.statefulsets.len(), 2, "duplicates are dropped");
    assert!(
        snap.notes.contains(
            &"5 object(s) appeared more than once in the input; the last copy was used".into()
        ),
        "a note says so: {:?}",
        snap.notes
    );
    every_command(&snap, now());

    // The sizes a person may type: what the API accepts is a size, the rest a clear error.
    for (typed, ok) in [
        ("10Gi ", false),
        ("1e3", true),
        ("0.5Ti", true),
        ("-5Gi", false),
        ("NaN", false),
        ("", false),
        ("99999999999999999999999Ei", false),
        ("0", false),
    ] {
        assert_eq!(
            expand::size::parse(typed).is_ok(),
            ok,
            "{typed:?}: {:?}",
            expand::size::parse(typed)
        );
    }
}

#[test]
fn huge_lists_of_everything_stay_fast() {
    // Many objects of every kind (a synthetic 3k-pod cluster), each kind also duplicated
    // with the copies dropped on reading: the cores stay linear, with no pair-wise scans.
    let snap = kubectl_sts::synth::cluster(kubectl_sts::synth::Shape::pods(3_000));
    let started = Instant::now();
    every_command(&snap, snap.captured_at.unwrap());
    let took = started.elapsed();
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn deeply_nested_files_are_a_clear_error_not_a_stack_overflow() {
    // Arrays in arrays and Lists in Lists, 50k deep: the reader once followed them by
    // recursion until the stack overflowed (the process aborts; no error, no message).
    const DEEP: usize = 50_000;
    let arrays = format!(
        "{{\"kind\":\"List\",\"items\":[{}{}]}}",
        "[".repeat(DEEP),
        "]".repeat(DEEP)
    );
    let lists = format!(
        "{}{}{}",
        r#"{"kind":"List","items":["#.repeat(DEEP),
        r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"}}"#,
        "]}".repeat(DEEP)
    );
    for (what, text) in [("arrays", arrays), ("lists", lists)] {
        let err = format!("{:#}", read_str(&text, "deep.json").unwrap_err());
        assert!(
            err.contains("Lists or arrays nested more than 16 deep: not a Kubernetes dump"),
            "{what}: {err}"
        );
    }
    // A few levels, as tools that concatenate dumps produce, still read.
    let mut nested = r#"{"kind":"Node","apiVersion":"v1","metadata":{"name":"n1"}}"#.to_string();
    for _ in 0..5 {
        nested = format!(r#"{{"kind":"List","items":[{nested}]}}"#);
    }
    assert_eq!(read_str(&nested, "nested.json").unwrap().nodes.len(), 1);
}
