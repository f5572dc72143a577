use super::*;

const DUMP: &str = r#"
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: db, namespace: shop}
  spec:
    replicas: 3
    serviceName: db
    selector: {matchLabels: {app: db}}
    template:
      metadata: {labels: {app: db}}
      spec: {containers: [{name: db, image: postgres:16}]}
- apiVersion: v1
  kind: Secret
  metadata: {name: creds, namespace: shop}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: cfg, namespace: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop}
spec: {containers: [{name: db, image: postgres:16}]}
status: {phase: Running}
"#;

/// What `helm template` prints: no status, no namespace, comments between documents.
const CHART: &str = r#"
---
# Source: db/templates/service.yaml
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 5432}]}
---
# Source: db/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres:16}]}
status: {}
"#;

#[test]
fn kubectl_list_and_multi_document_yaml_merge() {
    let s = read_str(DUMP, "dump.yaml").unwrap();
    assert_eq!(s.statefulsets.len(), 1);
    assert_eq!(s.pods.len(), 1);
    // Kinds absent from a plain dump are recorded as unread, never as "none exist".
    assert!(s.is_skipped(Source::PodDisruptionBudgets).is_some());
    assert!(s.is_skipped(Source::Pods).is_none());
    assert!(s.notes.iter().any(|n| n.contains("Secret")));
    assert!(s.notes.iter().any(|n| n.contains("ConfigMap (1)")));
}

#[test]
fn manifests_are_a_release_not_a_partial_dump() {
    let s = read_files_into_str(CHART, "shop");
    assert!(s.manifests);
    // An empty status is no observation.
    assert!(s.statefulsets[0].status.is_none());
    // Objects naming no namespace go where `kubectl apply -n shop` would put them.
    assert_eq!(
        s.statefulsets[0].metadata.namespace.as_deref(),
        Some("shop")
    );
    assert_eq!(s.services[0].metadata.namespace.as_deref(), Some("shop"));
    // A release kind the chart lacks is one it does not ship; cluster state is not in it.
    assert!(s.is_skipped(Source::PodDisruptionBudgets).is_none());
    assert_eq!(
        s.is_skipped(Source::Nodes).unwrap().reason,
        MANIFEST_SKIP_REASON
    );
    // One live object makes it live state, judged per object.
    let s = read_files_into_str(DUMP, "shop");
    assert!(!s.manifests);
    assert!(s.is_skipped(Source::PodDisruptionBudgets).is_some());
    assert!(s.pods[0].status.is_some());
}

#[test]
fn removed_api_versions_are_read_as_v1_and_named() {
    let old = "apiVersion: apps/v1beta1\nkind: StatefulSet\nmetadata: {name: zk}\nspec:\n  serviceName: zk\n  replicas: 3\n  template:\n    metadata: {labels: {app: zk}}\n    spec: {containers: [{name: zk, image: zookeeper:3.9}]}\n---\napiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: zk}\nspec: {selector: {matchLabels: {app: zk}}, maxUnavailable: 1}\n---\napiVersion: apps/v9\nkind: StatefulSet\nmetadata: {name: future}\nspec: {}\n";
    let s = read_str(old, "old.yaml").unwrap();
    assert_eq!(s.statefulsets.len(), 1, "the unknown version is skipped");
    assert_eq!(s.pdbs.len(), 1);
    let sts = &s.statefulsets[0];
    assert_eq!(
        sts.spec
            .as_ref()
            .unwrap()
            .selector
            .match_labels
            .as_ref()
            .unwrap()["app"],
        "zk"
    );
    let notes = s.notes.join("\n");
    assert!(
        notes.contains(
            "document 1 (StatefulSet zk) is apps/v1beta1, which Kubernetes 1.16 no longer serves"
        ),
        "{notes}"
    );
    assert!(
        notes.contains("policy/v1beta1, which Kubernetes 1.25"),
        "{notes}"
    );
    assert!(
        notes.contains("apps/v9") && notes.contains("skipped"),
        "{notes}"
    );
}

fn read_files_into_str(text: &str, ns: &str) -> Snapshot {
    let dir = std::env::temp_dir().join(format!("sts-file-{}-{ns}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.yaml", text.len()));
    std::fs::write(&path, text).unwrap();
    read_files_into(&[&path], None, ns).unwrap()
}

#[test]
fn json_list_is_read() {
    let json = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}]}"#;
    let s = read_str(json, "x.json").unwrap();
    assert_eq!(s.nodes.len(), 1);
}

#[test]
fn malformed_input_names_the_position() {
    let err = read_str("{\"kind\": \"List\", \"items\": [}", "bad.json").unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("bad.json") && msg.contains("line 1"), "{msg}");

    // A syntax error inside an item of a List, on its fourth line: items are not checked
    // before they are parsed, but the error still says where in the file it is.
    let broken = "{\"kind\": \"List\", \"items\": [\n  {\"kind\": \"Node\", \"metadata\": {\"name\": \"n1\"}},\n  {\"kind\": \"Node\",\n   \"metadata\": {\"name\": \"n2\" \"labels\": {}}}\n]}";
    let msg = format!("{:#}", read_str(broken, "items.json").unwrap_err());
    assert!(
        msg.contains("items.json") && msg.contains("line 4, column"),
        "{msg}"
    );

    let err = read_str("kind: List\nitems:\n - a: [\n", "bad.yaml").unwrap_err();
    assert!(format!("{err:#}").contains("bad.yaml"));

    let wrong =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec: {containers: 3}\n";
    let msg = format!("{:#}", read_str(wrong, "pod.yaml").unwrap_err());
    assert!(msg.contains("document 1 (Pod x/p)"), "{msg}");
}

#[test]
fn duplicates_keep_the_last_copy_in_the_first_place() {
    let a = "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {v: a}}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n2}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {v: b}}\n";
    let s = read_str(a, "n.yaml").unwrap();
    assert_eq!(s.nodes.len(), 2);
    assert_eq!(s.nodes[0].metadata.labels.as_ref().unwrap()["v"], "b");
    assert!(s.notes.iter().any(|n| n.contains("more than once")));
}

#[test]
fn written_snapshot_round_trips_with_its_header() {
    let mut s = read_str(DUMP, "dump.yaml").unwrap();
    s.captured_at = Some("2026-11-22T02:00:00Z".parse().unwrap());
    s.skipped.clear();
    s.skip(Source::Nodes, "forbidden: nodes is forbidden");
    let text = serde_saphyr::to_string(&to_list_value(&s).unwrap()).unwrap();
    let back = read_str(&text, "snap.yaml").unwrap();
    assert_eq!(back.captured_at, s.captured_at);
    assert_eq!(back.statefulsets, s.statefulsets);
    assert_eq!(back.pods, s.pods);
    // Recorded as read: empty but not skipped.
    assert!(back.is_skipped(Source::PodDisruptionBudgets).is_none());
    assert_eq!(
        back.is_skipped(Source::Nodes).unwrap().reason,
        "forbidden: nodes is forbidden"
    );
}

/// Operators' custom resources and which of their kinds were read survive `kubectl sts
/// snapshot`, so a later run knows a missing one is gone, not unread.
#[test]
fn custom_resources_and_their_kinds_round_trip() {
    let mut s = read_str(DUMP, "dump.yaml").unwrap();
    s.custom.items.push(
        serde_json::from_value(serde_json::json!({
                "apiVersion": "acid.zalan.do/v1", "kind": "postgresql",
                "metadata": {"name": "acid-main", "namespace": "pg"},
                "spec": {"volume": {"size": "20Gi"}}}))
        .unwrap(),
    );
    s.custom
        .kinds
        .insert("postgresql.acid.zalan.do".into(), None);
    s.custom.kinds.insert(
        "prometheus.monitoring.coreos.com".into(),
        Some("forbidden: no".into()),
    );
    let text = serde_saphyr::to_string(&to_list_value(&s).unwrap()).unwrap();
    let back = read_str(&text, "snap.yaml").unwrap();
    assert_eq!(back.custom, s.custom);
    assert!(
        !back.notes.iter().any(|n| n.contains("postgresql")),
        "{:?}",
        back.notes
    );
}

#[test]
fn volume_trends_and_a_failed_prometheus_round_trip() {
    let mut s = read_str(DUMP, "dump.yaml").unwrap();
    s.captured_at = Some("2026-11-22T02:00:00Z".parse().unwrap());
    s.volume_trends = Some(vec![super::super::VolumeTrend {
        namespace: "shop".into(),
        pvc: "data-db-0".into(),
        used_bytes: Some(9),
        capacity_bytes: Some(10),
        inodes_used: None,
        inodes: None,
        bytes_per_second: Some(0.25),
        inodes_per_second: None,
        samples: 720,
        window: "6h".into(),
        last_sample: Some("2026-11-22T01:59:30Z".parse().unwrap()),
    }]);
    let text = serde_saphyr::to_string(&to_list_value(&s).unwrap()).unwrap();
    let back = read_str(&text, "snap.yaml").unwrap();
    assert_eq!(back.volume_trends, s.volume_trends);
    s.volume_trends = None;
    s.skip(
        Source::Prometheus,
        "svc/monitoring/prometheus:9090: forbidden",
    );
    let text = serde_saphyr::to_string(&to_list_value(&s).unwrap()).unwrap();
    let back = read_str(&text, "snap.yaml").unwrap();
    assert_eq!(back.volume_trends, None);
    assert!(back.is_skipped(Source::Prometheus).is_some());
}

#[test]
fn events_k8s_io_events_become_core_events() {
    let e = r#"{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e","namespace":"shop"},
          "regarding":{"kind":"Pod","name":"p","namespace":"shop"},"note":"0/3 nodes are available","reason":"FailedScheduling","type":"Warning",
          "eventTime":"2026-11-22T02:00:00.000000Z","series":{"count":4,"lastObservedTime":"2026-11-22T02:05:00.000000Z"}}"#;
    let s = read_str(e, "ev.json").unwrap();
    let ev = &s.events[0];
    assert_eq!(ev.involved_object.name.as_deref(), Some("p"));
    assert_eq!(ev.message.as_deref(), Some("0/3 nodes are available"));
    assert_eq!(ev.count, Some(4));
}

#[test]
fn statefulsets_keep_which_part_each_writer_touched_not_the_field_trees() {
    let text = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [{
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop", "managedFields": [
            {"manager": "kubectl", "operation": "Apply", "time": "2026-11-30T10:00:00Z",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}, "f:template": {
                 "f:spec": {"f:containers": {"k:{\"name\":\"db\"}": {"f:image": {}}}}}}}},
            {"manager": "kube-controller-manager", "operation": "Update",
             "time": "2026-12-01T10:00:00Z", "subresource": "status",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:replicas": {}}}}]},
        "spec": {"selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
                 "template": {"spec": {"containers": [{"name": "db"}]}}}}]})
    .to_string();
    let s = read_str(&text, "sts.json").unwrap();
    let fields: Vec<serde_json::Value> = s.statefulsets[0].object()["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["fieldsV1"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            serde_json::json!({"f:spec": {}}),
            serde_json::json!({"f:status": {}})
        ]
    );
    let (when, who) = s.statefulsets[0].last_spec_change().unwrap();
    assert_eq!(
        (when.to_string().as_str(), who),
        ("2026-11-30T10:00:00Z", "kubectl")
    );
}
