//! One step: some nodes drained at once, given what earlier steps did. The result says, per
//! pod, whether its eviction goes through and where it ends up, and the state the next step
//! starts from. Findings are written from it in `findings.rs`.

use super::Outcome;
use super::world::{Handling, World};

/// Where a pod on a node to drain is, between steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// On its own node, as in the snapshot.
    Home,
    /// Evicted and running Ready on another node.
    Moved,
    /// Evicted (or deleted) and running nowhere.
    Down,
    /// Its eviction was refused: still on its node, which is cordoned.
    Stuck,
}

#[derive(Debug, Clone)]
pub(crate) struct State {
    /// Per node to drain: drained by an earlier step.
    pub drained: Vec<bool>,
    /// Per pod of the world.
    pub place: Vec<Place>,
    /// Per budget: healthy pods now.
    pub current: Vec<i32>,
    /// Per budget: disruptions allowed now.
    pub allowed: Vec<i32>,
    /// Per StatefulSet: Ready pods now, on any node.
    pub ready: Vec<i32>,
}

impl State {
    pub fn initial(w: &World) -> Self {
        State {
            drained: vec![false; w.nodes.len()],
            place: vec![Place::Home; w.pods.len()],
            current: w.budgets.iter().map(|b| b.current).collect(),
            allowed: w.budgets.iter().map(|b| b.allowed).collect(),
            ready: w
                .sets
                .iter()
                .map(|s| {
                    s.ready_elsewhere
                        + s.members.iter().filter(|m| w.pods[**m].ready).count() as i32
                })
                .collect(),
        }
    }

    /// Ready now: a pod that moved is assumed Ready; one that is down is not.
    pub fn healthy(&self, w: &World, pod: usize) -> bool {
        match self.place[pod] {
            Place::Home | Place::Stuck => w.pods[pod].ready,
            Place::Moved => true,
            Place::Down => false,
        }
    }
}

/// Why the eviction API refuses a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The budget has no disruption left; `before` lists the pods evicted earlier in the same
    /// step that used it up.
    NoDisruptions {
        budget: usize,
        allowed: i32,
        current: i32,
        before: Vec<usize>,
    },
    /// Selected by several budgets: the eviction API answers 500 whatever they allow.
    SeveralBudgets(Vec<usize>),
    /// The disruption controller has not processed the budget's latest spec yet.
    GenerationLag(usize),
}

/// Where an evicted pod goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Landing {
    /// A node outside the ones drained in this run.
    Outside,
    /// Only nodes drained later in this run fit it (indexes of those nodes).
    Later(Vec<usize>),
    /// No node fits it.
    Nowhere,
    /// Not re-created: no controller, or it had finished.
    Gone,
}

#[derive(Debug, Clone)]
pub(crate) struct Eviction {
    pub pod: usize,
    /// The node (index) it is evicted from in this step.
    pub node: usize,
    /// Set when the pod came here after an earlier step evicted it from that node.
    pub moved_from: Option<usize>,
    /// Ready when the step starts.
    pub was_ready: bool,
    pub refusal: Option<Refusal>,
    pub landing: Landing,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub(crate) struct StepResult {
    pub group: Vec<usize>,
    pub evictions: Vec<Eviction>,
    /// The state before the step (for evidence) and after it.
    pub before: State,
    pub after: State,
}

/// Drains `group` (node indexes) at once from `state`.
pub(crate) fn run(w: &World, state: &State, group: &[usize]) -> StepResult {
    let in_group = |n: usize| group.contains(&n);
    // What leaves: the pods still on the group's nodes, then pods that earlier steps moved
    // and that can only be on nodes drained in this run, assumed to be on the first of them
    // drained now.
    let mut leaving: Vec<(usize, usize, Option<usize>)> = Vec::new();
    for &n in group {
        for &p in &w.on_node[n] {
            if w.pods[p].handling == Handling::Evict && state.place[p] == Place::Home {
                leaving.push((p, n, None));
            }
        }
    }
    for (p, fact) in w.pods.iter().enumerate() {
        if state.place[p] != Place::Moved || fact.fits_outside {
            continue;
        }
        let here = group
            .iter()
            .copied()
            .find(|&n| fact.fits_plan[n] && !state.drained[n]);
        if let Some(n) = here {
            leaving.push((p, n, Some(fact.node)));
        }
    }

    let mut after = state.clone();
    let mut used: Vec<Vec<usize>> = vec![Vec::new(); w.budgets.len()];
    let mut evictions = Vec::with_capacity(leaving.len());
    for (p, node, moved_from) in leaving {
        let fact = &w.pods[p];
        let was_ready = state.healthy(w, p);
        let refusal = admit(w, &mut after, &mut used, p, was_ready);
        // A refused pod stays where it is; `Gone` only means it goes nowhere else.
        let landing = if refusal.is_some() || fact.bare() || fact.finished {
            Landing::Gone
        } else if fact.fits_outside {
            Landing::Outside
        } else {
            let later: Vec<usize> = (0..w.nodes.len())
                .filter(|&n| fact.fits_plan[n] && !state.drained[n] && !in_group(n))
                .collect();
            if later.is_empty() {
                Landing::Nowhere
            } else {
                Landing::Later(later)
            }
        };
        let outcome = match (&refusal, &landing) {
            (Some(_), _) => Outcome::Refused,
            (None, Landing::Outside | Landing::Later(_)) => Outcome::EvictedReschedulable,
            (None, Landing::Nowhere) => Outcome::EvictedStaysDown,
            (None, Landing::Gone) if fact.finished => Outcome::EvictedFinished,
            (None, Landing::Gone) => Outcome::DeletedForGood,
        };
        evictions.push(Eviction {
            pod: p,
            node,
            moved_from,
            was_ready,
            refusal,
            landing,
            outcome,
        });
    }

    // The drain is over: evicted pods are down, then those that fit elsewhere come back
    // Ready (the runbook waits for that before the next step).
    for e in &evictions {
        if e.refusal.is_some() {
            after.place[e.pod] = Place::Stuck;
            continue;
        }
        // `admit` already took a Ready pod out of its budget's healthy count, as the
        // eviction API and then the disruption controller do.
        if e.was_ready
            && let Some(set) = w.pods[e.pod].set
        {
            after.ready[set] -= 1;
        }
        let back = matches!(e.landing, Landing::Outside | Landing::Later(_));
        after.place[e.pod] = if back { Place::Moved } else { Place::Down };
        if back {
            came_back(w, &mut after, e.pod);
        }
    }
    for &n in group {
        after.drained[n] = true;
    }
    StepResult {
        group: group.to_vec(),
        evictions,
        before: state.clone(),
        after,
    }
}

/// Counts a pod that is Ready again (on another node) in its budgets and its StatefulSet.
/// The budget's `allowed` follows `currentHealthy - desiredHealthy` but never exceeds what
/// it was plus one, so a status patched by hand is trusted as the starting point.
fn came_back(w: &World, s: &mut State, pod: usize) {
    let fact = &w.pods[pod];
    for &b in &fact.budgets {
        s.current[b] += 1;
        if w.budgets[b].allows_none {
            continue;
        }
        let by_count = s.current[b] - w.budgets[b].desired;
        s.allowed[b] = (s.allowed[b] + 1).min(by_count).max(0);
    }
    if let Some(set) = fact.set {
        s.ready[set] += 1;
    }
}

/// The eviction API's decision for one pod, updating the budget as it would.
fn admit(
    w: &World,
    s: &mut State,
    used: &mut [Vec<usize>],
    pod: usize,
    healthy: bool,
) -> Option<Refusal> {
    let fact = &w.pods[pod];
    if fact.ignores_budget {
        return None;
    }
    match fact.budgets.as_slice() {
        [] => None,
        [b] => {
            let b = *b;
            let budget = &w.budgets[b];
            if budget.generation_lag {
                return Some(Refusal::GenerationLag(b));
            }
            if !healthy
                && (budget.always_allow_unhealthy
                    || (s.current[b] >= budget.desired && budget.desired > 0))
            {
                return None;
            }
            if s.allowed[b] <= 0 {
                return Some(Refusal::NoDisruptions {
                    budget: b,
                    allowed: s.allowed[b],
                    current: s.current[b],
                    before: used[b].clone(),
                });
            }
            s.allowed[b] -= 1;
            if healthy {
                s.current[b] -= 1;
            }
            used[b].push(pod);
            None
        }
        several => Some(Refusal::SeveralBudgets(several.to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::Kubectl;
    use crate::testutil::*;
    use serde_json::json;

    /// zk with 3 replicas, zk-0 and zk-1 on node-a, zk-2 on node-b; a budget with status.
    fn colocated(allowed: i32, current: i32) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "zk", 3));
        for (i, node) in [(0, "node-a"), (1, "node-a"), (2, "node-b")] {
            let mut p = pod("shop", "zk", i, true);
            p.spec.as_mut().unwrap().node_name = Some(node.into());
            s.pods.push(p);
        }
        for n in ["node-a", "node-b", "node-c"] {
            s.nodes.push(node_in_zone(n, "z1"));
        }
        let mut b = pdb("shop", "zk", json!({"matchLabels": {"app": "zk"}}));
        b.status = Some(from_json(
            json!({"currentHealthy": current, "desiredHealthy": 2,
            "disruptionsAllowed": allowed, "expectedPods": 3}),
        ));
        s.pdbs.push(b);
        s
    }

    #[test]
    fn two_pods_of_one_budget_on_one_node_exceed_it() {
        let s = colocated(1, 3);
        let k = Kubectl::default();
        let w = World::new(&s, &["node-a".into()], now(), &k);
        let r = run(&w, &State::initial(&w), &[0]);
        let outcomes: Vec<Outcome> = r.evictions.iter().map(|e| e.outcome).collect();
        assert_eq!(
            outcomes,
            vec![Outcome::EvictedReschedulable, Outcome::Refused]
        );
        match &r.evictions[1].refusal {
            Some(Refusal::NoDisruptions { before, .. }) => assert_eq!(before, &vec![0]),
            other => panic!("{other:?}"),
        }
        // zk-0 came back elsewhere; zk-1 is still on the cordoned node.
        assert_eq!(r.after.place, vec![Place::Moved, Place::Stuck]);
        assert_eq!(r.after.ready, vec![3]);
        assert_eq!(r.after.allowed, vec![1]);
    }

    #[test]
    fn unhealthy_pods_follow_the_eviction_policy() {
        // zk-1 not Ready: currentHealthy 2 = desiredHealthy 2, nothing allowed.
        let mut s = colocated(0, 2);
        s.pods[1] = merged(
            &s.pods[1],
            json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
        );
        s.pods.remove(0);
        let k = Kubectl::default();
        let w = World::new(&s, &["node-a".into()], now(), &k);
        // Default policy: the budget is met (2 >= 2 > 0), so the unready pod goes for free.
        let r = run(&w, &State::initial(&w), &[0]);
        assert_eq!(r.evictions[0].refusal, None);
        // Once it is Ready elsewhere the budget has room again.
        assert_eq!((r.after.current[0], r.after.allowed[0]), (3, 1));

        // Below the budget, the default policy needs a disruption; AlwaysAllow does not.
        let mut s2 = s.clone();
        s2.pdbs[0].status.as_mut().unwrap().current_healthy = 1;
        let w = World::new(&s2, &["node-a".into()], now(), &k);
        let r = run(&w, &State::initial(&w), &[0]);
        assert!(matches!(
            r.evictions[0].refusal,
            Some(Refusal::NoDisruptions { .. })
        ));
        s2.pdbs[0]
            .spec
            .as_mut()
            .unwrap()
            .unhealthy_pod_eviction_policy = Some("AlwaysAllow".into());
        let w = World::new(&s2, &["node-a".into()], now(), &k);
        let r = run(&w, &State::initial(&w), &[0]);
        assert_eq!(r.evictions[0].refusal, None);
    }

    #[test]
    fn a_budget_with_neither_field_refuses_even_after_pods_come_back() {
        // The zookeeper docs example shape: a selector and no number. The controller's
        // status says expectedPods 0, desiredHealthy 0, disruptionsAllowed 0.
        let mut s = colocated(0, 3);
        s.pdbs[0] = pdb_with_spec(
            "shop",
            "zk",
            json!({"selector": {"matchLabels": {"app": "zk"}}}),
        );
        s.pdbs[0].status = Some(from_json(json!({"currentHealthy": 3, "desiredHealthy": 0,
            "disruptionsAllowed": 0, "expectedPods": 0})));
        let k = Kubectl::default();
        for drained in ["node-b", "node-a"] {
            let w = World::new(&s, &[drained.into()], now(), &k);
            assert_eq!((w.budgets[0].allowed, w.budgets[0].max_allowed), (0, 0));
            let r = run(&w, &State::initial(&w), &[0]);
            assert!(matches!(
                r.evictions[0].refusal,
                Some(Refusal::NoDisruptions { .. })
            ));
            assert!(r.after.allowed.iter().all(|a| *a == 0), "{drained}");
        }
        // A hand-written snapshot without status reaches the same answer from the spec.
        s.pdbs[0].status = None;
        let w = World::new(&s, &["node-b".into()], now(), &k);
        assert_eq!((w.budgets[0].allowed, w.budgets[0].max_allowed), (0, 0));
    }

    #[test]
    fn pending_terminating_and_finished_pods_ignore_budgets() {
        let mut s = colocated(0, 3);
        s.pods[0] = merged(&s.pods[0], json!({"status": {"phase": "Pending"}}));
        s.pods[1] = merged(
            &s.pods[1],
            json!({"metadata": {"deletionTimestamp": "2026-11-22T02:59:00Z"}}),
        );
        let k = Kubectl::default();
        let w = World::new(&s, &["node-a".into()], now(), &k);
        let r = run(&w, &State::initial(&w), &[0]);
        assert!(r.evictions.iter().all(|e| e.refusal.is_none()));
    }

    #[test]
    fn several_budgets_refuse_whatever_they_allow() {
        let mut s = colocated(5, 3);
        let mut other = pdb("shop", "zk-extra", json!({"matchLabels": {"app": "zk"}}));
        other.status = s.pdbs[0].status.clone();
        s.pdbs.push(other);
        let k = Kubectl::default();
        let w = World::new(&s, &["node-b".into()], now(), &k);
        let r = run(&w, &State::initial(&w), &[0]);
        assert!(matches!(
            &r.evictions[0].refusal,
            Some(Refusal::SeveralBudgets(b)) if b.len() == 2
        ));
    }

    #[test]
    fn a_pod_whose_only_other_node_is_drained_later_follows_it_there() {
        // zone z2 has node-x and node-y only; a pod with a z2 volume on node-x.
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 1));
        let mut p = pod("shop", "db", 0, true);
        p.spec.as_mut().unwrap().node_name = Some("node-x".into());
        with_claim(&mut p, "data-db-0");
        s.pods.push(p);
        s.pvcs
            .push(bound_claim("shop", "data-db-0", "pv-0", "standard"));
        s.pvs.push(zonal_pv("pv-0", "z2", "shop", "data-db-0"));
        s.nodes.push(node_in_zone("node-x", "z2"));
        s.nodes.push(node_in_zone("node-y", "z2"));
        s.nodes.push(node_in_zone("node-z", "z1"));
        let k = Kubectl::default();
        let w = World::new(&s, &["node-x".into(), "node-y".into()], now(), &k);
        let first = run(&w, &State::initial(&w), &[0]);
        assert_eq!(first.evictions[0].landing, Landing::Later(vec![1]));
        let second = run(&w, &first.after, &[1]);
        assert_eq!(second.evictions.len(), 1);
        assert_eq!(second.evictions[0].moved_from, Some(0));
        assert_eq!(second.evictions[0].landing, Landing::Nowhere);
        assert_eq!(second.evictions[0].outcome, Outcome::EvictedStaysDown);
    }
}
