//! Working with an operator's custom resource: locating a field in what was read, the patch
//! that changes it, and what the evidence says of it.

use super::owner::{CrState, Owner};
use super::{Drift, Expansion, Operator};
use crate::k8s::label;
use serde_json::{Value, json};

/// A field of the custom resource located in what was read: its value (if set), its JSON
/// pointer, and for each list entry passed through, the test that it is still the entry
/// meant (a JSON patch fails instead of changing another entry after a reorder).
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub value: Option<serde_json::Value>,
    pub pointer: String,
    pub tests: Vec<(String, serde_json::Value)>,
}

/// The JSON merge patch that sets the dotted field `path` to `value`, when `path` names one
/// field: a path through a list (`[]`, or `[name]` for one entry) cannot be reached by a
/// merge patch (it replaces whole lists), nor can prose.
pub fn merge_patch(path: &str, value: serde_json::Value) -> Option<serde_json::Value> {
    let plain = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !path.starts_with("spec.") || !path.split('.').all(plain) {
        return None;
    }
    Some(
        path.split('.')
            .rev()
            .fold(value, |v, key| serde_json::json!({ key: v })),
    )
}

/// A patch of a custom resource: a merge patch where the field is one value, a JSON patch
/// (with `test`s of the list entries it goes through and of the old value) where it sits in
/// an entry of a list, which a merge patch would replace whole.
#[derive(Debug, Clone, PartialEq)]
pub struct CrPatch {
    pub json: bool,
    pub body: Value,
}

impl Owner {
    /// The patch that sets the CR's storage size to `size`, when the operator grows claims
    /// from that field: a merge patch of a single field, or, where the field is in an entry
    /// of a list and the CR was read, a JSON patch of that entry. `None` where the change
    /// belongs to the resource above the CR (a K8ssandraCluster).
    pub fn storage_patch(&self, size: &str) -> Option<CrPatch> {
        if !matches!(self.operator.expansion, Expansion::ThroughCr { .. })
            || self.upstream.is_some()
        {
            return None;
        }
        let path = self.field(self.operator.storage?);
        if let Some(body) = merge_patch(&path, json!(size)) {
            return Some(CrPatch { json: false, body });
        }
        let CrState::Read(cr) = &self.cr else {
            return None;
        };
        let at = locate(&cr.spec, &path, &|key| self.entry_for(key))?;
        let old = at.value?;
        let mut ops: Vec<Value> = at
            .tests
            .iter()
            .map(|(p, v)| json!({"op": "test", "path": p, "value": v}))
            .collect();
        ops.push(json!({"op": "test", "path": at.pointer, "value": old}));
        ops.push(json!({"op": "replace", "path": at.pointer, "value": size}));
        Some(CrPatch {
            json: true,
            body: Value::Array(ops),
        })
    }

    /// The growth made in the CR, where the operator grows claims from one field: the
    /// patch, with the opt-in it needs said first.
    pub fn storage_remedy(
        &self,
        kubectl: &crate::kubectl::Kubectl,
        ns: &str,
        size: &str,
    ) -> Option<crate::finding::Remedy> {
        let patch = self.storage_patch(size)?;
        let entry = if patch.json {
            " (a JSON patch: its tests make it fail, changing nothing, if the entry or the size changed since this was read)"
        } else {
            ""
        };
        Some(crate::finding::Remedy::run(
            format!(
                "Raise the size in the {} {} to {size}: {} grows the claims itself{}{entry}",
                self.kind,
                self.name,
                self.operator.name,
                self.opt_in_text()
            ),
            self.patch_argv(kubectl, ns, &patch),
        ))
    }

    /// `kubectl patch` of this CR.
    pub fn patch_argv(
        &self,
        kubectl: &crate::kubectl::Kubectl,
        ns: &str,
        patch: &CrPatch,
    ) -> Vec<String> {
        kubectl.argv(
            Some(ns),
            &[
                "patch",
                self.resource.as_str(),
                self.name.as_str(),
                if patch.json {
                    "--type=json"
                } else {
                    "--type=merge"
                },
                "-p",
                &patch.body.to_string(),
            ],
        )
    }

    /// The resource a change is made in: the CR, or the one above it in a chain. As
    /// (kind, `kind.group`, namespace, name).
    pub fn change_target<'a>(&'a self, ns: &'a str) -> (&'a str, &'a str, &'a str, &'a str) {
        match &self.upstream {
            Some(u) => (u.kind, u.resource, u.namespace.as_str(), u.name.as_str()),
            None => (
                self.kind.as_str(),
                self.resource.as_str(),
                ns,
                self.name.as_str(),
            ),
        }
    }

    /// `kubectl get` of the resource a change is made in, to see it as it is.
    pub fn get_argv(&self, kubectl: &crate::kubectl::Kubectl, ns: &str) -> Vec<String> {
        let (_, resource, ns, name) = self.change_target(ns);
        kubectl.argv(Some(ns), &["get", resource, name, "-o", "yaml"])
    }

    /// The entry of list `key` that is this StatefulSet's.
    fn entry_for(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .or(self.entry.as_deref())
    }

    /// A field of the CR as read.
    fn locate(&self, path: &str) -> Option<Located> {
        let CrState::Read(cr) = &self.cr else {
            return None;
        };
        locate(&cr.spec, &self.field(path), &|key| self.entry_for(key))
    }

    /// A field's value in the CR as read, shown as JSON text (`"50Gi"` as `50Gi`).
    fn value(&self, path: &str) -> Option<String> {
        let v = self.locate(path)?.value?;
        Some(match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }

    /// Why the operator is not reconciling the CR now, as read from it.
    pub fn paused(&self) -> Option<String> {
        let CrState::Read(cr) = &self.cr else {
            return None;
        };
        let ann = |k: &str| {
            cr.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(k))
                .map(String::as_str)
        };
        let truthy = |p: &str| {
            cr.spec.pointer(p) == Some(&json!(true))
                || matches!(
                    cr.spec.pointer(p).and_then(Value::as_str),
                    Some("yes" | "true")
                )
        };
        match self.operator.group {
            "monitoring.coreos.com" | "postgres-operator.crunchydata.com" if truthy("/paused") => {
                Some("spec.paused: true".into())
            }
            "elasticsearch.k8s.elastic.co" => {
                if ann("eck.k8s.elastic.co/managed") == Some("false") {
                    Some(
                        "annotation eck.k8s.elastic.co/managed=false (nothing is reconciled)"
                            .into(),
                    )
                } else if ann("eck.k8s.elastic.co/pause-orchestration") == Some("true") {
                    Some("annotation eck.k8s.elastic.co/pause-orchestration=true".into())
                } else {
                    None
                }
            }
            "rabbitmq.com"
                if label(&cr.metadata, "rabbitmq.com/pauseReconciliation") == Some("true") =>
            {
                Some("label rabbitmq.com/pauseReconciliation=true".into())
            }
            "clickhouse.altinity.com" if truthy("/suspend") => Some("spec.suspend: \"yes\"".into()),
            _ => None,
        }
    }

    /// Whether the CR already has the opt-in volume growth needs, where one is needed and
    /// the CR was read.
    pub fn expansion_opted_in(&self) -> Option<bool> {
        let CrState::Read(cr) = &self.cr else {
            return None;
        };
        match self.operator.group {
            "cassandra.datastax.com" => Some(
                cr.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("cassandra.datastax.com/allow-storage-changes"))
                    .is_some_and(|v| v == "true"),
            ),
            "pxc.percona.com" => {
                Some(cr.spec.pointer("/enableVolumeExpansion") == Some(&json!(true)))
            }
            _ => None,
        }
    }

    /// What to know before changing the CR: the resource above it where the chain goes on
    /// (the change belongs there), else the operator's caveat.
    pub fn note(&self) -> Option<String> {
        match (&self.upstream, self.operator.caveat) {
            (Some(u), _) => Some(format!(
                "The {} is itself managed by {} {}/{} ({}): make the change in {}; a change to the {} is reverted",
                self.kind, u.kind, u.namespace, u.name, u.operator, u.field, self.kind
            )),
            (None, Some(c)) => Some(format!("Note: {c}")),
            (None, None) => None,
        }
    }

    /// The opt-in volume growth needs, said with what the CR as read shows of it: "" where
    /// there is none.
    pub fn opt_in_text(&self) -> String {
        let Expansion::ThroughCr { opt_in: Some(o) } = self.operator.expansion else {
            return String::new();
        };
        match self.expansion_opted_in() {
            Some(true) => format!(" (it needs {o}, which the {} has)", self.kind),
            Some(false) => format!(
                " (it needs {o} first: the {} as read does not have it)",
                self.kind
            ),
            None => format!(" (it needs {o} first)"),
        }
    }

    /// What was read of the custom resource, for the evidence: its values for the fields
    /// the advice names, a paused reconciliation, a member count the StatefulSet does not
    /// have; or what could not be confirmed. `None` when nothing was read about its kind.
    pub fn cr_evidence(&self, ns: &str, sts_replicas: Option<i32>) -> Option<String> {
        let who = format!("the {} {ns}/{}", self.kind, self.name);
        match &self.cr {
            CrState::NotInInput => None,
            CrState::Unread(reason) => Some(format!(
                "{who} itself could not be read ({reason}): its current values and whether its reconciliation is paused are not confirmed"
            )),
            CrState::Missing => Some(format!(
                "{who} was not found although its kind was read: the StatefulSet outlives its custom resource, so nothing may be reconciling it; find out why before changing anything"
            )),
            CrState::Read(_) => {
                let op = self.operator;
                let fields = [
                    ("replicas", op.replicas),
                    ("storage", op.storage),
                    ("image", op.image),
                ];
                let paths: Vec<(&str, &str)> = fields
                    .iter()
                    .filter_map(|(what, path)| {
                        Some((*what, path.filter(|p| p.starts_with("spec."))?))
                    })
                    .collect();
                let values: Vec<String> = paths
                    .iter()
                    .filter_map(|(what, path)| {
                        let shown = self.field(path);
                        let shown = shown.split_whitespace().next().unwrap_or_default();
                        Some(format!("{what} {} ({shown})", self.value(path)?))
                    })
                    .collect();
                let located = paths.iter().any(|(_, p)| self.locate(p).is_some());
                let mut text = if !values.is_empty() {
                    format!("{who} as read: {}", values.join(", "))
                } else if located {
                    format!(
                        "{who} as read: none of the fields the advice names is set (the operator's defaults apply)"
                    )
                } else {
                    format!(
                        "{who} was read, but the fields the advice names sit in list entries not matched to this StatefulSet"
                    )
                };
                if let Some(p) = self.paused() {
                    text.push_str(&format!(
                        "; its reconciliation is paused ({p}): the operator applies nothing, old or new, until it is resumed"
                    ));
                }
                let wanted = op
                    .replicas
                    .filter(|_| same_count(op))
                    .and_then(|p| self.value(p))
                    .and_then(|v| v.parse::<i64>().ok());
                if let (Some(w), Some(have)) = (wanted, sts_replicas)
                    && w != i64::from(have)
                {
                    text.push_str(&format!(
                        "; it asks for {w} members and the StatefulSet has {have}: the operator has not applied its spec (paused, failing, or mid-change)"
                    ));
                }
                if let Some(u) = &self.upstream {
                    text.push_str(&format!(
                        "; {}, so {} {}/{} ({}) manages it",
                        u.evidence, u.kind, u.namespace, u.name, u.operator
                    ));
                }
                Some(text)
            }
        }
    }

    /// A CR field path or procedure, with the component and the resource's name filled in.
    pub fn field(&self, path: &str) -> String {
        path.replace("{component}", self.component.as_deref().unwrap_or("pxc"))
            .replace("{cr}", &self.name)
    }

    /// "Prometheus monitoring/k8s (Prometheus Operator)", and the resource above it where
    /// a chain goes on.
    pub fn describe(&self, ns: &str) -> String {
        let own = format!("{} {ns}/{} ({})", self.kind, self.name, self.operator.name);
        match &self.upstream {
            Some(u) => format!(
                "{own}, itself managed by {} {}/{} ({})",
                u.kind, u.namespace, u.name, u.operator
            ),
            None => own,
        }
    }

    /// What happens to a change made to the StatefulSet directly.
    pub fn drift_text(&self) -> &'static str {
        match self.operator.drift {
            Drift::Reverts => {
                "a change made to the StatefulSet directly is reverted at its next reconcile"
            }
            Drift::HashOnly => {
                "a change made to the StatefulSet directly is not seen by the operator and seems to stay, until the next change of the custom resource replaces the whole spec and drops it"
            }
            Drift::Unconfirmed => {
                "a change made to the StatefulSet directly may be reverted at its next reconcile or dropped at the next change of the custom resource"
            }
        }
    }
}

/// The field at dotted `path` in a custom resource's spec. `[]` takes the entry `entry`
/// names for that list's key (ClickHouse's clusters and templates are different lists with
/// different names for one StatefulSet), `[x]` the one named `x`; an entry is named by
/// `name`, `metadata.name` or, for OpenSearch, `component`. `None` when the path is prose,
/// or a list or entry is not there.
pub fn locate<'e>(
    spec: &Value,
    path: &str,
    entry: &dyn Fn(&str) -> Option<&'e str>,
) -> Option<Located> {
    let first = path.split_whitespace().next()?;
    let rest = first.strip_prefix("spec.")?;
    let mut cur = Some(spec);
    let mut pointer = String::from("/spec");
    let mut tests = Vec::new();
    for seg in rest.split('.') {
        if let Some((key, sel)) = seg.strip_suffix(']').and_then(|s| s.split_once('[')) {
            let want = if sel.is_empty() { entry(key)? } else { sel };
            let list = cur?.get(key)?.as_array()?;
            let (i, by) = list.iter().enumerate().find_map(|(i, e)| {
                [
                    ("name", "/name"),
                    ("metadata", "/metadata/name"),
                    ("component", "/component"),
                ]
                .iter()
                .find(|(_, p)| e.pointer(p).and_then(Value::as_str) == Some(want))
                .map(|(_, p)| (i, *p))
            })?;
            pointer = format!("{pointer}/{}/{i}", escape(key));
            tests.push((format!("{pointer}{by}"), json!(want)));
            cur = Some(&list[i]);
        } else {
            pointer = format!("{pointer}/{}", escape(seg));
            cur = cur.and_then(|v| v.get(seg));
        }
    }
    Some(Located {
        value: cur.filter(|v| !v.is_null()).cloned(),
        pointer,
        tests,
    })
}

/// Operators whose member-count field is this StatefulSet's replicas (not a total split over
/// several sets, nor one set per instance).
fn same_count(op: &Operator) -> bool {
    matches!(
        op.group,
        "monitoring.coreos.com"
            | "rabbitmq.com"
            | "acid.zalan.do"
            | "elasticsearch.k8s.elastic.co"
            | "pxc.percona.com"
            | "zookeeper.pravega.io"
    )
}

/// A JSON pointer segment.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod read_tests {
    use super::*;
    use crate::k8s::operators::{owner, owner_in};
    use crate::kubectl::Kubectl;
    use crate::model::{CustomResource, CustomResources, resource_name};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    fn sts_meta(name: &str, api_version: &str, kind: &str, owner: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: Some("ns".into()),
            owner_references: Some(vec![OwnerReference {
                api_version: api_version.into(),
                kind: kind.into(),
                name: owner.into(),
                uid: "u".into(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        }
    }

    fn cr(api_version: &str, kind: &str, name: &str, meta: Value, spec: Value) -> CustomResource {
        let mut metadata: ObjectMeta = serde_json::from_value(meta).unwrap();
        metadata.name = Some(name.into());
        metadata.namespace = Some("ns".into());
        CustomResource {
            api_version: api_version.into(),
            kind: kind.into(),
            metadata,
            spec,
        }
    }

    fn read(items: Vec<CustomResource>) -> CustomResources {
        let kinds = items
            .iter()
            .map(|c| (resource_name(&c.kind, c.group()), None))
            .collect();
        CustomResources { items, kinds }
    }

    /// The second node set's storage: found by the entry name ECK puts in the StatefulSet's
    /// name, and by the claim template's name, with a test for each and for the old value.
    #[test]
    fn a_size_inside_a_list_entry_is_a_json_patch_with_tests() {
        let es = cr(
            "elasticsearch.k8s.elastic.co/v1",
            "Elasticsearch",
            "quickstart",
            json!({}),
            json!({"nodeSets": [
                {"name": "masters", "count": 3},
                {"name": "data", "count": 4, "volumeClaimTemplates": [
                    {"metadata": {"name": "elasticsearch-data"},
                     "spec": {"resources": {"requests": {"storage": "100Gi"}}}}]}
            ]}),
        );
        let meta = sts_meta(
            "quickstart-es-data",
            "elasticsearch.k8s.elastic.co/v1",
            "Elasticsearch",
            "quickstart",
        );
        let o = owner_in(&meta, &read(vec![es])).unwrap();
        assert_eq!(o.entry.as_deref(), Some("data"));
        let p = o.storage_patch("200Gi").unwrap();
        assert!(p.json);
        assert_eq!(
            p.body,
            json!([
                {"op": "test", "path": "/spec/nodeSets/1/name", "value": "data"},
                {"op": "test", "path": "/spec/nodeSets/1/volumeClaimTemplates/0/metadata/name", "value": "elasticsearch-data"},
                {"op": "test", "path": "/spec/nodeSets/1/volumeClaimTemplates/0/spec/resources/requests/storage", "value": "100Gi"},
                {"op": "replace", "path": "/spec/nodeSets/1/volumeClaimTemplates/0/spec/resources/requests/storage", "value": "200Gi"},
            ])
        );
        let argv = o.patch_argv(&Kubectl::default(), "ns", &p);
        assert_eq!(
            argv[..6],
            [
                "kubectl",
                "-n",
                "ns",
                "patch",
                "elasticsearch.elasticsearch.k8s.elastic.co",
                "quickstart"
            ]
        );
        assert_eq!(argv[6], "--type=json");
        let e = o.cr_evidence("ns", Some(4)).unwrap();
        assert!(
            e.starts_with("the Elasticsearch ns/quickstart as read: replicas 4 (spec.nodeSets[].count), storage 100Gi"),
            "{e}"
        );
        // Not read: the entry cannot be located, so nothing is printed.
        let o = owner(&meta).unwrap();
        assert_eq!(o.storage_patch("200Gi"), None);
        assert_eq!(o.cr_evidence("ns", Some(4)), None);
    }

    #[test]
    fn a_paused_cr_and_a_member_count_not_applied_are_said() {
        let p = cr(
            "monitoring.coreos.com/v1",
            "Prometheus",
            "k8s",
            json!({}),
            json!({"paused": true, "replicas": 3, "storage": {"volumeClaimTemplate": {"spec": {"resources": {"requests": {"storage": "50Gi"}}}}}}),
        );
        let meta = sts_meta(
            "prometheus-k8s",
            "monitoring.coreos.com/v1",
            "Prometheus",
            "k8s",
        );
        let o = owner_in(&meta, &read(vec![p])).unwrap();
        let e = o.cr_evidence("ns", Some(2)).unwrap();
        assert!(
            e.contains("replicas 3 (spec.replicas), storage 50Gi"),
            "{e}"
        );
        assert!(e.contains("paused (spec.paused: true)"), "{e}");
        assert!(
            e.contains("asks for 3 members and the StatefulSet has 2"),
            "{e}"
        );
        let rabbit = cr(
            "rabbitmq.com/v1beta1",
            "RabbitmqCluster",
            "hello",
            json!({"labels": {"rabbitmq.com/pauseReconciliation": "true"}}),
            json!({"replicas": 3}),
        );
        let meta = sts_meta(
            "hello-server",
            "rabbitmq.com/v1beta1",
            "RabbitmqCluster",
            "hello",
        );
        let o = owner_in(&meta, &read(vec![rabbit])).unwrap();
        assert_eq!(
            o.paused().as_deref(),
            Some("label rabbitmq.com/pauseReconciliation=true")
        );
        assert!(!o.cr_evidence("ns", Some(3)).unwrap().contains("asks for"));
    }

    #[test]
    fn a_cr_not_found_or_not_readable_is_said_so() {
        let meta = sts_meta(
            "prometheus-k8s",
            "monitoring.coreos.com/v1",
            "Prometheus",
            "k8s",
        );
        let mut crs = CustomResources::default();
        crs.kinds
            .insert("prometheus.monitoring.coreos.com".into(), None);
        let e = owner_in(&meta, &crs)
            .unwrap()
            .cr_evidence("ns", None)
            .unwrap();
        assert!(
            e.contains("was not found although its kind was read"),
            "{e}"
        );
        crs.kinds.insert(
            "prometheus.monitoring.coreos.com".into(),
            Some("forbidden: nope".into()),
        );
        let e = owner_in(&meta, &crs)
            .unwrap()
            .cr_evidence("ns", None)
            .unwrap();
        assert!(
            e.contains("could not be read (forbidden: nope): its current values and whether its reconciliation is paused are not confirmed"),
            "{e}"
        );
    }

    /// A CassandraDatacenter written by k8ssandra-operator: the change goes to the
    /// K8ssandraCluster, and no patch of the datacenter is printed.
    #[test]
    fn the_k8ssandra_chain_is_followed_from_the_datacenters_labels() {
        let dc = cr(
            "cassandra.datastax.com/v1beta1",
            "CassandraDatacenter",
            "dc1",
            json!({"labels": {"k8ssandra.io/cluster-name": "demo", "k8ssandra.io/cluster-namespace": "k8ssandra"},
                   "annotations": {"cassandra.datastax.com/allow-storage-changes": "true"}}),
            json!({"size": 3, "storageConfig": {"cassandraDataVolumeClaimSpec": {"resources": {"requests": {"storage": "5Gi"}}}}}),
        );
        let meta = sts_meta(
            "demo-dc1-rack1-sts",
            "cassandra.datastax.com/v1beta1",
            "CassandraDatacenter",
            "dc1",
        );
        let o = owner_in(&meta, &read(vec![dc])).unwrap();
        assert_eq!(
            o.describe("ns"),
            "CassandraDatacenter ns/dc1 (cass-operator), itself managed by K8ssandraCluster k8ssandra/demo (k8ssandra-operator)"
        );
        assert_eq!(o.storage_patch("10Gi"), None);
        assert_eq!(
            o.get_argv(&Kubectl::default(), "ns"),
            [
                "kubectl",
                "-n",
                "k8ssandra",
                "get",
                "k8ssandracluster.k8ssandra.io",
                "demo",
                "-o",
                "yaml"
            ]
        );
        assert!(
            o.opt_in_text()
                .contains("which the CassandraDatacenter has")
        );
    }

    #[test]
    fn locate_follows_names_components_and_reports_absent_leaves() {
        let spec = json!({"nodePools": [{"component": "masters", "diskSize": "30Gi"}]});
        let at = locate(&spec, "spec.nodePools[].diskSize", &|_| Some("masters")).unwrap();
        assert_eq!(at.pointer, "/spec/nodePools/0/diskSize");
        assert_eq!(at.value, Some(json!("30Gi")));
        assert_eq!(
            at.tests,
            [("/spec/nodePools/0/component".to_string(), json!("masters"))]
        );
        assert!(locate(&spec, "spec.nodePools[].diskSize", &|_| Some("data")).is_none());
        assert!(locate(&spec, "spec.nodePools[].diskSize", &|_| None).is_none());
        let at = locate(&spec, "spec.general.version (and image fields)", &|_| None).unwrap();
        assert_eq!(
            (at.pointer.as_str(), at.value),
            ("/spec/general/version", None)
        );
        assert!(locate(&spec, "the operator's configuration", &|_| None).is_none());
    }
}
