//! Manifests printed ready to apply (a headless Service, a PodDisruptionBudget), built as
//! data and serialised, so names and labels are always quoted correctly.

use serde_json::{Map, Value};

pub fn to_yaml(v: &Value) -> String {
    // Serialising a JSON value cannot fail; fall back to JSON (valid YAML) just in case.
    serde_saphyr::to_string(v)
        .unwrap_or_else(|_| serde_json::to_string_pretty(v).unwrap_or_default())
}

pub fn metadata(name: &str, namespace: &str) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(name.into()));
    m.insert("namespace".into(), Value::String(namespace.into()));
    Value::Object(m)
}
