//! The claims of a StatefulSet's members, node-local volumes, and claims whose volume is
//! gone.

use crate::analysis::Ctx;
pub(crate) use crate::analysis::index::MemberClaim as Claim;
use crate::k8s;
use crate::model::PersistentVolume;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::Source;

/// What `pvc-lost` needs to read: without it, nothing here explains a pod.
pub(crate) const LOST_NEEDS: &[Source] = &[
    Source::Pods,
    Source::PersistentVolumeClaims,
    Source::PersistentVolumes,
    Source::StorageClasses,
];

/// Names of the claim templates.
pub(crate) fn template_names(sts: &StatefulSet) -> Vec<&str> {
    sts.spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_deref())
        .unwrap_or_default()
        .iter()
        .map(|t| k8s::name(&t.metadata))
        .filter(|n| !n.is_empty())
        .collect()
}

/// The claims of the current members (`[start, start+replicas)`), per template, with the
/// PVC and bound PV when they exist (computed once per analysis, in the index).
pub(crate) fn claims_of<'s, 'a>(ctx: &'s Ctx<'a>, sts: &'s StatefulSet) -> &'s [Claim<'a>] {
    ctx.idx.member_claims(sts)
}

/// Why a PV is tied to one node, in a few words, and the node when known.
pub(crate) fn node_local(ctx: &Ctx, pv: &PersistentVolume) -> Option<(String, Option<String>)> {
    let spec = pv.spec.as_ref()?;
    let host = spec
        .node_affinity
        .as_ref()
        .and_then(|a| a.required.as_ref())
        .and_then(|sel| k8s::node::pinned_hosts(sel).first().map(|h| h.to_string()));
    if let Some(l) = &spec.local {
        return Some((format!("local volume {}", l.path), host));
    }
    if let Some(h) = &spec.host_path {
        return Some((format!("hostPath {}", h.path), host));
    }
    let class = spec.storage_class_name.as_deref().unwrap_or("");
    if let Some(sc) = ctx.idx.storage_class.get(class)
        && sc.provisioner == "kubernetes.io/no-provisioner"
    {
        return Some((
            format!("class {class} has provisioner kubernetes.io/no-provisioner"),
            host,
        ));
    }
    host.map(|h| (format!("node affinity pins it to host {h}"), Some(h)))
}

/// The node the pod's data is tied to, if one of its volumes is node-local: deleting the
/// pod to move it elsewhere would only leave it Pending.
pub(crate) fn pod_pinned_to_node(ctx: &Ctx, pod: &Pod) -> Option<String> {
    let ns = k8s::namespace(&pod.metadata);
    let vols = pod.spec.as_ref()?.volumes.as_deref().unwrap_or_default();
    vols.iter()
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .filter_map(|c| ctx.idx.pvc.get(&(ns, c.claim_name.as_str())))
        .filter_map(|pvc| pvc.spec.as_ref()?.volume_name.as_deref())
        .filter_map(|pv| ctx.idx.pv.get(pv))
        .find_map(|pv| node_local(ctx, pv))
        .map(|(why, host)| host.unwrap_or(why))
}

pub(crate) fn is_lost(pvc: &PersistentVolumeClaim) -> bool {
    pvc.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Lost")
}

/// Whether `pvc-lost` reports a claim of `pod`: then the pod's own trouble (the scheduler
/// refusing it with `persistentvolumeclaim "…" bound to non-existent persistentvolume "…"`,
/// or a mount that cannot happen) is this finding's consequence, not a root cause of its own.
pub(crate) fn claim_lost(ctx: &Ctx, pod: &Pod) -> bool {
    if !LOST_NEEDS.iter().all(|s| ctx.readable(*s)) {
        return false;
    }
    let ns = k8s::namespace(&pod.metadata);
    k8s::pod::claims(pod).iter().any(|(_, c)| {
        ctx.idx
            .pvc
            .get(&(ns, c.as_ref()))
            .is_some_and(|p| is_lost(p))
    })
}
