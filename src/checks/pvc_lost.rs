//! `pvc-lost`: a claim in phase `Lost`: the PersistentVolume it was bound to was deleted
//! (or now belongs to another claim), so its pod cannot mount anything. The disk itself
//! may still exist in the backend (reclaim policy Retain, or a PV object deleted by hand).
//! Either re-create a PV object for the original disk, with the claim's name and uid in
//! `claimRef`, so the claim binds again; or accept the loss: delete claim and pod so a fresh
//! volume is provisioned, then let the application repair the replica.

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

pub const CHECK: Check = Check {
    id: "pvc-lost",
    needs: sts::claims::LOST_NEEDS,
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let prefixes = sts::pending::template_prefixes(ctx);
    for pvc in &ctx.snap.pvcs {
        if !sts::claims::is_lost(pvc) {
            continue;
        }
        let ns = k8s::namespace(&pvc.metadata);
        let name = k8s::name(&pvc.metadata);
        let users: Vec<&Pod> = ctx
            .idx
            .pods_of_claim(ns, name)
            .iter()
            .copied()
            .filter(|p| !k8s::pod::is_terminal(p))
            .collect();
        let sts = users
            .iter()
            .find_map(|p| k8s::pod::statefulset_of(p).map(str::to_string))
            .or_else(|| sts::pending::owner_of(&prefixes, ns, name).map(|(s, _)| s));
        out.push(finding(ctx, pvc, sts.as_deref(), &users));
    }
}

/// Option A: keep the data, by giving the claim its original disk back.
fn give_back_the_disk(
    ctx: &Ctx,
    f: &mut Finding,
    pvc: &PersistentVolumeClaim,
    volume: Option<&str>,
    existing: Option<&PersistentVolume>,
) {
    let ns = k8s::namespace(&pvc.metadata);
    let name = k8s::name(&pvc.metadata);
    let uid = pvc.metadata.uid.as_deref().unwrap_or("");
    let a = "Option A (keep the data: give the claim its original disk back)";
    match (volume, existing) {
        (Some(v), Some(pv)) => {
            let c = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
            let points = c
                .map(|c| {
                    format!(
                        "claim {}/{} uid {}",
                        c.namespace.as_deref().unwrap_or(""),
                        c.name.as_deref().unwrap_or(""),
                        c.uid.as_deref().unwrap_or("(none)")
                    )
                })
                .unwrap_or_else(|| "no claim".to_string());
            f.evidence.push(format!(
                "PersistentVolume {v} exists ({}) but refers to {points}, not to this claim (uid {uid})",
                sts::affinity::volume_source(pv)
            ));
            let same_name = c.is_some_and(|c| {
                c.namespace.as_deref() == Some(ns) && c.name.as_deref() == Some(name)
            });
            let unclaimed = c.is_none_or(|c| c.name.is_none());
            if same_name || unclaimed {
                f.commands.push(Remedy::run(
                    format!("{a}: point {v}'s claimRef at this claim (its current uid) so they bind again"),
                    ctx.kubectl.argv(
                        None,
                        &[
                            "patch",
                            "pv",
                            v,
                            "--type=merge",
                            "-p",
                            &json!({"spec": {"claimRef": {
                                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                "namespace": ns, "name": name, "uid": uid,
                                "resourceVersion": null}}})
                            .to_string(),
                        ],
                    ),
                ));
            } else {
                f.evidence.push(format!(
                    "{v} now belongs to another claim: its data is no longer this replica's to take back"
                ));
            }
        }
        (Some(v), None) => {
            let known = ctx
                .idx
                .pvs_claimed_by
                .get(&(ns, name))
                .and_then(|pvs| pvs.first().copied());
            let (manifest, handle_known) = recreated_pv(ctx, pvc, v, known);
            if let Some(old) = known.map(|pv| k8s::name(&pv.metadata)) {
                // Two PV objects must never point at one disk: the old one goes first,
                // with Retain so that deleting it leaves the disk alone.
                f.commands.push(Remedy::run(
                    format!("{a}: keep the disk when the old PV object {old} is removed: set its reclaim policy to Retain"),
                    ctx.kubectl.argv(
                        None,
                        &[
                            "patch",
                            "pv",
                            old,
                            "--type=merge",
                            "-p",
                            &json!({"spec": {"persistentVolumeReclaimPolicy": "Retain"}}).to_string(),
                        ],
                    ),
                ));
                f.commands.push(Remedy::run(
                    format!("{a}: then delete the old PV object {old} (with Retain the disk stays) so only one PV points at the disk"),
                    ctx.kubectl.argv(None, &["delete", "pv", old]),
                ));
            }
            f.evidence.push(match known {
                Some(pv) => format!(
                    "PersistentVolume {} still names this claim and records the original volume: {}",
                    k8s::name(&pv.metadata),
                    sts::affinity::volume_source(pv)
                ),
                None => format!(
                    "no PersistentVolume in the snapshot records the original volume: its id must come from the storage backend (e.g. the disk tagged with {v} or {name})"
                ),
            });
            let desc = if handle_known {
                format!(
                    "{a}: if the disk still exists (reclaim policy Retain), re-create PV {v} for it with a claimRef to this claim's uid, so the claim binds again"
                )
            } else {
                format!(
                    "{a}: if the disk still exists, re-create PV {v} for it with a claimRef to this claim's uid; first replace ORIGINAL-VOLUME-ID with the disk's id in the backend and add the zone nodeAffinity your driver sets"
                )
            };
            f.commands.push(Remedy::with_stdin(
                desc,
                ctx.kubectl.argv(None, &["apply", "-f", "-"]),
                manifest::to_yaml(&manifest),
            ));
        }
        (None, _) => {}
    }
}

fn finding(ctx: &Ctx, pvc: &PersistentVolumeClaim, sts: Option<&str>, users: &[&Pod]) -> Finding {
    let ns = k8s::namespace(&pvc.metadata);
    let name = k8s::name(&pvc.metadata);
    let volume = pvc
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .filter(|v| !v.is_empty());
    let existing = volume.and_then(|v| ctx.idx.pv.get(v).copied());
    let summary = match (volume, existing) {
        (Some(v), None) => format!("claim {name} is Lost: its PersistentVolume {v} was deleted"),
        (Some(v), Some(_)) => {
            format!("claim {name} is Lost: its PersistentVolume {v} no longer refers to it")
        }
        (None, _) => format!("claim {name} is Lost: the volume it was bound to is gone"),
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("PersistentVolumeClaim", ns, name),
        sts,
        summary,
    );
    if !users.is_empty() {
        let names: Vec<&str> = users.iter().map(|p| k8s::name(&p.metadata)).collect();
        f.evidence.push(format!(
            "used by {}: it cannot start (or lost its volume)",
            names.join(", ")
        ));
    }
    f.commands.push(Remedy::run(
        format!("Read {name}'s status and events"),
        ctx.kubectl.argv(Some(ns), &["describe", "pvc", name]),
    ));
    give_back_the_disk(ctx, &mut f, pvc, volume, existing);
    let b = "Option B (accept the data loss: a fresh volume is provisioned)";
    f.commands.push(
        Remedy::run(
            format!("{b}: delete claim {name} (its data is given up)"),
            ctx.kubectl
                .argv(Some(ns), &["delete", "pvc", name, "--wait=false"]),
        )
        .destructive(),
    );
    for p in users.iter().take(3) {
        let pname = k8s::name(&p.metadata);
        f.commands.push(
            Remedy::run(
                format!(
                    "{b}: then delete pod {pname}{}",
                    if k8s::pod::statefulset_of(p).is_some() {
                        " so the StatefulSet re-creates it with a new claim"
                    } else {
                        ""
                    }
                ),
                ctx.kubectl.argv(Some(ns), &["delete", "pod", pname]),
            )
            .destructive(),
        );
        let repair = sts::affinity::app_repair_steps(ctx, p, b);
        if repair.is_empty() {
            f.evidence.push(format!(
                "after Option B, {pname} starts on an empty volume: run the application's own repair/resync before counting it as a healthy replica"
            ));
        }
        f.commands.extend(repair);
    }
    f
}

/// A PV named `name` for the claim's original disk: the source of a PV in the snapshot
/// that still records it when there is one, else a CSI source with the class's
/// provisioner and a placeholder handle. Bound ahead to the claim by namespace, name and
/// uid; reclaim policy Retain. Returns whether the volume handle is real.
fn recreated_pv(
    ctx: &Ctx,
    pvc: &PersistentVolumeClaim,
    name: &str,
    known: Option<&PersistentVolume>,
) -> (Value, bool) {
    let spec = pvc.spec.as_ref();
    let status_cap = pvc.storage_capacity().map(str::to_string);
    let request = pvc.storage_request().map(str::to_string);
    let class = spec.and_then(|s| s.storage_class_name.clone());
    let mut s = json!({
        "capacity": {"storage": status_cap.or(request).unwrap_or_else(|| "1Gi".into())},
        "accessModes": spec.and_then(|s| s.access_modes.clone()).unwrap_or_else(|| vec!["ReadWriteOnce".into()]),
        "persistentVolumeReclaimPolicy": "Retain",
        "volumeMode": spec.and_then(|s| s.volume_mode.clone()).unwrap_or_else(|| "Filesystem".into()),
        "claimRef": {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "namespace": k8s::namespace(&pvc.metadata), "name": k8s::name(&pvc.metadata),
            "uid": pvc.metadata.uid.as_deref().unwrap_or(""),
        },
    });
    if let Some(c) = &class {
        s["storageClassName"] = json!(c);
    }
    let mut real = false;
    let source = known.and_then(|pv| pv.spec.as_ref());
    let copied = source.and_then(|src| {
        let v = serde_json::to_value(src).ok()?;
        let mut kept = serde_json::Map::new();
        for key in [
            "csi",
            "local",
            "hostPath",
            "awsElasticBlockStore",
            "gcePersistentDisk",
            "azureDisk",
            "nfs",
            "nodeAffinity",
            "mountOptions",
        ] {
            if let Some(x) = v.get(key) {
                kept.insert(key.to_string(), x.clone());
            }
        }
        (!kept.is_empty()).then_some(kept)
    });
    match copied {
        Some(kept) => {
            for (k, v) in kept {
                s[k] = v;
            }
            real = true;
        }
        None => {
            let driver = class
                .as_deref()
                .and_then(|c| ctx.idx.storage_class.get(c))
                .map(|c| c.provisioner.clone())
                .unwrap_or_else(|| "CSI-DRIVER-NAME".into());
            s["csi"] = json!({"driver": driver, "volumeHandle": "ORIGINAL-VOLUME-ID"});
        }
    }
    (
        json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}, "spec": s}),
        real,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    fn lost() -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        let mut c = bound_claim("shop", "data-db-0", "pvc-abc", "standard");
        c.status.as_mut().unwrap().phase = Some("Lost".into());
        s.pvcs.push(c);
        let mut p = pod("shop", "db", 0, false);
        with_claim(&mut p, "data-db-0");
        s.pods.push(p);
        s.storage_classes.push(from_json(serde_json::json!({
            "metadata": {"name": "standard"}, "provisioner": "ebs.csi.aws.com"})));
        s
    }

    #[test]
    fn deleted_pv_gives_a_recreate_manifest_with_the_claim_uid() {
        let s = lost();
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert!(
            f.summary.contains("PersistentVolume pvc-abc was deleted"),
            "{}",
            f.summary
        );
        let apply = f.commands.iter().find(|c| c.stdin().is_some()).unwrap();
        let doc = apply.stdin().unwrap();
        assert!(doc.contains("uid: uid-data-db-0"), "{doc}");
        assert!(doc.contains("name: pvc-abc"), "{doc}");
        assert!(doc.contains("driver: ebs.csi.aws.com"), "{doc}");
        assert!(doc.contains("volumeHandle: ORIGINAL-VOLUME-ID"), "{doc}");
        assert!(apply.description.contains("replace ORIGINAL-VOLUME-ID"));
        assert!(
            f.commands.iter().any(|c| c.destructive
                && c.command == "kubectl -n shop delete pvc data-db-0 --wait=false")
        );
        assert!(
            f.commands
                .iter()
                .any(|c| c.destructive && c.command == "kubectl -n shop delete pod db-0")
        );
    }

    #[test]
    fn a_pv_still_naming_the_claim_gives_the_real_handle() {
        let mut s = lost();
        let mut old = zonal_pv("pvc-old", "z1", "shop", "data-db-0");
        old.status.as_mut().unwrap().phase = Some("Released".into());
        s.pvs.push(old);
        let r = run_check(&s, CHECK);
        let doc = r[0].commands.iter().find_map(|c| c.stdin()).unwrap();
        assert!(doc.contains("volumeHandle: vol-pvc-old"), "{doc}");
        assert!(doc.contains("topology.kubernetes.io/zone"), "{doc}");
    }

    #[test]
    fn bound_claims_are_quiet() {
        let mut s = lost();
        s.pvcs[0].status.as_mut().unwrap().phase = Some("Bound".into());
        assert!(run_check(&s, CHECK).is_empty());
    }
}
