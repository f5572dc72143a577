//! Recognising the operator behind a StatefulSet: its controller ownerReference, the labels
//! of operators that set none, and (with the custom resources read) the resource above it
//! in a known chain.

use super::{OPERATORS, Operator};
use crate::k8s::{controller_of, label};
pub use crate::model::CrState;
use crate::model::MetaView;
use crate::model::{CustomResource, CustomResources, resource_name};

/// The operator behind a StatefulSet and the custom resource that describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub operator: &'static Operator,
    pub kind: String,
    /// The resource name kubectl takes, `kind.group` (unambiguous where short names clash).
    pub resource: String,
    pub name: String,
    /// Which of the operator's StatefulSets this is, where it runs several (`pxc`,
    /// `haproxy`, `proxysql`).
    pub component: Option<String>,
    /// Why we think so: the ownerReference, or the labels where the operator sets none.
    pub evidence: String,
    /// Which entry of the CR's lists (`[]` in a field path) is this StatefulSet's: ECK's
    /// node set, Crunchy's instance set, OpenSearch's node pool, MinIO's pool.
    pub entry: Option<String>,
    /// The entry of particular lists, by the list's key, where the StatefulSet's entries
    /// have different names in different lists (ClickHouse's clusters and templates).
    pub entries: Vec<(String, String)>,
    /// What was read of the custom resource itself.
    pub cr: CrState,
    /// Who owns the custom resource in turn, where a known chain goes on.
    pub upstream: Option<Upstream>,
}

/// The resource that manages the operator's custom resource: a K8ssandraCluster over a
/// CassandraDatacenter. Changes go there, or they are reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub kind: &'static str,
    pub resource: &'static str,
    pub operator: &'static str,
    pub namespace: String,
    pub name: String,
    /// Where in it the downstream resource is described.
    pub field: String,
    pub evidence: String,
}

fn find(group: &str, kind: &str) -> Option<&'static Operator> {
    OPERATORS
        .iter()
        .find(|o| o.group == group && o.kinds.contains(&kind))
        // OpenSearch still serves its deprecated group.
        .or_else(|| {
            (group == "opensearch.opster.io")
                .then(|| find("opensearch.org", kind))
                .flatten()
        })
}

/// Whether objects of this kind are an operator's custom resources, kept when read from
/// files.
pub fn is_custom_kind(group: &str, kind: &str) -> bool {
    find(group, kind).is_some()
}

/// The operator that owns a StatefulSet: its controller ownerReference, else the labels of
/// operators that set none (Zalando by default, ClickHouse after a CR deleted without
/// purge).
pub fn owner<M: MetaView + ?Sized>(meta: &M) -> Option<Owner> {
    let component = label(meta, "app.kubernetes.io/component").map(str::to_string);
    if let Some(r) = controller_of(meta) {
        let group = r.api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
        if let Some(op) = find(group, &r.kind) {
            return Some(Owner {
                operator: op,
                kind: r.kind.clone(),
                resource: resource_name(&r.kind, group),
                name: r.name.clone(),
                entry: entry_of(meta, group, &r.name),
                entries: Vec::new(),
                component,
                evidence: format!(
                    "ownerReference (controller) {} {} ({})",
                    r.kind, r.name, r.api_version
                ),
                cr: CrState::NotInInput,
                upstream: None,
            });
        }
        return None;
    }
    let by_labels = |group: &str, kind: &str, name: &str, marks: &str| {
        Some(Owner {
            operator: find(group, kind)?,
            kind: kind.to_string(),
            resource: resource_name(kind, group),
            name: name.to_string(),
            component: component.clone(),
            evidence: format!("labels {marks} (the operator sets no ownerReference here)"),
            entry: None,
            entries: Vec::new(),
            cr: CrState::NotInInput,
            upstream: None,
        })
    };
    if label(meta, "application") == Some("spilo")
        && let Some(cluster) = label(meta, "cluster-name")
    {
        return by_labels(
            "acid.zalan.do",
            "postgresql",
            cluster,
            &format!("application=spilo, cluster-name={cluster}"),
        );
    }
    if label(meta, "clickhouse.altinity.com/app") == Some("chop")
        && let Some(chi) = label(meta, "clickhouse.altinity.com/chi")
    {
        return by_labels(
            "clickhouse.altinity.com",
            "ClickHouseInstallation",
            chi,
            &format!("clickhouse.altinity.com/chi={chi}"),
        );
    }
    None
}

/// Which entry of the custom resource's lists a StatefulSet stands for, from the names and
/// labels each operator gives it (shared/spec/operators.md).
fn entry_of<M: MetaView + ?Sized>(meta: &M, group: &str, cr: &str) -> Option<String> {
    let name = meta.name().unwrap_or_default();
    match group {
        // `<es>-es-<nodeSet>`
        "elasticsearch.k8s.elastic.co" => name
            .strip_prefix(&format!("{cr}-es-"))
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        "postgres-operator.crunchydata.com" => {
            label(meta, "postgres-operator.crunchydata.com/instance-set").map(str::to_string)
        }
        "opensearch.org" | "opensearch.opster.io" => {
            label(meta, "opensearch.org/opensearch-nodepool").map(str::to_string)
        }
        "minio.min.io" => label(meta, "v1.min.io/pool").map(str::to_string),
        _ => None,
    }
}

/// [`owner`], with what was read of its custom resource, and the owner of that resource
/// where a known chain goes on (a CassandraDatacenter that k8ssandra-operator manages).
pub fn owner_in<M: MetaView + ?Sized>(meta: &M, crs: &CustomResources) -> Option<Owner> {
    let mut o = owner(meta)?;
    let ns = meta.namespace().unwrap_or_default();
    o.cr = crs.find(&o.resource, ns, &o.name);
    if let CrState::Read(cr) = &o.cr {
        o.upstream = upstream_of(&o, cr);
        o.entries = clickhouse_entries(&o, meta, cr);
    }
    Some(o)
}

/// A ClickHouseInstallation's StatefulSet (one per host) belongs to the cluster its label
/// names, and uses the data-volume and pod templates that cluster (or the defaults) names.
fn clickhouse_entries<M: MetaView + ?Sized>(
    o: &Owner,
    meta: &M,
    cr: &CustomResource,
) -> Vec<(String, String)> {
    if o.operator.group != "clickhouse.altinity.com" {
        return Vec::new();
    }
    let Some(cluster) = label(meta, "clickhouse.altinity.com/cluster") else {
        return Vec::new();
    };
    let named = |key: &str| {
        let of_cluster = cr.spec["configuration"]["clusters"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == cluster))
            .and_then(|c| c["templates"][key].as_str());
        of_cluster.or(cr.spec["defaults"]["templates"][key].as_str())
    };
    let mut out = vec![("clusters".to_string(), cluster.to_string())];
    if let Some(t) = named("dataVolumeClaimTemplate") {
        out.push(("volumeClaimTemplates".to_string(), t.to_string()));
    }
    if let Some(t) = named("podTemplate") {
        out.push(("podTemplates".to_string(), t.to_string()));
    }
    out
}

/// k8ssandra-operator labels the CassandraDatacenters it writes with its K8ssandraCluster
/// (and sets no ownerReference across namespaces): that is where a change must be made.
fn upstream_of(o: &Owner, cr: &CustomResource) -> Option<Upstream> {
    if o.operator.group != "cassandra.datastax.com" {
        return None;
    }
    let cluster = label(&cr.metadata, "k8ssandra.io/cluster-name")?;
    let namespace = label(&cr.metadata, "k8ssandra.io/cluster-namespace")
        .or(cr.metadata.namespace.as_deref())
        .unwrap_or_default();
    Some(Upstream {
        kind: "K8ssandraCluster",
        resource: "k8ssandracluster.k8ssandra.io",
        operator: "k8ssandra-operator",
        namespace: namespace.to_string(),
        name: cluster.to_string(),
        field: format!(
            "its spec.cassandra.datacenters entry with metadata.name {} (or spec.cassandra for every datacenter)",
            o.name
        ),
        evidence: format!(
            "the CassandraDatacenter carries k8ssandra.io/cluster-name={cluster}, k8ssandra.io/cluster-namespace={namespace}"
        ),
    })
}

/// Pods an operator runs without any StatefulSet: `kubectl sts` has nothing to say about
/// them but where to go instead.
pub fn pod_controller_without_statefulset<M: MetaView + ?Sized>(
    meta: &M,
) -> Option<(&'static str, String)> {
    let r = controller_of(meta)?;
    let group = r.api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
    let operator = match (group, r.kind.as_str()) {
        ("core.strimzi.io", "StrimziPodSet") => "Strimzi",
        ("postgresql.cnpg.io", "Cluster") => "CloudNativePG",
        _ => return None,
    };
    Some((operator, format!("{} {}", r.kind, r.name)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn merge_patches_reach_single_fields_only() {
        use serde_json::json;
        assert_eq!(
            super::super::merge_patch("spec.volume.size", json!("20Gi")),
            Some(json!({"spec": {"volume": {"size": "20Gi"}}}))
        );
        assert_eq!(
            super::super::merge_patch("spec.nodeSets[].count", json!(3)),
            None
        );
        assert_eq!(
            super::super::merge_patch(
                "spec.statefulSet.spec.volumeClaimTemplates[data-volume].spec.resources.requests.storage",
                json!("1Gi")
            ),
            None
        );
        assert_eq!(
            super::super::merge_patch("the operator's configuration", json!(1)),
            None
        );
        assert_eq!(
            super::super::merge_patch("metadata.labels", json!({})),
            None
        );
    }

    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

    fn owned(api_version: &str, kind: &str, name: &str, controller: bool) -> ObjectMeta {
        ObjectMeta {
            owner_references: Some(vec![OwnerReference {
                api_version: api_version.into(),
                kind: kind.into(),
                name: name.into(),
                uid: "u".into(),
                controller: Some(controller),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn the_controller_reference_names_the_operator_and_its_resource() {
        let o = owner(&owned(
            "monitoring.coreos.com/v1",
            "Prometheus",
            "k8s",
            true,
        ))
        .unwrap();
        assert_eq!(o.operator.name, "Prometheus Operator");
        assert_eq!(o.resource, "prometheus.monitoring.coreos.com");
        assert_eq!(
            o.describe("monitoring"),
            "Prometheus monitoring/k8s (Prometheus Operator)"
        );
        // A reference that is not the controller, or to a kind no operator here owns.
        assert!(
            owner(&owned(
                "monitoring.coreos.com/v1",
                "Prometheus",
                "k8s",
                false
            ))
            .is_none()
        );
        assert!(owner(&owned("apps/v1", "Deployment", "x", true)).is_none());
        let o = owner(&owned(
            "opensearch.opster.io/v1",
            "OpenSearchCluster",
            "logs",
            true,
        ))
        .unwrap();
        assert_eq!(o.operator.name, "OpenSearch operator");
    }

    #[test]
    fn operators_without_owner_references_are_known_by_their_labels() {
        let meta = |kv: &[(&str, &str)]| ObjectMeta {
            labels: Some(
                kv.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Default::default()
        };
        let o = owner(&meta(&[
            ("application", "spilo"),
            ("cluster-name", "acid-main"),
        ]))
        .unwrap();
        assert_eq!(
            (o.kind.as_str(), o.name.as_str()),
            ("postgresql", "acid-main")
        );
        assert!(o.evidence.contains("no ownerReference"));
        assert!(owner(&meta(&[("application", "spilo")])).is_none());
        let o = owner(&meta(&[
            ("clickhouse.altinity.com/app", "chop"),
            ("clickhouse.altinity.com/chi", "events"),
        ]))
        .unwrap();
        assert_eq!(o.kind, "ClickHouseInstallation");
    }

    #[test]
    fn percona_fields_follow_the_component() {
        let mut m = owned("pxc.percona.com/v1", "PerconaXtraDBCluster", "db", true);
        m.labels = Some(
            [(
                "app.kubernetes.io/component".to_string(),
                "haproxy".to_string(),
            )]
            .into(),
        );
        let o = owner(&m).unwrap();
        assert_eq!(o.field(o.operator.replicas.unwrap()), "spec.haproxy.size");
    }

    #[test]
    fn pods_without_a_statefulset_name_their_operator() {
        let m = owned("core.strimzi.io/v1", "StrimziPodSet", "kafka-pool-a", true);
        assert_eq!(
            pod_controller_without_statefulset(&m),
            Some(("Strimzi", "StrimziPodSet kafka-pool-a".to_string()))
        );
        let m = owned("postgresql.cnpg.io/v1", "Cluster", "pg", true);
        assert_eq!(
            pod_controller_without_statefulset(&m).unwrap().0,
            "CloudNativePG"
        );
    }
}
