//! `volume-backend-missing`: the PersistentVolume object is still there, but the disk it
//! points at is gone from the storage backend: attach or mount errors say the volume was
//! not found (`NotFound`, `does not exist`, `InvalidVolume.NotFound`, a local path that no
//! longer exists). Read from the VolumeAttachment's `attachError` and from the pods'
//! FailedAttachVolume/FailedMount events, attributed to the PV by the volume name or handle
//! they quote. No edit of the PV brings the data back: it has to be restored from a
//! snapshot into a new volume, or rebuilt by the application from its peers.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::model::PersistentVolume;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::sts;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const CHECK: Check = Check {
    id: "volume-backend-missing",
    needs: sts::backend::NEEDS,
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    // One finding per PV, even when several pods report it.
    let mut by_pv: BTreeMap<&str, (sts::backend::Missing, Vec<&Pod>)> = BTreeMap::new();
    for pod in &ctx.snap.pods {
        for m in sts::backend::missing_for_pod(ctx, pod) {
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
    m: &sts::backend::Missing,
    pods: &[&Pod],
    lost_per_sts: &BTreeMap<(&str, &str), usize>,
) -> Finding {
    let pv = k8s::name(&m.pv.metadata);
    let ns = k8s::namespace(&m.pvc.metadata);
    let claim = k8s::name(&m.pvc.metadata);
    let pod = pods.first().copied();
    let pod_name = pod.map(|p| k8s::name(&p.metadata)).unwrap_or("");
    let sts = pod.and_then(k8s::pod::statefulset_of);
    let handle = sts::backend::volume_handle(m.pv).unwrap_or("?");
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
        sts::affinity::volume_source(m.pv),
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
        let repair = sts::affinity::app_repair_steps(ctx, p, b);
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
            assert!(
                crate::sts::backend::says_backend_missing(m, Some("vol-0abc")),
                "{m}"
            );
        }
        let no = [
            r#"AttachVolume.Attach failed for volume "pvc-1" : rpc error: code = NotFound desc = Instance "i-0abc" not found"#,
            r#"MountVolume.SetUp failed for volume "creds" : secret "kafka-creds" not found"#,
            r#"MountVolume.MountDevice failed for volume "pvc-1" : kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name ebs.csi.aws.com not found in the list of registered CSI drivers"#,
            "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: timed out waiting for the condition",
            r#"Multi-Attach error for volume "pvc-1" Volume is already exclusively attached to one node and can't be attached to another"#,
        ];
        for m in no {
            assert!(
                !crate::sts::backend::says_backend_missing(m, Some("vol-0abc")),
                "{m}"
            );
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
            .find(|c| c.stdin().is_some())
            .expect("restored PV manifest");
        let doc = apply.stdin().unwrap();
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
        assert!(crate::sts::backend::backend_missing(&ctx, &s.pods[0]));
        assert!(!crate::sts::backend::backend_missing(&ctx, &s.pods[2]));
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
