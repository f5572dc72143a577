//! The StatefulSet to re-create after the orphan delete, built from the live object as JSON
//! (not through the typed bindings, which would silently drop fields newer than the ones
//! they know): the server-managed fields removed, the claim template's storage request set,
//! nothing else touched. Also the backup written before the delete, which is the same object
//! at its old size, ready for `kubectl create -f`.

use serde_json::{Value, json};

/// `metadata` fields the API server owns: a create with `resourceVersion` set is refused,
/// and the others are replaced or meaningless on a new object.
pub const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
];

/// The object without the fields the server owns (and without `status`), as it can be
/// created again.
pub fn creatable(live: &Value) -> Value {
    let mut v = live.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
        if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            for f in SERVER_METADATA {
                meta.remove(*f);
            }
        }
    }
    v
}

/// The claim template named `template`, if the object has it.
pub fn template_mut<'a>(v: &'a mut Value, template: &str) -> Option<&'a mut Value> {
    v.pointer_mut("/spec/volumeClaimTemplates")?
        .as_array_mut()?
        .iter_mut()
        .find(|t| t.pointer("/metadata/name").and_then(Value::as_str) == Some(template))
}

/// The storage request of claim template `template`.
pub fn template_size<'a>(v: &'a Value, template: &str) -> Option<&'a str> {
    v.pointer("/spec/volumeClaimTemplates")?
        .as_array()?
        .iter()
        .find(|t| t.pointer("/metadata/name").and_then(Value::as_str) == Some(template))?
        .pointer("/spec/resources/requests/storage")?
        .as_str()
}

/// The object to re-create: [`creatable`] with the template's request set to `size`.
pub fn recreate(live: &Value, template: &str, size: &str) -> Result<Value, String> {
    let mut v = creatable(live);
    let t = template_mut(&mut v, template)
        .ok_or_else(|| format!("the StatefulSet has no claim template {template}"))?;
    let Some(spec) = t.get_mut("spec").and_then(Value::as_object_mut) else {
        return Err(format!("claim template {template} has no spec"));
    };
    let resources = spec.entry("resources").or_insert_with(|| json!({}));
    if !resources.is_object() {
        *resources = json!({});
    }
    let requests = resources
        .as_object_mut()
        .map(|r| r.entry("requests").or_insert_with(|| json!({})));
    match requests {
        Some(r) if r.is_object() => r["storage"] = json!(size),
        Some(r) => *r = json!({ "storage": size }),
        None => return Err(format!("claim template {template} has no resources")),
    }
    Ok(v)
}

/// The backup file's name: `<ns>-<sts>-<timestamp>.yaml`, the timestamp in UTC and safe in
/// file names on every OS.
pub fn backup_name(ns: &str, name: &str, at: jiff::Timestamp) -> String {
    format!("{ns}-{name}-{}.yaml", at.strftime("%Y%m%dT%H%M%SZ"))
}

/// The re-create manifest's file name, beside the backup: `<ns>-<sts>-<timestamp>-<size>.yaml`.
pub fn recreate_name(ns: &str, name: &str, at: jiff::Timestamp, size: &str) -> String {
    format!("{ns}-{name}-{}-{size}.yaml", at.strftime("%Y%m%dT%H%M%SZ"))
}

/// A manifest as YAML, with comment lines on top saying what it is and how to use it.
pub fn to_yaml_with_header(v: &Value, header: &[String]) -> String {
    let mut out = String::new();
    for h in header {
        out.push_str("# ");
        out.push_str(h);
        out.push('\n');
    }
    out.push_str(&crate::manifest::to_yaml(v));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A StatefulSet as the server returns it (from the v1.36 recording).
    fn live() -> Value {
        let text = include_str!(
            "../../tests/fixtures/apiserver-v1.36/GET_apis_apps_v1_namespaces_shop_statefulsets_orders-db.json"
        );
        let mut v: Value = serde_json::from_str(text).unwrap();
        // What a terminating object and a kubectl-applied one carry on top.
        v["metadata"]["annotations"] = json!({
            "kubectl.kubernetes.io/last-applied-configuration": "{\"kind\":\"StatefulSet\"}",
            "team": "orders"});
        v["metadata"]["finalizers"] = json!(["example.com/keep"]);
        v["metadata"]["ownerReferences"] =
            json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": "u-owner"}]);
        v
    }

    /// Every leaf of a JSON document as (pointer, value).
    fn leaves(v: &Value, at: String, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(o) if !o.is_empty() => {
                for (k, x) in o {
                    leaves(
                        x,
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            Value::Array(a) if !a.is_empty() => {
                for (i, x) in a.iter().enumerate() {
                    leaves(x, format!("{at}/{i}"), out);
                }
            }
            other => out.push((at, other.clone())),
        }
    }

    #[test]
    fn the_recreated_object_differs_from_the_live_one_only_in_server_fields_and_the_size() {
        let live = live();
        let new = recreate(&live, "data", "20Gi").unwrap();
        let mut before = Vec::new();
        leaves(&live, String::new(), &mut before);
        let mut after = Vec::new();
        leaves(&new, String::new(), &mut after);
        let after: std::collections::BTreeMap<String, Value> = after.into_iter().collect();
        let size = "/spec/volumeClaimTemplates/0/spec/resources/requests/storage";
        let server_owned = |p: &str| {
            p.starts_with("/status")
                || SERVER_METADATA.iter().any(|f| {
                    p == format!("/metadata/{f}") || p.starts_with(&format!("/metadata/{f}/"))
                })
        };
        let mut compared = 0;
        for (p, v) in &before {
            if server_owned(p) {
                assert!(!after.contains_key(p), "{p} must be removed");
            } else if p == size {
                assert_eq!(v, "10Gi");
                assert_eq!(after[p], "20Gi");
            } else {
                assert_eq!(after.get(p), Some(v), "{p} changed");
                compared += 1;
            }
        }
        // Nothing was added either.
        assert_eq!(after.len(), compared + 1);
        // The fields that must stay did.
        for kept in [
            "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
            "/metadata/finalizers/0",
            "/metadata/ownerReferences/0/uid",
            "/metadata/labels/app",
            "/spec/volumeClaimTemplates/0/status/phase",
        ] {
            assert!(after.contains_key(kept), "{kept} kept");
        }
        assert_eq!(template_size(&new, "data"), Some("20Gi"));
        assert_eq!(template_size(&live, "data"), Some("10Gi"));
    }

    #[test]
    fn an_unknown_template_is_an_error_and_the_backup_keeps_the_old_size() {
        assert!(
            recreate(&live(), "logs", "20Gi")
                .unwrap_err()
                .contains("no claim template logs")
        );
        let b = creatable(&live());
        assert_eq!(template_size(&b, "data"), Some("10Gi"));
        assert!(b.get("status").is_none() && b["metadata"].get("uid").is_none());
    }

    #[test]
    fn file_names_carry_namespace_name_and_utc_time() {
        let at: jiff::Timestamp = "2026-11-22T03:00:00Z".parse().unwrap();
        assert_eq!(
            backup_name("shop", "db", at),
            "shop-db-20261122T030000Z.yaml"
        );
        assert_eq!(
            recreate_name("shop", "db", at, "20Gi"),
            "shop-db-20261122T030000Z-20Gi.yaml"
        );
    }
}
