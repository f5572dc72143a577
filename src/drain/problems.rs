//! What goes wrong when a step's nodes are drained, per node, without formatting anything:
//! the plan search judges thousands of steps with these.

use super::Verdict;
use super::step::{Eviction, Landing, Refusal, StepResult};
use super::world::{PodFact, World};
use crate::finding::Severity;
use crate::k8s;

/// Why an evicted pod has nowhere to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stranded {
    /// A volume's node affinity selects this node only.
    Pinned { volume: usize },
    /// A volume is zonal and no other node of its zone(s) can take the pod.
    Zone { volume: usize, zones: Vec<String> },
    /// The pod's own placement rules, taints or cordons leave no node.
    Placement,
}

#[derive(Debug, Clone)]
pub(crate) enum Issue {
    /// Evictions refused for one reason (one budget, or one pod with several budgets).
    Refused {
        refusal: Refusal,
        pods: Vec<usize>,
    },
    QuorumLoss {
        set: usize,
        evicted: Vec<usize>,
    },
    Stranded {
        pod: usize,
        why: Stranded,
    },
    Bare {
        pod: usize,
    },
    EmptyDir {
        pods: Vec<usize>,
    },
    Colocated {
        set: usize,
        pods: Vec<usize>,
    },
    NodeNotReady,
}

#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub node: usize,
    pub issue: Issue,
    pub severity: Severity,
    /// No order of the nodes changes it: it comes from the node's own pods.
    pub inherent: bool,
}

impl Problem {
    fn blocks(&self) -> bool {
        matches!(self.issue, Issue::Refused { .. })
    }
}

/// The problems of one step, per node of its group, without formatting anything (the plan
/// search judges thousands of steps).
pub(crate) fn problems(w: &World, r: &StepResult) -> Vec<Problem> {
    let mut out = Vec::new();
    for &n in &r.group {
        let mine: Vec<&Eviction> = r.evictions.iter().filter(|e| e.node == n).collect();
        refused(w, n, &mine, &mut out);
        for e in &mine {
            let fact = &w.pods[e.pod];
            if e.landing == Landing::Nowhere && e.refusal.is_none() {
                let why = stranded_why(w, fact, n);
                let inherent = matches!(why, Stranded::Pinned { .. });
                out.push(Problem {
                    node: n,
                    issue: Issue::Stranded { pod: e.pod, why },
                    severity: if fact.sts.is_some() {
                        Severity::Critical
                    } else {
                        Severity::Warning
                    },
                    inherent,
                });
            }
            if fact.bare() && !fact.finished && e.moved_from.is_none() {
                out.push(Problem {
                    node: n,
                    issue: Issue::Bare { pod: e.pod },
                    severity: Severity::Critical,
                    inherent: true,
                });
            }
        }
        let data: Vec<usize> = mine
            .iter()
            .filter(|e| e.moved_from.is_none())
            .map(|e| e.pod)
            .filter(|p| !w.pods[*p].emptydir.is_empty() && !w.pods[*p].finished)
            .collect();
        if !data.is_empty() {
            out.push(Problem {
                node: n,
                issue: Issue::EmptyDir { pods: data },
                severity: Severity::Critical,
                inherent: true,
            });
        }
        for (set, pods) in by_set(w, mine.iter().map(|e| e.pod)) {
            if pods.len() >= 2 {
                out.push(Problem {
                    node: n,
                    issue: Issue::Colocated { set, pods },
                    severity: Severity::Warning,
                    inherent: true,
                });
            }
        }
        if !k8s::node::is_ready(w.nodes[n]) {
            out.push(Problem {
                node: n,
                issue: Issue::NodeNotReady,
                severity: Severity::Warning,
                inherent: true,
            });
        }
    }
    quorum(w, r, &mut out);
    out
}

/// The verdict of a node from its problems.
pub(crate) fn verdict(problems: &[Problem], node: usize) -> Verdict {
    let mine = problems.iter().filter(|p| p.node == node);
    let mut v = Verdict::Safe;
    for p in mine {
        if p.blocks() {
            return Verdict::Blocked;
        }
        if p.severity == Severity::Critical {
            v = Verdict::Unsafe;
        }
    }
    v
}

/// Blocked or unsafe because of the order or grouping (another order might avoid it).
pub(crate) fn order_dependent(problems: &[Problem]) -> bool {
    problems
        .iter()
        .any(|p| !p.inherent && (p.blocks() || p.severity == Severity::Critical))
}

fn refused(w: &World, n: usize, mine: &[&Eviction], out: &mut Vec<Problem>) {
    let mut groups: Vec<(Refusal, Vec<usize>)> = Vec::new();
    for e in mine {
        let Some(r) = &e.refusal else { continue };
        // One finding per budget (NoDisruptions, GenerationLag) or per pod (SeveralBudgets).
        let same = |other: &Refusal| match (r, other) {
            (
                Refusal::NoDisruptions { budget: a, .. },
                Refusal::NoDisruptions { budget: b, .. },
            ) => a == b,
            (Refusal::GenerationLag(a), Refusal::GenerationLag(b)) => a == b,
            _ => false,
        };
        match groups.iter_mut().find(|(g, _)| same(g)) {
            Some((_, pods)) => pods.push(e.pod),
            None => groups.push((r.clone(), vec![e.pod])),
        }
    }
    for (refusal, pods) in groups {
        let inherent = match &refusal {
            Refusal::NoDisruptions { budget, .. } => {
                let healthy_here = mine
                    .iter()
                    .filter(|e| {
                        e.moved_from.is_none()
                            && e.was_ready
                            && w.pods[e.pod].budgets.contains(budget)
                    })
                    .count() as i32;
                healthy_here > w.budgets[*budget].max_allowed
            }
            Refusal::SeveralBudgets(_) | Refusal::GenerationLag(_) => true,
        };
        out.push(Problem {
            node: n,
            issue: Issue::Refused { refusal, pods },
            severity: Severity::Critical,
            inherent,
        });
    }
}

/// StatefulSets that drop below quorum in this step: attached to each node that evicts one
/// of their Ready pods.
fn quorum(w: &World, r: &StepResult, out: &mut Vec<Problem>) {
    let gone: Vec<usize> = r
        .evictions
        .iter()
        .filter(|e| e.refusal.is_none() && e.was_ready)
        .map(|e| e.pod)
        .collect();
    for (set, evicted) in by_set(w, gone.iter().copied()) {
        let s = &w.sets[set];
        if s.replicas == 0 {
            continue;
        }
        let after = r.before.ready[set] - evicted.len() as i32;
        if after >= k8s::quorum(s.replicas) {
            continue;
        }
        let slack = s.replicas - k8s::quorum(s.replicas);
        for &n in &r.group {
            if !evicted
                .iter()
                .any(|p| r.evictions.iter().any(|e| e.pod == *p && e.node == n))
            {
                continue;
            }
            let home_here = s.members.iter().filter(|m| w.pods[**m].node == n).count() as i32;
            out.push(Problem {
                node: n,
                issue: Issue::QuorumLoss {
                    set,
                    evicted: evicted.clone(),
                },
                severity: Severity::Critical,
                inherent: home_here > slack,
            });
        }
    }
}

/// Pods grouped by their StatefulSet (of the world), in first-seen order.
fn by_set(w: &World, pods: impl Iterator<Item = usize>) -> Vec<(usize, Vec<usize>)> {
    let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
    for p in pods {
        let Some(set) = w.pods[p].set else { continue };
        match out.iter_mut().find(|(s, _)| *s == set) {
            Some((_, v)) => v.push(p),
            None => out.push((set, vec![p])),
        }
    }
    out
}

fn stranded_why(w: &World, fact: &PodFact, node: usize) -> Stranded {
    let here = w.nodes[node];
    for (i, v) in fact.volumes.iter().enumerate() {
        let Some(sel) =
            v.pv.and_then(|pv| pv.spec.as_ref()?.node_affinity.as_ref()?.required.as_ref())
        else {
            continue;
        };
        let matching = w.idx.nodes_matching(sel);
        let only_here =
            matching.len() == 1 && k8s::name(&matching[0].metadata) == k8s::name(&here.metadata);
        let zones = k8s::node::pinned_zones(sel);
        // A zone with one node is still a zone: another node there would do. A volume pinned
        // by host name, or a local one, has its data on this node only.
        let by_host = !k8s::node::pinned_hosts(sel).is_empty()
            || v.pv
                .and_then(|pv| pv.spec.as_ref())
                .is_some_and(|s| s.local.is_some() || s.host_path.is_some());
        if only_here && (by_host || zones.is_empty()) {
            return Stranded::Pinned { volume: i };
        }
        // Every node this run drains is cordoned by now; an evicted pod with nowhere to go
        // has no fitting node outside them.
        let elsewhere = matching
            .iter()
            .any(|m| w.plan_index(k8s::name(&m.metadata)).is_none() && w.fits(fact, m));
        if !zones.is_empty() && !elsewhere {
            return Stranded::Zone {
                volume: i,
                zones: zones.iter().map(|z| z.to_string()).collect(),
            };
        }
    }
    Stranded::Placement
}
