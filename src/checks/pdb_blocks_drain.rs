//! `pdb-blocks-drain`: a PodDisruptionBudget that can never allow a disruption, even with
//! every member healthy (`minAvailable` ≥ replicas, `minAvailable: 100%`, `maxUnavailable`
//! 0 or 0%, or neither field set, which the disruption controller reads as "0 pods
//! expected" and answers with 0 allowed disruptions). Every `kubectl drain`, node upgrade or autoscaler scale-down touching one of
//! the pods then hangs until someone deletes pods by hand, which is how members end up
//! killed with no budget at all.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use crate::sts::budgets::{budget_evidence, coverages, patch_max_unavailable};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

pub const CHECK: Check = Check {
    id: "pdb-blocks-drain",
    needs: &[Source::StatefulSets, Source::PodDisruptionBudgets],
    run,
};

/// Whether `pdb`'s own configuration forbids every disruption of a non-empty pod set of
/// StatefulSets, so `disruptionsAllowed == 0` is explained by this runbook rather than by
/// unhealthy pods (for `pdb-exhausted`).
#[allow(dead_code)] // the hook for `pdb-exhausted`, which stays quiet when this explains it
pub(crate) fn explains(ctx: &Ctx, pdb: &PodDisruptionBudget) -> bool {
    let ns = k8s::namespace(&pdb.metadata);
    let cov = k8s::pdb::coverage(pdb, ctx.idx.statefulsets_in(ns), ctx.idx.deployments_in(ns));
    !cov.statefulsets.is_empty()
        && cov.expected > 0
        && k8s::pdb::evaluate(pdb, cov.expected).is_ok_and(|b| b.allowed == 0)
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for (pdb, cov) in coverages(ctx) {
        if cov.expected <= 0 {
            continue;
        }
        let Ok(budget) = k8s::pdb::evaluate(pdb, cov.expected) else {
            continue;
        };
        if budget.allowed > 0 {
            continue;
        }
        let ns = k8s::namespace(&pdb.metadata);
        let pdb_name = k8s::name(&pdb.metadata);
        for sts in &cov.statefulsets {
            let name = k8s::name(&sts.metadata);
            let n = k8s::replicas(sts);
            if n == 0 {
                continue;
            }
            let mut f = ctx.finding(
                CHECK.id,
                ObjectRef::namespaced("PodDisruptionBudget", ns, pdb_name),
                Some(name),
                format!(
                    "PodDisruptionBudget {pdb_name} never allows evicting any of {name}'s pods ({}): every drain of a node running one hangs",
                    budget.rule
                ),
            );
            f.evidence.push(blocked_evidence(&budget));
            f.evidence.extend(budget_evidence(pdb, &cov, &budget));
            let relax = if budget.rule == k8s::pdb::Rule::Unset {
                "Give the budget a number, maxUnavailable 1"
            } else {
                "Relax the budget to maxUnavailable 1 (clearing minAvailable, the API refuses both)"
            };
            let desc = if n == 1 {
                format!(
                    "{relax}. {name} has a single replica, so it is down while its node drains whatever the budget says: the budget only decides whether the drain can finish. For no downtime the set needs more members"
                )
            } else if n == 2 {
                format!("{relax}: drains evict one of {name}'s 2 members at a time")
            } else {
                let q = k8s::quorum(n);
                format!("{relax}: drains evict one member at a time and quorum ({q} of {n}) holds")
            };
            f.commands
                .push(Remedy::run(desc, patch_max_unavailable(ctx, pdb, 1)));
            f.commands.push(Remedy::run(
                "Check: ALLOWED DISRUPTIONS should now be 1 with every member healthy",
                ctx.kubectl.argv(Some(ns), &["get", "pdb", pdb_name]),
            ));
            out.push(f);
        }
    }
}

/// Why no eviction is ever allowed, in the controller's own terms.
fn blocked_evidence(budget: &k8s::pdb::Budget) -> String {
    const AFTER: &str = "so node drains, upgrades and autoscaler scale-downs stall and people fall back to deleting pods, which no budget protects";
    if budget.rule == k8s::pdb::Rule::Unset {
        // pkg/controller/disruption: getExpectedPodCount leaves expectedCount at 0 when
        // neither field is set, and updatePdbStatus then forces disruptionsAllowed to 0.
        return format!(
            "neither minAvailable nor maxUnavailable is set: the disruption controller then counts 0 expected pods and reports disruptionsAllowed 0 however many of the {} pods are healthy, {AFTER}",
            budget.expected
        );
    }
    format!(
        "even with all {} expected pods healthy, {} must stay healthy: 0 disruptions allowed, {AFTER}",
        budget.expected, budget.desired_healthy
    )
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn snap(replicas: i32, spec: serde_json::Value) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", replicas));
        let mut spec = spec;
        spec["selector"] = json!({"matchLabels": {"app": "db"}});
        s.pdbs.push(pdb_with_spec("shop", "db", spec));
        s
    }

    #[test]
    fn fires_when_no_disruption_is_ever_allowed() {
        for (n, spec) in [
            (3, json!({"minAvailable": 3})),
            (3, json!({"minAvailable": 5})),
            (3, json!({"minAvailable": "100%"})),
            (3, json!({"maxUnavailable": 0})),
            (3, json!({"maxUnavailable": "0%"})),
            (1, json!({"minAvailable": 1})),
            // 1% of 1 rounds up to 1 healthy.
            (1, json!({"minAvailable": "1%"})),
            // Neither field (the zookeeper docs example with its number dropped).
            (3, json!({})),
        ] {
            let r = run_check(&snap(n, spec.clone()), super::CHECK);
            assert_eq!(r.len(), 1, "{spec} with {n}");
            assert_eq!(r[0].object.kind, "PodDisruptionBudget");
            assert_eq!(
                r[0].commands[0].command,
                r#"kubectl -n shop patch pdb db --type=merge -p '{"spec":{"maxUnavailable":1,"minAvailable":null}}'"#
            );
        }
    }

    #[test]
    fn an_empty_budget_says_why_and_gets_a_number() {
        let r = run_check(&snap(3, json!({})), super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].summary
                .contains("neither minAvailable nor maxUnavailable set"),
            "{}",
            r[0].summary
        );
        assert!(
            r[0].evidence[0].contains("counts 0 expected pods"),
            "{:?}",
            r[0].evidence
        );
        assert!(
            r[0].commands[0]
                .description
                .starts_with("Give the budget a number, maxUnavailable 1")
        );
        // The quorum check agrees: a budget that allows nothing cannot lose quorum.
        assert!(
            run_check(
                &snap(3, json!({})),
                crate::checks::by_id("pdb-allows-quorum-loss")
            )
            .is_empty()
        );
    }

    #[test]
    fn quiet_when_a_disruption_is_possible_or_nothing_runs() {
        for (n, spec) in [
            (3, json!({"minAvailable": 2})),
            (3, json!({"maxUnavailable": 1})),
            (3, json!({"minAvailable": "50%"})),
            (1, json!({"maxUnavailable": 1})),
            (0, json!({"minAvailable": 1})),
        ] {
            assert!(
                run_check(&snap(n, spec.clone()), super::CHECK).is_empty(),
                "{spec} with {n}"
            );
        }
    }

    #[test]
    fn explains_a_zero_budget_only_when_configuration_causes_it() {
        let s = snap(3, json!({"minAvailable": 3}));
        let k = Default::default();
        let ctx = ctx_for(&s, &k);
        assert!(super::explains(&ctx, &s.pdbs[0]));
        let s = snap(3, json!({"maxUnavailable": 1}));
        let ctx = ctx_for(&s, &k);
        assert!(!super::explains(&ctx, &s.pdbs[0]));
    }
}
