//! Small builders for hand-made objects in unit tests: a few lines each instead of
//! 200-line YAML.

use crate::analysis::analyze_with;
use crate::checks::Check;
use crate::finding::Finding;
use crate::kubectl::Kubectl;
use crate::snapshot::{Scope, Snapshot};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde_json::{Value, json};

pub fn now() -> jiff::Timestamp {
    "2026-11-22T03:00:00Z".parse().unwrap()
}

/// An empty snapshot in which every source counts as read.
pub fn snapshot() -> Snapshot {
    Snapshot {
        captured_at: Some(now()),
        scope: Scope::all(),
        ..Default::default()
    }
}

pub fn from_json<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

pub fn sts(ns: &str, name: &str, replicas: i32) -> StatefulSet {
    sts_with_ready(ns, name, replicas, replicas)
}

pub fn sts_with_ready(ns: &str, name: &str, replicas: i32, ready: i32) -> StatefulSet {
    from_json(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-sts-{name}"), "generation": 1,
                     "creationTimestamp": "2026-11-01T00:00:00Z"},
        "spec": {
            "replicas": replicas, "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"containers": [{"name": name, "image": "postgres:16",
                                                  "ports": [{"name": "pg", "containerPort": 5432}]}]}}
        },
        "status": {"replicas": replicas, "readyReplicas": ready, "availableReplicas": ready,
                   "currentRevision": format!("{name}-rev1"), "updateRevision": format!("{name}-rev1"),
                   "observedGeneration": 1}
    }))
}

pub fn pod(ns: &str, sts: &str, ordinal: u32, ready: bool) -> Pod {
    let status = if ready { "True" } else { "False" };
    from_json(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{sts}-{ordinal}"), "namespace": ns, "uid": format!("uid-{sts}-{ordinal}"),
                     "labels": {"app": sts, "controller-revision-hash": format!("{sts}-rev1")},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": sts,
                                          "uid": format!("uid-sts-{sts}"), "controller": true}]},
        "spec": {"nodeName": format!("node-{ordinal}"), "containers": [{"name": sts, "image": "postgres:16"}]},
        "status": {"phase": "Running",
                   "conditions": [{"type": "Ready", "status": status}, {"type": "PodScheduled", "status": "True"}],
                   "containerStatuses": [{"name": sts, "image": "postgres:16", "imageID": "", "ready": ready,
                                          "restartCount": 0, "state": {"running": {}}}]}
    }))
}

pub fn service(ns: &str, name: &str, cluster_ip: Option<&str>) -> Service {
    from_json(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"clusterIP": cluster_ip.unwrap_or("None"), "selector": {"app": name}}
    }))
}

pub fn pdb(ns: &str, name: &str, selector: Value) -> PodDisruptionBudget {
    from_json(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"maxUnavailable": 1, "selector": selector}
    }))
}

/// Runs one check alone on a snapshot.
pub fn run_check(s: &Snapshot, check: Check) -> Vec<Finding> {
    analyze_with(s, now(), &Kubectl::default(), &[check]).findings
}
