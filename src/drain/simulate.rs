//! Judging nodes drained one after another, in the order given.

use super::findings;
use super::step::{self, State};
use super::world::World;
use super::{DrainReport, NodeReport};
use crate::kubectl::Kubectl;
use crate::snapshot::Snapshot;
use jiff::Timestamp;

/// Judges `nodes` drained one after another in this order. Names that are not nodes of the
/// snapshot are ignored (the command refuses them before this); a name given twice counts
/// once.
pub fn simulate(
    snap: &Snapshot,
    nodes: &[String],
    now: Timestamp,
    kubectl: &Kubectl,
) -> DrainReport {
    let w = World::new(snap, nodes, now, kubectl);
    let steps: Vec<Vec<usize>> = (0..w.nodes.len()).map(|i| vec![i]).collect();
    let reports = run_steps(&w, &steps).into_iter().map(|(r, _)| r).collect();
    report(&w, reports)
}

/// Runs `steps` (groups of node indexes) from the snapshot's state. Each report comes with
/// whether its node is blocked or unsafe because of the order.
pub(crate) fn run_steps(w: &World, steps: &[Vec<usize>]) -> Vec<(NodeReport, bool)> {
    let mut state = State::initial(w);
    let mut out = Vec::new();
    for (i, group) in steps.iter().enumerate() {
        let r = step::run(w, &state, group);
        out.extend(findings::reports(w, &r, i + 1));
        state = r.after;
    }
    out
}

pub(crate) fn report(w: &World, nodes: Vec<NodeReport>) -> DrainReport {
    // What was read beyond the nodes (one namespace or all) is for the caller to say: only
    // it knows whether -n narrowed the read or the saved state held no more.
    let assumptions = super::assumptions(w.nodes.len());
    DrainReport {
        nodes,
        skipped: w.snap.skipped.clone(),
        plan: None,
        assumptions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drain::{Outcome, Verdict};
    use crate::testutil::*;
    use serde_json::json;

    fn on(mut p: crate::model::Pod, node: &str) -> crate::model::Pod {
        p.spec.as_mut().unwrap().node_name = Some(node.into());
        p
    }

    fn budget(
        name: &str,
        app: &str,
        current: i32,
        desired: i32,
        allowed: i32,
    ) -> k8s_openapi::api::policy::v1::PodDisruptionBudget {
        let mut b = pdb("shop", name, json!({"matchLabels": {"app": app}}));
        b.status = Some(from_json(
            json!({"currentHealthy": current, "desiredHealthy": desired,
            "disruptionsAllowed": allowed, "expectedPods": 3, "observedGeneration": 1}),
        ));
        b
    }

    fn run(s: &Snapshot, nodes: &[&str]) -> DrainReport {
        let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
        simulate(s, &names, now(), &Kubectl::default())
    }

    fn ids(n: &NodeReport) -> Vec<&str> {
        n.findings.iter().map(|f| f.runbook.as_str()).collect()
    }

    /// Three nodes in one zone, zk on them, a healthy budget of maxUnavailable 1.
    fn healthy() -> Snapshot {
        let mut s = snapshot();
        for n in ["node-a", "node-b", "node-c", "node-d"] {
            s.nodes.push(node_in_zone(n, "z1"));
        }
        s.statefulsets.push(sts("shop", "zk", 3));
        for (i, n) in ["node-a", "node-b", "node-c"].iter().enumerate() {
            s.pods.push(on(pod("shop", "zk", i as u32, true), n));
        }
        s.pdbs.push(budget("zk", "zk", 3, 2, 1));
        s
    }

    #[test]
    fn a_healthy_node_is_safe_with_the_runbook_commands() {
        let r = run(&healthy(), &["node-a"]);
        let n = &r.nodes[0];
        assert_eq!(n.verdict, Verdict::Safe, "{:#?}", n.findings);
        assert!(n.findings.is_empty());
        assert_eq!(n.pods[0].outcome, Outcome::EvictedReschedulable);
        let cmds: Vec<&str> = n.commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(
            cmds,
            vec![
                "kubectl cordon node-a",
                "kubectl drain node-a --ignore-daemonsets --timeout=10m",
                "kubectl -n shop rollout status statefulset/zk --timeout=10m",
                "kubectl uncordon node-a",
            ]
        );
        assert!(n.commands.iter().all(|c| !c.destructive));
    }

    #[test]
    fn two_of_three_replicas_with_max_unavailable_one_block() {
        let mut s = healthy();
        s.pods[1] = on(s.pods[1].clone(), "node-a");
        let r = run(&s, &["node-a"]);
        let n = &r.nodes[0];
        assert_eq!(n.verdict, Verdict::Blocked);
        assert!(ids(n).contains(&"drain-pdb-blocked"), "{:?}", ids(n));
        assert!(ids(n).contains(&"drain-colocated-replicas"));
        let blocked = n
            .findings
            .iter()
            .find(|f| f.runbook == "drain-pdb-blocked")
            .unwrap();
        assert!(
            blocked.evidence.iter().any(|e| e.contains("below quorum")),
            "{:#?}",
            blocked.evidence
        );
    }

    #[test]
    fn quorum_counts_replicas_already_down_even_without_a_budget() {
        let mut s = healthy();
        s.pdbs.clear();
        s.pods[2] = on(pod("shop", "zk", 2, false), "node-c");
        let r = run(&s, &["node-a"]);
        let n = &r.nodes[0];
        assert_eq!(n.verdict, Verdict::Unsafe);
        let q = n
            .findings
            .iter()
            .find(|f| f.runbook == "drain-quorum-loss")
            .unwrap();
        assert!(
            q.summary
                .contains("1 of 3 replicas Ready, below quorum (2)"),
            "{}",
            q.summary
        );
        assert!(
            q.evidence
                .iter()
                .any(|e| e.contains("no PodDisruptionBudget"))
        );
    }

    #[test]
    fn a_local_volume_pins_the_pod_to_its_node() {
        let mut s = healthy();
        with_claim(&mut s.pods[0], "data-zk-0");
        s.pvcs
            .push(bound_claim("shop", "data-zk-0", "local-pv-a", "local"));
        s.pvs
            .push(local_pv("local-pv-a", "node-a", "shop", "data-zk-0"));
        let r = run(&s, &["node-a"]);
        let n = &r.nodes[0];
        assert_eq!(n.verdict, Verdict::Unsafe);
        assert_eq!(n.pods[0].outcome, Outcome::EvictedStaysDown);
        let f = n
            .findings
            .iter()
            .find(|f| f.runbook == "drain-volume-pinned")
            .unwrap();
        assert!(f.summary.contains("local-pv-a"));
        assert!(f.commands.iter().any(|c| c.destructive));
    }

    #[test]
    fn a_zonal_volume_needs_another_node_in_its_zone() {
        let mut s = healthy();
        s.nodes[0] = node_in_zone("node-a", "z2");
        with_claim(&mut s.pods[0], "data-zk-0");
        s.pvcs
            .push(bound_claim("shop", "data-zk-0", "pv-0", "standard"));
        s.pvs.push(zonal_pv("pv-0", "z2", "shop", "data-zk-0"));
        let r = run(&s, &["node-a"]);
        let f = r.nodes[0]
            .findings
            .iter()
            .find(|f| f.runbook == "drain-zone-capacity")
            .unwrap();
        assert!(
            f.evidence
                .iter()
                .any(|e| e == "zone z2: node-a: drained in this step"),
            "{:#?}",
            f.evidence
        );
        // A second, cordoned node in z2 does not help; an uncordoned one does.
        let mut cordoned = node_in_zone("node-e", "z2");
        cordoned.spec = Some(from_json(json!({"unschedulable": true})));
        s.nodes.push(cordoned);
        let r = run(&s, &["node-a"]);
        assert_eq!(r.nodes[0].verdict, Verdict::Unsafe);
        s.nodes.push(node_in_zone("node-f", "z2"));
        let r = run(&s, &["node-a"]);
        assert_eq!(
            r.nodes[0].verdict,
            Verdict::Safe,
            "{:#?}",
            r.nodes[0].findings
        );
    }

    #[test]
    fn bare_pods_emptydir_and_daemonsets_follow_kubectl_drain() {
        let mut s = healthy();
        let bare: crate::model::Pod = from_json(json!({
            "metadata": {"name": "debug", "namespace": "shop"},
            "spec": {"nodeName": "node-a", "containers": [], "volumes": [{"name": "scratch", "emptyDir": {}}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        }));
        let ds: crate::model::Pod = from_json(json!({
            "metadata": {"name": "fluentd-x", "namespace": "kube-system",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "fluentd", "uid": "u", "controller": true}]},
            "spec": {"nodeName": "node-a", "containers": []}
        }));
        let mirror: crate::model::Pod = from_json(json!({
            "metadata": {"name": "etcd-node-a", "namespace": "kube-system",
                         "annotations": {"kubernetes.io/config.mirror": "abc"}},
            "spec": {"nodeName": "node-a", "containers": []}
        }));
        s.pods.extend([bare, ds, mirror]);
        let r = run(&s, &["node-a"]);
        let n = &r.nodes[0];
        assert_eq!(n.verdict, Verdict::Unsafe);
        assert!(ids(n).contains(&"drain-bare-pod") && ids(n).contains(&"drain-emptydir-data"));
        let reasons: Vec<(&str, &str)> = n
            .not_evicted
            .iter()
            .map(|p| (p.name.as_str(), p.reason))
            .collect();
        assert_eq!(
            reasons,
            vec![("etcd-node-a", "mirror"), ("fluentd-x", "daemonset")]
        );
        let debug = n.pods.iter().find(|p| p.name == "debug").unwrap();
        assert_eq!(debug.outcome, Outcome::DeletedForGood);
        let drain = &n.commands[1];
        assert_eq!(
            drain.command,
            "kubectl drain node-a --ignore-daemonsets --delete-emptydir-data --force --timeout=10m"
        );
        assert!(drain.destructive && drain.description.contains("deletes debug for good"));
    }

    #[test]
    fn later_nodes_see_what_earlier_steps_left_down() {
        // zk-0's volume is local to node-a: it stays down, so node-b's drain finds the
        // budget one short and zk below quorum.
        let mut s = healthy();
        with_claim(&mut s.pods[0], "data-zk-0");
        s.pvcs
            .push(bound_claim("shop", "data-zk-0", "local-pv-a", "local"));
        s.pvs
            .push(local_pv("local-pv-a", "node-a", "shop", "data-zk-0"));
        let r = run(&s, &["node-a", "node-b"]);
        assert_eq!(r.nodes[0].verdict, Verdict::Unsafe);
        assert_eq!(r.nodes[1].verdict, Verdict::Blocked);
        let f = r.nodes[1]
            .findings
            .iter()
            .find(|f| f.runbook == "drain-pdb-blocked")
            .unwrap();
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("left down by earlier steps") && e.contains("zk-0")),
            "{:#?}",
            f.evidence
        );
        assert_eq!(r.nodes[1].step, 2);
    }

    #[test]
    fn ondelete_statefulsets_are_waited_for_without_rollout_status() {
        let mut s = healthy();
        s.statefulsets[0] = merged(
            &s.statefulsets[0],
            json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
        );
        let k = Kubectl {
            kubeconfig: None,
            context: Some("prod".into()),
        };
        let r = simulate(&s, &["node-a".to_string()], now(), &k);
        assert_eq!(
            r.nodes[0].commands[2].command,
            "kubectl --context prod -n shop wait statefulset/zk '--for=jsonpath={.status.readyReplicas}=3' --timeout=10m"
        );
        assert_eq!(
            r.nodes[0].commands[0].command,
            "kubectl --context prod cordon node-a"
        );
    }
}
