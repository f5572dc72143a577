//! `pod-stuck-terminating`: a StatefulSet pod (or a pod with a claim) whose deletion is
//! overdue: its grace period plus 60 s have passed since the deletion was requested and the
//! object is still there. `metadata.deletionTimestamp` is already the end of the grace
//! period (request time + grace), so the pod is overdue once `now` is 60 s past it.
//!
//! Causes: its node is NotReady, unreachable or gone (no kubelet confirms the containers
//! stopped), or finalizers nobody removes. A StatefulSet never starts a second pod with the
//! same identity while this one exists, so the replica stays down until it is resolved.
//! The remedy confirms the node is really down, then the out-of-service taint; a force
//! delete only once the old process is known to be dead.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::k8s::node as kn;
use crate::model::Pod;
use crate::snapshot::Source;
use crate::sts;
use k8s_openapi::api::core::v1::Node;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "pod-stuck-terminating",
    needs: &[Source::Pods, Source::Nodes],
    run,
};

/// Slack after the grace period before a deletion counts as stuck.
const SLACK_SECS: i64 = 60;

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for pod in &ctx.snap.pods {
        let Some(del) = pod.metadata.deletion_timestamp.as_ref() else {
            continue;
        };
        let sts = k8s::pod::statefulset_of(pod);
        if sts.is_none() && k8s::pod::claims(pod).is_empty() {
            continue;
        }
        let overdue = k8s::time::secs_since(del.0, ctx.now);
        if overdue <= SLACK_SECS {
            continue;
        }
        out.push(finding(ctx, pod, sts, overdue));
    }
}

/// The node is gone or NotReady: confirm it is down, then mark it out of service (or
/// force-delete the pod), and lift the taint once the node is back. `node_known`: the Node
/// object exists (it can be tainted).
fn node_down_fixes(
    ctx: &Ctx,
    pod: &Pod,
    n: &str,
    node_known: bool,
    local: bool,
    force_warning: &str,
) -> Vec<Remedy> {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let mut out = Vec::new();
    if node_known {
        out.push(Remedy::run(
            format!("Confirm {n} is really down: its conditions here, and in the provider's console that the machine is powered off"),
            ctx.kubectl.argv(None, &["describe", "node", n]),
        ));
        out.push(
            Remedy::run(
                format!(
                    "Only once {n} is confirmed shut down: mark it out of service (non-graceful node shutdown, Kubernetes ≥ 1.28); its pods are then deleted and their volumes detached, and the StatefulSet re-creates {name}{}",
                    if local {
                        format!(", which then waits for {n} because its volume is local there")
                    } else {
                        " elsewhere".to_string()
                    }
                ),
                ctx.kubectl.argv(
                    None,
                    &[
                        "taint",
                        "nodes",
                        n,
                        &format!("{}=nodeshutdown:NoExecute", kn::OUT_OF_SERVICE_TAINT),
                    ],
                ),
            )
            .destructive(),
        );
    }
    out.push(
        Remedy::run(
            format!(
                "Or force-delete {name}, only after confirming its old process is dead ({n} powered off or gone): {force_warning}"
            ),
            ctx.kubectl.argv(Some(ns), &["delete", "pod", name, "--grace-period=0", "--force"]),
        )
        .destructive(),
    );
    if node_known {
        out.push(Remedy::run(
            format!("After {n} is repaired or replaced, remove the out-of-service taint"),
            ctx.kubectl.argv(
                None,
                &[
                    "taint",
                    "nodes",
                    n,
                    &format!("{}=nodeshutdown:NoExecute-", kn::OUT_OF_SERVICE_TAINT),
                ],
            ),
        ));
    }
    out
}

/// The finalizers hold the deletion: remove them, only if their controller is gone.
fn drop_finalizers(ctx: &Ctx, pod: &Pod, finalizers: &[&str]) -> Remedy {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    Remedy::run(
            format!(
                "Only if the controller that owns {} is gone for good: remove the finalizers so the deletion completes (its cleanup is then skipped)",
                finalizers.join(", ")
            ),
            ctx.kubectl.argv(
                Some(ns),
                &[
                    "patch",
                    "pod",
                    name,
                    "--type=merge",
                    "-p",
                    &json!({"metadata": {"finalizers": null}}).to_string(),
                ],
            ),
        )
        .destructive()
}

fn finding(ctx: &Ctx, pod: &Pod, sts: Option<&str>, overdue: i64) -> Finding {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let grace = pod
        .metadata
        .deletion_grace_period_seconds()
        .or_else(|| {
            pod.spec
                .as_ref()
                .and_then(|s| s.termination_grace_period_seconds)
        })
        .unwrap_or(30);
    let node_name = k8s::pod::node_name(pod);
    let node = node_name.and_then(|n| ctx.idx.node.get(n).copied());
    let finalizers: Vec<&str> = pod
        .metadata
        .finalizers
        .iter()
        .flatten()
        .map(|f| f.as_str())
        .collect();
    let (node_down, why) = why_stuck(node_name, node, &finalizers);
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, name),
        sts,
        format!(
            "{name} has been terminating for {}: {why}",
            k8s::time::short(overdue + grace.max(0))
        ),
    );
    f.evidence.push(format!(
        "deletion requested about {} ago with a grace period of {grace}s: overdue by {}",
        k8s::time::short(overdue + grace.max(0)),
        k8s::time::short(overdue)
    ));
    if let (Some(n), Some(nd)) = (node_name, node)
        && !kn::is_ready(nd)
    {
        let since = kn::ready_since(nd)
            .map(|t| format!(" since {} ago", k8s::time::age(t, ctx.now)))
            .unwrap_or_default();
        f.evidence.push(format!(
            "node {n}: Ready={}{since}; without its kubelet nobody confirms the containers stopped, so the API server keeps the pod",
            kn::ready_status(nd)
        ));
    }
    if !finalizers.is_empty() {
        f.evidence.push(format!(
            "finalizers: {} (each must be removed by the controller that added it)",
            finalizers.join(", ")
        ));
    }
    if let Some(s) = sts {
        f.evidence.push(format!(
            "StatefulSet {s} will not create a new {name} while this one exists (at most one pod per identity): the replica stays down until this pod is gone"
        ));
    }
    // A node-local volume cannot follow the pod: the replacement will wait for this node.
    let local = local_claims(ctx, pod, node_name, &mut f.evidence);
    f.commands.push(Remedy::run(
        format!("Read {name}'s status and events"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", name]),
    ));
    let force_warning =
        "two pods with one identity (one still writing on the old node) corrupt data";
    if node_down {
        let n = node_name.unwrap_or("");
        f.commands.extend(node_down_fixes(
            ctx,
            pod,
            n,
            node.is_some(),
            local,
            force_warning,
        ));
    } else if !finalizers.is_empty() {
        f.commands.push(drop_finalizers(ctx, pod, &finalizers));
    } else {
        let n = node_name.unwrap_or("its node");
        f.evidence.push(format!(
            "{n} is Ready: its kubelet is failing to stop the containers or unmount a volume (check the kubelet log and the container runtime there)"
        ));
        f.commands.push(
            Remedy::run(
                format!(
                    "Last resort, after confirming on {n} that the containers are gone (crictl ps): force-delete {name}; {force_warning}"
                ),
                ctx.kubectl.argv(Some(ns), &["delete", "pod", name, "--grace-period=0", "--force"]),
            )
            .destructive(),
        );
    }
    f
}

/// Claims of `pod` on node-local volumes, named in `evidence`: whether there is one.
fn local_claims(ctx: &Ctx, pod: &Pod, node_name: Option<&str>, evidence: &mut Vec<String>) -> bool {
    let ns = k8s::namespace(&pod.metadata);
    let mut local = false;
    for (_, c) in k8s::pod::claims(pod) {
        if let Some(pv) = ctx
            .idx
            .pvc
            .get(&(ns, c.as_ref()))
            .and_then(|p| p.spec.as_ref()?.volume_name.as_deref())
            .and_then(|v| ctx.idx.pv.get(v))
            && sts::affinity::is_node_local(pv)
        {
            local = true;
            evidence.push(format!(
                "claim {c} is on node-local {} ({}): a replacement pod can only run on {}; with that node gone, see pv-node-affinity-conflict",
                k8s::name(&pv.metadata),
                sts::affinity::volume_source(pv),
                node_name.unwrap_or("its node")
            ));
        }
    }
    local
}

/// Whether the pod's node is down (gone or NotReady), and why the pod is not removed.
fn why_stuck(node_name: Option<&str>, node: Option<&Node>, finalizers: &[&str]) -> (bool, String) {
    let node_down = match (node_name, node) {
        (Some(_), None) => true,
        (Some(_), Some(n)) => !kn::is_ready(n),
        (None, _) => false,
    };
    let why = match (node_name, node) {
        (Some(n), None) => format!("its node {n} no longer exists"),
        (Some(n), Some(nd)) if !kn::is_ready(nd) => {
            format!("its node {n} is NotReady (Ready={})", kn::ready_status(nd))
        }
        _ if !finalizers.is_empty() => {
            format!("finalizers {} are not removed", finalizers.join(", "))
        }
        (Some(n), _) => format!("the kubelet on {n} has not confirmed its containers stopped"),
        (None, _) => "it was never scheduled and is not removed".to_string(),
    };
    (node_down, why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn terminating(deleted_ago_secs: i64) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("data", "zk", 3));
        let mut p = pod("data", "zk", 1, false);
        p.metadata.deletion_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            now() - jiff::SignedDuration::from_secs(deleted_ago_secs),
        ));
        p.metadata.rare_mut().deletion_grace_period_seconds = Some(30);
        s.pods.push(p);
        s
    }

    #[test]
    fn not_ready_node_gives_confirm_taint_then_force() {
        let mut s = terminating(40 * 60);
        s.nodes.push(zoned_node("node-1", "z1", false));
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert!(f.summary.contains("node-1 is NotReady"), "{}", f.summary);
        let cmds: Vec<&str> = f.commands.iter().map(|c| c.command.as_str()).collect();
        let taint = cmds
            .iter()
            .position(|c| *c == "kubectl taint nodes node-1 node.kubernetes.io/out-of-service=nodeshutdown:NoExecute")
            .unwrap();
        let force = cmds
            .iter()
            .position(|c| *c == "kubectl -n data delete pod zk-1 --grace-period=0 --force")
            .unwrap();
        assert!(taint < force);
        assert!(f.commands[force].destructive);
        assert!(
            f.commands[force]
                .description
                .contains("two pods with one identity")
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("will not create a new zk-1"))
        );
    }

    #[test]
    fn within_grace_plus_a_minute_is_quiet() {
        let mut s = terminating(50);
        s.nodes.push(zoned_node("node-1", "z1", false));
        assert!(run_check(&s, CHECK).is_empty());
    }

    #[test]
    fn finalizers_on_a_healthy_node() {
        let mut s = terminating(600);
        s.pods[0].metadata.finalizers = Some(vec!["example.com/backup".into()]);
        s.nodes.push(zoned_node("node-1", "z1", true));
        let r = run_check(&s, CHECK);
        assert!(
            r[0].summary.contains("finalizers example.com/backup"),
            "{}",
            r[0].summary
        );
        assert!(r[0].commands.iter().any(|c| c.command
            == r#"kubectl -n data patch pod zk-1 --type=merge -p '{"metadata":{"finalizers":null}}'"#));
        assert!(
            !r[0]
                .commands
                .iter()
                .any(|c| c.command.contains("out-of-service"))
        );
    }
}
