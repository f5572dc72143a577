//! Replacing one pod: the kubectl commands that evict it and wait for it, and how one read
//! of its name says where its replacement stands. Shared by `step` under OnDelete and by
//! `undo`'s handling of the OrderedReady trap.

use crate::act::Step;
use crate::finding::shell_join;
use crate::k8s;
use crate::kubectl::Kubectl;
use crate::model::Pod;
use crate::sts as rv;
use jiff::Timestamp;
use serde_json::json;

/// Evicting `pod` and waiting for its replacement, as kubectl commands: kubectl has no
/// eviction command, so the Eviction is posted with `kubectl create --raw` (the budget
/// decides, where `kubectl delete pod` would not ask it).
pub(crate) fn eviction_steps(kubectl: &Kubectl, ns: &str, pod: &str) -> [Step; 2] {
    let path = format!("/api/v1/namespaces/{ns}/pods/{pod}/eviction");
    let eviction = json!({"apiVersion": "policy/v1", "kind": "Eviction",
                          "metadata": {"name": pod, "namespace": ns}})
    .to_string();
    let create = kubectl.argv(None, &["create", "--raw", path.as_str(), "-f", "-"]);
    let wait = kubectl.wait_ready(ns, pod, "10m");
    [
        Step {
            description: format!(
                "evict {pod} through the Eviction API (its PodDisruptionBudget decides; kubectl delete pod would not ask it)"
            ),
            command: format!("echo {} | {}", shell_join(&[eviction]), shell_join(&create)),
        },
        Step {
            description: format!(
                "wait until the re-created {pod} is Ready (NotFound means it is not re-created yet: run it again)"
            ),
            command: shell_join(&wait),
        },
    ]
}

/// Where a pod being replaced stands, from one read of its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replacement {
    /// No pod of that name: not re-created yet.
    Absent,
    /// Still the pod that was evicted or deleted (terminating).
    Old,
    /// Re-created, on `revision`, not Ready yet: why.
    Starting { revision: String, why: String },
    /// Re-created on a revision other than the expected one.
    OtherRevision(String),
    /// Re-created on the expected revision and Ready.
    Ready,
}

/// Judges one read of the pod replacing the one with uid `old_uid`.
pub fn replacement(
    pod: Option<&Pod>,
    old_uid: &str,
    revision: &str,
    now: Timestamp,
) -> Replacement {
    let Some(pod) = pod else {
        return Replacement::Absent;
    };
    if pod.metadata.uid.as_deref() == Some(old_uid) {
        return Replacement::Old;
    }
    let rev = k8s::pod::revision(pod).unwrap_or("no revision label");
    if rev != revision {
        return Replacement::OtherRevision(rev.to_string());
    }
    if rv::serving(pod) {
        return Replacement::Ready;
    }
    Replacement::Starting {
        revision: rev.to_string(),
        why: k8s::pod::main_problem(pod, None, now),
    }
}

impl std::fmt::Display for Replacement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Replacement::Absent => f.write_str("not re-created yet"),
            Replacement::Old => f.write_str("the old pod is still terminating"),
            Replacement::Starting { revision, why } => {
                write!(f, "re-created on {revision}, not Ready yet: {why}")
            }
            Replacement::OtherRevision(r) => write!(f, "re-created on revision {r}"),
            Replacement::Ready => f.write_str("re-created and Ready"),
        }
    }
}
