//! `pvc-stuck-terminating`: a claim was deleted (it has a `deletionTimestamp`) but stays,
//! held by the `kubernetes.io/pvc-protection` finalizer because pods still use it. Lists
//! those pods. The claim goes away as soon as they do, which for a StatefulSet pod means
//! the replica comes back on a new, empty volume: if the deletion was a mistake, keep the
//! disk first (reclaim policy Retain). Clearing the finalizer is only for a claim no pod
//! uses any more.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::snapshot::Source;
use crate::sts;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "pvc-stuck-terminating",
    needs: &[
        Source::Pods,
        Source::PersistentVolumeClaims,
        Source::PersistentVolumes,
    ],
    run,
};

pub(crate) const PVC_PROTECTION: &str = "kubernetes.io/pvc-protection";
/// The protection controller removes the finalizer within seconds once the claim is free.
const SLACK_SECS: i64 = 60;

/// Pods that keep the claim in use: scheduled and not finished (what the pvc-protection
/// controller counts).
fn users<'a>(ctx: &Ctx<'a>, pvc: &PersistentVolumeClaim) -> Vec<&'a Pod> {
    ctx.idx
        .pods_of_claim(k8s::namespace(&pvc.metadata), k8s::name(&pvc.metadata))
        .iter()
        .copied()
        .filter(|p| k8s::pod::node_name(p).is_some() && !k8s::pod::is_terminal(p))
        .collect()
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let prefixes = sts::pending::template_prefixes(ctx);
    for pvc in &ctx.snap.pvcs {
        let Some(del) = pvc.metadata.deletion_timestamp.as_ref() else {
            continue;
        };
        let finalizers: Vec<&str> = pvc
            .metadata
            .finalizers
            .iter()
            .flatten()
            .map(|f| f.as_str())
            .collect();
        if !finalizers.contains(&PVC_PROTECTION) {
            continue;
        }
        let age = k8s::time::secs_since(del.0, ctx.now);
        if age <= SLACK_SECS {
            continue;
        }
        let owner = sts::pending::owner_of(
            &prefixes,
            k8s::namespace(&pvc.metadata),
            k8s::name(&pvc.metadata),
        )
        .map(|(s, _)| s);
        out.push(finding(ctx, pvc, owner.as_deref(), &finalizers, age));
    }
}

fn finding(
    ctx: &Ctx,
    pvc: &PersistentVolumeClaim,
    owner: Option<&str>,
    finalizers: &[&str],
    age: i64,
) -> Finding {
    let ns = k8s::namespace(&pvc.metadata);
    let name = k8s::name(&pvc.metadata);
    let users = users(ctx, pvc);
    let sts = users
        .iter()
        .find_map(|p| k8s::pod::statefulset_of(p))
        .or(owner);
    let names: Vec<&str> = users.iter().map(|p| k8s::name(&p.metadata)).collect();
    let summary = if names.is_empty() {
        format!(
            "claim {name} has been terminating for {} although no pod uses it",
            k8s::time::short(age)
        )
    } else {
        format!(
            "claim {name} has been terminating for {}: still used by {}",
            k8s::time::short(age),
            names.join(", ")
        )
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("PersistentVolumeClaim", ns, name),
        sts,
        summary,
    );
    f.evidence
        .push(format!("finalizers: {}", finalizers.join(", ")));
    for p in &users {
        f.evidence.push(format!(
            "{} on {} ({}) mounts it: {PVC_PROTECTION} keeps the claim until no scheduled pod uses it",
            k8s::name(&p.metadata),
            k8s::pod::node_name(p).unwrap_or("?"),
            k8s::pod::phase(p)
        ));
    }
    keep_the_disk(ctx, pvc, &mut f);
    if let Some(s) = sts
        && !users.is_empty()
    {
        f.evidence.push(format!(
            "once the user is gone the claim is deleted, and StatefulSet {s} re-creates the pod with a new, empty claim from its template"
        ));
    }
    for p in users.iter().take(5) {
        let pname = k8s::name(&p.metadata);
        let then = if k8s::pod::statefulset_of(p).is_some() {
            "the claim is then deleted and the replica restarts on a new, empty volume: make sure its data is replicated elsewhere"
        } else {
            "the claim is then deleted"
        };
        f.commands.push(
            Remedy::run(
                format!("Remove the user first: delete pod {pname} (bypasses any PodDisruptionBudget); {then}"),
                ctx.kubectl.argv(Some(ns), &["delete", "pod", pname]),
            )
            .destructive(),
        );
    }
    if users.is_empty() {
        f.evidence.push(
            "no scheduled pod uses it, yet the finalizer stays: the protection controller (kube-controller-manager) may not be running"
                .to_string(),
        );
        f.commands.push(
            Remedy::run(
                format!("No pod uses {name}: remove its finalizers so the deletion completes"),
                ctx.kubectl.argv(
                    Some(ns),
                    &[
                        "patch",
                        "pvc",
                        name,
                        "--type=merge",
                        "-p",
                        &json!({"metadata": {"finalizers": null}}).to_string(),
                    ],
                ),
            )
            .destructive(),
        );
    }
    f
}

/// The volume behind the claim: whether its disk goes with it, and how to keep it.
fn keep_the_disk(ctx: &Ctx, pvc: &PersistentVolumeClaim, f: &mut Finding) {
    let pv = pvc
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .and_then(|v| ctx.idx.pv.get(v).copied());
    if let Some(pv) = pv {
        let pv_name = k8s::name(&pv.metadata);
        let policy = pv
            .spec
            .as_ref()
            .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
            .unwrap_or("Delete");
        f.evidence.push(format!(
            "bound to {pv_name}, reclaim policy {policy}{}",
            if policy == "Delete" {
                ": the disk is deleted with the claim"
            } else {
                ""
            }
        ));
        if policy == "Delete" {
            f.commands.push(Remedy::run(
                format!(
                    "If this deletion was a mistake (it cannot be cancelled): keep the disk when the claim goes, by setting {pv_name}'s reclaim policy to Retain now"
                ),
                ctx.kubectl.argv(
                    None,
                    &[
                        "patch",
                        "pv",
                        pv_name,
                        "--type=merge",
                        "-p",
                        &json!({"spec": {"persistentVolumeReclaimPolicy": "Retain"}}).to_string(),
                    ],
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::testutil::*;

    fn deleted_claim() -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        let mut c = bound_claim("shop", "data-db-1", "pv-1", "standard");
        c.metadata.deletion_timestamp = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            now() - jiff::SignedDuration::from_mins(15),
        ));
        s.pvcs.push(c);
        s.pvs.push(zonal_pv("pv-1", "z1", "shop", "data-db-1"));
        s
    }

    #[test]
    fn lists_the_pods_that_hold_it_and_removes_them_first() {
        let mut s = deleted_claim();
        let mut p = pod("shop", "db", 1, true);
        with_claim(&mut p, "data-db-1");
        s.pods.push(p);
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.summary.contains("still used by db-1"), "{}", f.summary);
        let cmds: Vec<&str> = f.commands.iter().map(|c| c.command.as_str()).collect();
        assert!(cmds.contains(&"kubectl -n shop delete pod db-1"));
        assert!(!cmds.iter().any(|c| c.contains("finalizers")), "{cmds:#?}");
        // Reclaim policy Delete: offer Retain first.
        assert!(cmds[0].contains("persistentVolumeReclaimPolicy"));
    }

    #[test]
    fn clears_finalizers_only_when_no_pod_uses_it() {
        let s = deleted_claim();
        let r = run_check(&s, CHECK);
        assert!(r[0].commands.iter().any(|c| c.command
            == r#"kubectl -n shop patch pvc data-db-1 --type=merge -p '{"metadata":{"finalizers":null}}'"#));
    }

    #[test]
    fn quiet_for_fresh_deletions_and_live_claims() {
        let mut s = deleted_claim();
        s.pvcs[0].metadata.deletion_timestamp =
            Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                now() - jiff::SignedDuration::from_secs(10),
            ));
        assert!(run_check(&s, CHECK).is_empty());
        s.pvcs[0].metadata.deletion_timestamp = None;
        assert!(run_check(&s, CHECK).is_empty());
    }
}
