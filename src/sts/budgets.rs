//! PodDisruptionBudgets as they cover a StatefulSet's members.

use crate::analysis::Ctx;
use crate::k8s;
use crate::k8s::pdb::{Budget, Coverage};
use crate::model::Labels;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use std::collections::HashMap;

/// The PodDisruptionBudgets of `ns` that select pods with `labels` (policy/v1: a null
/// selector selects nothing, `{}` everything), sorted by name, through the index's label
/// lookup so the join stays linear.
pub(crate) fn pdbs_selecting<'a, 'l>(
    ctx: &Ctx<'a>,
    ns: &str,
    labels: impl Into<Labels<'l>>,
) -> Vec<&'a PodDisruptionBudget> {
    ctx.idx.pdbs_selecting(ns, labels)
}

/// Every PDB that selects at least one StatefulSet's pods, with what it covers, in snapshot
/// order. Joined through the index's label lookup, so it stays linear in the objects.
pub(crate) fn coverages<'a>(ctx: &Ctx<'a>) -> Vec<(&'a PodDisruptionBudget, Coverage<'a>)> {
    let mut by_pdb: HashMap<(&str, &str), Coverage<'a>> = HashMap::new();
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        for pdb in pdbs_selecting(ctx, ns, k8s::pdb::template_labels(sts)) {
            by_pdb
                .entry((ns, k8s::name(&pdb.metadata)))
                .or_default()
                .add_statefulset(sts);
        }
    }
    if by_pdb.is_empty() {
        return Vec::new();
    }
    for d in &ctx.snap.deployments {
        let ns = k8s::namespace(&d.metadata);
        for pdb in pdbs_selecting(ctx, ns, k8s::pdb::deployment_labels(d)) {
            if let Some(c) = by_pdb.get_mut(&(ns, k8s::name(&pdb.metadata))) {
                c.add_deployment(d);
            }
        }
    }
    let mut out = Vec::new();
    for pdb in &ctx.snap.pdbs {
        let key = (k8s::namespace(&pdb.metadata), k8s::name(&pdb.metadata));
        if let Some(mut c) = by_pdb.remove(&key) {
            c.finish(pdb);
            out.push((pdb, c));
        }
    }
    out
}

/// Evidence lines every budget finding shares: how the numbers were reached, who else
/// shares the budget, and what the controller reports right now.
pub(crate) fn budget_evidence(
    pdb: &PodDisruptionBudget,
    cov: &Coverage,
    budget: &Budget,
) -> Vec<String> {
    let name = k8s::name(&pdb.metadata);
    let mut ev = vec![format!("PodDisruptionBudget {name}: {}", budget.explain())];
    if let Some(shared) = cov.shared_with() {
        ev.push(format!(
            "the budget is shared by {shared}: {} expected pods, and all its disruptions may fall on one set",
            cov.expected
        ));
    }
    if let Some(s) = cov.status_counts_more {
        ev.push(format!(
            "the disruption controller counts {s} expected pods (status.expectedPods), more than the controllers found here: the budget also selects other pods"
        ));
    }
    if let Some(st) = &pdb.status {
        ev.push(format!(
            "now: status.disruptionsAllowed {} (currentHealthy {}, desiredHealthy {}, expectedPods {})",
            st.disruptions_allowed, st.current_healthy, st.desired_healthy, st.expected_pods
        ));
    }
    ev
}

/// `kubectl patch pdb NAME --type=merge -p '{"spec":{"maxUnavailable":N,"minAvailable":null}}'`
pub(crate) fn patch_max_unavailable(ctx: &Ctx, pdb: &PodDisruptionBudget, n: i32) -> Vec<String> {
    ctx.kubectl.argv(
        Some(k8s::namespace(&pdb.metadata)),
        &[
            "patch",
            "pdb",
            k8s::name(&pdb.metadata),
            "--type=merge",
            "-p",
            &k8s::pdb::max_unavailable_patch(n),
        ],
    )
}

/// Whether a policy/v1 PDB selects pods with these labels. A null selector selects nothing;
/// an empty one (`{}`) selects every pod in the namespace.
pub(crate) fn pdb_selects<'l>(pdb: &PodDisruptionBudget, labels: impl Into<Labels<'l>>) -> bool {
    k8s::pdb::selects(pdb, labels)
}
