//! `node-not-ready`: a node that runs StatefulSet pods is NotReady or unreachable (Ready
//! False/Unknown, or the `node.kubernetes.io/unreachable` / `not-ready` taint), or reports
//! memory, disk or PID pressure. An unreachable node is the dangerous one for a
//! StatefulSet: the controller cannot know whether the old process is still running, so it
//! never starts a replacement with the same identity by itself. Pressure makes the kubelet
//! evict pods. One finding per node and StatefulSet, on the Node.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::model::Pod;
use crate::snapshot::Source;
use crate::sts;
use k8s_openapi::api::core::v1::Node;
use std::collections::BTreeMap;

pub const CHECK: Check = Check {
    id: "node-not-ready",
    needs: &[Source::StatefulSets, Source::Pods, Source::Nodes],
    run,
};

const PRESSURES: &[&str] = &["MemoryPressure", "DiskPressure", "PIDPressure"];

struct NodeState {
    down: bool,
    lines: Vec<String>,
    pressures: Vec<&'static str>,
}

fn node_state(ctx: &Ctx, node: &Node) -> NodeState {
    let mut lines = Vec::new();
    let ready = sts::condition(node, "Ready");
    match ready {
        Some(c) if c.status != "True" => {
            let since = c
                .last_transition_time
                .as_ref()
                .map(|t| format!(" for {}", k8s::time::age(t.0, ctx.now)))
                .unwrap_or_default();
            lines.push(format!(
                "Ready={}{since}{}{}",
                c.status,
                c.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
                c.message
                    .as_deref()
                    .map(|m| format!(": {}", m.trim()))
                    .unwrap_or_default()
            ));
        }
        // No Ready condition at all (a node still registering, or a trimmed object):
        // unknown, not down.
        _ => {}
    }
    let taints: Vec<String> = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_deref())
        .unwrap_or_default()
        .iter()
        .filter(|t| sts::DOWN_TAINTS.contains(&t.key.as_str()))
        .map(|t| format!("{}:{}", t.key, t.effect))
        .collect();
    if !taints.is_empty() {
        lines.push(format!("taints: {}", taints.join(", ")));
    }
    let pressures: Vec<&'static str> = PRESSURES
        .iter()
        .copied()
        .filter(|p| sts::condition(node, p).is_some_and(|c| c.status == "True"))
        .collect();
    for p in &pressures {
        if let Some(c) = sts::condition(node, p) {
            lines.push(format!(
                "{p}=True{}",
                c.message
                    .as_deref()
                    .map(|m| format!(": {}", m.trim()))
                    .unwrap_or_default()
            ));
        }
    }
    NodeState {
        down: sts::node_down(node),
        lines,
        pressures,
    }
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut by_node: BTreeMap<&str, Vec<&Pod>> = BTreeMap::new();
        for pod in ctx.idx.pods_of(ns, name) {
            if let Some(n) = k8s::pod::node_name(pod) {
                by_node.entry(n).or_default().push(pod);
            }
        }
        for (node_name, pods) in by_node {
            let Some(node) = ctx.idx.node.get(node_name).copied() else {
                continue;
            };
            let state = node_state(ctx, node);
            if !state.down && state.pressures.is_empty() {
                continue;
            }
            out.push(finding(ctx, sts, node_name, &pods, &state));
        }
    }
}

fn finding(
    ctx: &Ctx,
    sts: &crate::model::StatefulSet,
    node_name: &str,
    pods: &[&Pod],
    state: &NodeState,
) -> Finding {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let n = k8s::replicas(sts);
    let pod_names: Vec<&str> = pods.iter().map(|p| k8s::name(&p.metadata)).collect();
    let summary = if state.down {
        format!(
            "node {node_name} is not Ready: {} of {name} on it cannot serve and will not be replaced automatically",
            pod_names.join(", ")
        )
    } else {
        format!(
            "node {node_name} reports {}: the kubelet may evict {} of {name}",
            state.pressures.join(", "),
            pod_names.join(", ")
        )
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::cluster("Node", node_name),
        Some(name),
        summary,
    );
    if !state.down {
        f.severity = Severity::Warning;
    }
    for l in &state.lines {
        f.evidence.push(format!("node {node_name}: {l}"));
    }
    for p in pods {
        f.evidence.push(format!(
            "{}: {}",
            k8s::name(&p.metadata),
            if sts::serving(p) {
                "Ready".to_string()
            } else {
                sts::problem(ctx, p)
            }
        ));
    }
    if n >= 3 {
        let q = k8s::quorum(n);
        let others = (n - pods.len() as i32).max(0);
        f.evidence.push(format!(
            "{name} members on this node: {} of {n}; without them {others} remain, {} quorum ({q})",
            pods.len(),
            if others >= q { "enough for" } else { "below" }
        ));
    }
    f.commands.push(Remedy::run(
        format!("Read node {node_name}'s conditions, taints and recent events"),
        ctx.kubectl.argv(None, &["describe", "node", node_name]),
    ));
    f.commands.push(Remedy::run(
        format!("See every pod of the namespace on {node_name}"),
        ctx.kubectl.argv(
            Some(ns),
            &[
                "get",
                "pods",
                "--field-selector",
                &format!("spec.nodeName={node_name}"),
                "-o",
                "wide",
            ],
        ),
    ));
    if state.down {
        f.evidence.push(
            "the StatefulSet controller does not replace a pod on an unreachable node by itself: it cannot tell whether the old process still writes to the volume, and two pods with one identity corrupt data; the pods stay Terminating until the node returns or is confirmed down (see pod-stuck-terminating)".to_string(),
        );
        f.commands.push(Remedy::run(
            format!(
                "If the node does not come back: confirm it is powered off, then follow pod-stuck-terminating for {name} (out-of-service taint, never a force delete while the old process may run)"
            ),
            ctx.kubectl
                .sts_argv(Some(ns), &["diagnose", name, "--symptom", "stuck"]),
        ));
    }
    f
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn an_unreachable_node_is_critical_and_names_the_pods() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(merged(
            &pod("shop", "db", 1, false),
            json!({"spec": {"nodeName": "node-0"}}),
        ));
        s.nodes.push(merged(
            &node("node-0", "Unknown"),
            json!({"spec": {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.object.kind, "Node");
        assert_eq!(f.object.namespace, None);
        assert_eq!(f.statefulset.as_deref(), Some("db"));
        assert!(f.summary.contains("db-0, db-1"));
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("unreachable:NoExecute"))
        );
        assert!(
            f.commands
                .iter()
                .any(|c| c.command == "kubectl sts diagnose db --symptom stuck -n shop")
        );
    }

    #[test]
    fn pressure_on_a_ready_node_is_a_warning() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 1));
        s.pods.push(pod("shop", "db", 0, true));
        s.nodes.push(merged(
            &node("node-0", "True"),
            json!({"status": {"conditions": [{"type": "Ready", "status": "True"},
                {"type": "DiskPressure", "status": "True", "message": "kubelet has disk pressure"}]}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r[0].severity, Severity::Warning);
        assert!(r[0].summary.contains("DiskPressure"));
    }

    #[test]
    fn explains_pods_on_down_nodes_only() {
        let mut s = snapshot();
        s.pods.push(pod("shop", "db", 0, false));
        s.pods.push(pod("shop", "db", 1, false));
        s.nodes.push(node("node-0", "Unknown"));
        s.nodes.push(node("node-1", "True"));
        let kubectl = Default::default();
        let ctx = ctx_for(&s, &kubectl);
        assert!(crate::sts::on_down_node(&ctx, &s.pods[0]));
        assert!(!crate::sts::on_down_node(&ctx, &s.pods[1]));
    }

    #[test]
    fn quiet_on_healthy_nodes() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 1));
        s.pods.push(pod("shop", "db", 0, true));
        s.nodes.push(node("node-0", "True"));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
