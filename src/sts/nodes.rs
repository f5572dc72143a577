//! Nodes as the pods on them see them: a node that is down (not Ready, or tainted
//! unreachable) explains why its pods are not Ready and why deleting them hangs.

use crate::analysis::Ctx;
use crate::k8s;
use crate::model::Pod;
use crate::snapshot::Source;
use k8s_openapi::api::core::v1::{Node, NodeCondition};

pub(crate) const DOWN_TAINTS: &[&str] = &[
    "node.kubernetes.io/unreachable",
    "node.kubernetes.io/not-ready",
];

pub(crate) fn condition<'a>(node: &'a Node, kind: &str) -> Option<&'a NodeCondition> {
    node.status
        .as_ref()?
        .conditions
        .as_deref()?
        .iter()
        .find(|c| c.type_ == kind)
}

/// Whether the node is down: Ready False/Unknown, or tainted unreachable/not-ready.
pub(crate) fn node_down(node: &Node) -> bool {
    let not_ready = condition(node, "Ready").is_some_and(|c| c.status != "True");
    let tainted = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.as_deref())
        .unwrap_or_default()
        .iter()
        .any(|t| DOWN_TAINTS.contains(&t.key.as_str()));
    not_ready || tainted
}

/// Whether `node-not-ready` explains the pod's state: its node is down. Checks that would
/// otherwise blame the pod's revision or containers, or advise deleting it (which hangs on
/// an unreachable node), defer to it.
pub(crate) fn on_down_node(ctx: &Ctx, pod: &Pod) -> bool {
    ctx.readable(Source::Nodes)
        && k8s::pod::node_name(pod)
            .and_then(|n| ctx.idx.node.get(n))
            .is_some_and(|n| node_down(n))
}
