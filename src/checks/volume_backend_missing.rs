//! `volume-backend-missing`: the PersistentVolume object is still there, but the disk it
//! points at is gone from the storage backend: attach or mount errors say the volume was
//! not found (`NotFound`, `does not exist`, `InvalidVolume.NotFound`, a local path that no
//! longer exists). Read from the VolumeAttachment's `attachError` and from the pods'
//! FailedAttachVolume/FailedMount events, attributed to the PV by the volume name or handle
//! they quote. No edit of the PV brings the data back: it has to be restored from a
//! snapshot into a new volume, or rebuilt by the application from its peers.

use super::{Check, pv_node_affinity_conflict};
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::snapshot::Source;
use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim, Pod};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const CHECK: Check = Check {
    id: "volume-backend-missing",
    needs: &[
        Source::Pods,
        Source::PersistentVolumeClaims,
        Source::PersistentVolumes,
        Source::Events,
    ],
    run,
};

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
    if !CHECK.needs.iter().all(|s| ctx.readable(*s)) || pod.metadata.deletion_timestamp.is_some() {
        return Vec::new();
    }
    if k8s::pod::node_name(pod).is_none() || k8s::pod::is_terminal(pod) {
        return Vec::new();
    }
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let events: Vec<&k8s_openapi::api::core::v1::Event> = ctx
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

/// Whether this runbook explains why `pod` cannot start (so `volume-mount-failed` stays
/// quiet about it).
pub(crate) fn explains(ctx: &Ctx, pod: &Pod) -> bool {
    !missing_for_pod(ctx, pod).is_empty()
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    // One finding per PV, even when several pods report it.
    let mut by_pv: BTreeMap<&str, (Missing, Vec<&Pod>)> = BTreeMap::new();
    for pod in &ctx.snap.pods {
        for m in missing_for_pod(ctx, pod) {
            let key = k8s::name(&m.pv.metadata);
            match by_pv.get_mut(key) {
                Some((have, pods)) => {
                    pods.push(pod);
                    for msg in m.messages {
                        if !have.messages.contains(&msg) {
                            have.messages.push(msg);
                        }
                    }
                }
                None => {
                    by_pv.insert(key, (m, vec![pod]));
                }
            }
        }
    }
    // Per StatefulSet: how many of its members lost their disk.
    let mut lost_per_sts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (_, pods) in by_pv.values() {
        if let Some(p) = pods.first()
            && let Some(sts) = k8s::pod::statefulset_of(p)
        {
            *lost_per_sts
                .entry((k8s::namespace(&p.metadata), sts))
                .or_default() += 1;
        }
    }
    for (m, pods) in by_pv.values() {
        out.push(finding(ctx, m, pods, &lost_per_sts));
    }
}

fn finding(
    ctx: &Ctx,
    m: &Missing,
    pods: &[&Pod],
    lost_per_sts: &BTreeMap<(&str, &str), usize>,
) -> Finding {
    let pv = k8s::name(&m.pv.metadata);
    let ns = k8s::namespace(&m.pvc.metadata);
    let claim = k8s::name(&m.pvc.metadata);
    let pod = pods.first().copied();
    let pod_name = pod.map(|p| k8s::name(&p.metadata)).unwrap_or("");
    let sts = pod.and_then(k8s::pod::statefulset_of);
    let handle = volume_handle(m.pv).unwrap_or("?");
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::cluster("PersistentVolume", pv),
        sts,
        format!(
            "the disk behind {pv} ({handle}, claim {ns}/{claim}) no longer exists in the storage backend: {pod_name} cannot start"
        ),
    );
    f.evidence.push(format!(
        "{pv}: {}, bound to claim {ns}/{claim}, used by {}",
        pv_node_affinity_conflict::volume_source(m.pv),
        pods.iter()
            .map(|p| k8s::name(&p.metadata))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    f.evidence.extend(m.messages.iter().cloned());
    f.evidence.push(format!(
        "the PersistentVolume object still exists but points at a volume that is gone: no edit of {pv} brings the data back"
    ));
    let mut all_lost = false;
    if let Some(sts) = sts
        && let Some(set) = ctx.idx.statefulset.get(&(ns, sts))
    {
        let n = k8s::replicas(set) as usize;
        let lost = lost_per_sts.get(&(ns, sts)).copied().unwrap_or(0);
        all_lost = n > 0 && lost >= n;
        if all_lost {
            f.evidence.push(format!(
                "all {n} replicas of {sts} lost their disks: no member holds the data any more, only a backup or snapshot can restore it"
            ));
        } else {
            f.evidence.push(format!(
                "{lost} of {n} replicas of {sts} lost their disks: the others still hold data the application can rebuild this one from"
            ));
        }
    }
    f.commands.push(Remedy::run(
        format!("Look for CSI snapshots of {claim} (also check the provider's disk snapshots of {handle})"),
        ctx.kubectl.argv(Some(ns), &["get", "volumesnapshot"]),
    ));
    let a = "Option A (restore from a snapshot)";
    if let Some(manifest) = restored_pv(m.pv, m.pvc) {
        f.commands.push(Remedy::with_stdin(
            format!(
                "{a}: create a new volume from the snapshot in the provider (same zone as before), then a new PV {pv}-restored reserved for claim {claim}; replace RESTORED-VOLUME-ID with the new volume's id before applying"
            ),
            ctx.kubectl.argv(None, &["apply", "-f", "-"]),
            manifest::to_yaml(&manifest),
        ));
        f.commands.push(
            Remedy::run(
                format!("{a}: then delete claim {claim} so it is re-created and binds to the restored PV"),
                ctx.kubectl.argv(Some(ns), &["delete", "pvc", claim, "--wait=false"]),
            )
            .destructive(),
        );
        if !pod_name.is_empty() {
            f.commands.push(
                Remedy::run(
                    format!(
                        "{a}: and delete pod {pod_name} so the StatefulSet re-creates pod and claim"
                    ),
                    ctx.kubectl.argv(Some(ns), &["delete", "pod", pod_name]),
                )
                .destructive(),
            );
        }
    } else {
        f.evidence.push(format!(
            "{a}: restore the data into a new volume and create a PersistentVolume for it with a claimRef to {ns}/{claim}, then delete the claim and the pod so they are re-created"
        ));
    }
    let b = if all_lost {
        "Option B (start the replica over on an empty volume: no peer has the data)"
    } else {
        "Option B (rebuild the replica from its peers)"
    };
    f.commands.push(
        Remedy::run(
            format!("{b}: delete claim {claim} so a new, empty volume is provisioned"),
            ctx.kubectl
                .argv(Some(ns), &["delete", "pvc", claim, "--wait=false"]),
        )
        .destructive(),
    );
    if let Some(p) = pod {
        f.commands.push(
            Remedy::run(
                format!("{b}: then delete pod {pod_name} so the StatefulSet re-creates it with the new claim"),
                ctx.kubectl.argv(Some(ns), &["delete", "pod", pod_name]),
            )
            .destructive(),
        );
        let repair = pv_node_affinity_conflict::app_repair_steps(ctx, p, b);
        if repair.is_empty() && !all_lost {
            f.evidence.push(format!(
                "after Option B, {pod_name} starts empty: let the application re-replicate onto it (its own repair/resync) before counting it as a healthy replica"
            ));
        }
        f.commands.extend(repair);
    }
    f
}

/// A new PV for a volume restored from a snapshot: the old PV's class, size, modes, zone
/// affinity and driver, a placeholder for the new volume id, reclaim policy Retain, and a
/// `claimRef` by namespace/name so the re-created claim binds to it. CSI volumes only.
fn restored_pv(pv: &PersistentVolume, pvc: &PersistentVolumeClaim) -> Option<Value> {
    let spec = pv.spec.as_ref()?;
    let csi = spec.csi.as_ref()?;
    let mut csi_v = json!({"driver": csi.driver, "volumeHandle": "RESTORED-VOLUME-ID"});
    if let Some(fs) = &csi.fs_type {
        csi_v["fsType"] = json!(fs);
    }
    let mut s = json!({
        "capacity": spec.capacity,
        "accessModes": spec.access_modes,
        "persistentVolumeReclaimPolicy": "Retain",
        "volumeMode": spec.volume_mode.as_deref().unwrap_or("Filesystem"),
        "csi": csi_v,
        "claimRef": {"namespace": k8s::namespace(&pvc.metadata), "name": k8s::name(&pvc.metadata)},
    });
    if let Some(c) = &spec.storage_class_name {
        s["storageClassName"] = json!(c);
    }
    if let Some(a) = &spec.node_affinity {
        s["nodeAffinity"] = serde_json::to_value(a).ok()?;
    }
    Some(json!({
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": format!("{}-restored", k8s::name(&pv.metadata))},
        "spec": s,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    #[test]
    fn recognises_missing_volumes_not_missing_instances_or_secrets() {
        let yes = [
            r#"AttachVolume.Attach failed for volume "pvc-1" : rpc error: code = NotFound desc = Volume "vol-0abc" not found"#,
            "AttachVolume.Attach failed for volume \"pvc-1\" : error attaching EBS volume \"vol-0abc\" to instance \"i-1\": \"InvalidVolume.NotFound: The volume 'vol-0abc' does not exist.\\n\\tstatus code: 400\"",
            r#"AttachVolume.Attach failed for volume "pvc-1" : rpc error: code = NotFound desc = Could not find disk Key{"pvc-1", zone: "us-central1-a"}: googleapi: Error 404: The resource 'projects/p/zones/z/disks/pvc-1' was not found, notFound"#,
            r#"MountVolume.NewMounter initialization failed for volume "local-pv" : path "/mnt/disks/ssd0" does not exist"#,
        ];
        for m in yes {
            assert!(says_backend_missing(m, Some("vol-0abc")), "{m}");
        }
        let no = [
            r#"AttachVolume.Attach failed for volume "pvc-1" : rpc error: code = NotFound desc = Instance "i-0abc" not found"#,
            r#"MountVolume.SetUp failed for volume "creds" : secret "kafka-creds" not found"#,
            r#"MountVolume.MountDevice failed for volume "pvc-1" : kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name ebs.csi.aws.com not found in the list of registered CSI drivers"#,
            "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: timed out waiting for the condition",
            r#"Multi-Attach error for volume "pvc-1" Volume is already exclusively attached to one node and can't be attached to another"#,
        ];
        for m in no {
            assert!(!says_backend_missing(m, Some("vol-0abc")), "{m}");
        }
    }

    fn kafka() -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("data", "kafka", 3));
        for i in 0..3u32 {
            let mut p = pod("data", "kafka", i, false);
            p.status.as_mut().unwrap().phase = Some("Pending".into());
            p.status
                .as_mut()
                .unwrap()
                .container_statuses
                .as_mut()
                .unwrap()[0]
                .state = Some(from_json(
                serde_json::json!({"waiting": {"reason": "ContainerCreating"}}),
            ));
            with_claim(&mut p, &format!("data-kafka-{i}"));
            s.pods.push(p);
            s.pvcs.push(bound_claim(
                "data",
                &format!("data-kafka-{i}"),
                &format!("pv-{i}"),
                "standard",
            ));
            s.pvs.push(zonal_pv(
                &format!("pv-{i}"),
                "z1",
                "data",
                &format!("data-kafka-{i}"),
            ));
        }
        s
    }

    #[test]
    fn one_finding_per_lost_pv_with_restore_and_rebuild_options() {
        let mut s = kafka();
        for i in 0..2 {
            s.events.push(pod_event(
                "data",
                &format!("kafka-{i}"),
                None,
                "FailedAttachVolume",
                &format!("AttachVolume.Attach failed for volume \"pv-{i}\" : rpc error: code = NotFound desc = Volume \"vol-pv-{i}\" not found"),
                "2026-11-22T02:59:00Z",
                9,
            ));
        }
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 2, "{r:#?}");
        let f = &r[0];
        assert_eq!(f.object, ObjectRef::cluster("PersistentVolume", "pv-0"));
        assert_eq!(f.statefulset.as_deref(), Some("kafka"));
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("no edit of pv-0 brings the data back"))
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("2 of 3 replicas of kafka lost their disks"))
        );
        let apply = f
            .commands
            .iter()
            .find(|c| c.stdin.is_some())
            .expect("restored PV manifest");
        let doc = apply.stdin.as_deref().unwrap();
        assert!(doc.contains("volumeHandle: RESTORED-VOLUME-ID"), "{doc}");
        assert!(doc.contains("name: data-kafka-0"), "{doc}");
        assert!(
            doc.contains("persistentVolumeReclaimPolicy: Retain"),
            "{doc}"
        );
        assert!(
            f.commands
                .iter()
                .any(|c| c.description.starts_with("Option B (rebuild"))
        );
        let k = crate::kubectl::Kubectl::default();
        let ctx = ctx_for(&s, &k);
        assert!(explains(&ctx, &s.pods[0]));
        assert!(!explains(&ctx, &s.pods[2]));
    }

    #[test]
    fn attach_error_on_the_volume_attachment_counts() {
        let mut s = kafka();
        s.volume_attachments.push(from_json(serde_json::json!({
            "metadata": {"name": "csi-1"},
            "spec": {"attacher": "ebs.csi.aws.com", "nodeName": "node-0", "source": {"persistentVolumeName": "pv-0"}},
            "status": {"attached": false, "attachError": {"message": "rpc error: code = NotFound desc = Volume \"vol-pv-0\" not found"}}
        })));
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.starts_with("VolumeAttachment csi-1 (node node-0) attach error"))
        );
    }

    #[test]
    fn quiet_on_other_errors() {
        let mut s = kafka();
        s.events.push(pod_event(
            "data",
            "kafka-0",
            None,
            "FailedMount",
            "MountVolume.SetUp failed for volume \"creds\" : secret \"kafka-creds\" not found",
            "2026-11-22T02:59:00Z",
            3,
        ));
        assert!(run_check(&s, CHECK).is_empty());
    }
}
