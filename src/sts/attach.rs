//! A ReadWriteOnce volume still attached to another node (Multi-Attach).

use crate::analysis::Ctx;
use crate::k8s;
use crate::k8s::node as kn;
use crate::model::PersistentVolume;
use crate::model::Pod;
use crate::model::VolumeAttachment;
use crate::snapshot::Source;
use k8s_openapi::api::core::v1::Node;

/// What `volume-attach-conflict` needs to read: without it, nothing here explains a pod.
pub(crate) const NEEDS: &[Source] = &[
    Source::Pods,
    Source::PersistentVolumeClaims,
    Source::PersistentVolumes,
    Source::VolumeAttachments,
    Source::Nodes,
];

/// Where the volume is held, and by what.
pub(crate) enum Holder<'a> {
    /// The other node has no Node object any more.
    NodeGone,
    /// The other node is NotReady.
    NodeDown(&'a Node),
    /// Ready node, a pod there still runs with the claim.
    HealthyPod(&'a Pod),
    /// Ready node, the pod there is terminating.
    TerminatingPod(&'a Pod),
    /// Ready node, no pod uses the claim there: the detach itself is slow or failing.
    Detaching,
}

pub(crate) struct Conflict<'a> {
    pub claim: String,
    pub pv: &'a PersistentVolume,
    pub other_node: String,
    pub attachment: Option<&'a VolumeAttachment>,
    pub event: Option<String>,
    pub holder: Holder<'a>,
    /// A pod object on the other node that still mounts the claim.
    pub old_pod: Option<&'a Pod>,
}

/// A normal detach from the previous node takes seconds; give it a minute.
pub(crate) const GRACE_SECS: i64 = 60;

/// Since when the pod has waited to start: scheduled time, else creation.
pub(crate) fn waiting_since(pod: &Pod) -> Option<jiff::Timestamp> {
    k8s::pod::condition(pod, "PodScheduled")
        .filter(|c| c.status == "True")
        .and_then(|c| c.last_transition_time.as_ref())
        .or(pod.metadata.creation_timestamp.as_ref())
        .map(|t| t.0)
}

pub(crate) fn multi_attach_only(pv: &PersistentVolume) -> bool {
    // ReadWriteMany/ReadOnlyMany volumes attach to several nodes by design.
    !pv.spec
        .as_ref()
        .and_then(|s| s.access_modes.as_deref())
        .unwrap_or_default()
        .iter()
        .any(|m| m == "ReadWriteMany" || m == "ReadOnlyMany")
}

/// The pod's volumes held on another node. Empty unless the pod is scheduled and still
/// starting, or when a source this needs was not read.
pub(crate) fn conflicts<'a>(ctx: &Ctx<'a>, pod: &'a Pod) -> Vec<Conflict<'a>> {
    if !NEEDS.iter().all(|s| ctx.readable(*s))
        || pod.metadata.deletion_timestamp.is_some()
        || !k8s::pod::is_starting(pod)
    {
        return Vec::new();
    }
    let Some(here) = k8s::pod::node_name(pod) else {
        return Vec::new();
    };
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let multi_attach: Vec<&str> = if ctx.readable(Source::Events) {
        ctx.idx
            .events("Pod", ns, name)
            .iter()
            .filter(|e| {
                e.reason.as_deref() == Some("FailedAttachVolume") && k8s::pod::event_is_for(pod, e)
            })
            .filter_map(|e| e.message.as_deref())
            .filter(|m| m.contains("Multi-Attach error"))
            .collect()
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for (_, claim) in k8s::pod::claims(pod) {
        let Some(pv) = ctx
            .idx
            .pvc
            .get(&(ns, claim.as_ref()))
            .and_then(|pvc| pvc.spec.as_ref()?.volume_name.as_deref())
            .and_then(|v| ctx.idx.pv.get(v).copied())
        else {
            continue;
        };
        let pv_name = k8s::name(&pv.metadata);
        let event = multi_attach
            .iter()
            .find(|m| k8s::pod::quoted_after(m, "volume \"") == Some(pv_name))
            .map(|m| m.to_string());
        let attachment = ctx
            .idx
            .attachments_of_pv
            .get(pv_name)
            .into_iter()
            .flatten()
            .copied()
            .find(|va| {
                va.spec.node_name != here
                    && (va.status.as_ref().is_some_and(|s| s.attached)
                        || va.metadata.deletion_timestamp.is_some())
            });
        if attachment.is_none() && event.is_none() {
            continue;
        }
        if attachment.is_some() && event.is_none() && !multi_attach_only(pv) {
            continue;
        }
        // Without a Multi-Attach error, an old attachment seen in the first minute may
        // just be a detach in progress.
        if event.is_none()
            && waiting_since(pod).is_some_and(|t| k8s::time::secs_since(t, ctx.now) < GRACE_SECS)
        {
            continue;
        }
        // The other node: from the attachment, else from a pod that still uses the claim.
        let users = ctx.idx.pods_of_claim(ns, &claim);
        let other_node = attachment
            .map(|va| va.spec.node_name.to_string())
            .or_else(|| {
                users
                    .iter()
                    .filter(|p| k8s::name(&p.metadata) != name && !k8s::pod::is_terminal(p))
                    .find_map(|p| k8s::pod::node_name(p).filter(|n| *n != here))
                    .map(str::to_string)
            });
        let Some(other_node) = other_node else {
            continue;
        };
        let old_pod = users.iter().copied().find(|p| {
            k8s::name(&p.metadata) != name
                && !k8s::pod::is_terminal(p)
                && k8s::pod::node_name(p) == Some(other_node.as_str())
        });
        let holder = match ctx.idx.node.get(other_node.as_str()).copied() {
            None => Holder::NodeGone,
            Some(n) if !kn::is_ready(n) => Holder::NodeDown(n),
            Some(_) => {
                let there = users.iter().copied().find(|p| {
                    k8s::name(&p.metadata) != name
                        && !k8s::pod::is_terminal(p)
                        && k8s::pod::node_name(p) == Some(other_node.as_str())
                });
                match there {
                    Some(p) if p.metadata.deletion_timestamp.is_some() => Holder::TerminatingPod(p),
                    Some(p) => Holder::HealthyPod(p),
                    None => Holder::Detaching,
                }
            }
        };
        out.push(Conflict {
            claim: claim.into_owned(),
            pv,
            other_node,
            attachment,
            event,
            holder,
            old_pod,
        });
    }
    out
}

/// Whether a volume still attached elsewhere explains why `pod` cannot start
/// (`volume-attach-conflict` reports it, so `volume-mount-failed` stays quiet about its
/// attach timeouts).
pub(crate) fn attach_conflicts(ctx: &Ctx, pod: &Pod) -> bool {
    !conflicts(ctx, pod).is_empty()
}
