//! From one step's evictions to what a person reads: per node the pods and their fate, the
//! problems as findings with evidence, the verdict, and the commands that drain the node.
//!
//! The ids are drain-check findings, not runbooks of the catalog (see `docs/drain-check.md`).

pub(crate) use super::commands::node_commands;
pub(crate) use super::problems::{Issue, Problem, Stranded, order_dependent, problems, verdict};
use super::step::{Eviction, Refusal, State, StepResult};
use super::world::{Handling, PodFact, World};
use super::{NodeReport, NotEvicted, PodReport, Verdict};
use crate::finding::{Category, Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::snapshot::Source;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

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

fn amount(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// `maxUnavailable 1`, `minAvailable 50%`.
fn rule(pdb: &k8s_openapi::api::policy::v1::PodDisruptionBudget) -> String {
    let spec = pdb.spec.as_ref();
    match (
        spec.and_then(|s| s.max_unavailable.as_ref()),
        spec.and_then(|s| s.min_available.as_ref()),
    ) {
        (Some(m), _) => format!("maxUnavailable {}", amount(m)),
        (None, Some(m)) => format!("minAvailable {}", amount(m)),
        (None, None) => {
            "neither minAvailable nor maxUnavailable, so the controller allows no eviction"
                .to_string()
        }
    }
}

fn budget_line(w: &World, b: usize, state: &State) -> String {
    let f = &w.budgets[b];
    let source = if f.from_status {
        "its status"
    } else {
        "computed from its spec and the pods' readiness (the snapshot has no status for it)"
    };
    let mut line = format!(
        "PodDisruptionBudget {} ({}): {} healthy, {} needed, {} disruption(s) allowed, from {source}",
        f.name,
        rule(f.pdb),
        f.current,
        f.desired,
        f.allowed
    );
    if state.current[b] != f.current || state.allowed[b] != f.allowed {
        line.push_str(&format!(
            "; after the earlier steps: {} healthy, {} allowed",
            state.current[b], state.allowed[b]
        ));
    }
    line
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

/// Evictions refused because one budget has no disruption left (used up by pods evicted
/// earlier in the step, or already at zero).
fn budget_used_up(
    w: &World,
    r: &StepResult,
    n: usize,
    pods: &[usize],
    budget: usize,
    current: i32,
    before: &[usize],
) -> Finding {
    let node = w.node_name(n);
    let k = w.kubectl;
    let first = &w.pods[pods[0]];
    let b = &w.budgets[budget];
    let summary = if before.is_empty() {
        format!(
            "PodDisruptionBudget {} allows no disruption now ({current} healthy, {} needed): the eviction of {} is refused",
            b.name,
            b.desired,
            names(w, pods)
        )
    } else {
        format!(
            "PodDisruptionBudget {} allows {} disruption(s) and draining {node} evicts {} of its pods: the eviction of {} is refused",
            b.name,
            r.before.allowed[budget],
            before.len() + pods.len(),
            names(w, pods)
        )
    };
    let mut f = new_finding(
        PDB_BLOCKED,
        Severity::Critical,
        ObjectRef::namespaced("PodDisruptionBudget", b.ns, b.name),
        first.sts,
        summary,
    );
    f.evidence.push(budget_line(w, budget, &r.before));
    if !before.is_empty() {
        f.evidence.push(format!(
            "evicted first in this step: {} (the drain evicts all pods of the node at once; which one is refused is a race)",
            names(w, before)
        ));
        f.evidence.push(format!(
            "kubectl drain retries a refused eviction every 5 s until --timeout: {} goes once {} is Ready again elsewhere, if it can be scheduled",
            names(w, pods),
            names(w, before)
        ));
    } else {
        f.evidence.push(
            "kubectl drain retries a refused eviction every 5 s until --timeout; it only succeeds once the budget has room again".to_string(),
        );
    }
    f.evidence.extend(holding_down(w, r, budget, first.set));
    if b.allows_none {
        // Waiting never helps: the controller reports 0 allowed until it has a number.
        f.evidence.push(format!(
            "{} sets neither minAvailable nor maxUnavailable: the disruption controller counts 0 expected pods and allows no eviction however many are healthy, so this drain can never finish (pdb-blocks-drain)",
            b.name
        ));
        f.commands.push(Remedy::run(
            "Give the budget a number, maxUnavailable 1: evictions then go one pod at a time",
            k.argv(
                Some(b.ns),
                &[
                    "patch",
                    "pdb",
                    b.name,
                    "--type=merge",
                    "-p",
                    &k8s::pdb::max_unavailable_patch(1),
                ],
            ),
        ));
    }
    f.commands.push(Remedy::run(
        "Watch the budget: the drain goes on while ALLOWED DISRUPTIONS is above 0",
        k.argv(Some(b.ns), &["get", "pdb", b.name]),
    ));
    for p in (0..w.pods.len())
        .filter(|&p| {
            w.pods[p].budgets.contains(&budget)
                && !r.before.healthy(w, p)
                && r.before.place[p] == super::step::Place::Home
        })
        .take(3)
    {
        let f0 = &w.pods[p];
        f.commands.push(Remedy::run(
            format!(
                "Find out why {} is not Ready: the budget has no room while it is not",
                f0.name
            ),
            k.argv(Some(f0.ns), &["describe", "pod", f0.name]),
        ));
    }
    f
}

/// What holds budget `budget` down before the step: members left down by earlier steps,
/// members not Ready, and (for `set`) what losing them all at once would do to quorum.
fn holding_down(w: &World, r: &StepResult, budget: usize, set: Option<usize>) -> Vec<String> {
    let mut out = Vec::new();
    let down: Vec<usize> = (0..w.pods.len())
        .filter(|&p| {
            w.pods[p].budgets.contains(&budget) && r.before.place[p] == super::step::Place::Down
        })
        .collect();
    if !down.is_empty() {
        out.push(format!(
            "left down by earlier steps, still counted against it: {}",
            names(w, &down)
        ));
    }
    let mut sick: Vec<String> = (0..w.pods.len())
        .filter(|&p| {
            w.pods[p].budgets.contains(&budget)
                && !r.before.healthy(w, p)
                && r.before.place[p] != super::step::Place::Down
        })
        .map(|p| {
            let f0 = &w.pods[p];
            format!(
                "{} ({})",
                f0.name,
                k8s::pod::main_problem(f0.pod, Some(w.nodes[f0.node]), w.now)
            )
        })
        .collect();
    if let Some(set) = set {
        for (name, why) in &w.sets[set].not_ready_elsewhere {
            sick.push(format!("{name} ({why})"));
        }
    }
    for s in &sick {
        out.push(format!("not Ready, holding the budget down: {s}"));
    }
    if let Some(set) = set {
        let s = &w.sets[set];
        let all_gone = r
            .evictions
            .iter()
            .filter(|e| e.was_ready && w.pods[e.pod].set == Some(set))
            .count() as i32;
        let q = k8s::quorum(s.replicas);
        if s.replicas > 0 && r.before.ready[set] - all_gone < q {
            out.push(format!(
                "if they all went at once (pods deleted by hand, which no budget stops), {} would have {} of {} replicas Ready, below quorum ({q})",
                s.name,
                r.before.ready[set] - all_gone,
                s.replicas
            ));
        }
    }
    out
}

fn refused_finding(
    w: &World,
    r: &StepResult,
    n: usize,
    refusal: &Refusal,
    pods: &[usize],
) -> Finding {
    let node = w.node_name(n);
    let k = w.kubectl;
    let first = &w.pods[pods[0]];
    match refusal {
        Refusal::NoDisruptions {
            budget,
            allowed: _,
            current,
            before,
        } => budget_used_up(w, r, n, pods, *budget, *current, before),
        Refusal::SeveralBudgets(bs) => {
            let list: Vec<&str> = bs.iter().map(|b| w.budgets[*b].name).collect();
            let mut f = new_finding(
                PDB_BLOCKED,
                Severity::Critical,
                ObjectRef::namespaced("Pod", first.ns, first.name),
                first.sts,
                format!(
                    "{} is selected by {} PodDisruptionBudgets ({}): the eviction API refuses it (500) whatever they allow, so the drain of {node} cannot finish",
                    names(w, pods),
                    list.len(),
                    list.join(", ")
                ),
            );
            f.evidence.push(
                "eviction API: \"This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.\"".to_string(),
            );
            for b in bs {
                f.evidence.push(budget_line(w, *b, &r.before));
            }
            let mut args = vec!["get", "pdb"];
            args.extend(list.iter().copied());
            f.commands.push(Remedy::run(
                "See the overlapping budgets: keep exactly one per pod (kubectl sts runbooks pdb-overlapping)",
                k.argv(Some(first.ns), &args),
            ));
            f
        }
        Refusal::GenerationLag(b) => {
            let bf = &w.budgets[*b];
            let mut f = new_finding(
                PDB_BLOCKED,
                Severity::Critical,
                ObjectRef::namespaced("PodDisruptionBudget", bf.ns, bf.name),
                first.sts,
                format!(
                    "PodDisruptionBudget {} changed and the disruption controller has not caught up: the eviction of {} is refused until it does",
                    bf.name,
                    names(w, pods)
                ),
            );
            f.evidence.push(format!(
                "status.observedGeneration {} < metadata.generation {}: the eviction API answers \"The disruption budget {} is still being processed by the server.\"",
                bf.pdb
                    .status
                    .as_ref()
                    .and_then(|s| s.observed_generation)
                    .unwrap_or(0),
                bf.pdb.metadata.generation.unwrap_or(0),
                bf.name
            ));
            f.commands.push(Remedy::run(
                "Check again in a few seconds; if observedGeneration stays behind, kube-controller-manager is not running the disruption controller",
                k.argv(Some(bf.ns), &["get", "pdb", bf.name, "-o", "yaml"]),
            ));
            f
        }
    }
}

/// The name of the PersistentVolume behind the pod's volume `v` ("" when unbound).
fn pv_name(f0: &PodFact, v: usize) -> String {
    f0.volumes[v]
        .pv
        .map(|pv| k8s::name(&pv.metadata).to_string())
        .unwrap_or_default()
}

/// The pod's volume is pinned to this node: it cannot run anywhere else.
fn pinned_finding(w: &World, p: &Problem, pod: usize, volume: usize) -> Finding {
    let node = w.node_name(p.node);
    let k = w.kubectl;
    let f0 = &w.pods[pod];
    let obj = ObjectRef::namespaced("Pod", f0.ns, f0.name);
    let pv = pv_name(f0, volume);
    let claim = f0.volumes[volume].claim;
    let mut f = new_finding(
        VOLUME_PINNED,
        p.severity,
        obj,
        f0.sts,
        format!(
            "{} cannot run anywhere but {node}: its volume {pv} (claim {claim}) is pinned there, so it stays Pending until {node} is back and uncordoned",
            f0.name
        ),
    );
    if let Some(sel) = f0.volumes[volume]
        .pv
        .and_then(|pv| pv.spec.as_ref()?.node_affinity.as_ref()?.required.as_ref())
    {
        f.evidence.push(format!(
            "PersistentVolume {pv} node affinity: {} (only {node} matches)",
            k8s::node::describe_selector(sel)
        ));
    }
    if f0.volumes[volume]
        .pv
        .and_then(|pv| pv.spec.as_ref())
        .is_some_and(|s| s.local.is_some() || s.host_path.is_some())
    {
        f.evidence.push(format!(
            "a local volume: the data is on {node}'s disk and nowhere else"
        ));
    }
    f.commands.push(Remedy::run(
        "The volume and its node affinity",
        k.argv(None, &["get", "pv", &pv, "-o", "wide"]),
    ));
    let app = f0.sts.unwrap_or("the application");
    // Two ways out, each offered once: keep the disk (the safe default) or give
    // this copy up. The second is destructive and only right for replicated data.
    f.commands.push(Remedy::run(
        format!(
            "Option A (keep this copy): {} is down from the drain until {node} is back; once the maintenance is over, let pods schedule on {node} again",
            f0.name
        ),
        k.argv(None, &["uncordon", node]),
    ));
    f.commands.push(
        Remedy::run(
            format!(
                "Option B, only if {app} replicates this data and this copy may be lost: delete the claim (it goes once the pod is gone), so the StatefulSet gives the replica a new volume where it lands after the drain evicts it; then resync it with {app}'s own repair"
            ),
            k.argv(Some(f0.ns), &["delete", "pvc", claim, "--wait=false"]),
        )
        .destructive(),
    );
    f.commands.push(
        Remedy::run(
            format!(
                "Option B, then: if {} stays Pending on the old claim (it still existed when the pod was re-created), delete the pod once more; no budget protects a deleted pod",
                f0.name
            ),
            k.argv(Some(f0.ns), &["delete", "pod", f0.name]),
        )
        .destructive(),
    );
    f
}

fn stranded_finding(w: &World, r: &StepResult, p: &Problem, pod: usize, why: &Stranded) -> Finding {
    let node = w.node_name(p.node);
    let k = w.kubectl;
    let f0 = &w.pods[pod];
    let obj = ObjectRef::namespaced("Pod", f0.ns, f0.name);
    match why {
        Stranded::Pinned { volume } => pinned_finding(w, p, pod, *volume),
        Stranded::Zone { volume, zones } => {
            let pv = pv_name(f0, *volume);
            let zone_text = zones.join(", ");
            let mut f = new_finding(
                ZONE_CAPACITY,
                p.severity,
                obj,
                f0.sts,
                format!(
                    "{} needs a node in zone {zone_text} for its volume {pv}, and no other Ready, schedulable node there can take it: it stays Pending",
                    f0.name
                ),
            );
            for z in zones {
                let nodes = w
                    .idx
                    .nodes_in_zone
                    .get(z.as_str())
                    .cloned()
                    .unwrap_or_default();
                if nodes.is_empty() {
                    f.evidence.push(format!("zone {z} has no node"));
                }
                let mut nodes = nodes;
                nodes.sort_by_key(|n| k8s::name(&n.metadata));
                for n in nodes {
                    let name = k8s::name(&n.metadata);
                    let why = match w.plan_index(name) {
                        Some(i) if r.group.contains(&i) => "drained in this step".to_string(),
                        Some(i) if r.before.drained[i] => "drained earlier in this run".to_string(),
                        Some(_) => "drained later in this run".to_string(),
                        None => w
                            .why_not(f0, n)
                            .unwrap_or_else(|| "fits (unexpected)".to_string()),
                    };
                    f.evidence.push(format!("zone {z}: {name}: {why}"));
                }
            }
            for z in zones {
                f.commands.push(Remedy::run(
                    format!("Nodes in zone {z}: uncordon one or add one that can run {} before draining {node}", f0.name),
                    k.argv(None, &["get", "nodes", "-l", &format!("{}={z}", k8s::node::ZONE_LABEL)]),
                ));
            }
            f
        }
        Stranded::Placement => {
            let mut f = new_finding(
                NO_NODE,
                p.severity,
                obj,
                f0.sts,
                format!(
                    "no other node can run {} (readiness, cordons, taints, nodeSelector, node affinity, volume affinity): it stays Pending",
                    f0.name
                ),
            );
            let mut shown = 0;
            for n in &w.snap.nodes {
                let name = k8s::name(&n.metadata);
                if shown == 5 {
                    f.evidence.push("…".to_string());
                    break;
                }
                if let Some(i) = w.plan_index(name) {
                    if i == p.node {
                        continue;
                    }
                    if r.group.contains(&i) || r.before.drained[i] {
                        f.evidence.push(format!("{name}: drained in this run"));
                        shown += 1;
                        continue;
                    }
                }
                if let Some(why) = w.why_not(f0, n) {
                    f.evidence.push(format!("{name}: {why}"));
                    shown += 1;
                }
            }
            f.commands.push(Remedy::run(
                "Which nodes are Ready and schedulable, with their taints",
                k.argv(None, &["get", "nodes", "-o", "custom-columns=NAME:.metadata.name,UNSCHEDULABLE:.spec.unschedulable,TAINTS:.spec.taints[*].key"]),
            ));
            f
        }
    }
}

/// `app=zk` from the StatefulSet's selector.
pub(super) fn selector_of(sts: &k8s_openapi::api::apps::v1::StatefulSet) -> String {
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
