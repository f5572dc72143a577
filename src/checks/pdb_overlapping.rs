//! `pdb-overlapping`: more than one PodDisruptionBudget selects the same StatefulSet's pods.
//! The Eviction API refuses such a pod outright (HTTP 500 "This pod has more than one
//! PodDisruptionBudget, which the eviction subresource does not support"), whatever either
//! budget allows, so every drain touching one of these pods retries forever.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::k8s::pdb::Coverage;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use sts::budgets::pdbs_selecting;

pub const CHECK: Check = Check {
    id: "pdb-overlapping",
    needs: &[Source::StatefulSets, Source::PodDisruptionBudgets],
    run,
};

/// A budget that protects this set well on its own: it allows at least one disruption and
/// never more than quorum can afford.
fn quorum_safe(pdb: &PodDisruptionBudget, cov: &Coverage, n: i32) -> bool {
    let Ok(b) = k8s::pdb::evaluate(pdb, cov.expected) else {
        return false;
    };
    let limit = if n >= 3 { n - k8s::quorum(n) } else { 1 };
    b.allowed >= 1 && b.allowed <= limit
}

/// The budget covers this StatefulSet's pods and nothing else we can see.
fn exclusive(cov: &Coverage, sts: &StatefulSet) -> bool {
    cov.deployments.is_empty()
        && cov.status_counts_more.is_none()
        && cov.statefulsets.len() == 1
        && std::ptr::eq(cov.statefulsets[0], sts)
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let n = k8s::replicas(sts);
        if n == 0 {
            continue;
        }
        let pdbs = pdbs_selecting(ctx, ns, k8s::pdb::template_labels(sts));
        if pdbs.len() < 2 {
            continue;
        }
        let covs: Vec<Coverage> = pdbs
            .iter()
            .map(|p| k8s::pdb::coverage(p, ctx.idx.statefulsets_in(ns), ctx.idx.deployments_in(ns)))
            .collect();
        let names: Vec<&str> = pdbs.iter().map(|p| k8s::name(&p.metadata)).collect();
        let first = names.first().copied().unwrap_or_default();
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("PodDisruptionBudget", ns, first),
            Some(name),
            format!(
                "{} PodDisruptionBudgets select {name}'s pods ({}): the Eviction API refuses to evict any of them, so drains hang",
                pdbs.len(),
                names.join(", ")
            ),
        );
        f.evidence.push(
            "an eviction of a pod under two budgets fails with HTTP 500 \"This pod has more than one PodDisruptionBudget, which the eviction subresource does not support\", whatever either budget allows: kubectl drain retries forever and upgrades stall".to_string(),
        );
        for (pdb, cov) in pdbs.iter().zip(&covs) {
            let rule = k8s::pdb::evaluate(pdb, cov.expected)
                .map(|b| b.explain())
                .unwrap_or_else(|e| format!("invalid: {e}"));
            let also = cov
                .shared_with()
                .map(|s| format!("; covers {s}"))
                .unwrap_or_default();
            f.evidence
                .push(format!("{}: {rule}{also}", k8s::name(&pdb.metadata)));
        }

        // Keep one budget that covers only this set: a quorum-safe one, preferably named
        // after the set; delete the other exclusive ones; narrow the shared ones.
        let exclusive_idx: Vec<usize> = (0..pdbs.len())
            .filter(|i| exclusive(&covs[*i], sts))
            .collect();
        let keeper = exclusive_idx
            .iter()
            .copied()
            .find(|i| quorum_safe(pdbs[*i], &covs[*i], n) && names[*i] == name)
            .or_else(|| {
                exclusive_idx
                    .iter()
                    .copied()
                    .find(|i| quorum_safe(pdbs[*i], &covs[*i], n))
            })
            .or_else(|| exclusive_idx.first().copied());
        if let Some(k) = keeper {
            let keep = names[k];
            if !quorum_safe(pdbs[k], &covs[k], n) {
                f.commands.push(Remedy::run(
                    format!(
                        "Make {keep}, the budget to keep, quorum-safe first: maxUnavailable 1 (minAvailable cleared, the API refuses both)"
                    ),
                    sts::budgets::patch_max_unavailable(ctx, pdbs[k], 1),
                ));
            }
            for i in 0..pdbs.len() {
                if i == k {
                    continue;
                }
                if exclusive_idx.contains(&i) {
                    f.commands.push(Remedy::run(
                        format!(
                            "Delete the duplicate budget {}: {keep} keeps protecting {name}'s pods",
                            names[i]
                        ),
                        ctx.kubectl.argv(Some(ns), &["delete", "pdb", names[i]]),
                    ));
                } else {
                    f.commands.push(narrow(ctx, ns, names[i], name, &covs[i]));
                }
            }
        } else {
            for (i, cov) in covs.iter().enumerate() {
                f.commands.push(narrow(ctx, ns, names[i], name, cov));
            }
            f.commands.push(Remedy::run(
                format!(
                    "Then check that exactly one budget still selects {name}'s pods (each one's selector is shown)"
                ),
                ctx.kubectl.argv(Some(ns), &["get", "pdb", "-o", "wide"]),
            ));
        }
        out.push(f);
    }
}

/// A budget shared with other workloads cannot simply be deleted: its selector has to stop
/// matching this set. Which label to exclude depends on how the workloads are labelled, so
/// the step is an edit with the exact goal stated.
fn narrow(ctx: &Ctx, ns: &str, pdb: &str, sts: &str, cov: &Coverage) -> Remedy {
    let others = cov
        .shared_with()
        .unwrap_or_else(|| "other pods".to_string());
    Remedy::run(
        format!(
            "{pdb} also protects {others}: edit its spec.selector so it no longer selects {sts}'s pods (for example add a matchExpressions entry with operator NotIn on a label only {sts}'s pods carry), so exactly one budget covers them"
        ),
        ctx.kubectl.argv(Some(ns), &["edit", "pdb", pdb]),
    )
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn two_budgets_on_one_set_fire_and_the_duplicate_is_deleted() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pdbs
            .push(pdb("shop", "db", json!({"matchLabels": {"app": "db"}})));
        s.pdbs.push(pdb_with_spec(
            "shop",
            "db-legacy",
            json!({"minAvailable": 2, "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.kind, "PodDisruptionBudget");
        assert_eq!(f.object.name, "db");
        assert!(f.summary.contains("(db, db-legacy)"), "{}", f.summary);
        assert_eq!(f.commands.len(), 1, "{:#?}", f.commands);
        assert_eq!(
            f.commands[0].command,
            "kubectl -n shop delete pdb db-legacy"
        );
    }

    #[test]
    fn a_shared_budget_is_narrowed_not_deleted() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.statefulsets.push(sts("shop", "cache", 3));
        s.pdbs
            .push(pdb("shop", "db", json!({"matchLabels": {"app": "db"}})));
        s.pdbs.push(pdb("shop", "everything", json!({})));
        let r = run_check(&s, super::CHECK);
        // db is under two budgets; cache only under `everything`.
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].statefulset.as_deref(), Some("db"));
        assert!(r[0].commands[0].command.ends_with("edit pdb everything"));
        assert!(
            r[0].commands[0]
                .description
                .contains("also protects StatefulSet db (3), StatefulSet cache (3)")
        );
    }

    #[test]
    fn an_unsafe_keeper_is_fixed_before_the_other_is_deleted() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pdbs.push(pdb_with_spec(
            "shop",
            "a",
            json!({"maxUnavailable": 0, "selector": {"matchLabels": {"app": "db"}}}),
        ));
        s.pdbs.push(pdb_with_spec(
            "shop",
            "b",
            json!({"maxUnavailable": "50%", "selector": {"matchLabels": {"app": "db"}}}),
        ));
        let r = run_check(&s, super::CHECK);
        let cmds: Vec<&str> = r[0].commands.iter().map(|c| c.command.as_str()).collect();
        assert_eq!(
            cmds,
            vec![
                r#"kubectl -n shop patch pdb a --type=merge -p '{"spec":{"maxUnavailable":1,"minAvailable":null}}'"#,
                "kubectl -n shop delete pdb b",
            ]
        );
    }

    #[test]
    fn one_budget_or_a_null_selector_is_quiet() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pdbs
            .push(pdb("shop", "db", json!({"matchLabels": {"app": "db"}})));
        let mut none = pdb("shop", "none", json!({}));
        none.spec.as_mut().unwrap().selector = None;
        s.pdbs.push(none);
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
