//! From one step's evictions to what a person reads: per node the pods and their fate, the
//! problems as findings with evidence, the verdict, and the commands that drain the node.
//!
//! The ids are drain-check findings, not runbooks of the catalog (see `docs/drain-check.md`).

pub(crate) use super::commands::node_commands;
pub(crate) use super::problems::{Issue, Problem, Stranded, order_dependent, problems, verdict};
use super::step::{Eviction, StepResult};
use super::world::{Handling, World};
use super::{NodeReport, NotEvicted, PodReport, Verdict};
use crate::finding::{Category, Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::snapshot::Source;

mod budgets;
mod volumes;

use budgets::refused_finding;
use volumes::stranded_finding;

pub(crate) const PDB_BLOCKED: &str = "drain-pdb-blocked";
pub(crate) const QUORUM_LOSS: &str = "drain-quorum-loss";
pub(crate) const VOLUME_PINNED: &str = "drain-volume-pinned";
pub(crate) const ZONE_CAPACITY: &str = "drain-zone-capacity";
pub(crate) const NO_NODE: &str = "drain-no-node";
pub(crate) const BARE_POD: &str = "drain-bare-pod";
pub(crate) const EMPTYDIR_DATA: &str = "drain-emptydir-data";
pub(crate) const COLOCATED: &str = "drain-colocated-replicas";
pub(crate) const NODE_NOT_READY: &str = "drain-node-not-ready";
pub(crate) const NOT_CHECKED: &str = "drain-not-checked";
pub(crate) const SERVER_REFUSED: &str = "drain-server-refused";
pub(crate) const SERVER_DISAGREES: &str = "drain-server-disagrees";
pub(crate) const SERVER_FAILED: &str = "drain-server-dry-run-failed";
/// The reports of one step's nodes, with findings and commands.
pub(crate) fn reports(w: &World, r: &StepResult, step: usize) -> Vec<(NodeReport, bool)> {
    let probs = problems(w, r);
    let mut out = Vec::new();
    for &n in &r.group {
        let node_name = w.node_name(n);
        let mut pods: Vec<PodReport> = r
            .evictions
            .iter()
            .filter(|e| e.node == n)
            .map(|e| pod_report(w, e))
            .collect();
        pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let not_evicted = w.on_node[n]
            .iter()
            .filter_map(|&p| {
                let f = &w.pods[p];
                let reason = match f.handling {
                    Handling::Evict => return None,
                    Handling::DaemonSet => "daemonset",
                    Handling::Mirror => "mirror",
                };
                Some(NotEvicted {
                    namespace: f.ns.to_string(),
                    name: f.name.to_string(),
                    reason,
                })
            })
            .collect();
        let mine: Vec<&Problem> = probs.iter().filter(|p| p.node == n).collect();
        let mut findings: Vec<Finding> = mine.iter().map(|p| finding(w, r, p)).collect();
        let mut verdict = verdict(&probs, n);
        if let Some(f) = not_checked(w, node_name) {
            findings.push(f);
            // "safe" is a promise about budgets, quorum and volumes; without the data for
            // one of them it cannot be made, and a script reading the verdict (or the exit
            // code) must not drain on it.
            if verdict == Verdict::Safe {
                verdict = Verdict::Unsafe;
            }
        }
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let order_dep = order_dependent(
            &probs
                .iter()
                .filter(|p| p.node == n)
                .cloned()
                .collect::<Vec<_>>(),
        );
        let drained_with = r
            .group
            .iter()
            .filter(|&&o| o != n)
            .map(|&o| w.node_name(o).to_string())
            .collect();
        out.push((
            NodeReport {
                node: node_name.to_string(),
                verdict,
                step,
                drained_with,
                simulated_verdict: None,
                commands: node_commands(w, r, &[n], verdict),
                pods,
                not_evicted,
                findings,
            },
            order_dep,
        ));
    }
    out
}

fn pod_report(w: &World, e: &Eviction) -> PodReport {
    let f = &w.pods[e.pod];
    PodReport {
        namespace: f.ns.to_string(),
        name: f.name.to_string(),
        statefulset: f.sts.map(str::to_string),
        outcome: e.outcome,
        controller: f.controller.clone(),
        ready: e.was_ready,
        pdbs: f
            .budgets
            .iter()
            .map(|b| w.budgets[*b].name.to_string())
            .collect(),
        emptydir: if e.moved_from.is_none() {
            f.emptydir.iter().map(|v| v.to_string()).collect()
        } else {
            Vec::new()
        },
        moved_from: e.moved_from.map(|m| w.node_name(m).to_string()),
        server_dry_run: None,
    }
}

fn new_finding(
    id: &str,
    severity: Severity,
    object: ObjectRef,
    sts: Option<&str>,
    summary: String,
) -> Finding {
    Finding {
        runbook: id.to_string(),
        severity,
        category: Category::Risk,
        object,
        statefulset: sts.map(str::to_string),
        summary,
        evidence: Vec::new(),
        commands: Vec::new(),
    }
}

fn names(w: &World, pods: &[usize]) -> String {
    pods.iter()
        .map(|p| w.pods[*p].name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Draining the step takes a set below its quorum.
fn quorum_finding(
    w: &World,
    r: &StepResult,
    p: &Problem,
    set: usize,
    evicted: &[usize],
) -> Finding {
    let node = w.node_name(p.node);
    let k = w.kubectl;
    let s = &w.sets[set];
    let q = k8s::quorum(s.replicas);
    let after = r.before.ready[set] - evicted.len() as i32;
    let mut f = new_finding(
        QUORUM_LOSS,
        p.severity,
        ObjectRef::namespaced("StatefulSet", s.ns, s.name),
        Some(s.name),
        format!(
            "draining {node} leaves {} with {after} of {} replicas Ready, below quorum ({q})",
            s.name, s.replicas
        ),
    );
    f.evidence.push(format!(
        "quorum of {} replicas is floor({}/2)+1 = {q}; Ready before this step: {}",
        s.replicas, s.replicas, r.before.ready[set]
    ));
    f.evidence
        .push(format!("evicted while Ready: {}", names(w, evicted)));
    for m in &s.members {
        if !r.before.healthy(w, *m) && !evicted.contains(m) {
            f.evidence.push(format!(
                "not Ready already: {} ({})",
                w.pods[*m].name,
                k8s::pod::main_problem(w.pods[*m].pod, Some(w.nodes[w.pods[*m].node]), w.now)
            ));
        }
    }
    for (name, why) in &s.not_ready_elsewhere {
        f.evidence
            .push(format!("not Ready already: {name} ({why})"));
    }
    if s.members.iter().all(|m| w.pods[*m].budgets.is_empty()) {
        f.evidence.push(format!(
            "no PodDisruptionBudget selects {}'s pods, so nothing stops the drain",
            s.name
        ));
    }
    if p.inherent {
        f.evidence.push(format!(
            "{} of its pods run on {node}: more than the {} that may be down, whatever the order",
            s.members
                .iter()
                .filter(|m| w.pods[**m].node == p.node)
                .count(),
            s.replicas - q
        ));
    }
    f.commands.push(Remedy::run(
        format!("See where {}'s replicas run and which are Ready", s.name),
        k.argv(
            Some(s.ns),
            &["get", "pods", "-l", &selector_of(s.sts), "-o", "wide"],
        ),
    ));
    f
}

fn finding(w: &World, r: &StepResult, p: &Problem) -> Finding {
    let node = w.node_name(p.node);
    let k = w.kubectl;
    match &p.issue {
        Issue::Refused { refusal, pods } => refused_finding(w, r, p.node, refusal, pods),
        Issue::QuorumLoss { set, evicted } => quorum_finding(w, r, p, *set, evicted),
        Issue::Stranded { pod, why } => stranded_finding(w, r, p, *pod, why),
        Issue::Bare { pod } => {
            let f0 = &w.pods[*pod];
            let mut f = new_finding(
                BARE_POD,
                p.severity,
                ObjectRef::namespaced("Pod", f0.ns, f0.name),
                None,
                format!(
                    "{} has no controller: the drain needs --force and deletes it for good, nothing re-creates it",
                    f0.name
                ),
            );
            f.evidence
                .push("no ownerReference with controller: true".to_string());
            f.commands.push(Remedy::run(
                "Keep its manifest before the drain (redirect it to a file): to run it again, re-create it from that, without status, nodeName and resourceVersion",
                k.argv(Some(f0.ns), &["get", "pod", f0.name, "-o", "yaml"]),
            ));
            f
        }
        Issue::EmptyDir { pods } => {
            let mut f = new_finding(
                EMPTYDIR_DATA,
                p.severity,
                ObjectRef::cluster("Node", node),
                None,
                format!(
                    "the drain deletes the emptyDir data of {} pod(s) on {node} (it needs --delete-emptydir-data)",
                    pods.len()
                ),
            );
            for pid in pods {
                let f0 = &w.pods[*pid];
                f.evidence.push(format!(
                    "{}/{}: emptyDir {}",
                    f0.ns,
                    f0.name,
                    f0.emptydir.join(", ")
                ));
            }
            f.evidence.push(
                "an emptyDir lives and dies with its pod: caches and scratch space are rebuilt, anything else is lost".to_string(),
            );
            f
        }
        Issue::Colocated { set, pods } => {
            let s = &w.sets[*set];
            let mut f = new_finding(
                COLOCATED,
                p.severity,
                ObjectRef::namespaced("StatefulSet", s.ns, s.name),
                Some(s.name),
                format!(
                    "{} of {} {} replicas run on {node} and leave together: {}",
                    pods.len(),
                    s.replicas,
                    s.name,
                    names(w, pods)
                ),
            );
            f.evidence.push(
                "one node holding several replicas turns one drain (or one node failure) into several lost members".to_string(),
            );
            f.commands.push(Remedy::run(
                format!("See where {}'s replicas run", s.name),
                k.argv(
                    Some(s.ns),
                    &["get", "pods", "-l", &selector_of(s.sts), "-o", "wide"],
                ),
            ));
            f
        }
        Issue::NodeNotReady => {
            let mut f = new_finding(
                NODE_NOT_READY,
                p.severity,
                ObjectRef::cluster("Node", node),
                None,
                format!(
                    "{node} is not Ready: its pods cannot confirm that they stopped, and kubectl drain waits for them until --timeout"
                ),
            );
            f.evidence.push(format!(
                "condition Ready={}",
                k8s::node::ready_status(w.nodes[p.node])
            ));
            f.commands.push(Remedy::run(
                format!("See why {node} is not Ready"),
                k.argv(None, &["describe", "node", node]),
            ));
            f
        }
    }
}

/// `app=zk` from the StatefulSet's selector.
pub(super) fn selector_of(sts: &crate::model::StatefulSet) -> String {
    sts.spec
        .as_ref()
        .map(|s| k8s::labels::to_kubectl(&s.selector))
        .unwrap_or_default()
}

/// A critical finding on every node when a source the verdict depends on could not be
/// read: such a node is never judged safe (see `reports`).
fn not_checked(w: &World, node: &str) -> Option<Finding> {
    let missing: Vec<&str> = [
        (
            Source::PodDisruptionBudgets,
            "budgets (no eviction counted as refused)",
        ),
        (Source::StatefulSets, "quorum"),
        (Source::PersistentVolumeClaims, "volume topology"),
        (Source::PersistentVolumes, "volume topology"),
    ]
    .into_iter()
    .filter(|(s, _)| w.snap.is_skipped(*s).is_some())
    .map(|(_, what)| what)
    .collect();
    if missing.is_empty() {
        return None;
    }
    let mut missing = missing;
    missing.dedup();
    let mut f = new_finding(
        NOT_CHECKED,
        Severity::Critical,
        ObjectRef::cluster("Node", node),
        None,
        format!(
            "cannot be judged safe, because a source could not be read: {}",
            missing.join(", ")
        ),
    );
    for s in &w.snap.skipped {
        f.evidence
            .push(format!("skipped: {} ({})", s.source, s.reason));
    }
    Some(f)
}
