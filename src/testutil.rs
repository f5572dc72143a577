//! Small builders for hand-made objects in unit tests: a few lines each instead of
//! 200-line YAML.

use crate::checks::Check;
use crate::checks::analyze_with;
use crate::finding::Finding;
use crate::kubectl::Kubectl;
use crate::model::Pod;
use crate::model::Service;
use crate::model::StatefulSet;
use crate::snapshot::{Scope, Snapshot};
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

/// A policy/v1 PodDisruptionBudget with the whole `spec` given (selector included).
pub fn pdb_with_spec(ns: &str, name: &str, spec: Value) -> PodDisruptionBudget {
    from_json(json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec
    }))
}

/// A Ready, schedulable node labelled with its hostname and zone.
pub fn node_in_zone(name: &str, zone: &str) -> k8s_openapi::api::core::v1::Node {
    from_json(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                              "topology.kubernetes.io/zone": zone}},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}
    }))
}

/// A PVC `name` of StatefulSet `sts` bound to PV `pv`, created at `created` (RFC 3339).
pub fn pvc_of(
    ns: &str,
    name: &str,
    sts: &str,
    pv: &str,
    class: Option<&str>,
    created: &str,
) -> crate::model::PersistentVolumeClaim {
    let mut spec = json!({"accessModes": ["ReadWriteOnce"], "volumeName": pv,
                          "resources": {"requests": {"storage": "10Gi"}}});
    if let Some(c) = class {
        spec["storageClassName"] = json!(c);
    }
    from_json(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{name}"),
                     "labels": {"app": sts}, "creationTimestamp": created},
        "spec": spec,
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}}
    }))
}

/// A CSI PV bound to `ns/claim`, with `extra` merged into its spec (nodeAffinity, local,
/// reclaim policy...). Reclaim policy Retain unless `extra` says otherwise.
pub fn pv_of(
    name: &str,
    ns: &str,
    claim: &str,
    class: &str,
    extra: Value,
) -> crate::model::PersistentVolume {
    let pv: crate::model::PersistentVolume = from_json(json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"},
                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": class,
                 "claimRef": {"kind": "PersistentVolumeClaim", "namespace": ns, "name": claim,
                              "uid": format!("uid-{claim}")},
                 "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": format!("vol-{name}")}},
        "status": {"phase": "Bound"}
    }));
    merged(&pv, json!({"spec": extra}))
}

/// A StorageClass; `extra` is merged in (volumeBindingMode, allowVolumeExpansion, ...).
pub fn storage_class_of(
    name: &str,
    provisioner: &str,
    extra: Value,
) -> k8s_openapi::api::storage::v1::StorageClass {
    let sc: k8s_openapi::api::storage::v1::StorageClass = from_json(json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": provisioner, "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true
    }));
    merged(&sc, extra)
}

/// `sts` with one volumeClaimTemplate `data` of `class` (None: no storageClassName).
pub fn with_claim_template(sts: &StatefulSet, class: Option<&str>) -> StatefulSet {
    let mut tpl = json!({"metadata": {"name": "data"},
                         "spec": {"accessModes": ["ReadWriteOnce"],
                                  "resources": {"requests": {"storage": "10Gi"}}}});
    if let Some(c) = class {
        tpl["spec"]["storageClassName"] = json!(c);
    }
    merged(sts, json!({"spec": {"volumeClaimTemplates": [tpl]}}))
}

/// Runs one check alone on a snapshot.
pub fn run_check(s: &Snapshot, check: Check) -> Vec<Finding> {
    analyze_with(s, now(), &Kubectl::default(), &[check]).findings
}

/// `obj` with a JSON merge patch (RFC 7396) applied: `null` removes a key, arrays are
/// replaced whole. Lets a test state only what differs from a builder's default.
pub fn merged<T: serde::Serialize + serde::de::DeserializeOwned>(obj: &T, patch: Value) -> T {
    fn apply(target: &mut Value, patch: Value) {
        match patch {
            Value::Object(p) => {
                if !target.is_object() {
                    *target = Value::Object(serde_json::Map::new());
                }
                if let Value::Object(t) = target {
                    for (k, v) in p {
                        if v.is_null() {
                            t.remove(&k);
                        } else {
                            apply(t.entry(k).or_insert(Value::Null), v);
                        }
                    }
                }
            }
            other => *target = other,
        }
    }
    let mut v = serde_json::to_value(obj).unwrap();
    apply(&mut v, patch);
    from_json(v)
}

/// A check context over a snapshot at [`now`], for testing helpers that take a `Ctx`.
pub fn ctx_for<'a>(s: &'a Snapshot, kubectl: &'a Kubectl) -> crate::analysis::Ctx<'a> {
    crate::analysis::Ctx {
        snap: s,
        idx: crate::analysis::index::Index::new(s),
        now: now(),
        kubectl,
    }
}

/// A node with its Ready condition status ("True", "False", "Unknown").
pub fn node(name: &str, ready: &str) -> k8s_openapi::api::core::v1::Node {
    from_json(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {"conditions": [{"type": "Ready", "status": ready,
                                   "lastTransitionTime": "2026-11-22T02:40:00Z"}]}
    }))
}

/// A core/v1 event about a pod, last seen `last` (RFC 3339), `count` times.
pub fn pod_event(
    ns: &str,
    pod: &str,
    container: Option<&str>,
    reason: &str,
    message: &str,
    last: &str,
    count: i32,
) -> crate::model::Event {
    let mut involved = json!({"kind": "Pod", "namespace": ns, "name": pod});
    if let Some(c) = container {
        involved["fieldPath"] = json!(format!("spec.containers{{{c}}}"));
    }
    let kind = if matches!(reason, "Started" | "Pulled" | "Created" | "Scheduled") {
        "Normal"
    } else {
        "Warning"
    };
    from_json(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{pod}.{reason}.{last}"), "namespace": ns},
        "involvedObject": involved,
        "type": kind, "reason": reason, "message": message,
        "lastTimestamp": last, "count": count
    }))
}

/// A StatefulSet pod not bound to any node yet (Pending, `PodScheduled=False`).
pub fn unscheduled_pod(ns: &str, sts: &str, ordinal: u32) -> Pod {
    from_json(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{sts}-{ordinal}"), "namespace": ns, "uid": format!("uid-{sts}-{ordinal}"),
                     "creationTimestamp": "2026-11-22T02:30:00Z",
                     "labels": {"app": sts, "controller-revision-hash": format!("{sts}-rev1")},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": sts,
                                          "uid": format!("uid-sts-{sts}"), "controller": true}]},
        "spec": {"containers": [{"name": sts, "image": format!("{sts}:1.0"),
                                 "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]},
        "status": {"phase": "Pending",
                   "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                   "lastTransitionTime": "2026-11-22T02:30:00Z",
                                   "message": "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [VolumeBinding]."}]}
    }))
}

/// Adds a `persistentVolumeClaim` volume named `data` for `claim` to the pod.
pub fn with_claim(pod: &mut Pod, claim: &str) {
    let v: crate::model::Volume =
        from_json(json!({"name": "data", "persistentVolumeClaim": {"claimName": claim}}));
    pod.spec
        .get_or_insert_default()
        .volumes
        .get_or_insert_default()
        .push(v);
}

/// A PVC Bound to `pv`, 10Gi ReadWriteOnce, of storage class `class`.
pub fn bound_claim(
    ns: &str,
    name: &str,
    pv: &str,
    class: &str,
) -> crate::model::PersistentVolumeClaim {
    from_json(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{name}"),
                     "creationTimestamp": "2026-11-01T00:00:00Z",
                     "finalizers": ["kubernetes.io/pvc-protection"]},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class, "volumeName": pv,
                 "resources": {"requests": {"storage": "10Gi"}}},
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}}
    }))
}

/// A local PV on `node` (hostname affinity), reclaim Retain, bound to `ns/claim`.
pub fn local_pv(name: &str, node: &str, ns: &str, claim: &str) -> crate::model::PersistentVolume {
    from_json(json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                 "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "local",
                 "local": {"path": "/mnt/disks/ssd0"},
                 "claimRef": {"kind": "PersistentVolumeClaim", "namespace": ns, "name": claim, "uid": format!("uid-{claim}")},
                 "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                     {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}},
        "status": {"phase": "Bound"}
    }))
}

/// A CSI PV in `zone` (zone affinity), reclaim Delete, bound to `ns/claim`.
pub fn zonal_pv(name: &str, zone: &str, ns: &str, claim: &str) -> crate::model::PersistentVolume {
    from_json(json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                 "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                 "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": format!("vol-{name}"), "fsType": "ext4"},
                 "claimRef": {"kind": "PersistentVolumeClaim", "namespace": ns, "name": claim, "uid": format!("uid-{claim}")},
                 "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                     {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}]}]}}},
        "status": {"phase": "Bound"}
    }))
}

/// A node with hostname and zone labels, Ready or NotReady (`Unknown`) since 02:20.
pub fn zoned_node(name: &str, zone: &str, ready: bool) -> k8s_openapi::api::core::v1::Node {
    from_json(json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": zone}},
        "spec": {},
        "status": {"allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                   "conditions": [{"type": "Ready", "status": if ready { "True" } else { "Unknown" },
                                   "lastTransitionTime": "2026-11-22T02:20:00Z"}]}
    }))
}
