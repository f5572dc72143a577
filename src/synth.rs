//! A synthetic cluster for benchmarks and scale tests: `statefulsets × replicas` pods with
//! their claims, volumes, nodes, budgets, services, endpoint slices, revisions and a
//! realistic number of events, with a share of them broken in the ways the runbooks look
//! for. Deterministic: the same arguments give the same snapshot.

use crate::snapshot::{Scope, Snapshot};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub statefulsets: usize,
    pub replicas: usize,
    /// Pods per node.
    pub density: usize,
    /// Namespaces the StatefulSets are spread over.
    pub namespaces: usize,
}

impl Shape {
    /// About `pods` pods as 3-replica sets, 30 pods a node, 20 namespaces.
    pub fn pods(pods: usize) -> Self {
        Shape {
            statefulsets: pods.div_ceil(3),
            replicas: 3,
            density: 30,
            namespaces: 20,
        }
    }
}

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    // The generator builds valid objects; a failure here is a bug in this file.
    serde_json::from_value(v).expect("synthetic object matches the API types")
}

pub fn cluster(shape: Shape) -> Snapshot {
    let pods_total = shape.statefulsets * shape.replicas;
    let node_count = pods_total.div_ceil(shape.density.max(1)).max(3);
    let mut s = Snapshot {
        captured_at: Some("2026-11-22T03:00:00Z".parse().expect("fixed timestamp")),
        scope: Scope::all(),
        ..Default::default()
    };
    nodes(&mut s, node_count);
    let mut pod_index = 0usize;
    for i in 0..shape.statefulsets {
        let set = Set::new(&shape, i);
        set_objects(&mut s, &shape, &set);
        let mut endpoints = Vec::new();
        for o in 0..shape.replicas {
            let node = pod_index % node_count;
            pod_index += 1;
            endpoints.push(member(&mut s, &shape, &set, o, node));
        }
        let (name, ns) = (&set.name, &set.ns);
        s.endpoint_slices.push(from(json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": format!("{name}-abcde"), "namespace": ns,
                         "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4", "endpoints": endpoints
        })));
    }
    s
}

const ZONES: [&str; 3] = ["zone-a", "zone-b", "zone-c"];

/// The nodes (`node-N`, spread over three zones) and the default StorageClass.
fn nodes(s: &mut Snapshot, node_count: usize) {
    for n in 0..node_count {
        // One node in 200 is NotReady, as in any large fleet.
        let ready = if n % 200 == 199 { "False" } else { "True" };
        s.nodes.push(from(json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": format!("node-{n}"), "labels": {
                "kubernetes.io/hostname": format!("node-{n}"),
                "topology.kubernetes.io/zone": ZONES[n % 3]}},
            "status": {"conditions": [{"type": "Ready", "status": ready}],
                       "allocatable": {"cpu": "16", "memory": "64Gi", "pods": "110"}}
        })));
    }
    s.storage_classes.push(from(json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "gp3", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "ebs.csi.aws.com", "allowVolumeExpansion": true,
        "volumeBindingMode": "WaitForFirstConsumer", "reclaimPolicy": "Delete"
    })));
}

/// What one StatefulSet's objects have in common.
struct Set {
    i: usize,
    ns: String,
    name: String,
    uid: String,
    rev: String,
    /// Most sets spread their members; every 10th forgot to.
    affinity: Value,
    /// Half the volumes were switched to Retain after provisioning.
    reclaim: &'static str,
    /// Every 10th set is broken: one member crash-looping.
    broken: bool,
    ready: usize,
}

impl Set {
    fn new(shape: &Shape, i: usize) -> Set {
        let name = format!("db-{i}");
        let affinity = if i.is_multiple_of(10) {
            json!({})
        } else {
            json!({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": name}},
                                                    "topologyKey": "kubernetes.io/hostname"}}]}})
        };
        let broken = i % 10 == 9;
        Set {
            i,
            ns: format!("team-{}", i % shape.namespaces.max(1)),
            uid: format!("uid-sts-{i}"),
            rev: format!("{name}-7c9f8b6d5"),
            name,
            affinity,
            reclaim: if i.is_multiple_of(2) {
                "Retain"
            } else {
                "Delete"
            },
            broken,
            ready: if broken {
                shape.replicas - 1
            } else {
                shape.replicas
            },
        }
    }
}

/// The set, its revision, its headless Service and (on half the sets) a budget.
fn set_objects(s: &mut Snapshot, shape: &Shape, set: &Set) {
    let Set {
        ns,
        name,
        uid,
        rev,
        affinity,
        broken,
        ready,
        ..
    } = set;
    let (broken, ready) = (*broken, *ready);
    s.statefulsets.push(from(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": ns, "uid": uid, "generation": 2,
                     "creationTimestamp": "2026-10-01T00:00:00Z"},
        "spec": {
            "replicas": shape.replicas, "serviceName": name, "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": {"app": name}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "template": {"metadata": {"labels": {"app": name}},
                         "spec": {"terminationGracePeriodSeconds": 60,
                                  "affinity": affinity.clone(),
                                  "containers": [{"name": "db", "image": "postgres:16.4",
                                                  "ports": [{"name": "pg", "containerPort": 5432}],
                                                  "readinessProbe": {"tcpSocket": {"port": 5432}},
                                                  "resources": {"limits": {"memory": "4Gi"}},
                                                  "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                         "resources": {"requests": {"storage": "100Gi"}}}}]
        },
        "status": {"replicas": shape.replicas, "readyReplicas": ready, "currentRevision": rev,
                   "updateRevision": rev, "observedGeneration": 2}
    })));
    s.controller_revisions.push(from(json!({
        "apiVersion": "apps/v1", "kind": "ControllerRevision",
        "metadata": {"name": rev, "namespace": ns,
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": name,
                                          "uid": uid, "controller": true}]},
        "revision": 2
    })));
    s.services.push(from(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"clusterIP": "None", "selector": {"app": name}, "ports": [{"name": "pg", "port": 5432}]}
    })));
    if set.i.is_multiple_of(2) {
        s.pdbs.push(from(json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": name}}},
            "status": {"currentHealthy": ready, "desiredHealthy": shape.replicas - 1,
                       "disruptionsAllowed": if broken { 0 } else { 1 }, "expectedPods": shape.replicas}
        })));
    }
}

/// Member `o` of the set on `node-{node}`: its pod, claim, volume, attachment and events;
/// returns its EndpointSlice entry.
fn member(s: &mut Snapshot, shape: &Shape, set: &Set, o: usize, node_n: usize) -> Value {
    let Set {
        i,
        ns,
        name,
        uid,
        rev,
        reclaim,
        broken,
        ..
    } = set;
    let (i, reclaim, broken) = (*i, *reclaim, *broken);
    let node = format!("node-{node_n}");
    let pod = format!("{name}-{o}");
    let pvc = format!("data-{pod}");
    let pvc_uid = format!("uid-pvc-{i}-{o}");
    let pv = format!("pvc-{pvc_uid}");
    let crash = broken && o == shape.replicas - 1;
    let state = if crash {
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}})
    } else {
        json!({"running": {"startedAt": "2026-11-20T00:00:00Z"}})
    };
    s.pods.push(from(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": pod, "namespace": ns, "uid": format!("uid-pod-{i}-{o}"),
                     "creationTimestamp": "2026-11-20T00:00:00Z",
                     "labels": {"app": name, "controller-revision-hash": rev},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": name,
                                          "uid": uid, "controller": true}]},
        "spec": {"nodeName": node,
                 "containers": [{"name": "db", "image": "postgres:16.4",
                                 "resources": {"limits": {"memory": "4Gi"}},
                                 "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                 "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": pvc}},
                             {"name": "kube-api-access", "projected": {"sources": [
                                 {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
                                 {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}]},
        "status": {"phase": "Running",
                   "conditions": [{"type": "PodScheduled", "status": "True"},
                                  {"type": "Ready", "status": if crash { "False" } else { "True" }}],
                   "containerStatuses": [{"name": "db", "image": "postgres:16.4", "imageID": "",
                                          "ready": !crash, "restartCount": if crash { 17 } else { 0 },
                                          "state": state,
                                          "lastState": if crash { json!({"terminated": {"exitCode": 1, "reason": "Error"}}) } else { json!({}) }}]}
    })));
    s.pvcs.push(from(json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": pvc, "namespace": ns, "uid": pvc_uid, "labels": {"app": name},
                     "creationTimestamp": "2026-10-01T00:00:00Z"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3", "volumeName": pv,
                 "resources": {"requests": {"storage": "100Gi"}}},
        "status": {"phase": "Bound", "capacity": {"storage": "100Gi"}}
    })));
    s.pvs.push(from(json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": pv},
        "spec": {"capacity": {"storage": "100Gi"}, "accessModes": ["ReadWriteOnce"],
                 "persistentVolumeReclaimPolicy": reclaim, "storageClassName": "gp3",
                 "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": format!("vol-{i:08}{o}")},
                 "claimRef": {"kind": "PersistentVolumeClaim", "namespace": ns, "name": pvc, "uid": pvc_uid},
                 "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                     {"key": "topology.kubernetes.io/zone", "operator": "In",
                      "values": [ZONES[node_n % 3]]}]}]}}},
        "status": {"phase": "Bound"}
    })));
    s.volume_attachments.push(from(json!({
        "apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment",
        "metadata": {"name": format!("csi-{i}-{o}")},
        "spec": {"attacher": "ebs.csi.aws.com", "nodeName": node, "source": {"persistentVolumeName": pv}},
        "status": {"attached": true}
    })));
    let endpoint = json!({"addresses": [format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256)],
                          "conditions": {"ready": !crash}, "hostname": pod,
                          "targetRef": {"kind": "Pod", "name": pod, "namespace": ns}});
    // Two events per pod on average: the scheduler's and the kubelet's.
    for (k, reason) in ["Scheduled", "Started"].iter().enumerate() {
        s.events.push(from(json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{pod}.{k}"), "namespace": ns},
            "involvedObject": {"kind": "Pod", "name": pod, "namespace": ns},
            "type": "Normal", "reason": reason, "message": format!("{reason} {pod}"),
            "firstTimestamp": "2026-11-20T00:00:00Z", "lastTimestamp": "2026-11-20T00:00:00Z", "count": 1
        })));
    }
    if crash {
        s.events.push(from(json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{pod}.backoff"), "namespace": ns},
            "involvedObject": {"kind": "Pod", "name": pod, "namespace": ns},
            "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container db",
            "firstTimestamp": "2026-11-22T01:00:00Z", "lastTimestamp": "2026-11-22T02:58:00Z", "count": 40
        })));
    }
    endpoint
}

#[cfg(test)]
mod tests {
    #[test]
    fn shape_is_what_was_asked() {
        let s = super::cluster(super::Shape::pods(300));
        assert_eq!(s.pods.len(), 300);
        assert_eq!(s.statefulsets.len(), 100);
        assert_eq!(s.pvcs.len(), 300);
        assert_eq!(s.nodes.len(), 10);
        assert!(s.events.len() >= 600);
    }
}
