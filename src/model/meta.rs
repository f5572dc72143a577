//! Object metadata read without what the tool never looks at. `kubectl get -o json` and
//! live lists carry `managedFields` (a field tree per writer, often half of an object)
//! and the last-applied annotation (the whole object again, as text). Dropping them after
//! parsing still builds them first, and a live list holds every page until it is
//! complete; skipping them while parsing means they are never held at all.
//! StatefulSets keep k8s-openapi's reader: their managedFields date spec changes.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;

/// The annotation `kubectl apply` writes: the whole object again, as JSON text.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `metadata` without managedFields, selfLink and the last-applied annotation; absent or
/// `null` is the default, as for the other required fields.
pub(crate) fn slim_meta<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectMeta, D::Error> {
    let Some(w) = Option::<Wire>::deserialize(d)? else {
        return Ok(ObjectMeta::default());
    };
    Ok(ObjectMeta {
        annotations: w.annotations.map(|a| a.0),
        creation_timestamp: w.creation_timestamp,
        deletion_grace_period_seconds: w.deletion_grace_period_seconds,
        deletion_timestamp: w.deletion_timestamp,
        finalizers: w.finalizers,
        generate_name: w.generate_name,
        generation: w.generation,
        labels: w.labels,
        managed_fields: None,
        name: w.name,
        namespace: w.namespace,
        owner_references: w.owner_references,
        resource_version: w.resource_version,
        self_link: None,
        uid: w.uid,
    })
}

/// The fields kept; any other key (managedFields, selfLink) is skipped unread.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(default)]
    annotations: Option<Annotations>,
    #[serde(default)]
    creation_timestamp: Option<Time>,
    #[serde(default)]
    deletion_grace_period_seconds: Option<i64>,
    #[serde(default)]
    deletion_timestamp: Option<Time>,
    #[serde(default)]
    finalizers: Option<Vec<String>>,
    #[serde(default)]
    generate_name: Option<String>,
    #[serde(default)]
    generation: Option<i64>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    owner_references: Option<Vec<OwnerReference>>,
    #[serde(default)]
    resource_version: Option<String>,
    #[serde(default)]
    uid: Option<String>,
}

struct Annotations(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for Annotations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Annotations;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("annotations")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Annotations, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(key) = m.next_key::<String>()? {
                    if key == LAST_APPLIED {
                        m.next_value::<IgnoredAny>()?;
                    } else if let Some(v) = m.next_value::<Option<String>>()? {
                        out.insert(key, v);
                    }
                }
                Ok(Annotations(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Obj {
        #[serde(deserialize_with = "slim_meta")]
        metadata: ObjectMeta,
    }

    #[test]
    fn keeps_what_the_full_reader_keeps_but_the_writers_and_the_applied_copy() {
        let meta = json!({
            "name": "db-0", "namespace": "shop", "uid": "u-1", "resourceVersion": "42",
            "generation": 3, "creationTimestamp": "2026-11-20T00:00:00Z",
            "deletionTimestamp": "2026-12-01T00:00:00Z", "deletionGracePeriodSeconds": 30,
            "finalizers": ["kubernetes.io/pvc-protection"], "generateName": "db-",
            "labels": {"app": "db"}, "selfLink": "/api/v1/namespaces/shop/pods/db-0",
            "annotations": {"team": "data", LAST_APPLIED: "{\"kind\":\"Pod\"}"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db",
                "uid": "u-0", "controller": true}],
            "managedFields": [{"manager": "kubectl", "operation": "Apply",
                "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}],
        });
        let slim: Obj = serde_json::from_value(json!({ "metadata": meta })).unwrap();
        let mut full: ObjectMeta = serde_json::from_value(meta).unwrap();
        full.managed_fields = None;
        full.self_link = None;
        full.annotations.as_mut().unwrap().remove(LAST_APPLIED);
        assert_eq!(slim.metadata, full);
        assert_eq!(slim.metadata.annotations.unwrap().len(), 1);
    }

    #[test]
    fn absent_or_null_metadata_is_empty() {
        let o: Obj = serde_json::from_str(r#"{"metadata": null}"#).unwrap();
        assert_eq!(o.metadata, ObjectMeta::default());
    }
}
