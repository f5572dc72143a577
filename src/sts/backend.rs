//! A volume whose disk is gone from the storage backend.

use crate::analysis::Ctx;
use crate::k8s;
use crate::model::PersistentVolume;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::snapshot::Source;

/// What `volume-backend-missing` needs to read: without it, nothing here explains a pod.
pub(crate) const NEEDS: &[Source] = &[
    Source::Pods,
    Source::PersistentVolumeClaims,
    Source::PersistentVolumes,
    Source::Events,
];

/// The backend id of a volume: CSI handle, or the in-tree volume id / disk name / path.
pub(crate) fn volume_handle(pv: &PersistentVolume) -> Option<&str> {
    let s = pv.spec.as_ref()?;
    s.csi
        .as_ref()
        .map(|c| c.volume_handle.as_str())
        .or_else(|| {
            s.aws_elastic_block_store
                .as_ref()
                .map(|a| a.volume_id.as_str())
        })
        .or_else(|| s.gce_persistent_disk.as_ref().map(|g| g.pd_name.as_str()))
        .or_else(|| s.azure_disk.as_ref().map(|a| a.disk_uri.as_str()))
        .or_else(|| s.local.as_ref().map(|l| l.path.as_str()))
        .or_else(|| s.host_path.as_ref().map(|h| h.path.as_str()))
        .filter(|h| !h.is_empty())
}

/// Whether an attach/mount error says the backing volume itself does not exist (and not a
/// node, instance, Secret, ConfigMap or driver).
pub(crate) fn says_backend_missing(msg: &str, handle: Option<&str>) -> bool {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("invalidvolume.notfound") {
        return true;
    }
    // The error itself: after the last `desc = ` (gRPC) or the last ` : ` (kubelet).
    let err = msg
        .rsplit_once("desc = ")
        .map(|(_, e)| e)
        .or_else(|| msg.rsplit_once(" : ").map(|(_, e)| e))
        .unwrap_or(msg);
    let el = err.to_ascii_lowercase();
    let missing = el.contains("not found")
        || el.contains("notfound")
        || el.contains("does not exist")
        || el.contains("could not find")
        || el.contains("no such volume");
    if !missing {
        return false;
    }
    if handle.is_some_and(|h| err.contains(h)) {
        return true;
    }
    let other = [
        "instance",
        "node ",
        "secret",
        "configmap",
        "driver name",
        "serviceaccount",
    ]
    .iter()
    .any(|w| el.contains(w));
    let volume = ["volume", "disk", "path", "rbd image"]
        .iter()
        .any(|w| el.contains(w));
    volume && !other
}

/// The errors that say a pod's volume is gone, per PV: (PV, claim, source of the message,
/// the message).
pub(crate) struct Missing<'a> {
    pub pv: &'a PersistentVolume,
    pub pvc: &'a PersistentVolumeClaim,
    pub messages: Vec<String>,
}

/// The pod's volumes whose backend is reported missing.
pub(crate) fn missing_for_pod<'a>(ctx: &Ctx<'a>, pod: &'a Pod) -> Vec<Missing<'a>> {
    if !NEEDS.iter().all(|s| ctx.readable(*s)) || pod.metadata.deletion_timestamp.is_some() {
        return Vec::new();
    }
    if k8s::pod::node_name(pod).is_none() || k8s::pod::is_terminal(pod) {
        return Vec::new();
    }
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let events: Vec<&crate::model::Event> = ctx
        .idx
        .events("Pod", ns, name)
        .iter()
        .copied()
        .filter(|e| {
            matches!(
                e.reason.as_deref(),
                Some("FailedAttachVolume" | "FailedMount")
            ) && k8s::pod::event_is_for(pod, e)
        })
        .collect();
    // Nearly every pod has neither a failure event nor an attach error: say so before
    // resolving its volumes.
    if events.is_empty() && !ctx.idx.any_attach_error {
        return Vec::new();
    }
    let vols: Vec<(&str, &PersistentVolumeClaim, &PersistentVolume)> = k8s::pod::claims(pod)
        .into_iter()
        .filter_map(|(vol, c)| {
            let pvc = ctx.idx.pvc.get(&(ns, c.as_ref())).copied()?;
            let pv = ctx
                .idx
                .pv
                .get(pvc.spec.as_ref()?.volume_name.as_deref()?)
                .copied()?;
            Some((vol, pvc, pv))
        })
        .collect();
    let mut out = Vec::new();
    for (vol, pvc, pv) in &vols {
        let pv_name = k8s::name(&pv.metadata);
        let handle = volume_handle(pv);
        let mut messages = Vec::new();
        if ctx.readable(Source::VolumeAttachments) {
            for va in ctx.idx.attachments_of_pv.get(pv_name).into_iter().flatten() {
                if let Some(m) = va
                    .status
                    .as_ref()
                    .and_then(|s| s.attach_error.as_ref())
                    .and_then(|e| e.message.as_deref())
                    && says_backend_missing(m, handle)
                {
                    messages.push(format!(
                        "VolumeAttachment {} (node {}) attach error: {}",
                        k8s::name(&va.metadata),
                        va.spec.node_name,
                        k8s::pod::message_line(m, 300)
                    ));
                }
            }
        }
        let only_one = vols.len() == 1;
        let event = events.iter().find(|e| {
            let m = e.message.as_deref().unwrap_or("");
            let quoted = k8s::pod::quoted_after(m, "volume \"");
            let about = quoted == Some(pv_name)
                || quoted == Some(*vol)
                || handle.is_some_and(|h| m.contains(h))
                || (only_one && quoted.is_none());
            about && says_backend_missing(m, handle)
        });
        if let Some(e) = event {
            let count = e.count.unwrap_or(1);
            messages.push(format!(
                "{name}: {} x{count}: {}",
                e.reason.as_deref().unwrap_or(""),
                k8s::pod::message_line(e.message.as_deref().unwrap_or(""), 300)
            ));
        }
        if !messages.is_empty() {
            out.push(Missing { pv, pvc, messages });
        }
    }
    out
}

/// Whether a volume gone from its storage backend explains why `pod` cannot start
/// (`volume-backend-missing` reports it, so `volume-mount-failed` stays quiet about it).
pub(crate) fn backend_missing(ctx: &Ctx, pod: &Pod) -> bool {
    !missing_for_pod(ctx, pod).is_empty()
}
