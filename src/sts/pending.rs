//! Why a claim is Pending, classified once: the pod-unschedulable and pvc-lost checks defer
//! to a Pending claim that is the root cause.

use crate::analysis::Ctx;
use crate::k8s::node as kn;
use crate::model::Event;
use crate::model::PersistentVolume;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::snapshot::Source;
use crate::{k8s, sts};
use k8s_openapi::api::storage::v1::StorageClass;
use std::collections::HashMap;

/// What `pvc-pending` needs to read: without it, nothing here explains a pod.
pub(crate) const NEEDS: &[Source] = &[
    Source::StatefulSets,
    Source::Pods,
    Source::PersistentVolumeClaims,
    Source::PersistentVolumes,
    Source::StorageClasses,
];

/// How long a claim may be Pending before it is a finding: dynamic provisioning of a cloud
/// disk normally takes seconds to a minute.
pub(crate) const GRACE_SECS: i64 = 120;

pub(crate) const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cause {
    /// The claim names a StorageClass that does not exist.
    ClassMissing(String),
    /// The claim names no class and the cluster has no default class.
    NoDefaultClass,
    /// A quota refused the volume (message quoted).
    Quota(String),
    /// The provisioner tried and failed (newest ProvisioningFailed quoted).
    ProvisionerError {
        provisioner: String,
        message: String,
    },
    /// Static binding and no PV fits.
    NoStaticPv(String),
    /// WaitForFirstConsumer: the claim waits for its pod, which cannot be scheduled for
    /// another reason; the runbook that explains the pod.
    WaitingForPod { pod: String, see: &'static str },
    /// Nothing failed, nothing happened: the provisioner does not act.
    WaitingForProvisioner(String),
}

impl Cause {
    /// Whether this claim is the root cause of its pod not starting.
    pub fn is_root(&self) -> bool {
        !matches!(self, Cause::WaitingForPod { .. })
    }
}

pub(crate) fn is_pending(pvc: &PersistentVolumeClaim) -> bool {
    pvc.metadata.deletion_timestamp.is_none()
        && pvc.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending")
}

pub(crate) fn old_enough(ctx: &Ctx, pvc: &PersistentVolumeClaim) -> bool {
    pvc.metadata
        .creation_timestamp
        .as_ref()
        .is_none_or(|t| k8s::time::secs_since(t.0, ctx.now) > GRACE_SECS)
}

pub(crate) fn annotation<'a>(pvc: &'a PersistentVolumeClaim, key: &str) -> Option<&'a str> {
    pvc.metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(|v| v.as_str())
}

/// The claim's events that are about this claim (not an earlier one of the same name),
/// newest first.
pub(crate) fn claim_events<'a>(ctx: &Ctx<'a>, pvc: &PersistentVolumeClaim) -> Vec<&'a Event> {
    ctx.idx
        .events(
            "PersistentVolumeClaim",
            k8s::namespace(&pvc.metadata),
            k8s::name(&pvc.metadata),
        )
        .iter()
        .copied()
        .filter(|e| k8s::pod::event_is_about(&pvc.metadata, e))
        .collect()
}

pub(crate) fn is_quota(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("quota") || m.contains("limitexceeded") || m.contains("limit exceeded")
}

pub(crate) fn requested_bytes(pvc: &PersistentVolumeClaim) -> Option<f64> {
    pvc.storage_request().and_then(k8s::quantity::parse)
}

/// Whether an Available PV could satisfy the claim: same class, not reserved for another
/// claim, big enough, the access modes and volume mode asked for, and the claim's selector.
pub(crate) fn pv_fits(pv: &PersistentVolume, pvc: &PersistentVolumeClaim, class: &str) -> bool {
    let (Some(spec), Some(cspec)) = (pv.spec.as_ref(), pvc.spec.as_ref()) else {
        return false;
    };
    if pv.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Available") {
        return false;
    }
    if spec.storage_class_name.as_deref().unwrap_or("") != class {
        return false;
    }
    if let Some(c) = &spec.claim_ref
        && (c.namespace.as_deref() != pvc.metadata.namespace.as_deref()
            || c.name.as_deref() != pvc.metadata.name.as_deref())
    {
        return false;
    }
    let cap = spec
        .capacity
        .as_ref()
        .and_then(|c| c.get("storage"))
        .and_then(|q| k8s::quantity::parse(&q.0))
        .unwrap_or(0.0);
    if requested_bytes(pvc).is_some_and(|r| cap < r) {
        return false;
    }
    let have = spec.access_modes.as_deref().unwrap_or_default();
    if !cspec
        .access_modes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .all(|m| have.contains(m))
    {
        return false;
    }
    if spec.volume_mode.as_deref().unwrap_or("Filesystem")
        != cspec.volume_mode.as_deref().unwrap_or("Filesystem")
    {
        return false;
    }
    match &cspec.selector {
        Some(sel) => k8s::labels::matches(sel, pv.metadata.labels.as_ref()),
        None => true,
    }
}

/// The Available PVs of a class (`""`: no class).
pub(crate) fn available<'c, 'a>(ctx: &'c Ctx<'a>, class: &str) -> &'c [&'a PersistentVolume] {
    ctx.idx
        .available_pvs_of_class
        .get(class)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The pods that mount the claim and may still run.
pub(crate) fn users<'a>(ctx: &Ctx<'a>, pvc: &PersistentVolumeClaim) -> Vec<&'a Pod> {
    ctx.idx
        .pods_of_claim(k8s::namespace(&pvc.metadata), k8s::name(&pvc.metadata))
        .iter()
        .copied()
        .filter(|p| !k8s::pod::is_terminal(p))
        .collect()
}

/// Why the claim is Pending, or `None` when it is not a finding: not Pending, younger than
/// two minutes, or a WaitForFirstConsumer claim that no pod is waiting on yet.
pub(crate) fn classify(ctx: &Ctx, pvc: &PersistentVolumeClaim) -> Option<Cause> {
    if !is_pending(pvc) || !old_enough(ctx, pvc) {
        return None;
    }
    let spec = pvc.spec.as_ref()?;
    let events = claim_events(ctx, pvc);
    let failed = events
        .iter()
        .find(|e| e.reason.as_deref() == Some("ProvisioningFailed"))
        .and_then(|e| e.message.as_deref());
    if let Some(m) = failed
        && is_quota(m)
    {
        return Some(Cause::Quota(m.to_string()));
    }
    let class: Option<&StorageClass> = match spec.storage_class_name.as_deref() {
        Some("") => None,
        Some(name) => match ctx.idx.storage_class.get(name) {
            Some(c) => Some(c),
            None => return Some(Cause::ClassMissing(name.to_string())),
        },
        None => match ctx.idx.default_storage_class {
            Some(c) => Some(c),
            None => {
                let any_fit = available(ctx, "").iter().any(|pv| pv_fits(pv, pvc, ""));
                if !any_fit {
                    return Some(Cause::NoDefaultClass);
                }
                None
            }
        },
    };
    let class_name = class.map(|c| k8s::name(&c.metadata)).unwrap_or("");
    // A claim pre-bound to one PV by name waits for exactly that PV.
    if let Some(vn) = spec.volume_name.as_deref().filter(|v| !v.is_empty()) {
        return Some(pre_bound(ctx, pvc, vn));
    }
    let is_static = class.is_none_or(|c| c.provisioner == NO_PROVISIONER);
    let wffc = class.and_then(|c| c.volume_binding_mode.as_deref()) == Some("WaitForFirstConsumer");
    let waiting_pod = users(ctx, pvc)
        .into_iter()
        .find(|p| sts::affinity::is_unscheduled(p));
    if is_static {
        return static_cause(ctx, pvc, class_name, wffc, waiting_pod);
    }
    let provisioner = class.map(|c| c.provisioner.clone()).unwrap_or_default();
    if let Some(m) = failed {
        return Some(Cause::ProvisionerError {
            provisioner,
            message: m.to_string(),
        });
    }
    if wffc && annotation(pvc, "volume.kubernetes.io/selected-node").is_none() {
        // The provisioner has not been asked yet: the claim waits for its pod's node.
        return waiting_pod.map(|p| waiting_for(ctx, p));
    }
    Some(Cause::WaitingForProvisioner(provisioner))
}

/// A claim pre-bound to PersistentVolume `vn` by name (`spec.volumeName`): why that
/// volume does not take it.
fn pre_bound(ctx: &Ctx, pvc: &PersistentVolumeClaim, vn: &str) -> Cause {
    match ctx.idx.pv.get(vn) {
        None => Cause::NoStaticPv(format!(
            "the claim asks for PersistentVolume {vn} (spec.volumeName), which does not exist"
        )),
        Some(pv) => {
            let other = pv
                .spec
                .as_ref()
                .and_then(|s| s.claim_ref.as_ref())
                .filter(|c| {
                    c.name.as_deref() != pvc.metadata.name.as_deref()
                        || c.namespace.as_deref() != pvc.metadata.namespace.as_deref()
                });
            match other {
                Some(c) => Cause::NoStaticPv(format!(
                    "the claim asks for PersistentVolume {vn}, which is reserved for claim {}/{}",
                    c.namespace.as_deref().unwrap_or(""),
                    c.name.as_deref().unwrap_or("")
                )),
                None => Cause::NoStaticPv(format!(
                    "the claim asks for PersistentVolume {vn}, which does not bind to it (phase {}, class {}): compare class, size and access modes",
                    pv.status
                        .as_ref()
                        .and_then(|s| s.phase.as_deref())
                        .unwrap_or("unknown"),
                    pv.spec
                        .as_ref()
                        .and_then(|s| s.storage_class_name.as_deref())
                        .unwrap_or("none")
                )),
            }
        }
    }
}

/// A claim of a class with no provisioner (or of none): whether an Available volume fits
/// it, and whether one is on a node its pod may use.
fn static_cause(
    ctx: &Ctx,
    pvc: &PersistentVolumeClaim,
    class_name: &str,
    wffc: bool,
    waiting_pod: Option<&Pod>,
) -> Option<Cause> {
    let fits: Vec<&PersistentVolume> = available(ctx, class_name)
        .iter()
        .copied()
        .filter(|pv| pv_fits(pv, pvc, class_name))
        .collect();
    let size = pvc.storage_request().unwrap_or("?");
    let what = if class_name.is_empty() {
        "without a storage class".to_string()
    } else {
        format!("of class {class_name} (no provisioner)")
    };
    if fits.is_empty() {
        return Some(Cause::NoStaticPv(format!(
            "no Available PersistentVolume {what} offers {size} with the access modes asked for"
        )));
    }
    if wffc && ctx.readable(Source::Nodes) {
        let tolerations = waiting_pod
            .map(|p| kn::tolerations(p.spec.as_ref()))
            .unwrap_or_default();
        let usable = fits.iter().any(|pv| {
            match pv
                .spec
                .as_ref()
                .and_then(|s| s.node_affinity.as_ref())
                .and_then(|a| a.required.as_ref())
            {
                None => true,
                Some(sel) => ctx
                    .idx
                    .nodes_matching(sel)
                    .iter()
                    .any(|n| kn::usable_for(n, tolerations)),
            }
        });
        if !usable {
            let names: Vec<&str> = fits
                .iter()
                .take(5)
                .map(|pv| k8s::name(&pv.metadata))
                .collect();
            return Some(Cause::NoStaticPv(format!(
                "{} Available PersistentVolume(s) {what} would fit ({}), but none is on a Ready, schedulable node",
                fits.len(),
                names.join(", ")
            )));
        }
    }
    match waiting_pod {
        Some(pod) if wffc => Some(waiting_for(ctx, pod)),
        _ => Some(Cause::NoStaticPv(format!(
            "{} Available PersistentVolume(s) {what} look like a fit, yet the claim is not bound: compare their labels with the claim's selector, size and access modes",
            fits.len()
        ))),
    }
}

/// The claim waits for `pod` to be scheduled, and why that pod is not.
fn waiting_for(ctx: &Ctx, pod: &Pod) -> Cause {
    Cause::WaitingForPod {
        pod: k8s::name(&pod.metadata).to_string(),
        see: if sts::affinity::pv_conflicts_with_node(ctx, pod) {
            "pv-node-affinity-conflict"
        } else {
            "pod-unschedulable"
        },
    }
}

/// Whether a claim of `pod` is Pending for a reason of its own, which then explains why the
/// pod is not scheduled (`pvc-pending` reports it, so `pod-unschedulable` stays quiet).
pub(crate) fn claim_pending_is_root(ctx: &Ctx, pod: &Pod) -> bool {
    if !NEEDS.iter().all(|s| ctx.readable(*s)) {
        return false;
    }
    let ns = k8s::namespace(&pod.metadata);
    k8s::pod::claims(pod).iter().any(|(_, c)| {
        ctx.idx
            .pvc
            .get(&(ns, c.as_ref()))
            .and_then(|pvc| classify(ctx, pvc))
            .is_some_and(|cause| cause.is_root())
    })
}

/// `<template>-<statefulset>` prefixes of every claim template, to find which StatefulSet
/// a claim with no pod yet belongs to.
pub(crate) fn template_prefixes(ctx: &Ctx) -> HashMap<(String, String), (String, String)> {
    let mut m = HashMap::new();
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        for t in sts
            .spec
            .as_ref()
            .and_then(|s| s.volume_claim_templates.as_deref())
            .unwrap_or_default()
        {
            let tpl = k8s::name(&t.metadata);
            m.insert(
                (ns.to_string(), format!("{tpl}-{name}")),
                (name.to_string(), tpl.to_string()),
            );
        }
    }
    m
}

/// The StatefulSet and claim template a claim comes from.
pub(crate) fn owner_of(
    prefixes: &HashMap<(String, String), (String, String)>,
    ns: &str,
    claim: &str,
) -> Option<(String, String)> {
    let (prefix, ordinal) = claim.rsplit_once('-')?;
    if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    prefixes.get(&(ns.to_string(), prefix.to_string())).cloned()
}
