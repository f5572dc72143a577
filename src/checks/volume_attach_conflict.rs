//! `volume-attach-conflict`: a pod waits in ContainerCreating because its ReadWriteOnce
//! volume is still attached to another node: a VolumeAttachment of its PV names another
//! node, or the pod has a FailedAttachVolume "Multi-Attach" event. What to do depends on
//! that other node:
//! - gone or NotReady: if it is really down, the non-graceful shutdown taint
//!   (`node.kubernetes.io/out-of-service`) force-detaches at once; otherwise the volume is
//!   force-detached about six minutes after the old pod is gone; deleting the
//!   VolumeAttachment by hand only when the machine is confirmed powered off;
//! - Ready, with a healthy pod still using the claim (a Deployment rolling over a
//!   ReadWriteOnce claim): never the taint, the node is fine; the fix is ordering
//!   (StatefulSet, or `Recreate`), see `deployment-stateful`.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::k8s::node as kn;
use crate::model::Pod;
use crate::sts;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "volume-attach-conflict",
    needs: sts::attach::NEEDS,
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for pod in &ctx.snap.pods {
        let found = sts::attach::conflicts(ctx, pod);
        if !found.is_empty() {
            out.push(finding(ctx, pod, &found));
        }
    }
}

/// The Deployment behind a pod owned by a ReplicaSet `<deployment>-<hash>`, if the
/// snapshot has it.
fn deployment_of<'a>(ctx: &Ctx<'a>, pod: &Pod) -> Option<&'a str> {
    let owner = k8s::controller_of(&pod.metadata).filter(|o| o.kind == "ReplicaSet")?;
    let (deploy, _) = owner.name.rsplit_once('-')?;
    let ns = k8s::namespace(&pod.metadata);
    ctx.snap
        .deployments
        .iter()
        .find(|d| k8s::namespace(&d.metadata) == ns && k8s::name(&d.metadata) == deploy)
        .map(|d| k8s::name(&d.metadata))
}

/// The other node is fine and a running pod there holds the claim: two pods want one
/// ReadWriteOnce volume. Never detach it from under the running pod.
fn healthy_holder(ctx: &Ctx, f: &mut Finding, pod: &Pod, c: &sts::attach::Conflict, p: &Pod) {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let holder = k8s::name(&p.metadata);
    f.evidence.push(format!(
            "{} is Ready and {holder} ({}) still runs there with claim {}: the node is fine, two pods want one ReadWriteOnce volume at the same time",
            c.other_node,
            k8s::pod::phase(p),
            c.claim
        ));
    f.evidence.push(
            "do NOT taint the node out-of-service or delete the VolumeAttachment: the running pod would lose its disk mid-write"
                .to_string(),
        );
    match deployment_of(ctx, p) {
            Some(d) => {
                f.evidence.push(format!(
                    "{holder} belongs to Deployment {d}: a RollingUpdate starts the new pod before the old one stops, so every rollout hits this; see deployment-stateful"
                ));
                f.commands.push(Remedy::run(
                    format!("Make {d} stop the old pod before starting the new one (strategy Recreate); for real per-replica state, migrate it to a StatefulSet"),
                    ctx.kubectl.argv(
                        Some(ns),
                        &[
                            "patch",
                            "deployment",
                            d,
                            "--type=merge",
                            "-p",
                            &json!({"spec": {"strategy": {"type": "Recreate", "rollingUpdate": null}}}).to_string(),
                        ],
                    ),
                ));
            }
            None => f.evidence.push(format!(
                "only one of {name} and {holder} can run with this claim: stop the one that should not (for workloads that share a ReadWriteOnce claim, see deployment-stateful)"
            )),
        }
}

fn finding(ctx: &Ctx, pod: &Pod, found: &[sts::attach::Conflict]) -> Finding {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let here = k8s::pod::node_name(pod).unwrap_or("");
    let first = &found[0];
    let pv_name = k8s::name(&first.pv.metadata);
    let other = first.other_node.as_str();
    let state = match &first.holder {
        sts::attach::Holder::NodeGone => format!("{other}, which no longer exists"),
        sts::attach::Holder::NodeDown(_) => format!("{other}, which is NotReady"),
        sts::attach::Holder::HealthyPod(p) => format!(
            "{other}, where {} still runs with it",
            k8s::name(&p.metadata)
        ),
        sts::attach::Holder::TerminatingPod(p) => format!(
            "{other}, where {} is still terminating",
            k8s::name(&p.metadata)
        ),
        sts::attach::Holder::Detaching => {
            format!("{other}, which no longer uses it (detach pending)")
        }
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, name),
        k8s::pod::statefulset_of(pod),
        format!("{name} cannot start on {here}: its volume {pv_name} is still attached to {state}"),
    );
    f.commands.push(Remedy::run(
        format!("Read {name}'s attach events"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", name]),
    ));
    let mut described: Vec<&str> = Vec::new();
    for c in found {
        let pv = k8s::name(&c.pv.metadata);
        let modes =
            c.pv.spec
                .as_ref()
                .and_then(|s| s.access_modes.as_deref())
                .unwrap_or_default()
                .join(",");
        f.evidence.push(format!(
            "claim {} is bound to {pv} ({modes}): it can be attached to one node at a time",
            c.claim
        ));
        if let Some(va) = c.attachment {
            let attached = va.status.as_ref().is_some_and(|s| s.attached);
            let detach = va
                .status
                .as_ref()
                .and_then(|s| s.detach_error.as_ref())
                .and_then(|e| e.message.as_deref())
                .map(|m| format!("; detach error: {}", k8s::pod::message_line(m, 200)))
                .unwrap_or_default();
            f.evidence.push(format!(
                "VolumeAttachment {} attaches {pv} to {} (attached: {attached}{}){detach}",
                k8s::name(&va.metadata),
                c.other_node,
                if va.metadata.deletion_timestamp.is_some() {
                    ", being deleted"
                } else {
                    ""
                }
            ));
        }
        if let Some(m) = &c.event {
            f.evidence.push(format!(
                "FailedAttachVolume: {}",
                k8s::pod::message_line(m, 300)
            ));
        }
        if described.contains(&c.other_node.as_str()) {
            continue;
        }
        described.push(c.other_node.as_str());
        let va_name = c.attachment.map(|va| k8s::name(&va.metadata));
        match &c.holder {
            sts::attach::Holder::NodeGone | sts::attach::Holder::NodeDown(_) => {
                node_down_steps(ctx, &mut f, c, va_name);
            }
            sts::attach::Holder::HealthyPod(p) => healthy_holder(ctx, &mut f, pod, c, p),
            sts::attach::Holder::TerminatingPod(p) => {
                let holder = k8s::name(&p.metadata);
                f.evidence.push(format!(
                    "{holder} on {} (Ready) is terminating: the volume is detached once it has stopped; if it hangs, see pod-stuck-terminating",
                    c.other_node
                ));
                f.commands.push(Remedy::run(
                    format!("Watch {holder} finish terminating"),
                    ctx.kubectl.argv(Some(ns), &["get", "pod", holder, "-w"]),
                ));
            }
            sts::attach::Holder::Detaching => {
                f.evidence.push(format!(
                    "{} is Ready and no pod there uses the claim: the detach is slow or failing (check the CSI driver's controller logs)",
                    c.other_node
                ));
                if let Some(va) = va_name {
                    f.commands.push(Remedy::run(
                        format!("Watch VolumeAttachment {va} go away (force-detach follows ~6 min after the old pod is gone)"),
                        ctx.kubectl.argv(None, &["get", "volumeattachment", va, "-w"]),
                    ));
                }
            }
        }
    }
    f
}

/// The other node is gone or NotReady: confirm it is really down, then the non-graceful
/// shutdown taint (or wait for the force-detach); deleting the VolumeAttachment is the
/// last resort once the machine is confirmed off.
fn node_down_steps(ctx: &Ctx, f: &mut Finding, c: &sts::attach::Conflict, va: Option<&str>) {
    let node = c.other_node.as_str();
    match &c.holder {
        sts::attach::Holder::NodeDown(n) => {
            let since = kn::ready_since(n)
                .map(|t| format!(" for {}", k8s::time::age(t, ctx.now)))
                .unwrap_or_default();
            f.evidence.push(format!(
                "{node} is NotReady (Ready={}){since}: no kubelet confirms the unmount, so the volume is only detached by force: about 6 minutes after no pod on {node} uses it, or at once with the out-of-service taint",
                kn::ready_status(n)
            ));
            f.commands.push(Remedy::run(
                format!("Confirm {node} is really down: its conditions here, and in the provider's console that the machine is powered off"),
                ctx.kubectl.argv(None, &["describe", "node", node]),
            ));
            f.commands.push(
                Remedy::run(
                    format!(
                        "Only if {node} is confirmed shut down: mark it out of service (non-graceful node shutdown, Kubernetes ≥ 1.28), which force-deletes its pods and force-detaches its volumes at once. Never on a node that may still run: its pods could still write to the volume"
                    ),
                    ctx.kubectl.argv(
                        None,
                        &[
                            "taint",
                            "nodes",
                            node,
                            &format!("{}=nodeshutdown:NoExecute", kn::OUT_OF_SERVICE_TAINT),
                        ],
                    ),
                )
                .destructive(),
            );
        }
        _ => {
            f.evidence.push(format!(
                "{node} no longer exists: confirm in the provider's console that the machine is terminated"
            ));
        }
    }
    if let Some(p) = c.old_pod {
        f.evidence.push(format!(
            "pod {} still exists on {node}{}: the volume stays attached while it does (see pod-stuck-terminating)",
            k8s::name(&p.metadata),
            if p.metadata.deletion_timestamp.is_some() { " (Terminating)" } else { "" }
        ));
    }
    if let Some(va) = va {
        f.commands.push(Remedy::run(
            format!("Otherwise wait: the volume is force-detached about 6 minutes after the old pod is gone; watch VolumeAttachment {va}"),
            ctx.kubectl.argv(None, &["get", "volumeattachment", va, "-w"]),
        ));
        f.commands.push(
            Remedy::run(
                format!(
                    "Last resort, only when {node} is confirmed powered off: delete the stale VolumeAttachment so the volume can attach to the new node"
                ),
                ctx.kubectl.argv(None, &["delete", "volumeattachment", va]),
            )
            .destructive(),
        );
    }
    if matches!(c.holder, sts::attach::Holder::NodeDown(_)) {
        f.commands.push(Remedy::run(
            format!("After {node} is repaired or replaced, remove the out-of-service taint"),
            ctx.kubectl.argv(
                None,
                &[
                    "taint",
                    "nodes",
                    node,
                    &format!("{}=nodeshutdown:NoExecute-", kn::OUT_OF_SERVICE_TAINT),
                ],
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::VolumeAttachment;
    use crate::testutil::*;
    use serde_json::json;

    fn creating(ns: &str, sts: &str, ordinal: u32, node: &str) -> Pod {
        let mut p = pod(ns, sts, ordinal, false);
        p.spec.as_mut().unwrap().node_name = Some(node.into());
        let st = p.status.as_mut().unwrap();
        st.phase = Some("Pending".into());
        st.container_statuses.as_mut().unwrap()[0].state = Some(from_json(
            json!({"waiting": {"reason": "ContainerCreating"}}),
        ));
        with_claim(&mut p, &format!("data-{sts}-{ordinal}"));
        p
    }

    fn va(pv: &str, node: &str) -> VolumeAttachment {
        from_json(json!({
            "metadata": {"name": format!("csi-{pv}-{node}")},
            "spec": {"attacher": "ebs.csi.aws.com", "nodeName": node, "source": {"persistentVolumeName": pv}},
            "status": {"attached": true}
        }))
    }

    fn base(other_ready: bool) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("mq", "rabbitmq", 3));
        s.pods.push(creating("mq", "rabbitmq", 2, "node-1"));
        s.pvcs
            .push(bound_claim("mq", "data-rabbitmq-2", "pv-2", "standard"));
        s.pvs.push(zonal_pv("pv-2", "z1", "mq", "data-rabbitmq-2"));
        s.nodes.push(zoned_node("node-1", "z1", true));
        s.nodes.push(zoned_node("node-3", "z1", other_ready));
        s.volume_attachments.push(va("pv-2", "node-3"));
        s
    }

    #[test]
    fn node_down_offers_the_out_of_service_taint_and_the_wait() {
        let s = base(false);
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1, "{r:#?}");
        let f = &r[0];
        assert!(
            f.summary
                .contains("still attached to node-3, which is NotReady"),
            "{}",
            f.summary
        );
        let taint = f
            .commands
            .iter()
            .find(|c| c.command == "kubectl taint nodes node-3 node.kubernetes.io/out-of-service=nodeshutdown:NoExecute")
            .expect("taint");
        assert!(taint.destructive);
        let del = f
            .commands
            .iter()
            .find(|c| c.command == "kubectl delete volumeattachment csi-pv-2-node-3")
            .expect("delete va");
        assert!(del.destructive);
        assert!(
            f.commands
                .iter()
                .any(|c| c.command.ends_with("nodeshutdown:NoExecute-"))
        );
    }

    #[test]
    fn a_healthy_holder_on_a_ready_node_never_gets_the_taint() {
        let mut s = base(true);
        // A Deployment pod on node-3 still runs with the claim.
        let mut holder: Pod = from_json(json!({
            "metadata": {"name": "web-7d9f-abc", "namespace": "mq",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f", "uid": "u", "controller": true}]},
            "spec": {"nodeName": "node-3", "containers": [{"name": "web", "image": "web"}]},
            "status": {"phase": "Running"}
        }));
        with_claim(&mut holder, "data-rabbitmq-2");
        s.pods.push(holder);
        s.deployments.push(from_json(
            json!({"metadata": {"name": "web", "namespace": "mq"},
            "spec": {"selector": {}, "template": {}}}),
        ));
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        let cmds: Vec<&str> = r[0].commands.iter().map(|c| c.command.as_str()).collect();
        assert!(
            !cmds.iter().any(|c| c.contains("out-of-service")),
            "{cmds:#?}"
        );
        assert!(
            !cmds.iter().any(|c| c.contains("delete volumeattachment")),
            "{cmds:#?}"
        );
        assert!(cmds.contains(
            &r#"kubectl -n mq patch deployment web --type=merge -p '{"spec":{"strategy":{"rollingUpdate":null,"type":"Recreate"}}}'"#
        ), "{cmds:#?}");
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.contains("deployment-stateful"))
        );
    }

    #[test]
    fn multi_attach_event_alone_is_enough() {
        let mut s = base(false);
        s.volume_attachments.clear();
        let mut holder = pod("mq", "old", 0, true);
        holder.spec.as_mut().unwrap().node_name = Some("node-3".into());
        with_claim(&mut holder, "data-rabbitmq-2");
        s.pods.push(holder);
        s.events.push(pod_event("mq", "rabbitmq-2", None, "FailedAttachVolume",
            "Multi-Attach error for volume \"pv-2\" Volume is already exclusively attached to one node and can't be attached to another",
            "2026-11-22T02:59:00Z", 5));
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.starts_with("FailedAttachVolume: Multi-Attach"))
        );
    }

    #[test]
    fn a_fresh_pod_gets_a_minute_for_the_old_detach() {
        let mut s = base(false);
        s.pods[0].metadata.creation_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                now() - jiff::SignedDuration::from_secs(20),
            ));
        assert!(run_check(&s, CHECK).is_empty());
    }

    #[test]
    fn quiet_when_attached_where_the_pod_runs_or_pod_started() {
        let mut s = base(false);
        s.volume_attachments[0] = va("pv-2", "node-1");
        assert!(run_check(&s, CHECK).is_empty());
        let mut s = base(false);
        s.pods[0] = pod("mq", "rabbitmq", 2, true);
        with_claim(&mut s.pods[0], "data-rabbitmq-2");
        assert!(run_check(&s, CHECK).is_empty());
    }
}
