//! `--plan`: an order of the nodes, with groups of nodes drained together, in which no step
//! is blocked or unsafe because of the order; problems a node has whatever the order (its
//! own bare pods, emptyDir data, a volume only it can hold, a budget it alone exceeds) are
//! listed, not searched away.
//!
//! Up to [`EXHAUSTIVE_MAX`] nodes every ordered grouping is tried, breadth first over the
//! sets of nodes already drained, so the plan found has the fewest steps (3^n step
//! judgements, 6561 for 8 nodes). Beyond that a greedy pass builds each step from the
//! nodes in the order given, which never hangs but may miss an order that exists.

use super::findings;
use super::simulate::{report, run_steps};
use super::step::{self, State};
use super::world::World;
use super::{DrainReport, Plan, PlanStep, Verdict};
use crate::kubectl::Kubectl;
use crate::snapshot::Snapshot;
use jiff::Timestamp;
use std::collections::VecDeque;

/// The most nodes searched exhaustively.
pub const EXHAUSTIVE_MAX: usize = 8;
/// The most nodes a greedy step drains at once.
const GREEDY_GROUP_MAX: usize = 8;

/// Orders `nodes` (and groups those that can go together) so no step is blocked or unsafe
/// because of the order, then judges them in that order. Without such an order the steps
/// that can go safely come first and the rest follow in the order given.
pub fn plan(snap: &Snapshot, nodes: &[String], now: Timestamp, kubectl: &Kubectl) -> DrainReport {
    let w = World::new(snap, nodes, now, kubectl);
    let n = w.nodes.len();
    let (search, steps) = if n <= EXHAUSTIVE_MAX {
        ("exhaustive", exhaustive(&w))
    } else {
        ("greedy", greedy(&w))
    };
    let placed: Vec<usize> = steps.iter().flatten().copied().collect();
    let stuck: Vec<usize> = (0..n).filter(|i| !placed.contains(i)).collect();
    let found = stuck.is_empty();
    let mut all = steps.clone();
    all.extend(stuck.iter().map(|&i| vec![i]));
    let judged = run_steps(&w, &all);
    let unavoidable: Vec<String> = judged
        .iter()
        .filter(|(r, order_dep)| r.verdict != Verdict::Safe && !order_dep)
        .map(|(r, _)| r.node.clone())
        .collect();

    // The runbook's commands per step, from the same simulation.
    let mut state = State::initial(&w);
    let mut plan_steps = Vec::new();
    for (i, group) in steps.iter().enumerate() {
        let r = step::run(&w, &state, group);
        let worst = judged
            .iter()
            .filter(|(rep, _)| rep.step == i + 1)
            .map(|(rep, _)| rep.verdict)
            .max()
            .unwrap_or(Verdict::Safe);
        plan_steps.push(PlanStep {
            step: i + 1,
            nodes: group.iter().map(|&g| w.node_name(g).to_string()).collect(),
            commands: findings::node_commands(&w, &r, group, worst),
        });
        state = r.after;
    }
    let mut out = report(&w, judged.into_iter().map(|(r, _)| r).collect());
    out.plan = Some(Plan {
        search,
        found,
        steps: plan_steps,
        unavoidable,
        stuck: stuck.iter().map(|&i| w.node_name(i).to_string()).collect(),
    });
    if search == "greedy" {
        out.assumptions.push(format!(
            "More than {EXHAUSTIVE_MAX} nodes: the plan was built greedily (each step takes the next nodes in the order given that keep it safe, at most {GREEDY_GROUP_MAX} at once); an order it did not find may still exist."
        ));
    }
    out.assumptions.push(
        "Nodes of one plan step are drained at the same time: their evictions count together against each budget. CPU and memory are not simulated, so make sure the rest of the cluster has room for a step's pods.".to_string(),
    );
    out
}

/// Whether draining `group` from `state` has no problem another order could avoid; the
/// state after it.
fn try_step(w: &World, state: &State, group: &[usize]) -> Option<State> {
    let r = step::run(w, state, group);
    let probs = findings::problems(w, &r);
    (!findings::order_dependent(&probs)).then_some(r.after)
}

fn members(mask: u32, n: usize) -> Vec<usize> {
    (0..n).filter(|i| mask & (1 << i) != 0).collect()
}

/// Breadth first over the sets of drained nodes: the first time the full set is reached
/// is a plan with the fewest steps. Without one, the path to the largest set reached.
fn exhaustive(w: &World) -> Vec<Vec<usize>> {
    let n = w.nodes.len();
    if n == 0 {
        return Vec::new();
    }
    let full: u32 = (1u32 << n) - 1;
    let size = 1usize << n;
    // Per set: how it was reached (previous set, group) and the state after it.
    let mut prev: Vec<Option<(u32, u32)>> = vec![None; size];
    let mut states: Vec<Option<State>> = vec![None; size];
    states[0] = Some(State::initial(w));
    let mut queue = VecDeque::from([0u32]);
    let mut best = 0u32;
    while let Some(done) = queue.pop_front() {
        if done == full {
            break;
        }
        let Some(state) = states[done as usize].clone() else {
            continue;
        };
        let rest = full & !done;
        // Every non-empty subset of the remaining nodes, smallest masks first so the order
        // given is preferred among plans of equal length.
        let mut candidates = Vec::new();
        let mut g = rest;
        while g != 0 {
            candidates.push(g);
            g = (g - 1) & rest;
        }
        candidates.sort_unstable();
        for g in candidates {
            let next = done | g;
            if states[next as usize].is_some() {
                continue;
            }
            if let Some(after) = try_step(w, &state, &members(g, n)) {
                states[next as usize] = Some(after);
                prev[next as usize] = Some((done, g));
                if next.count_ones() > best.count_ones() {
                    best = next;
                }
                queue.push_back(next);
            }
        }
    }
    let target = if states[full as usize].is_some() {
        full
    } else {
        best
    };
    let mut path = Vec::new();
    let mut at = target;
    while let Some((from, g)) = prev[at as usize] {
        path.push(members(g, n));
        at = from;
    }
    path.reverse();
    path
}

/// Each step takes, in the order given, every remaining node that keeps it safe.
fn greedy(w: &World) -> Vec<Vec<usize>> {
    let n = w.nodes.len();
    let mut state = State::initial(w);
    let mut left: Vec<usize> = (0..n).collect();
    let mut steps = Vec::new();
    while !left.is_empty() {
        let mut group: Vec<usize> = Vec::new();
        let mut after: Option<State> = None;
        for &x in &left {
            if group.len() == GREEDY_GROUP_MAX {
                break;
            }
            let mut g = group.clone();
            g.push(x);
            if let Some(s) = try_step(w, &state, &g) {
                group = g;
                after = Some(s);
            }
        }
        let Some(after) = after else { break };
        left.retain(|x| !group.contains(x));
        steps.push(group);
        state = after;
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use serde_json::json;

    fn on(mut p: crate::model::Pod, node: &str) -> crate::model::Pod {
        p.spec.as_mut().unwrap().node_name = Some(node.into());
        p
    }

    /// Three nodes where only node-b, node-a, node-c works: zk-1 on node-b and kafka-0 on
    /// node-a are not Ready, so each budget is at 0 until that pod is moved and Ready again.
    pub(crate) fn pool() -> Snapshot {
        let mut s = snapshot();
        for n in ["node-a", "node-b", "node-c", "node-d"] {
            s.nodes.push(node_in_zone(n, "z1"));
        }
        s.statefulsets.push(sts("shop", "zk", 3));
        s.statefulsets.push(sts("shop", "kafka", 3));
        s.pods.push(on(pod("shop", "zk", 0, true), "node-a"));
        s.pods.push(on(pod("shop", "zk", 1, false), "node-b"));
        s.pods.push(on(pod("shop", "zk", 2, true), "node-c"));
        s.pods.push(on(pod("shop", "kafka", 0, false), "node-a"));
        s.pods.push(on(pod("shop", "kafka", 1, true), "node-c"));
        s.pods.push(on(pod("shop", "kafka", 2, true), "node-d"));
        for app in ["zk", "kafka"] {
            let mut b = pdb("shop", app, json!({"matchLabels": {"app": app}}));
            b.status = Some(from_json(json!({"currentHealthy": 2, "desiredHealthy": 2,
                "disruptionsAllowed": 0, "expectedPods": 3})));
            s.pdbs.push(b);
        }
        s
    }

    fn names(steps: &[PlanStep]) -> Vec<Vec<&str>> {
        steps
            .iter()
            .map(|s| s.nodes.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn finds_the_only_order_that_works() {
        let s = pool();
        let nodes: Vec<String> = ["node-a", "node-b", "node-c"].map(String::from).to_vec();
        // In the order given, node-a is blocked by zk's budget.
        let seq = crate::drain::simulate(&s, &nodes, now(), &Kubectl::default());
        assert_eq!(seq.nodes[0].verdict, Verdict::Blocked);
        let r = plan(&s, &nodes, now(), &Kubectl::default());
        let p = r.plan.as_ref().unwrap();
        assert!(p.found);
        assert_eq!(p.search, "exhaustive");
        assert_eq!(
            names(&p.steps),
            vec![vec!["node-b"], vec!["node-a"], vec!["node-c"]]
        );
        assert!(
            r.nodes.iter().all(|n| n.verdict == Verdict::Safe),
            "{:#?}",
            r.nodes
        );
        let order: Vec<&str> = r.nodes.iter().map(|n| n.node.as_str()).collect();
        assert_eq!(order, vec!["node-b", "node-a", "node-c"]);
        // The runbook waits for zk after node-b, before node-a.
        let first: Vec<&str> = p.steps[0]
            .commands
            .iter()
            .map(|c| c.command.as_str())
            .collect();
        assert!(
            first.contains(&"kubectl -n shop rollout status statefulset/zk --timeout=10m"),
            "{first:?}"
        );
    }

    #[test]
    fn independent_nodes_are_grouped_into_one_step() {
        let mut s = snapshot();
        for n in ["node-a", "node-b", "node-c", "node-d"] {
            s.nodes.push(node_in_zone(n, "z1"));
        }
        s.statefulsets.push(sts("shop", "zk", 5));
        for (i, n) in ["node-a", "node-b", "node-c", "node-d", "node-d"]
            .iter()
            .enumerate()
        {
            s.pods.push(on(pod("shop", "zk", i as u32, true), n));
        }
        let mut b = pdb("shop", "zk", json!({"matchLabels": {"app": "zk"}}));
        b.spec.as_mut().unwrap().max_unavailable =
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(2));
        b.status = Some(from_json(json!({"currentHealthy": 5, "desiredHealthy": 3,
            "disruptionsAllowed": 2, "expectedPods": 5})));
        s.pdbs.push(b);
        let nodes: Vec<String> = ["node-a", "node-b", "node-c"].map(String::from).to_vec();
        let r = plan(&s, &nodes, now(), &Kubectl::default());
        let p = r.plan.unwrap();
        assert!(p.found);
        // maxUnavailable 2: two nodes at once, never three; node-a first as given.
        assert_eq!(
            names(&p.steps),
            vec![vec!["node-a"], vec!["node-b", "node-c"]]
        );
        assert_eq!(r.nodes[1].drained_with, vec!["node-c"]);
    }

    #[test]
    fn without_an_order_the_safe_steps_come_first_and_the_rest_is_named() {
        let mut s = pool();
        // zk-0 cannot be evicted while zk-1 is not Ready, and zk-1's node is not named.
        let nodes: Vec<String> = ["node-a", "node-c"].map(String::from).to_vec();
        s.pods
            .retain(|p| p.metadata.name.as_deref() != Some("kafka-0"));
        let r = plan(&s, &nodes, now(), &Kubectl::default());
        let p = r.plan.unwrap();
        assert!(!p.found);
        assert!(p.steps.is_empty());
        assert_eq!(p.stuck, vec!["node-a", "node-c"]);
        assert!(r.nodes.iter().all(|n| n.verdict == Verdict::Blocked));
    }

    #[test]
    fn problems_no_order_fixes_do_not_stop_the_plan() {
        let mut s = pool();
        let bare: crate::model::Pod = from_json(json!({
            "metadata": {"name": "debug", "namespace": "shop"},
            "spec": {"nodeName": "node-c", "containers": []},
            "status": {"phase": "Running"}
        }));
        s.pods.push(bare);
        let nodes: Vec<String> = ["node-a", "node-b", "node-c"].map(String::from).to_vec();
        let r = plan(&s, &nodes, now(), &Kubectl::default());
        let p = r.plan.unwrap();
        assert!(p.found);
        assert_eq!(p.unavoidable, vec!["node-c"]);
    }

    #[test]
    fn many_nodes_are_planned_greedily_and_quickly() {
        let mut s = snapshot();
        let mut nodes = Vec::new();
        for i in 0..40 {
            let name = format!("node-{i:02}");
            s.nodes.push(node_in_zone(&name, "z1"));
            nodes.push(name);
        }
        s.nodes.push(node_in_zone("spare", "z1"));
        s.statefulsets.push(sts("shop", "zk", 40));
        for i in 0..40 {
            s.pods
                .push(on(pod("shop", "zk", i, true), &format!("node-{i:02}")));
        }
        let mut b = pdb("shop", "zk", json!({"matchLabels": {"app": "zk"}}));
        b.status = Some(from_json(
            json!({"currentHealthy": 40, "desiredHealthy": 39,
            "disruptionsAllowed": 1, "expectedPods": 40}),
        ));
        s.pdbs.push(b);
        let started = std::time::Instant::now();
        let r = plan(&s, &nodes, now(), &Kubectl::default());
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        let p = r.plan.unwrap();
        assert_eq!(p.search, "greedy");
        assert!(p.found);
        // maxUnavailable 1: one node per step.
        assert_eq!(p.steps.len(), 40);
    }
}
