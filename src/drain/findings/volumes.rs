//! The findings about volumes: a pod whose volume pins it to the node, or that has
//! nowhere else to go.

use super::{NO_NODE, Problem, Stranded, VOLUME_PINNED, ZONE_CAPACITY, new_finding};
use crate::drain::step::StepResult;
use crate::drain::world::{PodFact, World};
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;

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

pub(super) fn stranded_finding(
    w: &World,
    r: &StepResult,
    p: &Problem,
    pod: usize,
    why: &Stranded,
) -> Finding {
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
