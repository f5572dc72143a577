//! `pod-unschedulable`: a StatefulSet pod (or any pod with a claim) the scheduler cannot
//! place, for reasons other than its volumes. The scheduler's `0/N nodes are available: …`
//! is split into causes (insufficient cpu/memory, untolerated taints, node selector or
//! affinity mismatch, pod anti-affinity, topology spread, cordoned nodes), and each cause
//! is checked against the Nodes and given its own remedy. Required anti-affinity and
//! `DoNotSchedule` spread are called impossible when the replicas outnumber the eligible
//! nodes or zones: then no amount of waiting helps.
//!
//! Quiet when a more specific runbook explains the pod: its bound volume is pinned where it
//! cannot run (`pv-node-affinity-conflict`), its claim is Pending for a reason of its own
//! (`pvc-pending`), or its claim is Lost because its volume is gone (`pvc-lost`). Also quiet
//! during the first minute, while autoscalers react.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::k8s::node as kn;
use crate::k8s::scheduler::{Parsed, Reason, parse};
use crate::model::Pod;
use crate::model::PodSpec;
use crate::snapshot::Source;
use crate::sts;
use k8s_openapi::api::core::v1::{Node, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const CHECK: Check = Check {
    id: "pod-unschedulable",
    needs: &[
        Source::Pods,
        Source::Nodes,
        Source::PersistentVolumeClaims,
        Source::PersistentVolumes,
        Source::StorageClasses,
        Source::StatefulSets,
    ],
    run,
};

/// Seconds a pod may be unschedulable before it is a finding (autoscalers add nodes in
/// about a minute).
const GRACE_SECS: i64 = 60;

/// What the cluster offers a pod template: computed once per StatefulSet.
struct Placement<'a> {
    nodes: usize,
    /// Nodes the pod's nodeSelector/required affinity accepts.
    matching: Vec<&'a Node>,
    /// Of those, Ready and schedulable for its tolerations.
    eligible: Vec<&'a Node>,
}

fn placement<'a>(ctx: &Ctx<'a>, spec: Option<&PodSpec>) -> Placement<'a> {
    let tolerations = kn::tolerations(spec);
    let matching: Vec<&'a Node> = ctx
        .snap
        .nodes
        .iter()
        .filter(|n| kn::pod_placement_allows(spec, n))
        .collect();
    let eligible = matching
        .iter()
        .copied()
        .filter(|n| kn::usable_for(n, tolerations))
        .collect();
    Placement {
        nodes: ctx.snap.nodes.len(),
        matching,
        eligible,
    }
}

/// The pod's effective request of `resource` (cpu in cores, memory in bytes): the sum over
/// containers, or the largest init container's if bigger, plus overhead.
fn request(spec: &PodSpec, resource: &str) -> Option<f64> {
    let of = |c: &crate::model::Container| {
        c.resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get(resource))
            .and_then(|q| k8s::quantity::parse(&q.0))
            .unwrap_or(0.0)
    };
    let sum: f64 = spec.containers.iter().map(of).sum();
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .map(of)
        .fold(0.0, f64::max);
    let overhead = spec
        .overhead
        .as_ref()
        .and_then(|o| o.get(resource))
        .and_then(|q| k8s::quantity::parse(&q.0))
        .unwrap_or(0.0);
    let total = sum.max(init) + overhead;
    (total > 0.0).then_some(total)
}

fn allocatable(node: &Node, resource: &str) -> Option<f64> {
    node.status
        .as_ref()?
        .allocatable
        .as_ref()?
        .get(resource)
        .and_then(|q| k8s::quantity::parse(&q.0))
}

fn amount(resource: &str, v: f64) -> String {
    match resource {
        "memory" => k8s::quantity::format_bytes(v),
        "cpu" if v < 1.0 || v.fract() != 0.0 => format!("{}m", (v * 1000.0).round()),
        _ => format!("{v}"),
    }
}

fn topology_value<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    if key == "metadata.name" {
        return Some(k8s::name(&node.metadata));
    }
    kn::label(node, key)
}

/// Whether a rule's selector picks `pod` itself: the rules that count its own set.
fn selects_itself(sel: Option<&LabelSelector>, pod: &Pod) -> bool {
    sel.is_some_and(|s| k8s::labels::matches(s, pod.metadata.labels.as_ref()))
}

/// `claim X is bound to PersistentVolume Y` for each claim of `pod` whose PV is not in the snapshot.
fn missing_volumes(ctx: &Ctx, pod: &Pod) -> Vec<String> {
    let ns = k8s::namespace(&pod.metadata);
    k8s::pod::claims(pod)
        .iter()
        .filter_map(|(_, c)| {
            let pvc = ctx.idx.pvc.get(&(ns, c.as_ref()))?;
            let pv = pvc.spec.as_ref()?.volume_name.as_deref()?;
            (!pv.is_empty() && !ctx.idx.pv.contains_key(pv))
                .then(|| format!("claim {c} is bound to PersistentVolume {pv}"))
        })
        .collect()
}

fn unschedulable_message<'a>(
    ctx: &Ctx<'a>,
    pod: &'a Pod,
) -> Option<(String, Option<jiff::Timestamp>)> {
    if let Some(c) = k8s::pod::condition(pod, "PodScheduled")
        && c.status == "False"
        && c.reason() == Some("Unschedulable")
    {
        let since = c.last_transition_time.as_ref().map(|t| t.0);
        if let Some(m) = c.message().filter(|m| !m.is_empty()) {
            return Some((m.to_string(), since));
        }
        let ev = ctx
            .idx
            .events(
                "Pod",
                k8s::namespace(&pod.metadata),
                k8s::name(&pod.metadata),
            )
            .iter()
            .find(|e| {
                e.reason.as_deref() == Some("FailedScheduling") && k8s::pod::event_is_for(pod, e)
            })
            .and_then(|e| e.message.clone());
        return Some((ev.unwrap_or_else(|| "no reason recorded".into()), since));
    }
    None
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    // Pods of one StatefulSet share a template: judge the nodes once per set.
    let mut cache: HashMap<(String, String), Placement> = HashMap::new();
    for pod in &ctx.snap.pods {
        if !sts::affinity::is_unscheduled(pod) {
            continue;
        }
        let sts = k8s::pod::statefulset_of(pod);
        let claims = k8s::pod::claims(pod);
        if sts.is_none() && claims.is_empty() {
            continue;
        }
        let Some((msg, since)) = unschedulable_message(ctx, pod) else {
            continue;
        };
        if since.is_some_and(|t| k8s::time::secs_since(t, ctx.now) < GRACE_SECS) {
            continue;
        }
        if sts::affinity::pv_conflicts_with_node(ctx, pod)
            || sts::pending::claim_pending_is_root(ctx, pod)
            || sts::claims::claim_lost(ctx, pod)
        {
            continue;
        }
        let parsed = parse(&msg);
        let ns = k8s::namespace(&pod.metadata);
        // Only volume reasons while a claim is still Pending: provisioning is under way and
        // pvc-pending reports it once it lasts.
        // A claim still being bound or provisioned (Pending, not yet a pvc-pending finding).
        let claim_pending = claims.iter().any(|(_, c)| {
            ctx.idx.pvc.get(&(ns, c.as_ref())).is_some_and(|p| {
                p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Pending")
                    && sts::pending::classify(ctx, p).is_none()
            })
        });
        if claim_pending
            && !parsed.causes.is_empty()
            && parsed.causes.iter().all(|(_, r)| r.is_volume())
        {
            continue;
        }
        let key = (
            ns.to_string(),
            sts.map(str::to_string)
                .unwrap_or_else(|| format!("pod/{}", k8s::name(&pod.metadata))),
        );
        let place = cache
            .entry(key)
            .or_insert_with(|| placement(ctx, pod.spec.as_ref()));
        out.push(finding(ctx, pod, sts, &msg, &parsed, place));
    }
}

fn finding(
    ctx: &Ctx,
    pod: &Pod,
    sts_name: Option<&str>,
    msg: &str,
    parsed: &Parsed,
    place: &Placement,
) -> Finding {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let spec = pod.spec.as_ref();
    let tolerations = kn::tolerations(spec);
    let sts = sts_name.and_then(|s| ctx.idx.statefulset.get(&(ns, s)).copied());
    let replicas = sts.map(k8s::replicas);
    let mut evidence: Vec<String> = vec![format!(
        "the scheduler says: {}",
        k8s::pod::message_line(msg, 400)
    )];
    let mut commands: Vec<Remedy> = vec![Remedy::run(
        format!("Read {name}'s scheduling events"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", name]),
    )];
    let mut impossible: Option<String> = None;
    let reasons: BTreeSet<&Reason> = parsed.causes.iter().map(|(_, r)| r).collect();
    let template_note = sts_name
        .map(|s| format!(" (a change to {s}'s pod template rolls every pod)"))
        .unwrap_or_default();

    for reason in &reasons {
        match reason {
            Reason::Insufficient(r) if r == "cpu" || r == "memory" => {
                if let Some(text) = short_of(name, r, spec, place, &template_note, &mut evidence) {
                    impossible.get_or_insert(text);
                }
            }
            Reason::Insufficient(r) => evidence.push(format!(
                "no node has enough free {r} for {name}: add capacity or free some"
            )),
            Reason::NodeAffinity => {
                node_rules(ctx, spec, place, &template_note, &mut evidence, &mut commands)
            }
            Reason::PodAntiAffinity => {
                if let Some(text) = anti_affinity(ctx, pod, sts_name, replicas, place, &mut evidence, &mut commands) {
                    impossible.get_or_insert(text);
                }
            }
            Reason::TopologySpread => {
                if let Some(text) = spread(ctx, pod, sts_name, replicas, place, &mut evidence) {
                    impossible.get_or_insert(text);
                }
            }
            Reason::PodAffinity => evidence.push(format!(
                "{name}'s required pod affinity finds no node running the pods it must be next to"
            )),
            Reason::VolumeNodeAffinity | Reason::VolumeBinding => {
                let places = volume_places(ctx, pod);
                if places.is_empty() {
                    evidence.push("its volumes restrict where it can run".to_string());
                } else {
                    evidence.push(format!(
                        "its volumes restrict it to {}: those nodes refuse it for the other reasons listed",
                        places.join("; ")
                    ));
                }
            }
            Reason::VolumeGone => {
                let gone = missing_volumes(ctx, pod);
                evidence.push(if gone.is_empty() {
                    "a claim of it is bound to a PersistentVolume that no longer exists: no node can ever take it until the claim has a volume again".to_string()
                } else {
                    format!(
                        "{}, which no longer exists: no node can ever take the pod until the claim has a volume again (re-create the PV for the original disk, or replace the claim)",
                        gone.join(", ")
                    )
                });
            }
            Reason::VolumeLimits => evidence.push(
                "nodes reached the number of volumes they can attach: spread the claims or use instance types that attach more"
                    .to_string(),
            ),
            Reason::Ports => evidence.push(
                "a hostPort it asks for is taken on the nodes: two pods that want one host port cannot share a node"
                    .to_string(),
            ),
            Reason::Taint(_) | Reason::Cordoned | Reason::Other(_) => {}
        }
    }

    let (more_evidence, more_commands) =
        taints_and_cordons(ctx, name, &reasons, place, tolerations, &template_note);
    evidence.extend(more_evidence);
    commands.extend(more_commands);

    let summary = summary(name, parsed, impossible.as_deref());
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, name),
        sts_name,
        summary,
    );
    f.evidence = evidence;
    f.commands = commands;
    f
}

/// Not enough CPU or memory: what the pod requests against what the eligible nodes can
/// allocate; the reason it can never fit, when it cannot.
fn short_of(
    name: &str,
    r: &str,
    spec: Option<&PodSpec>,
    place: &Placement,
    template_note: &str,
    evidence: &mut Vec<String>,
) -> Option<String> {
    let Some(req) = spec.and_then(|s| request(s, r)) else {
        evidence.push(format!(
            "nodes lack {r}, but {name} requests none: other pods' requests fill them"
        ));
        return None;
    };
    let largest = place
        .eligible
        .iter()
        .filter_map(|n| allocatable(n, r))
        .fold(0.0, f64::max);
    if place.eligible.is_empty() {
        evidence.push(format!(
            "{name} requests {} {r}, and no eligible node is left",
            amount(r, req)
        ));
    } else if req > largest {
        evidence.push(format!(
            "{name} requests {} {r}, more than any eligible node has allocatable (largest {}): lower the request{template_note} or add bigger nodes",
            amount(r, req),
            amount(r, largest)
        ));
        return Some(format!(
            "it requests {} {r}, more than any node can allocate (largest {})",
            amount(r, req),
            amount(r, largest)
        ));
    } else {
        evidence.push(format!(
            "{name} requests {} {r}; nodes that could fit it are full: free capacity, add nodes, or lower the request{template_note}",
            amount(r, req)
        ));
    }
    None
}

/// No node matches the pod's node selector or required node affinity: the rules, and the
/// nodes' values of the labels they select on.
fn node_rules(
    ctx: &Ctx,
    spec: Option<&PodSpec>,
    place: &Placement,
    template_note: &str,
    evidence: &mut Vec<String>,
    commands: &mut Vec<Remedy>,
) {
    let mut rules = Vec::new();
    if let Some(sel) = spec.and_then(|s| s.node_selector.as_ref()) {
        let kv: Vec<String> = sel.iter().map(|(k, v)| format!("{k}={v}")).collect();
        rules.push(format!("nodeSelector {}", kv.join(",")));
    }
    if let Some(sel) = spec
        .and_then(|s| s.affinity.as_ref())
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| {
            a.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
    {
        rules.push(format!(
            "required node affinity {}",
            kn::describe_selector(sel)
        ));
    }
    evidence.push(format!(
        "{} of {} nodes match {}: label the nodes meant for it, or correct the rule{template_note}",
        place.matching.len(),
        place.nodes,
        if rules.is_empty() {
            "its node rules".to_string()
        } else {
            rules.join(" and ")
        }
    ));
    let keys: BTreeSet<String> = spec
        .and_then(|s| s.node_selector.as_ref())
        .into_iter()
        .flat_map(|m| m.keys().map(|k| k.to_string()))
        .chain(
            spec.and_then(|s| s.affinity.as_ref())
                .and_then(|a| a.node_affinity.as_ref())
                .and_then(|a| {
                    a.required_during_scheduling_ignored_during_execution
                        .as_ref()
                })
                .into_iter()
                .flat_map(|s| s.node_selector_terms.iter())
                .flat_map(|t| t.match_expressions.iter().flatten())
                .map(|r| r.key.clone()),
        )
        .collect();
    if !keys.is_empty() {
        let cols = keys.into_iter().collect::<Vec<_>>().join(",");
        commands.push(Remedy::run(
            "See the nodes with the labels the pod selects on",
            ctx.kubectl.argv(None, &["get", "nodes", "-L", &cols]),
        ));
    }
}

/// Taints and cordons, from the Nodes (the message only says how many): what keeps the pod
/// off them, and the commands that lift it where that is the fix.
fn taints_and_cordons(
    ctx: &Ctx,
    name: &str,
    reasons: &BTreeSet<&Reason>,
    place: &Placement,
    tolerations: &[Toleration],
    template_note: &str,
) -> (Vec<String>, Vec<Remedy>) {
    let mut evidence = Vec::new();
    let mut commands = Vec::new();
    let mut by_taint: BTreeMap<String, (String, Vec<&str>)> = BTreeMap::new();
    let mut cordoned: Vec<&str> = Vec::new();
    for n in &place.matching {
        if !kn::is_ready(n) {
            continue;
        }
        let nn = k8s::name(&n.metadata);
        if kn::cordoned_for(n, tolerations) {
            cordoned.push(nn);
        }
        for t in kn::untolerated_taints(n, tolerations) {
            if t.key == kn::UNSCHEDULABLE_TAINT {
                continue;
            }
            let remove = match t.value.as_deref().filter(|v| !v.is_empty()) {
                Some(v) => format!("{}={v}:{}-", t.key, t.effect),
                None => format!("{}:{}-", t.key, t.effect),
            };
            by_taint
                .entry(kn::taint_text(t))
                .or_insert_with(|| (remove, Vec::new()))
                .1
                .push(nn);
        }
    }
    if reasons.iter().any(|r| matches!(r, Reason::Taint(_))) {
        for (taint, (remove, nodes)) in &by_taint {
            if taint.starts_with("node.kubernetes.io/") {
                evidence.push(format!(
                    "{taint} on {}: a node condition taint, the node itself is unhealthy (see node-not-ready)",
                    nodes.join(", ")
                ));
                continue;
            }
            evidence.push(format!(
                "{taint} on {}: reserved for other workloads; add a matching toleration if {name} belongs there{template_note}, or remove the taint",
                nodes.join(", ")
            ));
            for node in nodes.iter().take(3) {
                commands.push(Remedy::run(
                    format!("If the taint {taint} on {node} is no longer wanted, remove it"),
                    ctx.kubectl
                        .argv(None, &["taint", "nodes", node, remove.as_str()]),
                ));
            }
        }
    }
    if reasons.contains(&Reason::Cordoned) || (!cordoned.is_empty() && reasons.is_empty()) {
        if cordoned.is_empty() {
            evidence.push("some nodes are cordoned".to_string());
        }
        for node in cordoned.iter().take(3) {
            evidence.push(format!("{node} is cordoned"));
            commands.push(Remedy::run(
                format!("If {node}'s maintenance is over, let pods back on it"),
                ctx.kubectl.argv(None, &["uncordon", node]),
            ));
        }
    }
    if reasons
        .iter()
        .any(|r| matches!(r, Reason::Insufficient(x) if x == "cpu" || x == "memory"))
    {
        commands.push(Remedy::run(
            "See each node's allocatable resources and what is already requested on it (Allocated resources)",
            ctx.kubectl.argv(None, &["describe", "nodes"]),
        ));
    }

    (evidence, commands)
}

/// "db-0 cannot be scheduled on any of 6 nodes: insufficient memory (3), ..." or, where
/// no node can ever take it, why.
fn summary(name: &str, parsed: &Parsed, impossible: Option<&str>) -> String {
    let causes: Vec<String> = parsed
        .causes
        .iter()
        .map(|(n, r)| {
            if *n > 0 {
                format!("{} ({n})", r.text())
            } else {
                r.text()
            }
        })
        .collect();
    let on = parsed
        .total
        .map(|t| format!(" on any of {t} nodes"))
        .unwrap_or_default();
    match impossible {
        Some(text) => format!("{name} cannot be scheduled: {text}"),
        None if causes.is_empty() => format!("{name} cannot be scheduled{on}"),
        None => format!("{name} cannot be scheduled{on}: {}", causes.join(", ")),
    }
}

/// Required anti-affinity against its own pods: with `replicas` members that may not share
/// a topology domain, there must be as many eligible domains.
fn anti_affinity(
    ctx: &Ctx,
    pod: &Pod,
    sts_name: Option<&str>,
    replicas: Option<i32>,
    place: &Placement,
    evidence: &mut Vec<String>,
    commands: &mut Vec<Remedy>,
) -> Option<String> {
    let ns = k8s::namespace(&pod.metadata);
    let anti = pod
        .spec
        .as_ref()?
        .affinity
        .as_ref()?
        .pod_anti_affinity
        .as_ref()?;
    let required = anti
        .required_during_scheduling_ignored_during_execution
        .as_deref()
        .unwrap_or_default();
    let mut verdict = None;
    for term in required {
        if !selects_itself(term.label_selector.as_ref(), pod) {
            continue;
        }
        let key = term.topology_key.as_str();
        let domains: BTreeSet<&str> = place
            .eligible
            .iter()
            .filter_map(|n| topology_value(n, key))
            .collect();
        match replicas {
            Some(r) if r as usize > domains.len() => {
                evidence.push(format!(
                    "required anti-affinity on {key}: {r} replicas need {r} distinct {key} values, only {} eligible (Ready, schedulable, matching): {}",
                    domains.len(),
                    domains.iter().copied().collect::<Vec<_>>().join(", ")
                ));
                verdict = Some(format!(
                    "{r} replicas need {r} separate {key} domains under required anti-affinity, only {} eligible",
                    domains.len()
                ));
            }
            _ => evidence.push(format!(
                "required anti-affinity on {key}: every eligible {key} ({}) already runs a pod it must avoid; a member may be stuck on a node that is down",
                domains.len()
            )),
        }
    }
    if verdict.is_some()
        && let Some(sts) = sts_name
    {
        let add = if required
            .iter()
            .all(|t| t.topology_key == kn::HOSTNAME_LABEL)
        {
            "Add nodes so every replica has a node of its own; these are the nodes and their zones"
        } else {
            "Add nodes in more topology domains (zones) so every replica has one of its own; these are the nodes and their zones"
        };
        commands.push(Remedy::run(
            add,
            ctx.kubectl
                .argv(None, &["get", "nodes", "-L", kn::ZONE_LABEL]),
        ));
        // Relaxing to preferred keeps the spreading wish but lets replicas share a node,
        // which can cost quorum when that node fails: only as a stopgap.
        let mut preferred: Vec<serde_json::Value> = anti
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .flatten()
            .filter_map(|w| serde_json::to_value(w).ok())
            .collect();
        preferred.extend(required.iter().filter_map(|t| {
            serde_json::to_value(t)
                .ok()
                .map(|t| json!({"weight": 100, "podAffinityTerm": t}))
        }));
        let patch = json!({"spec": {"template": {"spec": {"affinity": {"podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": null,
            "preferredDuringSchedulingIgnoredDuringExecution": preferred,
        }}}}}});
        commands.push(Remedy::run(
            format!(
                "Stopgap: make {sts}'s anti-affinity preferred instead of required; this rolls every pod, and replicas may then share a node (one node failure can cost quorum)"
            ),
            ctx.kubectl.argv(
                Some(ns),
                &["patch", "statefulset", sts, "--type=merge", "-p", &patch.to_string()],
            ),
        ));
    }
    verdict
}

/// `DoNotSchedule` spread on its own pods: each eligible domain may hold at most the
/// emptiest domain's count plus maxSkew, so when a domain without eligible nodes stays
/// empty, the others cannot take all replicas.
fn spread(
    ctx: &Ctx,
    pod: &Pod,
    sts_name: Option<&str>,
    replicas: Option<i32>,
    place: &Placement,
    evidence: &mut Vec<String>,
) -> Option<String> {
    let ns = k8s::namespace(&pod.metadata);
    let spec = pod.spec.as_ref()?;
    let mut verdict = None;
    for c in spec.topology_spread_constraints.iter().flatten() {
        if c.when_unsatisfiable != "DoNotSchedule" {
            continue;
        }
        if !selects_itself(c.label_selector.as_ref(), pod) {
            continue;
        }
        let key = c.topology_key.as_str();
        let skew = c.max_skew.max(1);
        let mut count: BTreeMap<&str, i64> = BTreeMap::new();
        for n in &place.matching {
            if let Some(v) = topology_value(n, key) {
                count.entry(v).or_insert(0);
            }
        }
        let eligible: BTreeSet<&str> = place
            .eligible
            .iter()
            .filter_map(|n| topology_value(n, key))
            .collect();
        if let Some(sts) = sts_name {
            for p in ctx.idx.pods_of(ns, sts) {
                if let Some(v) = k8s::pod::node_name(p)
                    .and_then(|nn| ctx.idx.node.get(nn))
                    .and_then(|n| topology_value(n, key))
                    && let Some(c) = count.get_mut(v)
                {
                    *c += 1;
                }
            }
        }
        let min = count.values().copied().min().unwrap_or(0);
        let blocked: Vec<&str> = count
            .keys()
            .copied()
            .filter(|d| !eligible.contains(d))
            .collect();
        if blocked.is_empty() {
            evidence.push(format!(
                "topology spread on {key} (maxSkew {skew}, DoNotSchedule) cannot be met on the nodes free now"
            ));
            continue;
        }
        let capacity: i64 = count
            .iter()
            .map(|(d, c)| {
                if eligible.contains(d) {
                    min + i64::from(skew)
                } else {
                    *c
                }
            })
            .sum();
        evidence.push(format!(
            "topology spread on {key} (maxSkew {skew}, DoNotSchedule): {} have no Ready, schedulable node, so they stay at their count and the other domains may hold at most {} each",
            blocked.join(", "),
            min + i64::from(skew)
        ));
        if let Some(r) = replicas
            && i64::from(r) > capacity
        {
            verdict = Some(format!(
                "{r} replicas cannot be spread on {key} with maxSkew {skew}: {} have no usable node, room for {capacity}",
                blocked.join(", ")
            ));
        }
    }
    verdict
}

/// Where the pod's bound volumes may be used, for the evidence.
fn volume_places(ctx: &Ctx, pod: &Pod) -> Vec<String> {
    let ns = k8s::namespace(&pod.metadata);
    k8s::pod::claims(pod)
        .iter()
        .filter_map(|(_, c)| ctx.idx.pvc.get(&(ns, c.as_ref())))
        .filter_map(|pvc| pvc.spec.as_ref()?.volume_name.as_deref())
        .filter_map(|v| ctx.idx.pv.get(v))
        .filter_map(|pv| {
            let sel = pv
                .spec
                .as_ref()?
                .node_affinity
                .as_ref()?
                .required
                .as_ref()?;
            Some(format!(
                "{} ({})",
                kn::describe_selector(sel),
                k8s::name(&pv.metadata)
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests;
