//! Hostile input: realistic objects from every fixture, mutated at random (fields removed,
//! nulled, given odd types, names without ordinals or with huge ones, exotic quantities,
//! duplicated objects, events pointing at nothing), read and analysed. Nothing may panic:
//! odd data becomes evidence, a clear error, or is ignored.

use kubectl_sts::analysis::analyze;
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::render::{Style, diagnose};
use kubectl_sts::snapshot::file::read_str;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::LazyLock;

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

/// Reads and analyses; true when the input was readable and went through the analysis.
fn check(objects: Vec<Value>) -> bool {
    let doc = json!({"apiVersion": "v1", "kind": "List", "items": objects});
    let text = serde_json::to_string(&doc).unwrap();
    // An invalid object is a clear error, never a panic.
    let Ok(snap) = read_str(&text, "hostile.json") else {
        return false;
    };
    let now = "2026-11-22T03:00:00Z".parse().unwrap();
    let report = analyze(&snap, now, &Kubectl::default());
    let header = diagnose::Header {
        source: "hostile",
        scope: "all namespaces".into(),
        now,
    };
    let _ = diagnose::table(&report, &header, &Style::plain());
    let _ = serde_json::to_string(&report).unwrap();
    true
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
