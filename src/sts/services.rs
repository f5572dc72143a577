//! The governing Service of a StatefulSet and whether it selects the members.

use crate::analysis::Ctx;
use crate::model::{Labels, StatefulSet};
use crate::{k8s, manifest, sts};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A headless Service for the StatefulSet: ports from its containers, and
/// `publishNotReadyAddresses: true` because quorum members must resolve each other before
/// they are Ready (otherwise bootstrap can deadlock).
pub(crate) fn headless_service(sts: &StatefulSet, svc_name: &str, ns: &str) -> Value {
    let mut ports: Vec<Value> = Vec::new();
    let containers = sts
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .map(|p| p.containers.as_slice())
        .unwrap_or_default();
    for c in containers {
        for p in c.ports.as_deref().unwrap_or_default() {
            let mut port = json!({
                "port": p.container_port,
                "targetPort": p.container_port,
                "protocol": p.protocol.as_deref().unwrap_or("TCP"),
            });
            if let Some(n) = &p.name {
                port["name"] = json!(n);
                port["targetPort"] = json!(n);
            }
            // Several unnamed ports are invalid in one Service: name them by number.
            if p.name.is_none() {
                port["name"] = json!(format!("port-{}", p.container_port));
            }
            ports.push(port);
        }
    }
    let mut spec = json!({
        "clusterIP": "None",
        "publishNotReadyAddresses": true,
        "selector": service_selector(sts),
    });
    if !ports.is_empty() {
        spec["ports"] = Value::Array(ports);
    }
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": manifest::metadata(svc_name, ns),
        "spec": spec,
    })
}

/// Labels a Service can select the StatefulSet's pods by: the selector's `matchLabels`,
/// or, when the selector uses only expressions (which Services cannot express), the pod
/// template's labels, which the API server guarantees satisfy the selector.
pub(crate) fn service_selector(sts: &StatefulSet) -> BTreeMap<String, String> {
    let spec = sts.spec.as_ref();
    let ml = spec
        .and_then(|s| s.selector.match_labels.clone())
        .unwrap_or_default();
    if !ml.is_empty() {
        return ml;
    }
    template_labels(sts)
}

/// A label selector as it appears in a manifest (matchLabels and matchExpressions).
pub(crate) fn selector_value(sts: &StatefulSet) -> Value {
    let Some(spec) = sts.spec.as_ref() else {
        return json!({});
    };
    serde_json::to_value(&spec.selector).unwrap_or_else(|_| json!({}))
}

pub(crate) fn template_labels(sts: &StatefulSet) -> BTreeMap<String, String> {
    Labels::from(k8s::pdb::template_labels(sts)).to_map()
}

/// Whether the governing Service of `sts` exists and fails to select its pod template:
/// then `service-selector-mismatch` explains why the pods have no endpoints.
pub(crate) fn selector_misses_pods(ctx: &Ctx, sts: &StatefulSet) -> bool {
    let Some(svc) = sts::governing_service(ctx, sts) else {
        return false;
    };
    let labels = Labels::from(k8s::pdb::template_labels(sts));
    let selector = svc.spec.as_ref().and_then(|s| s.selector.as_ref());
    match selector {
        None => true,
        Some(sel) if sel.is_empty() => true,
        Some(sel) => !sel.iter().all(|(k, v)| labels.get(k) == Some(v.as_str())),
    }
}
