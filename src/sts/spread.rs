//! How a StatefulSet spreads its members: anti-affinity and topology spread rules, their
//! flaws (a selector that matches no member, a key that spreads nothing), and the fix.

use crate::analysis::Ctx;
use crate::finding::Remedy;
use crate::k8s::node::{HOSTNAME_LABEL, LEGACY_ZONE_LABEL, ZONE_LABEL};
use crate::model::Labels;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::{k8s, sts};
use k8s_openapi::api::core::v1::PodAffinityTerm;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::{Value, json};

pub(crate) fn selects_own(sts: &StatefulSet, sel: Option<&LabelSelector>) -> bool {
    // A missing selector in an affinity term or spread constraint matches no pod.
    sel.is_some_and(|s| k8s::labels::matches(s, k8s::pdb::template_labels(sts)))
}

/// Node labels that are no failure domain: every node of a usual cluster shares one value
/// (os, arch) or many nodes do (instance type), so a rule over them keeps no two members
/// off one node or out of one zone.
pub(crate) const NO_DOMAIN_KEYS: &[&str] = &[
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "node.kubernetes.io/instance-type",
    "beta.kubernetes.io/instance-type",
];

/// Whether a rule over `key` can spread members: hostname, zone, or a custom key (a rack
/// label spreads at least as much), but not a key that is no failure domain.
pub(crate) fn spreads_over(key: &str) -> bool {
    !key.is_empty() && !NO_DOMAIN_KEYS.contains(&key)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleKind {
    Required,
    Preferred,
    Spread,
}

/// One anti-affinity term or spread constraint of the pod template, with where it sits.
pub(crate) struct Rule<'a> {
    pub(crate) kind: RuleKind,
    pub(crate) index: usize,
    pub(crate) key: &'a str,
    pub(crate) selector: Option<&'a LabelSelector>,
    /// `whenUnsatisfiable` of a spread constraint.
    pub(crate) when: Option<&'a str>,
}

impl Rule<'_> {
    /// `required podAntiAffinity on kubernetes.io/hostname`.
    pub(crate) fn phrase(&self) -> String {
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
    pub(crate) fn name(&self) -> String {
        match self.kind {
            RuleKind::Required => format!("the required anti-affinity term on {}", self.key),
            RuleKind::Preferred => format!("the preferred anti-affinity term on {}", self.key),
            RuleKind::Spread => format!("the topology spread constraint on {}", self.key),
        }
    }

    /// JSON pointer of the rule's label selector parent (the term or the constraint).
    pub(crate) fn pointer(&self) -> String {
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

pub(crate) fn rules(sts: &StatefulSet) -> Vec<Rule<'_>> {
    let Some(spec) = sts::template::pod_spec(sts) else {
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

pub(crate) fn rule_spreads(sts: &StatefulSet, r: &Rule) -> bool {
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

pub(crate) fn is_zone_key(k: &str) -> bool {
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
pub(crate) enum Flaw {
    /// The selector misses the set's pods, but names them (a value of their labels): a typo
    /// or a relabelling the rule missed. Why, in words.
    Typo(String),
    /// The selector is about other pods (keep away from them): not this set's spread.
    OtherPods,
}

/// The first requirement of `sel` the pods' `labels` fail, in words.
pub(crate) fn mismatch<'a>(sel: &LabelSelector, labels: impl Into<Labels<'a>>) -> String {
    let labels = labels.into();
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
            ("In", Some(a)) if !values.iter().any(|v| v == a) => {
                return format!("`{key}` is `{a}` on its pods, the term wants In [{list}]");
            }
            ("NotIn", Some(a)) if values.iter().any(|v| v == a) => {
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
pub(crate) fn names_own<'a>(sel: &LabelSelector, labels: impl Into<Labels<'a>>) -> bool {
    let own: Vec<&str> = labels.into().values().collect();
    let wanted = sel.match_labels.iter().flat_map(|m| m.values()).chain(
        sel.match_expressions
            .iter()
            .flatten()
            .filter(|e| e.operator == "In")
            .flat_map(|e| e.values.iter().flatten()),
    );
    wanted.into_iter().any(|v| own.contains(&v.as_str()))
}

/// Whether `sel` selects some other pod of the namespace: then a term that misses the set
/// is about those pods (keep away from them), not a typo.
pub(crate) fn selects_other_pods(ctx: &Ctx, sts: &StatefulSet, sel: &LabelSelector) -> bool {
    let ns = k8s::namespace(&sts.metadata);
    ctx.snap.pods.iter().any(|p| {
        k8s::namespace(&p.metadata) == ns && k8s::labels::matches(sel, p.metadata.labels.as_ref())
    })
}

/// What keeps `r` from spreading the set, and whether its topology key is the problem. A
/// selector that misses the set is a typo when it names the set (a value of its labels)
/// and selects no other pod either.
pub(crate) fn flaws(ctx: &Ctx, sts: &StatefulSet, r: &Rule) -> (Option<Flaw>, bool) {
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

/// JSON patch operations that correct `r` in place: its selector set to the StatefulSet's
/// own selector (which the API guarantees matches the template), and a topology key that
/// is no failure domain replaced by the hostname. Each is guarded by a `test` of the
/// topology key at that index, so a template changed since it was read fails the patch
/// instead of rewriting another term.
pub(crate) fn correction_ops(
    sts: &StatefulSet,
    r: &Rule,
    fix_selector: bool,
    fix_key: bool,
) -> Vec<Value> {
    let at = r.pointer();
    let mut ops = vec![json!({"op": "test", "path": format!("{at}/topologyKey"), "value": r.key})];
    if fix_selector {
        ops.push(json!({
            "op": if r.selector.is_some() { "replace" } else { "add" },
            "path": format!("{at}/labelSelector"),
            "value": super::services::selector_value(sts),
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

/// A strategic merge patch adding preferred anti-affinity on the hostname (and, in a
/// multi-zone cluster, a soft zone spread constraint), keeping existing preferred terms:
/// strategic merge replaces that list whole, so it is sent complete.
pub(crate) fn spread_patch(ctx: &Ctx, sts: &StatefulSet, multi_zone: bool) -> Remedy {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let selector = json!({"matchLabels": super::services::service_selector(sts)});
    let spec = sts::template::pod_spec(sts);
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
            sts::template::template_change_note(sts)
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
pub(crate) fn schedulable_nodes(ctx: &Ctx) -> Option<usize> {
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
pub(crate) fn correction_patch(
    ctx: &Ctx,
    sts: &StatefulSet,
    n: i32,
) -> Option<(Remedy, Vec<String>)> {
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
            sts::template::template_change_note(sts)
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
