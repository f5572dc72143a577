//! `spread-missing`: a replicated StatefulSet whose pod template has no pod anti-affinity
//! (required or preferred) and no topology spread constraint over its own pods, so nothing
//! stops the scheduler from putting several members on one node or in one zone, where a
//! single node or zone failure takes them down together.
//!
//! A rule counts when its label selector selects the set's own pods and it names a
//! topology key: hostname and zone are the usual ones, and a custom key (a rack label)
//! spreads at least as much. Soft (preferred / ScheduleAnyway) rules count: whether the
//! pods actually ended up together is `replicas-colocated`'s question.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::k8s::node::{HOSTNAME_LABEL, LEGACY_ZONE_LABEL, ZONE_LABEL};
use crate::manifest;
use crate::snapshot::Source;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PodAffinityTerm, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::{Value, json};

pub const CHECK: Check = Check {
    id: "spread-missing",
    needs: &[Source::StatefulSets],
    run,
};

pub(crate) fn pod_spec(sts: &StatefulSet) -> Option<&PodSpec> {
    sts.spec.as_ref()?.template.spec.as_ref()
}

fn selects_own(sts: &StatefulSet, sel: Option<&LabelSelector>) -> bool {
    // A missing selector in an affinity term or spread constraint matches no pod.
    sel.is_some_and(|s| k8s::labels::matches(s, k8s::pdb::template_labels(sts)))
}

fn term_spreads(sts: &StatefulSet, t: &PodAffinityTerm) -> bool {
    !t.topology_key.is_empty() && selects_own(sts, t.label_selector.as_ref())
}

/// The spreading rules of the template over its own pods, one phrase each, e.g.
/// `required podAntiAffinity on kubernetes.io/hostname`.
pub(crate) fn spread_rules(sts: &StatefulSet) -> Vec<String> {
    let Some(spec) = pod_spec(sts) else {
        return Vec::new();
    };
    let mut rules = Vec::new();
    if let Some(aa) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.pod_anti_affinity.as_ref())
    {
        for t in aa
            .required_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
        {
            if term_spreads(sts, t) {
                rules.push(format!("required podAntiAffinity on {}", t.topology_key));
            }
        }
        for w in aa
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
        {
            if term_spreads(sts, &w.pod_affinity_term) {
                rules.push(format!(
                    "preferred podAntiAffinity on {}",
                    w.pod_affinity_term.topology_key
                ));
            }
        }
    }
    for c in spec.topology_spread_constraints.iter().flatten() {
        if !c.topology_key.is_empty() && selects_own(sts, c.label_selector.as_ref()) {
            rules.push(format!(
                "topologySpreadConstraint on {} ({})",
                c.topology_key, c.when_unsatisfiable
            ));
        }
    }
    rules
}

pub(crate) fn has_spread(sts: &StatefulSet) -> bool {
    !spread_rules(sts).is_empty()
}

fn is_zone_key(k: &str) -> bool {
    k == ZONE_LABEL || k == LEGACY_ZONE_LABEL
}

/// Whether a rule already spreads over zones (a zone spread constraint or anti-affinity).
pub(crate) fn has_zone_rule(sts: &StatefulSet) -> bool {
    let Some(spec) = pod_spec(sts) else {
        return false;
    };
    let aa = spec
        .affinity
        .as_ref()
        .and_then(|a| a.pod_anti_affinity.as_ref());
    let aa_zone = aa.is_some_and(|aa| {
        aa.required_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
            .any(|t| is_zone_key(&t.topology_key) && term_spreads(sts, t))
            || aa
                .preferred_during_scheduling_ignored_during_execution
                .iter()
                .flatten()
                .any(|w| {
                    is_zone_key(&w.pod_affinity_term.topology_key)
                        && term_spreads(sts, &w.pod_affinity_term)
                })
    });
    aa_zone
        || spec
            .topology_spread_constraints
            .iter()
            .flatten()
            .any(|c| is_zone_key(&c.topology_key) && selects_own(sts, c.label_selector.as_ref()))
}

/// The zones of Ready, schedulable (not cordoned) nodes, sorted.
pub(crate) fn schedulable_zones<'a>(ctx: &Ctx<'a>) -> Vec<&'a str> {
    let mut zones: Vec<&str> = ctx
        .snap
        .nodes
        .iter()
        .filter(|n| k8s::node::is_ready(n) && !k8s::node::is_cordoned(n))
        .filter_map(k8s::node::zone)
        .collect();
    zones.sort_unstable();
    zones.dedup();
    zones
}

/// What a pod-template change does to the running pods, in one sentence.
pub(crate) fn template_change_note(sts: &StatefulSet) -> String {
    let strategy = sts.spec.as_ref().and_then(|s| s.update_strategy.as_ref());
    if strategy.and_then(|u| u.type_.as_deref()) == Some("OnDelete") {
        return "This changes the pod template; under the OnDelete strategy no pod restarts until you delete it (one at a time, highest ordinal first, waiting for Ready)".to_string();
    }
    let partition = strategy
        .and_then(|u| u.rolling_update.as_ref())
        .and_then(|r| r.partition)
        .unwrap_or(0);
    if partition > 0 {
        format!(
            "This changes the pod template, so it triggers a rolling restart of the members with ordinal ≥ {} only (partition {partition} holds the others back)",
            k8s::ordinal_start(sts) + i64::from(partition)
        )
    } else {
        "This changes the pod template, so it triggers a rolling restart: the controller replaces every pod one at a time, highest ordinal first".to_string()
    }
}

/// A strategic merge patch adding preferred anti-affinity on the hostname (and, in a
/// multi-zone cluster, a soft zone spread constraint), keeping existing preferred terms:
/// strategic merge replaces that list whole, so it is sent complete.
pub(crate) fn spread_patch(ctx: &Ctx, sts: &StatefulSet, multi_zone: bool) -> Remedy {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let selector = json!({"matchLabels": manifest::service_selector(sts)});
    let spec = pod_spec(sts);
    let mut preferred: Vec<Value> = spec
        .and_then(|s| s.affinity.as_ref())
        .and_then(|a| a.pod_anti_affinity.as_ref())
        .and_then(|aa| {
            aa.preferred_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|terms| {
            terms
                .iter()
                .filter_map(|t| serde_json::to_value(t).ok())
                .collect()
        })
        .unwrap_or_default();
    preferred.push(json!({
        "weight": 100,
        "podAffinityTerm": {"topologyKey": HOSTNAME_LABEL, "labelSelector": selector},
    }));
    let mut pod = json!({
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": preferred}},
    });
    let zone_taken = spec
        .and_then(|s| s.topology_spread_constraints.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.topology_key == ZONE_LABEL));
    let add_zone = multi_zone && !zone_taken;
    if add_zone {
        pod["topologySpreadConstraints"] = json!([{
            "maxSkew": 1,
            "topologyKey": ZONE_LABEL,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": selector,
        }]);
    }
    let patch = json!({"spec": {"template": {"spec": pod}}});
    let what = if add_zone {
        "preferred pod anti-affinity on the hostname and a soft spread over zones"
    } else {
        "preferred pod anti-affinity on the hostname"
    };
    Remedy::run(
        format!(
            "Add {what} to {name}'s pod template (preferred, so a member still schedules when no other node fits; switch to requiredDuringSchedulingIgnoredDuringExecution for a hard guarantee if there are more schedulable nodes than replicas). {}",
            template_change_note(sts)
        ),
        ctx.kubectl.argv(
            Some(ns),
            &[
                "patch",
                "statefulset",
                name,
                "--type=strategic",
                "-p",
                &patch.to_string(),
            ],
        ),
    )
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let zones = if ctx.readable(Source::Nodes) {
        schedulable_zones(ctx)
    } else {
        Vec::new()
    };
    for sts in &ctx.snap.statefulsets {
        let n = k8s::replicas(sts);
        if n < 2 || has_spread(sts) {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{name} has no anti-affinity or spread rule: the scheduler may place several of its {n} members on one node, and losing that node loses them together"
            ),
        );
        f.evidence.push(format!(
            "pod template: no podAntiAffinity term and no topologySpreadConstraint selects {name}'s own pods"
        ));
        if n >= 3 {
            f.evidence.push(format!(
                "{} members on one node are enough to lose quorum ({} of {n}) with that node",
                n - k8s::quorum(n) + 1,
                k8s::quorum(n)
            ));
        }
        if zones.len() >= 2 {
            f.evidence.push(format!(
                "schedulable nodes span {} zones ({}): members can also be spread over zones",
                zones.len(),
                zones.join(", ")
            ));
        }
        f.commands.push(spread_patch(ctx, sts, zones.len() >= 2));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn with_pod_spec(extra: serde_json::Value) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"spec": extra}}}),
        ));
        s
    }

    #[test]
    fn fires_without_any_rule_and_patches_with_strategic_merge() {
        let mut s = with_pod_spec(json!({}));
        s.nodes.push(node_in_zone("n1", "z1"));
        s.nodes.push(node_in_zone("n2", "z2"));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let c = &r[0].commands[0];
        assert!(
            c.description.contains("rolling restart"),
            "{}",
            c.description
        );
        assert_eq!(
            c.command,
            r#"kubectl -n shop patch statefulset db --type=strategic -p '{"spec":{"template":{"spec":{"affinity":{"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"kubernetes.io/hostname"},"weight":100}]}},"topologySpreadConstraints":[{"labelSelector":{"matchLabels":{"app":"db"}},"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway"}]}}}}'"#
        );
    }

    #[test]
    fn soft_and_hard_rules_on_own_pods_count() {
        for extra in [
            json!({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "db"}}}]}}}),
            json!({"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 50, "podAffinityTerm": {"topologyKey": "topology.kubernetes.io/zone",
                 "labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]}}}]}}}),
            json!({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app": "db"}}}]}),
        ] {
            assert!(
                run_check(&with_pod_spec(extra.clone()), super::CHECK).is_empty(),
                "{extra}"
            );
        }
    }

    #[test]
    fn a_rule_about_other_pods_does_not_count_and_is_kept() {
        let s = with_pod_spec(
            json!({"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 10, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
             "labelSelector": {"matchLabels": {"app": "web"}}}}]}}}),
        );
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let cmd = &r[0].commands[0].command;
        assert!(
            cmd.contains(r#""app":"web""#) && cmd.contains(r#""app":"db""#),
            "{cmd}"
        );
        assert!(
            !cmd.contains("topologySpreadConstraints"),
            "single-zone: {cmd}"
        );
    }

    #[test]
    fn single_replica_is_quiet() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 1));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn template_change_note_follows_the_strategy() {
        let a = sts("shop", "db", 3);
        assert!(super::template_change_note(&a).contains("rolling restart"));
        let b = merged(
            &a,
            json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
        );
        assert!(super::template_change_note(&b).contains("OnDelete"));
        let c = merged(
            &a,
            json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}}}),
        );
        assert!(super::template_change_note(&c).contains("ordinal ≥ 2 only"));
    }
}
