//! ControllerRevisions: up to `revisionHistoryLimit` (10) per StatefulSet, each holding a
//! whole pod template. The template is kept as the JSON text it was read as, not as a
//! `serde_json::Value` tree (several times the size); `rollout undo` parses the one it
//! restores.

use super::meta::{Meta, ReadMeta, read_meta};
use super::{nullable, object};
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(bound(deserialize = "M: ReadMeta"))]
pub struct ControllerRevision<M = Meta> {
    #[serde(default, deserialize_with = "read_meta")]
    pub metadata: M,
    #[serde(default)]
    pub data: Option<Box<RawValue>>,
    #[serde(default, deserialize_with = "nullable")]
    pub revision: i64,
}

object!(ControllerRevision<M>, "apps", "v1", "apps/v1", "controllerrevisions",
    NamespaceResourceScope, {
    data => "data",
    revision => "revision",
});

/// As kube lists and watches it (its `Resource` hands out `&ObjectMeta`).
pub type LiveControllerRevision = ControllerRevision<ObjectMeta>;

/// As text: `RawValue` has no equality of its own.
impl PartialEq for ControllerRevision {
    fn eq(&self, other: &Self) -> bool {
        self.metadata == other.metadata
            && self.revision == other.revision
            && self.data.as_ref().map(|d| d.get()) == other.data.as_ref().map(|d| d.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_template_is_kept_as_text_from_json_text_and_from_values() {
        let doc = json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": "db-7c9f8b6d5", "namespace": "shop"}, "revision": 3,
            "data": {"spec": {"template": {"$patch": "replace", "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}}}}});
        let from_text: ControllerRevision = serde_json::from_str(&doc.to_string()).unwrap();
        // YAML snapshots are read through a value tree.
        let from_value: ControllerRevision = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(from_text, from_value);
        assert_eq!(from_text.revision, 3);
        let data: serde_json::Value =
            serde_json::from_str(from_text.data.as_ref().unwrap().get()).unwrap();
        assert_eq!(data, doc["data"]);
        assert_eq!(serde_json::to_value(&from_text).unwrap(), doc);
    }
}
