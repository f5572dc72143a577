//! References to other objects: an Event's `involvedObject` (two events a pod) and a
//! volume's `claimRef` (one a volume). k8s-openapi's `ObjectReference` with the same
//! fields, names and order, but the kind, API version and namespace, which thousands of
//! references repeat, held as [`Text`].

use super::text::Text;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

impl super::Unset for ObjectReference {
    fn unset(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_and_writes_what_k8s_openapi_does() {
        let json = json!({"apiVersion": "v1", "fieldPath": "spec.containers{db}",
            "kind": "Pod", "name": "db-0", "namespace": "shop", "resourceVersion": "7",
            "uid": "u-1"});
        crate::model::writes_like::<k8s_openapi::api::core::v1::ObjectReference, ObjectReference>(
            json,
        );
        let sparse: ObjectReference = serde_json::from_value(json!({"name": "x"})).unwrap();
        assert_eq!(serde_json::to_value(&sparse).unwrap(), json!({"name": "x"}));
    }
}
