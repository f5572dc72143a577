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
use std::collections::BTreeMap;

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

/// Node labels that are no failure domain: every node of a usual cluster shares one value
/// (os, arch) or many nodes do (instance type), so a rule over them keeps no two members
/// off one node or out of one zone.
const NO_DOMAIN_KEYS: &[&str] = &[
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "node.kubernetes.io/instance-type",
    "beta.kubernetes.io/instance-type",
];

/// Whether a rule over `key` can spread members: hostname, zone, or a custom key (a rack
/// label spreads at least as much), but not a key that is no failure domain.
fn spreads_over(key: &str) -> bool {
    !key.is_empty() && !NO_DOMAIN_KEYS.contains(&key)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuleKind {
    Required,
    Preferred,
    Spread,
}

/// One anti-affinity term or spread constraint of the pod template, with where it sits.
struct Rule<'a> {
    kind: RuleKind,
    index: usize,
    key: &'a str,
    selector: Option<&'a LabelSelector>,
    /// `whenUnsatisfiable` of a spread constraint.
    when: Option<&'a str>,
}

impl Rule<'_> {
    /// `required podAntiAffinity on kubernetes.io/hostname`.
    fn phrase(&self) -> String {
        match self.kind {
            RuleKind::Required => format!("required podAntiAffinity on {}", self.key),
            RuleKind::Preferred => format!("preferred podAntiAffinity on {}", self.key),
            RuleKind::Spread => format!(
                "topologySpreadConstraint on {} ({})",
                self.key,
                self.when.unwrap_or("")
            ),
        }
    }

    /// `the required anti-affinity term on kubernetes.io/hostname`.
    fn name(&self) -> String {
        match self.kind {
            RuleKind::Required => format!("the required anti-affinity term on {}", self.key),
            RuleKind::Preferred => format!("the preferred anti-affinity term on {}", self.key),
            RuleKind::Spread => format!("the topology spread constraint on {}", self.key),
        }
    }

    /// JSON pointer of the rule's label selector parent (the term or the constraint).
    fn pointer(&self) -> String {
        let base = "/spec/template/spec";
        match self.kind {
            RuleKind::Required => format!(
                "{base}/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/{}",
                self.index
            ),
            RuleKind::Preferred => format!(
                "{base}/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/{}/podAffinityTerm",
                self.index
            ),
            RuleKind::Spread => format!("{base}/topologySpreadConstraints/{}", self.index),
        }
    }
}

fn rules(sts: &StatefulSet) -> Vec<Rule<'_>> {
    let Some(spec) = pod_spec(sts) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(aa) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.pod_anti_affinity.as_ref())
    {
        fn term(kind: RuleKind, index: usize, t: &PodAffinityTerm) -> Rule<'_> {
            Rule {
                kind,
                index,
                key: t.topology_key.as_str(),
                selector: t.label_selector.as_ref(),
                when: None,
            }
        }
        for (i, t) in aa
            .required_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
            .enumerate()
        {
            out.push(term(RuleKind::Required, i, t));
        }
        for (i, w) in aa
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
            .enumerate()
        {
            out.push(term(RuleKind::Preferred, i, &w.pod_affinity_term));
        }
    }
    for (i, c) in spec
        .topology_spread_constraints
        .iter()
        .flatten()
        .enumerate()
    {
        out.push(Rule {
            kind: RuleKind::Spread,
            index: i,
            key: c.topology_key.as_str(),
            selector: c.label_selector.as_ref(),
            when: Some(c.when_unsatisfiable.as_str()),
        });
    }
    out
}

fn rule_spreads(sts: &StatefulSet, r: &Rule) -> bool {
    spreads_over(r.key) && selects_own(sts, r.selector)
}

/// The spreading rules of the template over its own pods, one phrase each, e.g.
/// `required podAntiAffinity on kubernetes.io/hostname`.
pub(crate) fn spread_rules(sts: &StatefulSet) -> Vec<String> {
    rules(sts)
        .iter()
        .filter(|r| rule_spreads(sts, r))
        .map(Rule::phrase)
        .collect()
}

pub(crate) fn has_spread(sts: &StatefulSet) -> bool {
    rules(sts).iter().any(|r| rule_spreads(sts, r))
}

fn is_zone_key(k: &str) -> bool {
    k == ZONE_LABEL || k == LEGACY_ZONE_LABEL
}

/// Whether a rule already spreads over zones (a zone spread constraint or anti-affinity).
pub(crate) fn has_zone_rule(sts: &StatefulSet) -> bool {
    rules(sts)
        .iter()
        .any(|r| is_zone_key(r.key) && rule_spreads(sts, r))
}

/// Why a rule that is meant to spread the set does not.
#[derive(Debug, PartialEq, Eq)]
enum Flaw {
    /// The selector misses the set's pods, but names them (a value of their labels): a typo
    /// or a relabelling the rule missed. Why, in words.
    Typo(String),
    /// The selector is about other pods (keep away from them): not this set's spread.
    OtherPods,
}

fn label_list(labels: Option<&BTreeMap<String, String>>) -> String {
    let l: Vec<String> = labels
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if l.is_empty() {
        "no labels".to_string()
    } else {
        l.join(", ")
    }
}

/// The first requirement of `sel` the pods' `labels` fail, in words.
fn mismatch(sel: &LabelSelector, labels: Option<&BTreeMap<String, String>>) -> String {
    let empty = BTreeMap::new();
    let labels = labels.unwrap_or(&empty);
    for (k, v) in sel.match_labels.iter().flatten() {
        match labels.get(k) {
            None => return format!("key `{k}` is not a label of its pods"),
            Some(a) if a != v => {
                return format!("`{k}` is `{a}` on its pods, the term wants `{v}`");
            }
            Some(_) => {}
        }
    }
    for e in sel.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or_default();
        let have = labels.get(&e.key);
        let key = &e.key;
        let list = values.join(", ");
        match (e.operator.as_str(), have) {
            ("In" | "Exists", None) => {
                return format!("key `{key}` is not a label of its pods");
            }
            ("In", Some(a)) if !values.contains(a) => {
                return format!("`{key}` is `{a}` on its pods, the term wants In [{list}]");
            }
            ("NotIn", Some(a)) if values.contains(a) => {
                return format!(
                    "`{key}` is `{a}` on its pods, which the term excludes (NotIn [{list}])"
                );
            }
            ("DoesNotExist", Some(_)) => {
                return format!("its pods carry `{key}`, which the term wants absent");
            }
            ("In" | "NotIn" | "Exists" | "DoesNotExist", _) => {}
            (op, _) => return format!("operator `{op}` on `{key}` is not one the API knows"),
        }
    }
    "it selects nothing".to_string()
}

/// Whether a selector that misses the pods still names them: one of its values is a value
/// of their labels (`app In [zk]` against `app.kubernetes.io/name: zk`).
fn names_own(sel: &LabelSelector, labels: Option<&BTreeMap<String, String>>) -> bool {
    let own: Vec<&String> = labels.into_iter().flat_map(|l| l.values()).collect();
    let wanted = sel.match_labels.iter().flat_map(|m| m.values()).chain(
        sel.match_expressions
            .iter()
            .flatten()
            .filter(|e| e.operator == "In")
            .flat_map(|e| e.values.iter().flatten()),
    );
    wanted.into_iter().any(|v| own.contains(&v))
}

/// Whether `sel` selects some other pod of the namespace: then a term that misses the set
/// is about those pods (keep away from them), not a typo.
fn selects_other_pods(ctx: &Ctx, sts: &StatefulSet, sel: &LabelSelector) -> bool {
    let ns = k8s::namespace(&sts.metadata);
    ctx.snap.pods.iter().any(|p| {
        k8s::namespace(&p.metadata) == ns && k8s::labels::matches(sel, p.metadata.labels.as_ref())
    })
}

/// What keeps `r` from spreading the set, and whether its topology key is the problem. A
/// selector that misses the set is a typo when it names the set (a value of its labels)
/// and selects no other pod either.
fn flaws(ctx: &Ctx, sts: &StatefulSet, r: &Rule) -> (Option<Flaw>, bool) {
    let labels = k8s::pdb::template_labels(sts);
    let selector = if selects_own(sts, r.selector) {
        None
    } else {
        Some(match r.selector {
            Some(sel) if names_own(sel, labels) && !selects_other_pods(ctx, sts, sel) => {
                Flaw::Typo(mismatch(sel, labels))
            }
            _ => Flaw::OtherPods,
        })
    };
    (selector, !spreads_over(r.key))
}

/// One evidence line for a rule that spreads nothing.
fn flaw_line(sts: &StatefulSet, r: &Rule, sel: Option<&Flaw>, bad_key: bool) -> String {
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
        Some(Flaw::Typo(why)) => format!(
            "{name} selects no pod of the set: {why} (they carry {}){key}",
            label_list(k8s::pdb::template_labels(sts))
        ),
        Some(Flaw::OtherPods) => format!(
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

/// JSON patch operations that correct `r` in place: its selector set to the StatefulSet's
/// own selector (which the API guarantees matches the template), and a topology key that
/// is no failure domain replaced by the hostname. Each is guarded by a `test` of the
/// topology key at that index, so a template changed since it was read fails the patch
/// instead of rewriting another term.
fn correction_ops(sts: &StatefulSet, r: &Rule, fix_selector: bool, fix_key: bool) -> Vec<Value> {
    let at = r.pointer();
    let mut ops = vec![json!({"op": "test", "path": format!("{at}/topologyKey"), "value": r.key})];
    if fix_selector {
        ops.push(json!({
            "op": if r.selector.is_some() { "replace" } else { "add" },
            "path": format!("{at}/labelSelector"),
            "value": manifest::selector_value(sts),
        }));
    }
    if fix_key {
        ops.push(
            json!({"op": "replace", "path": format!("{at}/topologyKey"), "value": HOSTNAME_LABEL}),
        );
    }
    ops
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

/// Ready, uncordoned nodes: an upper bound of where members with a required
/// per-node anti-affinity can go (`None` when nodes were not read).
fn schedulable_nodes(ctx: &Ctx) -> Option<usize> {
    ctx.readable(Source::Nodes).then(|| {
        ctx.snap
            .nodes
            .iter()
            .filter(|n| k8s::node::is_ready(n) && !k8s::node::is_cordoned(n))
            .count()
    })
}

/// A JSON patch correcting the rules that were meant to spread the set and do not: a
/// selector that names the set but misses its pods, a topology key that is no failure
/// domain. `None` when no rule is of that kind (the set has none, or only rules about
/// other pods): then a new rule is added instead.
fn correction_patch(ctx: &Ctx, sts: &StatefulSet, n: i32) -> Option<(Remedy, Vec<String>)> {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let selector = k8s::labels::to_kubectl(&sts.spec.as_ref()?.selector);
    let mut ops = Vec::new();
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    for r in rules(sts) {
        let (sel, bad_key) = flaws(ctx, sts, &r);
        let fix_selector = matches!(sel, Some(Flaw::Typo(_)));
        if matches!(sel, Some(Flaw::OtherPods)) || !(fix_selector || bad_key) {
            continue;
        }
        ops.extend(correction_ops(sts, &r, fix_selector, bad_key));
        let mut what = Vec::new();
        if fix_selector {
            what.push(format!("select {name}'s own pods ({selector})"));
        }
        if bad_key {
            what.push(format!("spread over {HOSTNAME_LABEL}"));
        }
        changes.push(format!("{} to {}", r.name(), what.join(" and ")));
        let per_node = r.kind == RuleKind::Required && (bad_key || r.key == HOSTNAME_LABEL);
        if let Some(nodes) = schedulable_nodes(ctx).filter(|m| per_node && *m < n as usize) {
            notes.push(format!(
                "once corrected, the required term allows one member per node: {n} members need {n} schedulable nodes and there are {nodes}, so the others would stay Pending; add nodes first, or make the term preferred"
            ));
        }
    }
    if ops.is_empty() {
        return None;
    }
    let remedy = Remedy::run(
        format!(
            "Correct {} in {name}'s pod template, changing nothing else (the patch first checks each term is still where it was read). {}",
            changes.join("; and "),
            template_change_note(sts)
        ),
        ctx.kubectl.argv(
            Some(ns),
            &[
                "patch",
                "statefulset",
                name,
                "--type=json",
                "-p",
                &Value::Array(ops).to_string(),
            ],
        ),
    );
    Some((remedy, notes))
}

/// The fix for a set with no working spread rule: correct the rules meant to spread it
/// when there are such, else add one. `replicas-colocated` prints the same, so the two
/// findings never disagree about what to run.
pub(crate) fn spread_fix(ctx: &Ctx, sts: &StatefulSet, multi_zone: bool) -> Remedy {
    correction_patch(ctx, sts, k8s::replicas(sts))
        .map(|(remedy, _)| remedy)
        .unwrap_or_else(|| spread_patch(ctx, sts, multi_zone))
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
        let all = rules(sts);
        let mut typos = Vec::new();
        let mut lines = Vec::new();
        for r in &all {
            let (sel, bad_key) = flaws(ctx, sts, r);
            lines.push(flaw_line(sts, r, sel.as_ref(), bad_key));
            if let Some(Flaw::Typo(why)) = sel {
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
                "none of {name}'s anti-affinity and spread rules spreads its own pods over a failure domain: {tail}"
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
        match correction_patch(ctx, sts, n) {
            Some((remedy, notes)) => {
                f.evidence.extend(notes);
                f.commands.push(remedy);
            }
            None => f.commands.push(spread_patch(ctx, sts, zones.len() >= 2)),
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
