//! Where a claim's expansion and a restarted pod stand, judged from one read of the object.
//! Pure, so the waits in `apply` only fetch and sleep.

use crate::k8s::{self, quantity};
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;

/// A claim's expansion, as its status tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resize {
    /// `status.capacity` reached the size and nothing is pending: done.
    Grown,
    /// The volume grew; the filesystem waits for the kubelet (online, or at the pod's next
    /// start).
    FileSystemPending,
    /// The resizer is working on it (or has not picked it up yet); what it says.
    InProgress(String),
    /// The expansion fails or the storage refuses this size: the condition and its message.
    Failed(String),
}

/// True conditions of the claim, by type, with their messages.
fn true_conditions(pvc: &PersistentVolumeClaim) -> Vec<(&str, &str)> {
    pvc.status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
        .iter()
        .filter(|c| c.status == "True")
        .map(|c| (c.type_.as_str(), c.message.as_deref().unwrap_or("")))
        .collect()
}

/// Where the expansion of `pvc` to `target` bytes stands.
pub fn resize(pvc: &PersistentVolumeClaim, target: f64) -> Resize {
    let conds = true_conditions(pvc);
    for (t, msg) in &conds {
        if matches!(*t, "ControllerResizeError" | "NodeResizeError") {
            return Resize::Failed(if msg.is_empty() {
                t.to_string()
            } else {
                format!("{t}: {msg}")
            });
        }
    }
    let allocated = pvc
        .status
        .as_ref()
        .and_then(|s| s.allocated_resource_statuses.as_ref())
        .and_then(|m| m.get("storage"))
        .map(String::as_str);
    if let Some(a) = allocated
        && a.ends_with("Infeasible")
    {
        return Resize::Failed(format!("{a}: the storage refuses this size"));
    }
    if conds.iter().any(|(t, _)| *t == "FileSystemResizePending") {
        return Resize::FileSystemPending;
    }
    if pvc
        .storage_capacity()
        .and_then(quantity::parse)
        .is_some_and(|c| c >= target)
    {
        return Resize::Grown;
    }
    let what = conds
        .iter()
        .find(|(t, _)| *t == "Resizing")
        .map(|(_, m)| {
            if m.is_empty() {
                "Resizing".to_string()
            } else {
                format!("Resizing: {m}")
            }
        })
        .or_else(|| allocated.map(str::to_string))
        .unwrap_or_else(|| "waiting for the resizer".to_string());
    Resize::InProgress(what)
}

/// A resize of this claim that is not ours to wait for: a condition or allocation status
/// left by an earlier expansion. `None` when the claim is quiet.
pub fn pending_resize(pvc: &PersistentVolumeClaim) -> Option<String> {
    let mut parts: Vec<String> = true_conditions(pvc)
        .into_iter()
        .filter(|(t, _)| {
            matches!(
                *t,
                "Resizing"
                    | "FileSystemResizePending"
                    | "ControllerResizeError"
                    | "NodeResizeError"
            )
        })
        .map(|(t, m)| {
            if m.is_empty() {
                t.to_string()
            } else {
                format!("{t} ({m})")
            }
        })
        .collect();
    if let Some(a) = pvc
        .status
        .as_ref()
        .and_then(|s| s.allocated_resource_statuses.as_ref())
        .and_then(|m| m.get("storage"))
    {
        parts.push(a.clone());
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Whether the failure is one the storage reports (error, infeasible), rather than a
/// resize still on its way.
pub fn resize_failed(pvc: &PersistentVolumeClaim) -> Option<String> {
    match resize(pvc, f64::INFINITY) {
        Resize::Failed(m) => Some(m),
        _ => None,
    }
}

/// A pod that replaced `old_uid` (or any pod when `None`) and is Ready.
pub fn back_and_ready(pod: &Pod, old_uid: Option<&str>) -> bool {
    let replaced = old_uid.is_none_or(|u| pod.metadata.uid.as_deref() != Some(u));
    replaced && pod.metadata.deletion_timestamp.is_none() && k8s::pod::is_ready(pod)
}

/// The uid of the pod's controller.
pub fn controller_uid(pod: &Pod) -> Option<&str> {
    k8s::controller_of(&pod.metadata).map(|o| o.uid.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{bound_claim, merged};
    use serde_json::json;

    const GI: f64 = 1024.0 * 1024.0 * 1024.0;

    fn with_status(status: serde_json::Value) -> PersistentVolumeClaim {
        merged(
            &bound_claim("shop", "data-db-0", "pv", "standard"),
            json!({"status": status}),
        )
    }

    #[test]
    fn capacity_at_the_target_is_grown() {
        let c = with_status(json!({"capacity": {"storage": "20Gi"}}));
        assert_eq!(resize(&c, 20.0 * GI), Resize::Grown);
        let c = with_status(json!({}));
        assert_eq!(
            resize(&c, 20.0 * GI),
            Resize::InProgress("waiting for the resizer".into())
        );
    }

    #[test]
    fn conditions_say_pending_failed_or_resizing() {
        let cond = |t: &str, m: &str| {
            with_status(json!({"conditions": [{"type": t, "status": "True", "message": m}]}))
        };
        assert_eq!(
            resize(
                &cond(
                    "FileSystemResizePending",
                    "Waiting for user to (re-)start a pod"
                ),
                20.0 * GI
            ),
            Resize::FileSystemPending
        );
        assert_eq!(
            resize(
                &cond("ControllerResizeError", "quota exceeded in the cloud"),
                20.0 * GI
            ),
            Resize::Failed("ControllerResizeError: quota exceeded in the cloud".into())
        );
        assert_eq!(
            resize(&cond("Resizing", ""), 20.0 * GI),
            Resize::InProgress("Resizing".into())
        );
        let inf = with_status(
            json!({"allocatedResourceStatuses": {"storage": "ControllerResizeInfeasible"}}),
        );
        assert!(matches!(resize(&inf, 20.0 * GI), Resize::Failed(_)));
        assert_eq!(
            pending_resize(&inf).as_deref(),
            Some("ControllerResizeInfeasible")
        );
        assert!(pending_resize(&with_status(json!({"capacity": {"storage": "10Gi"}}))).is_none());
    }

    #[test]
    fn a_pod_is_back_once_replaced_and_ready() {
        let p = crate::testutil::pod("shop", "db", 0, true);
        assert!(back_and_ready(&p, Some("uid-old")));
        assert!(!back_and_ready(&p, Some("uid-db-0")));
        assert!(!back_and_ready(
            &crate::testutil::pod("shop", "db", 0, false),
            None
        ));
        assert_eq!(controller_uid(&p), Some("uid-sts-db"));
    }
}
