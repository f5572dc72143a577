//! The pod template: its spec, the containers patch a fix sends, and what a template change
//! does to running members under each update strategy.

use crate::k8s;
use crate::model::PodSpec;
use crate::model::StatefulSet;
use serde_json::{Value, json};

pub(crate) fn pod_spec(sts: &StatefulSet) -> Option<&PodSpec> {
    sts.spec.as_ref()?.template.spec.as_ref()
}

/// What a pod-template change does to the running pods, in one sentence.
pub(crate) fn template_change_note(sts: &StatefulSet) -> String {
    let strategy = sts.spec.as_ref().and_then(|s| s.update_strategy.as_ref());
    if strategy.and_then(|u| u.type_.as_deref()) == Some("OnDelete") {
        return "This changes the pod template; under the OnDelete strategy no pod restarts until you delete it (one at a time, highest ordinal first, waiting for Ready)".to_string();
    }
    let partition = strategy
        .and_then(|u| u.rolling_update.as_ref())
        .and_then(|r| r.partition)
        .unwrap_or(0);
    if partition > 0 {
        format!(
            "This changes the pod template, so it triggers a rolling restart of the members with ordinal ≥ {} only (partition {partition} holds the others back)",
            k8s::ordinal_start(sts) + i64::from(partition)
        )
    } else {
        "This changes the pod template, so it triggers a rolling restart: the controller replaces every pod one at a time, highest ordinal first".to_string()
    }
}

/// A strategic merge patch of the pod template's containers (merged by name).
pub(crate) fn containers_patch(containers: Vec<Value>) -> String {
    json!({"spec": {"template": {"spec": {"containers": containers}}}}).to_string()
}
