//! `pvc-retention-delete`: `persistentVolumeClaimRetentionPolicy` says Delete for
//! `whenDeleted` or `whenScaled`. The controller then deletes the members' claims when the
//! StatefulSet is deleted or scaled down, and with a reclaim policy of Delete the disks go
//! with them: a `kubectl delete statefulset` meant to re-create it (the standard fix for
//! immutable fields), or a scale-down to stop a crashing member, destroys the data.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use crate::sts;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "pvc-retention-delete",
    needs: &[Source::StatefulSets],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let Some(policy) = sts
            .spec
            .as_ref()
            .and_then(|s| s.persistent_volume_claim_retention_policy.as_ref())
        else {
            continue;
        };
        let deleted = policy.when_deleted.as_deref() == Some("Delete");
        let scaled = policy.when_scaled.as_deref() == Some("Delete");
        if !deleted && !scaled {
            continue;
        }
        if sts::claims::template_names(sts).is_empty() {
            // No claim templates: the policy has nothing to delete.
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let when = match (deleted, scaled) {
            (true, true) => "when it is deleted or scaled down",
            (true, false) => "when it is deleted",
            _ => "when it is scaled down",
        };
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{name} deletes its members' PersistentVolumeClaims {when}: re-creating it without --cascade=orphan, or a scale-down during an incident, destroys their data"
            ),
        );
        f.evidence.push(format!(
            "persistentVolumeClaimRetentionPolicy: whenDeleted {}, whenScaled {}",
            policy.when_deleted.as_deref().unwrap_or("Retain"),
            policy.when_scaled.as_deref().unwrap_or("Retain")
        ));
        if deleted {
            f.evidence.push(format!(
                "whenDeleted Delete: kubectl delete statefulset {name} (without --cascade=orphan) removes every claim; with reclaim policy Delete the volumes are destroyed too"
            ));
        }
        if scaled {
            f.evidence.push(
                "whenScaled Delete: scaling down removes the claims of the removed ordinals, so scaling back up starts those members on empty volumes".to_string(),
            );
        }
        let patch = json!({"spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"}}});
        f.commands.push(Remedy::run(
            "Keep the claims in both cases (this field is not part of the pod template: no pod restarts; the controller removes the owner references it had put on the claims)",
            ctx.kubectl.argv(
                Some(ns),
                &[
                    "patch",
                    "statefulset",
                    name,
                    "--type=merge",
                    "-p",
                    &patch.to_string(),
                ],
            ),
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn with_policy(p: serde_json::Value) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &with_claim_template(&sts("shop", "db", 3), None),
            json!({"spec": {"persistentVolumeClaimRetentionPolicy": p}}),
        ));
        s
    }

    #[test]
    fn delete_on_either_fires_with_the_retain_patch() {
        for p in [
            json!({"whenDeleted": "Delete", "whenScaled": "Retain"}),
            json!({"whenDeleted": "Retain", "whenScaled": "Delete"}),
        ] {
            let r = run_check(&with_policy(p.clone()), super::CHECK);
            assert_eq!(r.len(), 1, "{p}");
            assert_eq!(
                r[0].commands[0].command,
                r#"kubectl -n shop patch statefulset db --type=merge -p '{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain","whenScaled":"Retain"}}}'"#
            );
        }
    }

    #[test]
    fn retain_or_no_policy_is_quiet() {
        let s = with_policy(json!({"whenDeleted": "Retain", "whenScaled": "Retain"}));
        assert!(run_check(&s, super::CHECK).is_empty());
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
