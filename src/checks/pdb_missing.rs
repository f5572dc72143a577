//! `pdb-missing`: a replicated StatefulSet with no PodDisruptionBudget, so a node drain or
//! cluster upgrade may evict several members at once and break quorum.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::snapshot::Source;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "pdb-missing",
    needs: &[Source::StatefulSets, Source::PodDisruptionBudgets],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let n = k8s::replicas(sts);
        if n < 2 {
            continue;
        }
        let labels = k8s::pdb::template_labels(sts);
        if !ctx.idx.pdbs_selecting(ns, labels).is_empty() {
            continue;
        }
        let pdbs = ctx
            .idx
            .pdbs_in
            .get(ns)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let q = k8s::quorum(n);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!("no PodDisruptionBudget protects {name}: a drain can evict several of its {n} replicas at once"),
        );
        f.evidence.push(format!(
            "{} PodDisruptionBudget(s) in namespace {ns}; none selects the pod template's labels",
            pdbs.len()
        ));
        f.evidence.push(format!(
            "{n} replicas, quorum {q}: a budget of maxUnavailable 1 keeps {} up during voluntary disruptions",
            n - 1
        ));
        // Avoid colliding with an existing PDB of the same name that selects other pods.
        let pdb_name = if pdbs.iter().any(|p| k8s::name(&p.metadata) == name) {
            format!("{name}-sts")
        } else {
            name.to_string()
        };
        let pdb = json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": manifest::metadata(&pdb_name, ns),
            "spec": {
                "maxUnavailable": 1,
                "selector": crate::sts::services::selector_value(sts),
            },
        });
        f.commands.push(Remedy::with_stdin(
            format!("Create PodDisruptionBudget {pdb_name} allowing one {name} pod down at a time"),
            ctx.kubectl.argv(None, &["apply", "-f", "-"]),
            manifest::to_yaml(&pdb),
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn fires_for_replicated_sets_without_a_budget() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pdbs.push(pdb(
            "shop",
            "other",
            json!({"matchLabels": {"app": "other"}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let doc = r[0].commands[0].stdin().unwrap();
        assert!(doc.contains("maxUnavailable: 1"), "{doc}");
        assert!(doc.contains("kind: PodDisruptionBudget"), "{doc}");
        assert!(r[0].evidence[1].contains("quorum 2"));
    }

    #[test]
    fn quiet_with_a_matching_budget_or_one_replica() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pdbs.push(pdb(
            "shop",
            "db",
            json!({"matchExpressions": [{"key": "app", "operator": "In", "values": ["db", "x"]}]}),
        ));
        s.statefulsets.push(sts("shop", "single", 1));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn empty_selector_covers_the_namespace_but_null_covers_nothing() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pdbs.push(pdb("shop", "all", json!({})));
        assert!(run_check(&s, super::CHECK).is_empty());

        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        let mut p = pdb("shop", "none", json!({}));
        p.spec.as_mut().unwrap().selector = None;
        s.pdbs.push(p);
        assert_eq!(run_check(&s, super::CHECK).len(), 1);
    }

    #[test]
    fn budgets_in_other_namespaces_do_not_count() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pdbs
            .push(pdb("other", "db", json!({"matchLabels": {"app": "db"}})));
        assert_eq!(run_check(&s, super::CHECK).len(), 1);
    }
}
