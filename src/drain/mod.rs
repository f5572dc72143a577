//! `drain-check`: what draining nodes would do to the StatefulSets on them, judged on a
//! snapshot without touching the cluster.
//!
//! The core is pure: [`simulate`] judges the nodes in the order given, [`plan()`] looks for an
//! order (and groups of nodes that can go together) in which no step is blocked or unsafe.
//! Both take a snapshot and return a [`DrainReport`]; `server` merges what the API server said
//! about dry-run evictions into one, and `render::drain` prints it.
//!
//! What is simulated, in the words of the eviction API (`pkg/registry/core/pod/storage/
//! eviction.go`) and of `kubectl drain` (`k8s.io/kubectl/pkg/drain`):
//! - a drain evicts every pod on the node except DaemonSet and mirror pods; a pod without a
//!   controller needs `--force` and is deleted for good; a pod with emptyDir volumes needs
//!   `--delete-emptydir-data` and its data is lost;
//! - an eviction ignores budgets for Pending, Succeeded, Failed and terminating pods, is
//!   refused (500) for a pod selected by more than one PodDisruptionBudget, and otherwise
//!   consumes one of the budget's `disruptionsAllowed` (429 when none is left); a pod that is
//!   not Ready goes without consuming one under `unhealthyPodEvictionPolicy: AlwaysAllow`, or
//!   under the default policy while `currentHealthy >= desiredHealthy > 0`;
//! - an evicted pod with a controller comes back Ready on another node if one is Ready,
//!   schedulable for it (cordon, taints/tolerations), allowed by its nodeSelector and required
//!   node affinity, and by the node affinity of its PersistentVolumes; otherwise it stays
//!   down. CPU and memory are not simulated.

pub mod plan;
pub mod select;
pub mod server;
pub mod simulate;

mod commands;
mod findings;
mod problems;
mod step;
mod world;

pub use plan::plan;
pub use simulate::simulate;

use crate::finding::{Finding, Remedy};
use crate::snapshot::Skipped;
use serde::Serialize;
use std::fmt;

/// What draining a node means, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing is refused and nothing breaks.
    Safe,
    /// The drain completes but breaks something: quorum, a pod that cannot run elsewhere,
    /// data deleted with its pod.
    Unsafe,
    /// An eviction would be refused: the drain waits, retrying, until its timeout.
    Blocked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Safe => "safe",
            Verdict::Unsafe => "unsafe",
            Verdict::Blocked => "blocked",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to one pod the drain evicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Evicted; its controller re-creates it and another node can run it.
    EvictedReschedulable,
    /// Evicted; re-created, but no other node can run it: it stays Pending.
    EvictedStaysDown,
    /// No controller: deleted (`--force`) and nothing re-creates it.
    DeletedForGood,
    /// Already Succeeded or Failed: deleted, nothing was running.
    EvictedFinished,
    /// The eviction is refused by a PodDisruptionBudget; `kubectl drain` retries it every
    /// 5 seconds until `--timeout`.
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::EvictedReschedulable => "evicted-reschedulable",
            Outcome::EvictedStaysDown => "evicted-stays-down",
            Outcome::DeletedForGood => "deleted-for-good",
            Outcome::EvictedFinished => "evicted-finished",
            Outcome::Refused => "refused",
        }
    }
}

/// The API server's answer to one dry-run eviction (`--server-dry-run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerAnswer {
    /// 201: the eviction would be allowed.
    pub allowed: bool,
    /// The HTTP status (0 when no answer came: timeout, connection error).
    pub code: u16,
    /// For a refusal, the cause (`details.causes[0].message`), else the Status message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl ServerAnswer {
    /// A refusal by the eviction API itself (a budget: 429, or several budgets: 500), as
    /// opposed to a request that failed for another reason (403, 404, timeout).
    pub fn refused(&self) -> bool {
        !self.allowed
            && (self.code == 429
                || (self.code == 500
                    && self
                        .message
                        .as_deref()
                        .is_some_and(|m| m.contains("more than one PodDisruptionBudget"))))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodReport {
    pub namespace: String,
    pub name: String,
    /// The StatefulSet that controls the pod, if one does.
    pub statefulset: Option<String>,
    pub outcome: Outcome,
    /// `Kind/name` of the pod's controller, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// Ready before this step (a pod re-created by an earlier step counts as Ready).
    pub ready: bool,
    /// The PodDisruptionBudget(s) that select it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pdbs: Vec<String>,
    /// emptyDir volumes whose data is deleted with the pod.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emptydir: Vec<String>,
    /// Set when the pod was evicted from this node by an earlier step and no node outside
    /// the drained ones can run it, so it is assumed to have landed here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_dry_run: Option<ServerAnswer>,
}

/// A pod `kubectl drain` leaves alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotEvicted {
    pub namespace: String,
    pub name: String,
    /// `daemonset` (skipped with `--ignore-daemonsets`) or `mirror` (a static pod).
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeReport {
    pub node: String,
    pub verdict: Verdict,
    /// Which step of the sequence drains this node (1-based).
    pub step: usize,
    /// Other nodes drained in the same step (`--plan` groups).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drained_with: Vec<String>,
    /// With `--server-dry-run`: the verdict of the simulation alone, before the server's
    /// answers were taken into account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulated_verdict: Option<Verdict>,
    pub pods: Vec<PodReport>,
    pub not_evicted: Vec<NotEvicted>,
    pub findings: Vec<Finding>,
    pub commands: Vec<Remedy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanStep {
    pub step: usize,
    pub nodes: Vec<String>,
    pub commands: Vec<Remedy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// `exhaustive` (every order and grouping of up to 8 nodes) or `greedy`.
    pub search: &'static str,
    /// An order was found in which no step is blocked or unsafe because of the order.
    pub found: bool,
    /// The runbook: every step when `found`, else the steps that can go safely.
    pub steps: Vec<PlanStep>,
    /// Nodes that are blocked or unsafe whatever the order (their own pods: no
    /// controller, emptyDir data, a volume on the node, a budget the node alone exceeds).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unavoidable: Vec<String>,
    /// With `found: false`, the nodes no step could take.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stuck: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub nodes: Vec<NodeReport>,
    pub skipped: Vec<Skipped>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// What the judgement assumes, in plain words.
    pub assumptions: Vec<String>,
}

impl DrainReport {
    pub fn worst(&self) -> Verdict {
        self.nodes
            .iter()
            .map(|n| n.verdict)
            .max()
            .unwrap_or(Verdict::Safe)
    }
}

/// What a report of `nodes` nodes assumes.
fn assumptions(nodes: usize) -> Vec<String> {
    let mut v = Vec::new();
    if nodes > 1 {
        v.push("Nodes are judged as drained one after another and staying cordoned until the last one is drained; uncordoning a node after its maintenance only adds room.".into());
    }
    v.push("An evicted pod with a controller is assumed to come back Ready on another node when one fits it (Ready, schedulable, nodeSelector, required node affinity, taints, volume node affinity); CPU and memory are not simulated.".into());
    v.push("Budgets start from each PodDisruptionBudget's status (disruptionsAllowed, currentHealthy, desiredHealthy) and follow the eviction API: a Ready pod consumes one disruption; a pod that is not Ready does not under unhealthyPodEvictionPolicy AlwaysAllow, or under the default policy while currentHealthy >= desiredHealthy > 0.".into());
    if nodes > 1 {
        v.push("The next node is judged once the StatefulSets of the previous one are Ready again (the runbook waits for it). A pod evicted earlier whose only possible nodes are drained later is assumed to be on the first of them, and evicted again there.".into());
    }
    v
}
