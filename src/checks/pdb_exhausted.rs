//! `pdb-exhausted`: a PodDisruptionBudget selecting a StatefulSet's pods has
//! `status.disruptionsAllowed == 0` right now, so every eviction of those pods is refused
//! and any node drain (upgrade, autoscaler scale-down) hangs. Usually some selected pods
//! are not Ready (or missing) and have used up the budget; those are named, because healing
//! them is what frees the drain. A budget that can never allow a disruption by construction
//! (maxUnavailable 0, minAvailable ≥ replicas) with every pod healthy is `pdb-blocks-drain`'s
//! case, not this one.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub const CHECK: Check = Check {
    id: "pdb-exhausted",
    needs: &[
        Source::StatefulSets,
        Source::Pods,
        Source::PodDisruptionBudgets,
    ],
    run,
};

/// Whether the budget can never allow a disruption of a set of `n` pods, even with all of
/// them healthy: the shared rule of `k8s::pdb` (a budget with neither field set included).
/// An invalid budget is not called "by construction": the API server would have refused it.
pub(crate) fn never_allows(pdb: &PodDisruptionBudget, n: i32) -> bool {
    k8s::pdb::evaluate(pdb, n).is_ok_and(|b| b.allowed == 0)
}

fn budget_text(pdb: &PodDisruptionBudget) -> String {
    let spec = pdb.spec.as_ref();
    let show = |v: &IntOrString| match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    };
    match (
        spec.and_then(|s| s.max_unavailable.as_ref()),
        spec.and_then(|s| s.min_available.as_ref()),
    ) {
        (Some(m), _) => format!("maxUnavailable {}", show(m)),
        (None, Some(m)) => format!("minAvailable {}", show(m)),
        (None, None) => "no minAvailable or maxUnavailable".to_string(),
    }
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let labels = sts::spec(sts)
            .and_then(|s| s.template.metadata.as_ref())
            .and_then(|m| m.labels.as_ref());
        for pdb in ctx.idx.pdbs_selecting(ns, labels) {
            if pdb.status.as_ref().map(|s| s.disruptions_allowed) == Some(0)
                && let Some(f) = finding(ctx, sts, pdb)
            {
                out.push(f);
            }
        }
    }
}

fn finding(ctx: &Ctx, sts: &StatefulSet, pdb: &PodDisruptionBudget) -> Option<Finding> {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let pdb_name = k8s::name(&pdb.metadata);
    let n = k8s::replicas(sts);
    let members = sts::members(ctx, sts);
    let unhealthy: Vec<_> = ctx
        .idx
        .pods_of(ns, name)
        .iter()
        .copied()
        .filter(|p| sts::budgets::pdb_selects(pdb, p.metadata.labels.as_ref()))
        .filter(|p| !sts::serving(p))
        .collect();
    let missing: Vec<&str> = members
        .iter()
        .filter(|m| m.pod.is_none())
        .map(|m| m.name.as_str())
        .collect();
    let by_construction = never_allows(pdb, n);
    if by_construction && unhealthy.is_empty() && missing.is_empty() {
        return None;
    }
    let mut causes: Vec<&str> = unhealthy.iter().map(|p| k8s::name(&p.metadata)).collect();
    causes.extend(missing.iter().copied());
    let summary = if causes.is_empty() {
        format!(
            "PodDisruptionBudget {pdb_name} allows no disruption now although every {name} pod is Ready: any drain of their nodes hangs"
        )
    } else {
        format!(
            "PodDisruptionBudget {pdb_name} allows no disruption now because {} {} unavailable: any drain of a node with {name} pods hangs",
            causes.join(", "),
            if causes.len() == 1 { "is" } else { "are" }
        )
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("PodDisruptionBudget", ns, pdb_name),
        Some(name),
        summary,
    );
    f.evidence.extend(status_lines(pdb));
    for p in &unhealthy {
        f.evidence.push(format!(
            "{}: {}",
            k8s::name(&p.metadata),
            sts::problem(ctx, p)
        ));
    }
    for m in &missing {
        f.evidence
            .push(format!("{m}: does not exist, so it counts as unhealthy"));
    }
    if by_construction {
        f.evidence.push(format!(
            "even with every pod healthy, {} allows no disruption for {n} replicas (see pdb-blocks-drain)",
            budget_text(pdb)
        ));
    } else if causes.is_empty() {
        f.evidence.push(
            "no selected pod of this StatefulSet is unhealthy: the budget may also select other pods, or its status is stale".to_string(),
        );
    }
    let always_allow = pdb
        .spec
        .as_ref()
        .and_then(|s| s.unhealthy_pod_eviction_policy.as_deref())
        == Some("AlwaysAllow");
    if always_allow && !unhealthy.is_empty() {
        f.evidence.push(
            "unhealthyPodEvictionPolicy AlwaysAllow: the not-Ready pods themselves can still be evicted; the Ready ones cannot".to_string(),
        );
    }
    f.commands.push(Remedy::run(
        "Read the budget's status and which pods it counts",
        ctx.kubectl
            .argv(Some(ns), &["describe", "poddisruptionbudget", pdb_name]),
    ));
    for p in unhealthy.iter().take(3) {
        let pod_name = k8s::name(&p.metadata);
        f.commands.push(Remedy::run(
            format!("Read why {pod_name} is not Ready"),
            ctx.kubectl.argv(Some(ns), &["describe", "pod", pod_name]),
        ));
    }
    f.commands.push(Remedy::run(
        "Heal those pods first: the per-pod findings say how. Do not get around the budget with `kubectl drain --disable-eviction` or by deleting pods: that takes down members it protects",
        ctx.kubectl.sts_argv(Some(ns), &["diagnose", name]),
    ));
    Some(f)
}

/// The budget's status as the disruption controller last wrote it: its numbers, why it
/// allows nothing, and whether it is stale.
fn status_lines(pdb: &PodDisruptionBudget) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(st) = pdb.status.as_ref() {
        out.push(format!(
            "{}; status: disruptionsAllowed {}, currentHealthy {}, desiredHealthy {}, expectedPods {}",
            budget_text(pdb),
            st.disruptions_allowed,
            st.current_healthy,
            st.desired_healthy,
            st.expected_pods
        ));
        if let Some(c) = st
            .conditions
            .as_deref()
            .unwrap_or_default()
            .iter()
            .find(|c| c.type_ == "DisruptionAllowed" && c.status != "True")
            && !c.message.is_empty()
        {
            out.push(format!(
                "DisruptionAllowed=False ({}): {}",
                c.reason, c.message
            ));
        }
        if let (Some(obs), Some(generation)) = (st.observed_generation, pdb.metadata.generation)
            && obs < generation
        {
            out.push(format!(
                "the status is from an older version of the budget (observedGeneration {obs} < generation {generation})"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::never_allows;
    use crate::testutil::*;
    use serde_json::json;

    fn budget(
        spec: serde_json::Value,
        allowed: i32,
    ) -> k8s_openapi::api::policy::v1::PodDisruptionBudget {
        merged(
            &pdb("shop", "db", json!({"matchLabels": {"app": "db"}})),
            json!({"spec": spec, "status": {"disruptionsAllowed": allowed, "currentHealthy": 2,
                "desiredHealthy": 2, "expectedPods": 3}}),
        )
    }

    #[test]
    fn budgets_that_never_allow_a_disruption() {
        let p = |spec| merged(&pdb("shop", "x", json!({})), json!({"spec": spec}));
        assert!(never_allows(&p(json!({"maxUnavailable": 0})), 3));
        assert!(never_allows(&p(json!({"maxUnavailable": "0%"})), 3));
        assert!(!never_allows(&p(json!({"maxUnavailable": "10%"})), 3));
        // Neither field: the disruption controller expects 0 pods and allows nothing.
        assert!(never_allows(&p(json!({"maxUnavailable": null})), 3));
        assert!(never_allows(
            &p(json!({"maxUnavailable": null, "minAvailable": 3})),
            3
        ));
        assert!(never_allows(
            &p(json!({"maxUnavailable": null, "minAvailable": "90%"})),
            3
        ));
        assert!(!never_allows(
            &p(json!({"maxUnavailable": null, "minAvailable": "50%"})),
            3
        ));
    }

    #[test]
    fn names_the_pod_that_used_up_the_budget() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, false));
        s.pods.push(pod("shop", "db", 2, true));
        s.pdbs.push(budget(json!({"maxUnavailable": 1}), 0));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.kind, "PodDisruptionBudget");
        assert!(
            f.summary.contains("because db-1 is unavailable"),
            "{}",
            f.summary
        );
        assert!(
            f.commands
                .iter()
                .any(|c| c.command == "kubectl -n shop describe pod db-1")
        );
    }

    #[test]
    fn quiet_with_budget_left_or_a_strict_budget_and_healthy_pods() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        for i in 0..3 {
            s.pods.push(pod("shop", "db", i, true));
        }
        s.pdbs.push(budget(json!({"maxUnavailable": 0}), 0));
        assert!(run_check(&s, super::CHECK).is_empty());

        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, false));
        s.pdbs.push(budget(json!({"maxUnavailable": 1}), 1));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn a_strict_budget_with_a_sick_pod_still_fires() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 2));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, false));
        s.pdbs.push(budget(
            json!({"maxUnavailable": null, "minAvailable": 2}),
            0,
        ));
        let r = run_check(&s, super::CHECK);
        assert!(r[0].evidence.iter().any(|e| e.contains("pdb-blocks-drain")));
    }
}
