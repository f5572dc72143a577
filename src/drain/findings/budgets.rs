//! The findings about PodDisruptionBudgets: evictions a budget refuses, and what holds
//! the budget down.

use super::{PDB_BLOCKED, names, new_finding};
use crate::drain::step::{Refusal, State, StepResult};
use crate::drain::world::World;
use crate::finding::{Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

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
                && r.before.place[p] == crate::drain::step::Place::Home
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
            w.pods[p].budgets.contains(&budget)
                && r.before.place[p] == crate::drain::step::Place::Down
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
                && r.before.place[p] != crate::drain::step::Place::Down
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

pub(super) fn refused_finding(
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
