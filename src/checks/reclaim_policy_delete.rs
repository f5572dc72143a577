//! `reclaim-policy-delete`: the PersistentVolumes bound to the StatefulSet's claims have
//! `persistentVolumeReclaimPolicy: Delete`. Deleting a claim, by hand during an incident,
//! by a `Delete` retention policy, or with the namespace, then destroys the backing disk
//! and its data with no way back. `Retain` keeps the disk until someone deletes it on
//! purpose.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use crate::sts;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "reclaim-policy-delete",
    needs: &[
        Source::StatefulSets,
        Source::PersistentVolumeClaims,
        Source::PersistentVolumes,
    ],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let mut pvs: Vec<(&str, &str, Option<&str>)> = Vec::new();
        for c in sts::claims::claims_of(ctx, sts) {
            let Some(pv) = c.pv else { continue };
            let Some(spec) = pv.spec.as_ref() else {
                continue;
            };
            // The API server defaults dynamically provisioned volumes to Delete and static
            // ones to Retain, so the field is always set on a stored object.
            if spec.persistent_volume_reclaim_policy.as_deref() != Some("Delete") {
                continue;
            }
            let class = spec.storage_class_name.as_deref().filter(|c| !c.is_empty());
            pvs.push((
                k8s::name(&pv.metadata),
                c.pvc.map(|p| k8s::name(&p.metadata)).unwrap_or(""),
                class,
            ));
        }
        if pvs.is_empty() {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{} of {name}'s volumes have reclaim policy Delete: deleting a claim (by hand, by a retention policy, or with the namespace) destroys the disk and its data",
                pvs.len()
            ),
        );
        f.evidence.push(
            "with Delete, the volume and its backing disk are removed as soon as the claim is deleted; Retain keeps the disk (as a Released PV) so the data can be re-bound or copied".to_string(),
        );
        for (pv, claim, _) in &pvs {
            f.evidence
                .push(format!("PV {pv} (claim {claim}): reclaim policy Delete"));
        }
        let mut classes: Vec<&str> = pvs.iter().filter_map(|(_, _, c)| *c).collect();
        classes.sort_unstable();
        classes.dedup();
        for class in &classes {
            let class_policy = ctx
                .idx
                .storage_class
                .get(class)
                .map(|sc| sc.reclaim_policy.as_deref().unwrap_or("Delete"));
            if class_policy == Some("Delete") {
                f.evidence.push(format!(
                    "StorageClass {class} provisions with reclaim policy Delete (a class's reclaimPolicy is immutable): re-check after a scale-up or a replaced volume, or use a class with reclaimPolicy Retain for new claims"
                ));
            }
        }
        let patch = json!({"spec": {"persistentVolumeReclaimPolicy": "Retain"}}).to_string();
        for (pv, claim, _) in &pvs {
            f.commands.push(Remedy::run(
                format!(
                    "Keep the disk of {claim} if its claim is ever deleted (no restart, takes effect at once)"
                ),
                ctx.kubectl
                    .argv(None, &["patch", "pv", pv, "--type=merge", "-p", &patch]),
            ));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testutil::*;
    use serde_json::json;

    fn snap(policy: &str) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets
            .push(with_claim_template(&sts("shop", "db", 2), Some("gp3")));
        s.storage_classes
            .push(storage_class_of("gp3", "ebs.csi.aws.com", json!({})));
        for i in 0..2 {
            let claim = format!("data-db-{i}");
            let pv = format!("pv-{i}");
            s.pvcs.push(pvc_of(
                "shop",
                &claim,
                "db",
                &pv,
                Some("gp3"),
                "2026-11-01T00:00:00Z",
            ));
            s.pvs.push(pv_of(
                &pv,
                "shop",
                &claim,
                "gp3",
                json!({"persistentVolumeReclaimPolicy": policy}),
            ));
        }
        s
    }

    #[test]
    fn delete_fires_as_info_with_one_patch_per_volume() {
        let r = run_check(&snap("Delete"), super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].severity, Severity::Info);
        assert_eq!(r[0].commands.len(), 2);
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl patch pv pv-0 --type=merge -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'"#
        );
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.contains("StorageClass gp3 provisions"))
        );
    }

    #[test]
    fn retain_is_quiet() {
        assert!(run_check(&snap("Retain"), super::CHECK).is_empty());
    }
}
