//! API versions of the kinds the analysis reads. Old charts and saved manifests still carry
//! versions Kubernetes removed long ago (`apps/v1beta1` StatefulSets, `policy/v1beta1`
//! budgets); their shapes are the v1 shapes but for a few defaults, so they are read as v1
//! and named once, instead of stopping the whole run.

use serde_json::Value;

pub enum Served {
    /// The version the analysis is written against (or another still served with the same
    /// shape, like `events.k8s.io/v1`).
    Current,
    /// A version Kubernetes stopped serving in release `since`; same shape as v1.
    Removed { since: &'static str },
    /// A version this tool does not know (a typo, or a future one).
    Unknown,
}

/// Whether `group/version` is a served version of `kind` (the group already matched).
pub fn served(group: &str, version: &str, kind: &str) -> Served {
    match (group, version, kind) {
        (g, "v1", _) if g != "extensions" => Served::Current,
        ("apps", "v1beta1" | "v1beta2", _) | ("extensions", "v1beta1", "Deployment") => {
            Served::Removed { since: "1.16" }
        }
        ("storage.k8s.io", "v1beta1", _) => Served::Removed { since: "1.22" },
        ("policy" | "discovery.k8s.io" | "events.k8s.io", "v1beta1", _) => {
            Served::Removed { since: "1.25" }
        }
        _ => Served::Unknown,
    }
}

/// The apiVersion a kind is read as.
pub fn current(kind: &str) -> &'static str {
    match kind {
        "StatefulSet" | "Deployment" | "ControllerRevision" => "apps/v1",
        "PodDisruptionBudget" => "policy/v1",
        "EndpointSlice" => "discovery.k8s.io/v1",
        "StorageClass" | "VolumeAttachment" => "storage.k8s.io/v1",
        "Event" => "events.k8s.io/v1",
        _ => "v1",
    }
}

/// Rewrites an old-version object into its v1 shape, filling the defaults that changed:
/// the workload selector the old APIs derived from the template labels (v1 requires it), and
/// `apps/v1beta1`'s OnDelete update strategy (v1's default is RollingUpdate).
pub fn upgrade(mut doc: Value, group: &str, version: &str, kind: &str) -> Value {
    let Some(obj) = doc.as_object_mut() else {
        return doc;
    };
    let api_version = match (group, kind) {
        ("events.k8s.io", _) => "events.k8s.io/v1",
        _ => current(kind),
    };
    obj.insert("apiVersion".into(), Value::String(api_version.into()));
    if !matches!(kind, "StatefulSet" | "Deployment") {
        return doc;
    }
    let labels = obj
        .get("spec")
        .and_then(|s| s.pointer("/template/metadata/labels"))
        .cloned();
    if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
        if !spec.contains_key("selector")
            && let Some(labels) = labels
        {
            spec.insert(
                "selector".into(),
                serde_json::json!({ "matchLabels": labels }),
            );
        }
        if kind == "StatefulSet" && version == "v1beta1" && !spec.contains_key("updateStrategy") {
            spec.insert(
                "updateStrategy".into(),
                serde_json::json!({ "type": "OnDelete" }),
            );
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_versions_are_named_with_the_release_that_removed_them() {
        assert!(matches!(
            served("apps", "v1", "StatefulSet"),
            Served::Current
        ));
        assert!(matches!(
            served("apps", "v1beta1", "StatefulSet"),
            Served::Removed { since: "1.16" }
        ));
        assert!(matches!(
            served("extensions", "v1beta1", "Deployment"),
            Served::Removed { since: "1.16" }
        ));
        assert!(matches!(
            served("policy", "v1beta1", "PodDisruptionBudget"),
            Served::Removed { since: "1.25" }
        ));
        assert!(matches!(
            served("apps", "v2", "StatefulSet"),
            Served::Unknown
        ));
    }

    #[test]
    fn old_statefulset_gets_the_defaults_v1_no_longer_fills() {
        let doc = serde_json::json!({
            "apiVersion": "apps/v1beta1", "kind": "StatefulSet",
            "metadata": {"name": "zk"},
            "spec": {"serviceName": "zk", "replicas": 3,
                     "template": {"metadata": {"labels": {"app": "zk"}}, "spec": {"containers": []}}}
        });
        let v1 = upgrade(doc, "apps", "v1beta1", "StatefulSet");
        assert_eq!(v1["apiVersion"], "apps/v1");
        assert_eq!(v1["spec"]["selector"]["matchLabels"]["app"], "zk");
        assert_eq!(v1["spec"]["updateStrategy"]["type"], "OnDelete");
        // apps/v1beta2 already defaulted to RollingUpdate, like v1: nothing to fill.
        let doc = serde_json::json!({"apiVersion": "apps/v1beta2", "kind": "StatefulSet",
            "spec": {"selector": {"matchLabels": {"a": "b"}}}});
        let v1 = upgrade(doc, "apps", "v1beta2", "StatefulSet");
        assert!(v1["spec"].get("updateStrategy").is_none());
        assert_eq!(v1["spec"]["selector"]["matchLabels"]["a"], "b");
    }
}
