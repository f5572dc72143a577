//! `pdb-allows-quorum-loss`: a PodDisruptionBudget over a quorum system (3+ replicas) that
//! lets a drain evict more members at once than the set can lose, so routine maintenance
//! (node drains, cluster upgrades, autoscaler scale-downs) can take the majority down.
//!
//! The budget is computed as the disruption controller computes it (`k8s::pdb`): integers
//! and percentages, percentages rounded up for both fields, the expected count being the
//! sum of `spec.replicas` of every controller whose pods the budget selects (a budget
//! shared by several sets can spend all its disruptions on one of them).

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "pdb-allows-quorum-loss",
    needs: &[Source::StatefulSets, Source::PodDisruptionBudgets],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (pdb, cov) in sts::budgets::coverages(ctx) {
        let Ok(budget) = k8s::pdb::evaluate(pdb, cov.expected) else {
            continue;
        };
        let ns = k8s::namespace(&pdb.metadata);
        let pdb_name = k8s::name(&pdb.metadata);
        for sts in &cov.statefulsets {
            let name = k8s::name(&sts.metadata);
            let n = k8s::replicas(sts);
            if n < 3 {
                continue;
            }
            let q = k8s::quorum(n);
            let spare = n - q;
            if budget.allowed <= spare {
                continue;
            }
            let down = budget.allowed.min(n);
            let mut f = ctx.finding(
                CHECK.id,
                ObjectRef::namespaced("PodDisruptionBudget", ns, pdb_name),
                Some(name),
                format!(
                    "PodDisruptionBudget {pdb_name} lets a drain evict {down} of {name}'s {n} replicas at once: quorum ({q} of {n}) can be lost during maintenance"
                ),
            );
            f.evidence.push(format!(
                "{name} needs {q} of {n} members up for quorum, so at most {spare} may be down; this budget allows {} disruption(s)",
                budget.allowed
            ));
            f.evidence
                .extend(sts::budgets::budget_evidence(pdb, &cov, &budget));
            f.commands.push(Remedy::run(
                format!(
                    "Make the budget quorum-safe: maxUnavailable 1 (one member down at a time, keeping quorum {q} of {n} with a spare for an unplanned failure; {spare} is the most that still keeps quorum). minAvailable is cleared because the API refuses both fields"
                ),
                sts::budgets::patch_max_unavailable(ctx, pdb, 1),
            ));
            f.commands.push(Remedy::run(
                "Check: ALLOWED DISRUPTIONS should now be 1 with every member healthy",
                ctx.kubectl.argv(Some(ns), &["get", "pdb", pdb_name]),
            ));
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::{Value, json};

    fn with_budget(replicas: i32, spec: Value) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "zk", replicas));
        let mut spec = spec;
        spec["selector"] = json!({"matchLabels": {"app": "zk"}});
        s.pdbs.push(pdb_with_spec("shop", "zk", spec));
        s
    }

    #[test]
    fn max_unavailable_half_of_three_breaks_quorum() {
        let s = with_budget(3, json!({"maxUnavailable": "50%"}));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1, "{r:#?}");
        let f = &r[0];
        assert_eq!(f.object.kind, "PodDisruptionBudget");
        assert_eq!(f.statefulset.as_deref(), Some("zk"));
        assert!(f.summary.contains("evict 2 of zk's 3"), "{}", f.summary);
        assert!(
            f.evidence[1].contains("50% of 3 = 1.5, rounded up to 2"),
            "{:?}",
            f.evidence
        );
        assert_eq!(
            f.commands[0].command,
            r#"kubectl -n shop patch pdb zk --type=merge -p '{"spec":{"maxUnavailable":1,"minAvailable":null}}'"#
        );
    }

    #[test]
    fn min_available_half_of_three_is_safe_but_of_four_is_not() {
        let s = with_budget(3, json!({"minAvailable": "50%"}));
        assert!(run_check(&s, super::CHECK).is_empty());
        // 50% of 4 = 2 healthy, 2 may go, but quorum of 4 is 3.
        let s = with_budget(4, json!({"minAvailable": "50%"}));
        assert_eq!(run_check(&s, super::CHECK).len(), 1);
    }

    #[test]
    fn integers_are_judged_against_quorum() {
        for (n, spec, fires) in [
            (3, json!({"maxUnavailable": 1}), false),
            (3, json!({"maxUnavailable": 2}), true),
            (5, json!({"maxUnavailable": 2}), false),
            (5, json!({"minAvailable": 2}), true),
            (5, json!({"minAvailable": 3}), false),
            (7, json!({"minAvailable": 4}), false),
            // Neither field: the controller allows nothing (pdb-blocks-drain's case).
            (3, json!({}), false),
            // Two replicas have no spare member: judged by pdb-blocks-drain/pdb-missing only.
            (2, json!({"maxUnavailable": 2}), false),
        ] {
            let s = with_budget(n, spec.clone());
            assert_eq!(
                run_check(&s, super::CHECK).len(),
                usize::from(fires),
                "{spec} with {n}"
            );
        }
    }

    #[test]
    fn a_shared_budget_can_spend_everything_on_one_set() {
        let mut s = snapshot();
        let mut a = sts("shop", "a", 3);
        let mut b = sts("shop", "b", 3);
        for x in [&mut a, &mut b] {
            x.edit(|v| v["spec"]["template"]["metadata"]["labels"]["tier"] = json!("data"));
        }
        s.statefulsets.push(a);
        s.statefulsets.push(b);
        let p = pdb_with_spec(
            "shop",
            "data",
            json!({"minAvailable": 4, "selector": {"matchLabels": {"tier": "data"}}}),
        );
        s.pdbs.push(p);
        let r = run_check(&s, super::CHECK);
        // 6 expected, 4 must stay: 2 may go, and both may be members of a.
        assert_eq!(r.len(), 2);
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.contains("shared by StatefulSet a (3), StatefulSet b (3)"))
        );
    }

    #[test]
    fn budgets_selecting_nothing_or_elsewhere_are_ignored() {
        let mut s = with_budget(3, json!({"maxUnavailable": 3}));
        s.pdbs[0].spec.as_mut().unwrap().selector = None;
        assert!(run_check(&s, super::CHECK).is_empty());
        let mut s = with_budget(3, json!({"maxUnavailable": 3}));
        s.pdbs[0].metadata.namespace = Some("other".into());
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
