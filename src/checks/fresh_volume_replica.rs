//! `fresh-volume-replica`: one claim of a StatefulSet is much newer than its siblings
//! (created at least an hour after the StatefulSet and at least a day after the oldest
//! sibling claim). Its member started on an empty volume (the old claim was deleted, lost,
//! or the member was added later) and holds only what the application copied back from its
//! peers. If the re-sync did not happen or did not finish, that member serves stale or
//! missing data, and counts towards a quorum it cannot really back.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::k8s::time::short;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;
use jiff::Timestamp;
use sts::template::pod_spec;

pub const CHECK: Check = Check {
    id: "fresh-volume-replica",
    needs: &[Source::StatefulSets, Source::PersistentVolumeClaims],
    run,
};

const AFTER_STS_SECS: i64 = 3600;
const AFTER_SIBLING_SECS: i64 = 86_400;

/// Where the claim template `tpl` is mounted, and by which container.
fn mount_of<'a>(sts: &'a StatefulSet, tpl: &str) -> Option<(&'a str, &'a str)> {
    pod_spec(sts)?.containers.iter().find_map(|c| {
        c.volume_mounts
            .iter()
            .flatten()
            .find(|m| m.name == tpl)
            .map(|m| (c.name.as_str(), m.mount_path.as_str()))
    })
}

/// Only a Bound claim has a volume a member may have started on: a claim still Pending
/// (being provisioned, or waiting for its pod to be scheduled) holds nothing yet, stale or
/// not; `pvc-pending` reports it if it stays that way.
fn bound(ctx: &Ctx, ns: &str, claim: &str) -> bool {
    ctx.idx
        .pvc
        .get(&(ns, claim))
        .and_then(|p| p.status.as_ref())
        .and_then(|s| s.phase.as_deref())
        == Some("Bound")
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        if k8s::replicas(sts) < 2 {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let sts_created = sts.metadata.creation_timestamp.as_ref().map(|t| t.0);
        let claims = sts::claims::claims_of(ctx, sts);
        for tpl in sts::claims::template_names(sts) {
            let siblings: Vec<(&str, i64, Timestamp)> = claims
                .iter()
                .filter(|c| c.template == tpl)
                .filter_map(|c| {
                    let t = c.pvc?.metadata.creation_timestamp.as_ref()?.0;
                    Some((c.name.as_str(), c.ordinal, t))
                })
                .collect();
            let Some(&(oldest_name, _, oldest)) = siblings.iter().min_by_key(|(_, _, t)| *t) else {
                continue;
            };
            for &(claim, ordinal, created) in &siblings {
                if !bound(ctx, ns, claim) {
                    continue;
                }
                let after_sibling = created.as_second() - oldest.as_second();
                let after_sts = sts_created.map(|s| created.as_second() - s.as_second());
                if after_sibling < AFTER_SIBLING_SECS
                    || after_sts.is_some_and(|a| a < AFTER_STS_SECS)
                {
                    continue;
                }
                let pod = format!("{name}-{ordinal}");
                let mut f = ctx.finding(
                    CHECK.id,
                    ObjectRef::namespaced("PersistentVolumeClaim", ns, claim),
                    Some(name),
                    format!(
                        "{claim} is {} newer than its oldest sibling: {pod} started on an empty volume; check that it re-synced from its peers",
                        short(after_sibling)
                    ),
                );
                f.evidence.push(
                    "a member on a fresh volume has only what the application copied back from its peers: until that re-sync completes it serves stale or missing data and cannot really back the quorum it counts towards".to_string()
                );
                f.evidence.push(format!(
                    "{claim} created {} ago, {} after {oldest_name}{}",
                    k8s::time::age(created, ctx.now),
                    short(after_sibling),
                    after_sts
                        .map(|a| format!(" and {} after the StatefulSet", short(a)))
                        .unwrap_or_default()
                ));
                let older = siblings.iter().filter(|(_, _, t)| *t < created).count();
                let highest = siblings.iter().all(|(_, o, _)| *o <= ordinal);
                if highest && older == siblings.len() - 1 {
                    f.evidence.push(format!(
                        "{pod} is the highest ordinal: if it was added by a scale-up this is expected, but its initial sync still has to have finished"
                    ));
                }
                f.commands.push(Remedy::run(
                    format!("See when {claim} and its volume were created and what happened to it"),
                    ctx.kubectl.argv(Some(ns), &["describe", "pvc", claim]),
                ));
                if let Some((container, path)) = mount_of(sts, tpl) {
                    let sibling_pod = siblings
                        .iter()
                        .find(|(n, _, _)| *n == oldest_name)
                        .map(|(_, o, _)| format!("{name}-{o}"))
                        .unwrap_or_default();
                    f.commands.push(Remedy::run(
                        format!("How much data {pod} holds in {path}"),
                        ctx.kubectl.argv(
                            Some(ns),
                            &["exec", &pod, "-c", container, "--", "df", "-h", path],
                        ),
                    ));
                    f.commands.push(Remedy::run(
                        format!(
                            "The same on its oldest sibling {sibling_pod}: a fresh replica holding far less has not caught up. Then confirm with the application's own replication status (lag, sync state, membership)"
                        ),
                        ctx.kubectl.argv(
                            Some(ns),
                            &["exec", &sibling_pod, "-c", container, "--", "df", "-h", path],
                        ),
                    ));
                }
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn snap(created: [&str; 3]) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &with_claim_template(&sts("shop", "db", 3), None),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "db", "image": "x",
                "volumeMounts": [{"name": "data", "mountPath": "/var/lib/db"}]}]}}}}),
        ));
        for (i, c) in created.iter().enumerate() {
            let claim = format!("data-db-{i}");
            s.pvcs
                .push(pvc_of("shop", &claim, "db", &format!("pv-{i}"), None, c));
        }
        s
    }

    #[test]
    fn a_claim_days_newer_than_its_siblings_fires_on_the_pvc() {
        let r = run_check(
            &snap([
                "2026-11-01T00:05:00Z",
                "2026-11-20T10:00:00Z",
                "2026-11-01T00:06:00Z",
            ]),
            super::CHECK,
        );
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.kind, "PersistentVolumeClaim");
        assert_eq!(f.object.name, "data-db-1");
        assert!(f.summary.contains("19d newer"), "{}", f.summary);
        assert_eq!(
            f.commands[1].command,
            "kubectl -n shop exec db-1 -c db -- df -h /var/lib/db"
        );
        assert!(f.commands[2].description.contains("oldest sibling db-0"));
        assert_eq!(
            f.commands[2].command,
            "kubectl -n shop exec db-0 -c db -- df -h /var/lib/db"
        );
    }

    #[test]
    fn a_new_claim_still_pending_is_quiet() {
        let mut s = snap([
            "2026-11-01T00:05:00Z",
            "2026-11-22T02:58:30Z",
            "2026-11-01T00:06:00Z",
        ]);
        assert_eq!(run_check(&s, super::CHECK).len(), 1);
        s.pvcs[1] = merged(
            &s.pvcs[1],
            json!({"spec": {"volumeName": null}, "status": {"phase": "Pending"}}),
        );
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn siblings_of_the_same_age_or_a_young_set_are_quiet() {
        assert!(
            run_check(
                &snap([
                    "2026-11-01T00:05:00Z",
                    "2026-11-01T02:00:00Z",
                    "2026-11-01T00:06:00Z"
                ]),
                super::CHECK
            )
            .is_empty()
        );
        // The StatefulSet was created 2026-11-01: a claim 30 minutes later is part of the
        // first rollout even if another claim is older (re-created StatefulSet).
        let mut s = snap([
            "2026-10-01T00:00:00Z",
            "2026-11-01T00:30:00Z",
            "2026-10-01T00:00:00Z",
        ]);
        assert!(run_check(&s, super::CHECK).is_empty());
        s.statefulsets[0].metadata.creation_timestamp = None;
        assert_eq!(run_check(&s, super::CHECK).len(), 1);
    }
}
