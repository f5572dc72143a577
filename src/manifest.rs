//! Manifests printed ready to apply (a headless Service, a PodDisruptionBudget), built as
//! data and serialised, so names and labels are always quoted correctly.

use k8s_openapi::api::apps::v1::StatefulSet;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub fn to_yaml(v: &Value) -> String {
    // Serialising a JSON value cannot fail; fall back to JSON (valid YAML) just in case.
    serde_saphyr::to_string(v)
        .unwrap_or_else(|_| serde_json::to_string_pretty(v).unwrap_or_default())
}

/// Labels a Service can select the StatefulSet's pods by: the selector's `matchLabels`,
/// or, when the selector uses only expressions (which Services cannot express), the pod
/// template's labels, which the API server guarantees satisfy the selector.
pub fn service_selector(sts: &StatefulSet) -> BTreeMap<String, String> {
    let spec = sts.spec.as_ref();
    let ml = spec
        .and_then(|s| s.selector.match_labels.clone())
        .unwrap_or_default();
    if !ml.is_empty() {
        return ml;
    }
    spec.and_then(|s| s.template.metadata.as_ref())
        .and_then(|m| m.labels.clone())
        .unwrap_or_default()
}

/// A label selector as it appears in a manifest (matchLabels and matchExpressions).
pub fn selector_value(sts: &StatefulSet) -> Value {
    let Some(spec) = sts.spec.as_ref() else {
        return json!({});
    };
    serde_json::to_value(&spec.selector).unwrap_or_else(|_| json!({}))
}

pub fn metadata(name: &str, namespace: &str) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(name.into()));
    m.insert("namespace".into(), Value::String(namespace.into()));
    Value::Object(m)
}
