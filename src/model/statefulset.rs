//! StatefulSets. They are few, but k8s-openapi's holds its pod template and claim
//! templates with every optional field inline: 9 KB for a small set, 11 KB as an API
//! server writes one, a quarter of everything a 10k-pod cluster holds (issue 15). The
//! checks read a compact view (the pod template as [`PodSpec`] and the claim templates as
//! [`PersistentVolumeClaim`], the types pods and claims use, under the same names);
//! plans that re-create a set and `kubectl sts snapshot` need the object exactly as read,
//! so it is also kept as its JSON text, a fifth of the struct's size or less. Serialising
//! writes that text: what was read is what is written, fields the compact view leaves
//! out included.
//!
//! The view and the text are made from the same reading and change together (see
//! [`StatefulSet::edit`]); the view's fields are public for the checks to read, and a
//! change made to them directly (tests do) is not seen by serialising.

use super::claim::PersistentVolumeClaim;
use super::meta::Meta;
use super::pod::PodSpec;
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::{
    StatefulSetOrdinals, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetStatus,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, Time};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct StatefulSet {
    pub metadata: Meta,
    pub spec: Option<StatefulSetSpec>,
    pub status: Option<StatefulSetStatus>,
    /// The newest `managedFields` entry that touched `spec`: when and by whom (the
    /// manager). The entries themselves are in [`Self::object`] only.
    spec_changed: Option<Box<(Timestamp, String)>>,
    /// The object as read, as JSON text (see the module's note).
    object: Box<str>,
}

/// k8s-openapi's `StatefulSetSpec`, with the pod template and claim templates compact.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetSpec {
    #[serde(default)]
    pub min_ready_seconds: Option<i32>,
    #[serde(default)]
    pub ordinals: Option<StatefulSetOrdinals>,
    #[serde(default)]
    pub persistent_volume_claim_retention_policy:
        Option<StatefulSetPersistentVolumeClaimRetentionPolicy>,
    #[serde(default)]
    pub pod_management_policy: Option<String>,
    #[serde(default)]
    pub replicas: Option<i32>,
    #[serde(default)]
    pub revision_history_limit: Option<i32>,
    #[serde(default, deserialize_with = "super::nullable")]
    pub selector: LabelSelector,
    #[serde(default)]
    pub service_name: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    pub template: PodTemplateSpec,
    #[serde(default)]
    pub update_strategy: Option<StatefulSetUpdateStrategy>,
    #[serde(default)]
    pub volume_claim_templates: Option<Vec<PersistentVolumeClaim>>,
}

/// A pod template: its metadata and the pod spec, as pods hold them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PodTemplateSpec {
    #[serde(default)]
    pub metadata: Option<Meta>,
    #[serde(default)]
    pub spec: Option<PodSpec>,
}

/// What the compact view reads of the object.
#[derive(Deserialize)]
struct View {
    #[serde(default, deserialize_with = "super::nullable")]
    metadata: Meta,
    #[serde(default)]
    spec: Option<StatefulSetSpec>,
    #[serde(default)]
    status: Option<StatefulSetStatus>,
}

impl StatefulSet {
    /// Reads a StatefulSet from its JSON, tidied as every object read is (managedFields
    /// cut to which part each writer touched, the last-applied annotation dropped) and
    /// with `null`s dropped, as k8s-openapi drops them.
    pub fn from_value(mut v: Value) -> Result<Self, serde_json::Error> {
        drop_nulls(&mut v);
        if let Value::Object(o) = &mut v {
            o.insert("apiVersion".into(), "apps/v1".into());
            o.insert("kind".into(), "StatefulSet".into());
            if let Some(Value::Object(meta)) = o.get_mut("metadata") {
                slim(meta);
            }
        }
        let view = View::deserialize(&v)?;
        let spec_changed = last_spec_change(&v).map(Box::new);
        Ok(StatefulSet {
            metadata: view.metadata,
            spec: view.spec,
            status: view.status,
            spec_changed,
            object: v.to_string().into_boxed_str(),
        })
    }

    /// The object as read (after [`Self::edit`]s), as JSON.
    pub fn object(&self) -> Value {
        serde_json::from_str(&self.object).unwrap_or_else(|_| empty())
    }

    /// Changes the object and reads the view again from the result, so the two agree.
    /// On an edit the view cannot read, nothing changes.
    pub fn edit(&mut self, change: impl FnOnce(&mut Value)) {
        let mut v = self.object();
        change(&mut v);
        if let Ok(changed) = Self::from_value(v) {
            *self = changed;
        }
    }

    /// When the spec last changed and who changed it: the newest `managedFields` entry
    /// that touched `spec` (status writes do not count).
    pub fn last_spec_change(&self) -> Option<(Timestamp, &str)> {
        self.spec_changed
            .as_deref()
            .map(|(t, who)| (*t, who.as_str()))
    }
}

fn empty() -> Value {
    serde_json::json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {}})
}

impl Default for StatefulSet {
    fn default() -> Self {
        Self::from_value(empty()).expect("an empty StatefulSet reads")
    }
}

/// Drops `null` values from objects, at every depth: k8s-openapi reads them as unset and
/// does not write them back (`kubectl get -o yaml` of older servers carries a
/// `creationTimestamp: null` in every template).
fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.retain(|_, v| !v.is_null());
            o.values_mut().for_each(drop_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// What every object read goes through (`snapshot::collect::slim`), on the metadata as
/// JSON: managedFields cut to which part each writer touched (`f:spec`, `f:status`), the
/// last-applied annotation (the whole object again) dropped.
fn slim(meta: &mut serde_json::Map<String, Value>) {
    let entries = meta.get_mut("managedFields").and_then(Value::as_array_mut);
    for entry in entries.into_iter().flatten() {
        if let Some(fields) = entry.get_mut("fieldsV1").and_then(Value::as_object_mut) {
            for v in fields.values_mut() {
                *v = Value::Object(Default::default());
            }
        }
    }
    if let Some(Value::Object(a)) = meta.get_mut("annotations") {
        a.remove(super::LAST_APPLIED);
    }
}

fn last_spec_change(v: &Value) -> Option<(Timestamp, String)> {
    let entries = v.pointer("/metadata/managedFields")?.as_array()?;
    entries
        .iter()
        .filter(|m| {
            m.get("fieldsV1")
                .and_then(Value::as_object)
                .is_some_and(|o| o.contains_key("f:spec"))
        })
        .filter_map(|m| {
            let time = Time::deserialize(m.get("time")?).ok()?;
            let who = m.get("manager").and_then(Value::as_str);
            Some((time.0, who.unwrap_or("unknown manager").to_string()))
        })
        .max_by_key(|(t, _)| *t)
}

impl<'de> Deserialize<'de> for StatefulSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Serialize for StatefulSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.object().serialize(s)
    }
}

/// What kube listed or watched (k8s-openapi's, which its watchers need), as the snapshot
/// holds it: converted page by page, so no list holds the full structs to its end.
impl From<k8s_openapi::api::apps::v1::StatefulSet> for StatefulSet {
    fn from(o: k8s_openapi::api::apps::v1::StatefulSet) -> Self {
        let v = serde_json::to_value(&o).unwrap_or_else(|_| empty());
        // k8s-openapi writes the API's shape, which the view reads (a test holds it to
        // that). Were it ever not so, the set keeps its name and text, and no spec: the
        // checks pass over it rather than read a wrong one.
        // The text is written again only then, rather than the value copied for every set.
        Self::from_value(v).unwrap_or_else(|_| StatefulSet {
            object: serde_json::to_string(&o)
                .unwrap_or_default()
                .into_boxed_str(),
            metadata: o.metadata.into(),
            spec: None,
            status: None,
            spec_changed: None,
        })
    }
}

impl k8s_openapi::Resource for StatefulSet {
    const API_VERSION: &'static str = "apps/v1";
    const GROUP: &'static str = "apps";
    const KIND: &'static str = "StatefulSet";
    const VERSION: &'static str = "v1";
    const URL_PATH_SEGMENT: &'static str = "statefulsets";
    type Scope = k8s_openapi::NamespaceResourceScope;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "prod", "uid": "u-1", "resourceVersion": "7",
                         "labels": {"app": "db"},
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "data"},
                         "managedFields": [
                             {"manager": "helm", "operation": "Update", "time": "2026-11-01T00:00:00Z",
                              "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
                             {"manager": "kube-controller-manager", "operation": "Update",
                              "time": "2026-11-02T00:00:00Z", "subresource": "status",
                              "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:replicas": {}}}}]},
            "spec": {
                "replicas": 3, "serviceName": "db", "podManagementPolicy": "Parallel",
                "minReadySeconds": 10, "revisionHistoryLimit": 5,
                "ordinals": {"start": 1},
                "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Delete"},
                "selector": {"matchLabels": {"app": "db"}},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1, "maxUnavailable": 2}},
                "template": {
                    "metadata": {"labels": {"app": "db"}, "creationTimestamp": null},
                    "spec": {
                        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                        "containers": [{"name": "db", "image": "postgres:16", "imagePullPolicy": "IfNotPresent",
                                        "resources": {"requests": {"cpu": "1"}},
                                        "volumeMounts": [{"name": "data", "mountPath": "/data"},
                                                         {"name": "conf", "mountPath": "/etc/db"}]}],
                        "volumes": [{"name": "conf", "configMap": {"name": "db"}}]}},
                "volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
                             "resources": {"requests": {"storage": "10Gi"}}},
                    "status": {"phase": "Pending"}}]},
            "status": {"replicas": 3, "readyReplicas": 2, "currentRevision": "db-1", "updateRevision": "db-2",
                       "observedGeneration": 4}
        })
    }

    /// The text written back is what k8s-openapi's StatefulSet writes of the same input,
    /// tidied as the full struct was: nothing a re-created set needs is lost, including
    /// what the view leaves out (the config volume, dnsPolicy, imagePullPolicy).
    #[test]
    fn writes_back_what_k8s_openapi_writes() {
        let mut full_sts: k8s_openapi::api::apps::v1::StatefulSet =
            serde_json::from_value(full()).unwrap();
        crate::snapshot::collect::slim(&mut full_sts.metadata, true);
        let sts = StatefulSet::from_value(full()).unwrap();
        assert_eq!(
            serde_json::to_value(&sts).unwrap(),
            serde_json::to_value(&full_sts).unwrap()
        );
        assert_eq!(StatefulSet::from(full_sts), sts);
    }

    #[test]
    fn the_view_reads_the_fields_the_checks_use() {
        let sts = StatefulSet::from_value(full()).unwrap();
        let spec = sts.spec.as_ref().unwrap();
        assert_eq!(spec.replicas, Some(3));
        assert_eq!(spec.selector.match_labels.as_ref().unwrap()["app"], "db");
        let pod = spec.template.spec.as_ref().unwrap();
        assert_eq!(pod.containers[0].image.as_deref(), Some("postgres:16"));
        let claim = &spec.volume_claim_templates.as_ref().unwrap()[0];
        assert_eq!(claim.storage_request(), Some("10Gi"));
        assert_eq!(sts.status.as_ref().unwrap().ready_replicas, Some(2));
        let (when, who) = sts.last_spec_change().unwrap();
        assert_eq!(
            (when.to_string().as_str(), who),
            ("2026-11-01T00:00:00Z", "helm")
        );
        assert!(
            sts.metadata
                .annotations
                .as_ref()
                .unwrap()
                .get("team")
                .is_some()
        );
        assert_eq!(sts.metadata.annotations.as_ref().unwrap().len(), 1);
    }

    #[test]
    fn an_edit_changes_the_view_and_the_text_together() {
        let mut sts = StatefulSet::from_value(full()).unwrap();
        sts.edit(|v| v["metadata"]["namespace"] = json!("staging"));
        assert_eq!(sts.metadata.namespace.as_deref(), Some("staging"));
        assert_eq!(
            serde_json::to_value(&sts).unwrap()["metadata"]["namespace"],
            "staging"
        );
        let before = sts.clone();
        sts.edit(|v| v["spec"]["replicas"] = json!("three"));
        assert_eq!(sts, before, "an edit the view cannot read changes nothing");
    }

    #[test]
    fn an_invalid_set_is_refused_as_k8s_openapi_refuses_it() {
        let mut v = full();
        v["spec"]["replicas"] = json!("three");
        assert!(StatefulSet::from_value(v).is_err());
    }
}
