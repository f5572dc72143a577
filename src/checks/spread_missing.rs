//! `spread-missing`: a replicated StatefulSet whose pod template has no pod anti-affinity
//! (required or preferred) and no topology spread constraint over its own pods, so nothing
//! stops the scheduler from putting several members on one node or in one zone, where a
//! single node or zone failure takes them down together.
//!
//! A rule counts when its label selector selects the set's own pods and it names a
//! topology key: hostname and zone are the usual ones, and a custom key (a rack label)
//! spreads at least as much. Soft (preferred / ScheduleAnyway) sts::spread::rules count: whether the
//! pods actually ended up together is `replicas-colocated`'s question.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef};
use crate::k8s;
use crate::model::Labels;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "spread-missing",
    needs: &[Source::StatefulSets],
    run,
};

fn label_list<'a>(labels: impl Into<Labels<'a>>) -> String {
    let l: Vec<String> = labels
        .into()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if l.is_empty() {
        "no labels".to_string()
    } else {
        l.join(", ")
    }
}

/// One evidence line for a rule that spreads nothing.
fn flaw_line(
    sts: &StatefulSet,
    r: &sts::spread::Rule,
    sel: Option<&sts::spread::Flaw>,
    bad_key: bool,
) -> String {
    let name = r.name();
    let key = if bad_key {
        if r.key.is_empty() {
            "; it names no topology key".to_string()
        } else {
            format!(
                "; and {} is no failure domain (nodes share its values), so it keeps no two members apart",
                r.key
            )
        }
    } else {
        String::new()
    };
    match sel {
        Some(sts::spread::Flaw::Typo(why)) => format!(
            "{name} selects no pod of the set: {why} (they carry {}){key}",
            label_list(k8s::pdb::template_labels(sts))
        ),
        Some(sts::spread::Flaw::OtherPods) => format!(
            "{name} selects {}, not {}'s pods: it keeps members away from those pods, not from each other{key}",
            r.selector
                .map(k8s::labels::to_kubectl)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "no pod (no labelSelector)".to_string()),
            k8s::name(&sts.metadata)
        ),
        None if r.key.is_empty() => {
            format!("{name} names no topology key, so it spreads nothing")
        }
        None => format!(
            "{name} selects the set's pods, but {} is no failure domain (nodes share its values): it keeps no two members off one node or out of one zone",
            r.key
        ),
    }
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let zones = if ctx.readable(Source::Nodes) {
        sts::spread::schedulable_zones(ctx)
    } else {
        Vec::new()
    };
    for sts in &ctx.snap.statefulsets {
        let n = k8s::replicas(sts);
        if n < 2 || sts::spread::has_spread(sts) {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let all = sts::spread::rules(sts);
        let mut typos = Vec::new();
        let mut lines = Vec::new();
        for r in &all {
            let (sel, bad_key) = sts::spread::flaws(ctx, sts, r);
            lines.push(flaw_line(sts, r, sel.as_ref(), bad_key));
            if let Some(sts::spread::Flaw::Typo(why)) = sel {
                typos.push(format!("{} selects no pod of the set: {why}", r.name()));
            }
        }
        let tail = format!(
            "the scheduler may place several of its {n} members on one node, and losing that node loses them together"
        );
        let summary = match (all.is_empty(), typos.as_slice()) {
            (true, _) => format!("{name} has no anti-affinity or spread rule: {tail}"),
            (false, [one]) => format!("{name}: {one}, so nothing keeps members apart: {tail}"),
            (false, []) => format!(
                "none of {name}'s anti-affinity and spread sts::spread::rules spreads its own pods over a failure domain: {tail}"
            ),
            (false, many) => format!(
                "{name}: {} anti-affinity or spread terms select no pod of the set, so nothing keeps members apart: {tail}",
                many.len()
            ),
        };
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            summary,
        );
        if all.is_empty() {
            f.evidence.push(format!(
                "pod template: no podAntiAffinity term and no topologySpreadConstraint selects {name}'s own pods"
            ));
        }
        f.evidence.extend(lines);
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
        match sts::spread::correction_patch(ctx, sts, n) {
            Some((remedy, notes)) => {
                f.evidence.extend(notes);
                f.commands.push(remedy);
            }
            None => f
                .commands
                .push(sts::spread::spread_patch(ctx, sts, zones.len() >= 2)),
        }
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

    /// The ZooKeeper tutorial's set after its labels moved to app.kubernetes.io/name.
    fn relabelled(affinity: serde_json::Value) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("coord", "zk", 3),
            json!({"spec": {
                "selector": {"matchLabels": {"app": null, "app.kubernetes.io/name": "zk"}},
                "template": {"metadata": {"labels": {"app": null, "app.kubernetes.io/name": "zk"}},
                             "spec": affinity}}}),
        ));
        s
    }

    #[test]
    fn a_required_term_that_selects_no_pod_is_reported_and_corrected_in_place() {
        let s = relabelled(json!({"affinity": {"podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["zk"]}]},
                 "topologyKey": "kubernetes.io/hostname"}]}}}));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].summary.contains(
                "the required anti-affinity term on kubernetes.io/hostname selects no pod of the set: key `app` is not a label of its pods"
            ),
            "{}",
            r[0].summary
        );
        assert_eq!(r[0].commands.len(), 1);
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl -n coord patch statefulset zk --type=json -p '[{"op":"test","path":"/spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/0/topologyKey","value":"kubernetes.io/hostname"},{"op":"replace","path":"/spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/0/labelSelector","value":{"matchLabels":{"app.kubernetes.io/name":"zk"}}}]'"#
        );
        assert!(!r[0].commands[0].command.contains("preferred"));
    }

    #[test]
    fn a_preferred_term_with_a_wrong_value_is_corrected_too() {
        // `app.kubernetes.io/name: zookeeper` against pods labelled `zk`, but the term also
        // names `zk` as its instance: the term means this set.
        let s = relabelled(json!({"affinity": {"podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": {
                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "zookeeper", "app.kubernetes.io/instance": "zk"}},
                "topologyKey": "kubernetes.io/hostname"}}]}}}));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].summary.contains(
                "the preferred anti-affinity term on kubernetes.io/hostname selects no pod of the set: key `app.kubernetes.io/instance` is not a label of its pods"
            ),
            "{}",
            r[0].summary
        );
        let cmd = &r[0].commands[0].command;
        assert!(cmd.contains("--type=json"), "{cmd}");
        assert!(
            cmd.contains(r#""path":"/spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm/labelSelector""#),
            "{cmd}"
        );
    }

    #[test]
    fn a_term_that_selects_other_existing_pods_is_deliberate_not_a_typo() {
        // A primary keeping away from its read replicas: same name value, other pods.
        let mut s = relabelled(json!({"affinity": {"podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "podAffinityTerm": {
                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "zk", "role": "observer"}},
                "topologyKey": "kubernetes.io/hostname"}}]}}}));
        let r = run_check(&s, super::CHECK);
        assert!(r[0].commands[0].command.contains("--type=json"));
        s.pods.push(merged(
            &pod("coord", "zk-observer", 0, true),
            json!({"metadata": {"labels": {"app": null, "app.kubernetes.io/name": "zk", "role": "observer"}}}),
        ));
        let r = run_check(&s, super::CHECK);
        let cmd = &r[0].commands[0].command;
        assert!(
            cmd.contains("--type=strategic") && cmd.contains(r#""role":"observer""#),
            "the deliberate term is kept and a rule added: {cmd}"
        );
    }

    #[test]
    fn a_rule_over_a_key_that_is_no_failure_domain_is_no_spread() {
        for key in [
            "kubernetes.io/os",
            "kubernetes.io/arch",
            "beta.kubernetes.io/os",
            "node.kubernetes.io/instance-type",
        ] {
            let s = with_pod_spec(
                json!({"topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": key,
                "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": "db"}}}]}),
            );
            let r = run_check(&s, super::CHECK);
            assert_eq!(r.len(), 1, "{key}");
            assert!(
                r[0].evidence
                    .iter()
                    .any(|e| e.contains(&format!("{key} is no failure domain"))),
                "{:?}",
                r[0].evidence
            );
            let cmd = &r[0].commands[0].command;
            assert!(
                cmd.contains(&format!(
                    r#"{{"op":"test","path":"/spec/template/spec/topologySpreadConstraints/0/topologyKey","value":"{key}"}},{{"op":"replace","path":"/spec/template/spec/topologySpreadConstraints/0/topologyKey","value":"kubernetes.io/hostname"}}"#
                )),
                "{cmd}"
            );
        }
    }

    #[test]
    fn a_required_per_node_term_warns_when_nodes_are_fewer_than_replicas() {
        let mut s = relabelled(json!({"affinity": {"podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "zk"}}, "topologyKey": "kubernetes.io/hostname"}]}}}));
        s.nodes.push(node_in_zone("n1", "z1"));
        s.nodes.push(node_in_zone("n2", "z1"));
        let r = run_check(&s, super::CHECK);
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.contains("3 members need 3 schedulable nodes and there are 2")),
            "{:?}",
            r[0].evidence
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
        assert!(crate::sts::template::template_change_note(&a).contains("rolling restart"));
        let b = merged(
            &a,
            json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
        );
        assert!(crate::sts::template::template_change_note(&b).contains("OnDelete"));
        let c = merged(
            &a,
            json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}}}),
        );
        assert!(crate::sts::template::template_change_note(&c).contains("ordinal ≥ 2 only"));
    }
}
