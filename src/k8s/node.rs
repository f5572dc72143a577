//! Nodes as the scheduler judges them: Ready, schedulable for a given pod (not cordoned, no
//! NoSchedule/NoExecute taint the pod does not tolerate), which zone, and whether a node
//! selector (a PV's `nodeAffinity.required`, a pod's required node affinity) selects it.
//!
//! The matching rules follow the API server and scheduler (`k8s.io/component-helpers`
//! `nodeaffinity`): terms are ORed, requirements inside a term are ANDed, an empty term
//! selects nothing, `Gt`/`Lt` compare integers, `matchFields` only knows `metadata.name`.

use crate::model::PodSpec;
use k8s_openapi::api::core::v1::{
    Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Taint, Toleration,
};

pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// Still set by some older clusters and local-volume provisioners.
pub const LEGACY_ZONE_LABEL: &str = "failure-domain.beta.kubernetes.io/zone";
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";
/// The taint the scheduler treats a cordoned node as carrying.
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";
/// The taint for non-graceful node shutdown: pods are force-deleted and volumes
/// force-detached from a node that is confirmed down.
pub const OUT_OF_SERVICE_TAINT: &str = "node.kubernetes.io/out-of-service";

/// Node condition `Ready=True`.
pub fn is_ready(node: &Node) -> bool {
    ready_status(node) == "True"
}

/// The status of the `Ready` condition (`True`, `False`, `Unknown`), or `absent`.
pub fn ready_status(node: &Node) -> &str {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
        .iter()
        .find(|c| c.type_ == "Ready")
        .map(|c| c.status.as_str())
        .unwrap_or("absent")
}

/// When the `Ready` condition last changed, to say how long a node has been down.
pub fn ready_since(node: &Node) -> Option<jiff::Timestamp> {
    node.status
        .as_ref()?
        .conditions
        .as_deref()?
        .iter()
        .find(|c| c.type_ == "Ready")?
        .last_transition_time
        .as_ref()
        .map(|t| t.0)
}

/// `spec.unschedulable` (`kubectl cordon`).
pub fn is_cordoned(node: &Node) -> bool {
    node.spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false)
}

pub fn label<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

/// The node's zone (`topology.kubernetes.io/zone`, or the deprecated beta label).
pub fn zone(node: &Node) -> Option<&str> {
    label(node, ZONE_LABEL).or_else(|| label(node, LEGACY_ZONE_LABEL))
}

pub fn taints(node: &Node) -> &[Taint] {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_deref())
        .unwrap_or_default()
}

/// Whether one toleration tolerates one taint, as `v1.Toleration.ToleratesTaint` decides:
/// an empty effect matches every effect, an empty key (with `Exists`) every key; `Equal`
/// (the default operator) compares values, `Exists` ignores them.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    if let Some(e) = t.effect.as_deref().filter(|e| !e.is_empty())
        && e != taint.effect
    {
        return false;
    }
    if let Some(k) = t.key.as_deref().filter(|k| !k.is_empty())
        && k != taint.key
    {
        return false;
    }
    match t.operator.as_deref().unwrap_or("Equal") {
        "" | "Equal" => t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""),
        "Exists" => true,
        _ => false,
    }
}

fn tolerated(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| tolerates(t, taint))
}

/// The taints that keep a pod with `tolerations` off this node: effect NoSchedule or
/// NoExecute and not tolerated (PreferNoSchedule only discourages).
pub fn untolerated_taints<'a>(node: &'a Node, tolerations: &[Toleration]) -> Vec<&'a Taint> {
    taints(node)
        .iter()
        .filter(|t| matches!(t.effect.as_str(), "NoSchedule" | "NoExecute"))
        .filter(|t| !tolerated(tolerations, t))
        .collect()
}

/// Cordoned, and the pod does not tolerate `node.kubernetes.io/unschedulable:NoSchedule`
/// (which is how the scheduler's NodeUnschedulable plugin decides).
pub fn cordoned_for(node: &Node, tolerations: &[Toleration]) -> bool {
    if !is_cordoned(node) {
        return false;
    }
    let taint = Taint {
        key: UNSCHEDULABLE_TAINT.to_string(),
        effect: "NoSchedule".to_string(),
        ..Default::default()
    };
    !tolerated(tolerations, &taint)
}

/// A pod with these tolerations may be placed here: not cordoned and no blocking taint.
pub fn schedulable_for(node: &Node, tolerations: &[Toleration]) -> bool {
    !cordoned_for(node, tolerations) && untolerated_taints(node, tolerations).is_empty()
}

/// Ready and schedulable for the pod: somewhere it could actually run now.
pub fn usable_for(node: &Node, tolerations: &[Toleration]) -> bool {
    is_ready(node) && schedulable_for(node, tolerations)
}

/// A taint as kubectl prints it: `key=value:Effect` (or `key:Effect`).
pub fn taint_text(t: &Taint) -> String {
    match t.value.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => format!("{}={v}:{}", t.key, t.effect),
        None => format!("{}:{}", t.key, t.effect),
    }
}

/// Why a node cannot take a pod with these tolerations, in a few words; `None` when it can.
pub fn why_unusable(node: &Node, tolerations: &[Toleration]) -> Option<String> {
    let mut why = Vec::new();
    if !is_ready(node) {
        why.push(format!("NotReady (Ready={})", ready_status(node)));
    }
    if cordoned_for(node, tolerations) {
        why.push("cordoned".to_string());
    }
    let taints: Vec<String> = untolerated_taints(node, tolerations)
        .into_iter()
        // A cordon or NotReady already said it; the node lifecycle controller mirrors both
        // as taints.
        .filter(|t| !(t.key == UNSCHEDULABLE_TAINT && is_cordoned(node)))
        .filter(|t| {
            is_ready(node)
                || !matches!(
                    t.key.as_str(),
                    "node.kubernetes.io/unreachable" | "node.kubernetes.io/not-ready"
                )
        })
        .map(taint_text)
        .collect();
    if !taints.is_empty() {
        why.push(format!("tainted {}", taints.join(", ")));
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// One requirement against one value (`None` = label absent), per the operator.
pub fn requirement_matches(req: &NodeSelectorRequirement, value: Option<&str>) -> bool {
    let values = req.values.as_deref().unwrap_or_default();
    match req.operator.as_str() {
        "In" => value.is_some_and(|v| values.iter().any(|x| x == v)),
        "NotIn" => value.is_none_or(|v| !values.iter().any(|x| x == v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        op @ ("Gt" | "Lt") => {
            // Exactly one integer value; a label that is not an integer does not match.
            let [bound] = values else {
                return false;
            };
            let (Ok(bound), Some(Ok(have))) =
                (bound.parse::<i64>(), value.map(|v| v.parse::<i64>()))
            else {
                return false;
            };
            if op == "Gt" {
                have > bound
            } else {
                have < bound
            }
        }
        // An operator the API server would reject: match nothing rather than guess.
        _ => false,
    }
}

/// A term matches when all its expressions (labels) and fields (`metadata.name`) match.
/// A term with neither selects no node.
pub fn term_matches(term: &NodeSelectorTerm, node: &Node) -> bool {
    let exprs = term.match_expressions.as_deref().unwrap_or_default();
    let fields = term.match_fields.as_deref().unwrap_or_default();
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    let labels_ok = exprs
        .iter()
        .all(|r| requirement_matches(r, label(node, &r.key)));
    let fields_ok = fields.iter().all(|r| {
        r.key == "metadata.name"
            && matches!(r.operator.as_str(), "In" | "NotIn")
            && requirement_matches(r, Some(super::name(&node.metadata)))
    });
    labels_ok && fields_ok
}

/// Terms are ORed; a selector without terms selects nothing.
pub fn selector_matches(sel: &NodeSelector, node: &Node) -> bool {
    sel.node_selector_terms
        .iter()
        .any(|t| term_matches(t, node))
}

fn requirement_text(r: &NodeSelectorRequirement) -> String {
    let values = r.values.as_deref().unwrap_or_default();
    match r.operator.as_str() {
        "In" if values.len() == 1 => format!("{}={}", r.key, values[0]),
        "Exists" => format!("{} exists", r.key),
        "DoesNotExist" => format!("no {}", r.key),
        op => format!("{} {op} ({})", r.key, values.join(",")),
    }
}

/// A selector as one readable line: `kubernetes.io/hostname=node-2`, terms joined by `or`.
pub fn describe_selector(sel: &NodeSelector) -> String {
    let terms: Vec<String> = sel
        .node_selector_terms
        .iter()
        .map(|t| {
            let parts: Vec<String> = t
                .match_expressions
                .iter()
                .flatten()
                .chain(t.match_fields.iter().flatten())
                .map(requirement_text)
                .collect();
            if parts.is_empty() {
                "(empty term)".to_string()
            } else {
                parts.join(" and ")
            }
        })
        .collect();
    if terms.is_empty() {
        "(no terms)".to_string()
    } else {
        terms.join(" or ")
    }
}

fn in_values(sel: &NodeSelector, is_key: impl Fn(&str) -> bool) -> Vec<&str> {
    let mut v: Vec<&str> = sel
        .node_selector_terms
        .iter()
        .flat_map(|t| {
            t.match_expressions
                .iter()
                .flatten()
                .chain(t.match_fields.iter().flatten())
        })
        .filter(|r| r.operator == "In" && is_key(&r.key))
        .flat_map(|r| r.values.iter().flatten().map(String::as_str))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The nodes a selector pins to by name: values of `kubernetes.io/hostname In` and of the
/// field `metadata.name In` (hostname labels usually equal the node name).
pub fn pinned_hosts(sel: &NodeSelector) -> Vec<&str> {
    in_values(sel, |k| k == HOSTNAME_LABEL || k == "metadata.name")
}

/// The zones a selector pins to (`topology.kubernetes.io/zone In`, or the beta label).
pub fn pinned_zones(sel: &NodeSelector) -> Vec<&str> {
    in_values(sel, |k| k == ZONE_LABEL || k == LEGACY_ZONE_LABEL)
}

/// The pod's tolerations.
pub fn tolerations(spec: Option<&PodSpec>) -> &[Toleration] {
    spec.and_then(|s| s.tolerations.as_deref())
        .map_or(&[], Vec::as_slice)
}

/// Whether the pod's own node placement rules (`nodeSelector` and required node
/// affinity) allow this node. Taints and readiness are separate questions.
pub fn pod_placement_allows(spec: Option<&PodSpec>, node: &Node) -> bool {
    let Some(spec) = spec else {
        return true;
    };
    if let Some(ns) = &spec.node_selector
        && !ns.iter().all(|(k, v)| label(node, k) == Some(v.as_str()))
    {
        return false;
    }
    match spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| {
            na.required_during_scheduling_ignored_during_execution
                .as_ref()
        }) {
        Some(sel) => selector_matches(sel, node),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(v: serde_json::Value) -> Node {
        serde_json::from_value(v).unwrap()
    }

    fn n(name: &str, zone: &str, ready: &str) -> Node {
        node(json!({
            "metadata": {"name": name, "labels": {HOSTNAME_LABEL: name, ZONE_LABEL: zone, "disk": "nvme", "gen": "5"}},
            "status": {"conditions": [{"type": "Ready", "status": ready}]}
        }))
    }

    fn sel(v: serde_json::Value) -> NodeSelector {
        serde_json::from_value(json!({"nodeSelectorTerms": v})).unwrap()
    }

    fn tol(v: serde_json::Value) -> Toleration {
        serde_json::from_value(v).unwrap()
    }

    fn taint(key: &str, value: Option<&str>, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: value.map(str::to_string),
            effect: effect.into(),
            time_added: None,
        }
    }

    #[test]
    fn readiness_comes_from_the_ready_condition() {
        assert!(is_ready(&n("a", "z1", "True")));
        assert!(!is_ready(&n("a", "z1", "Unknown")));
        assert_eq!(ready_status(&n("a", "z1", "False")), "False");
        assert_eq!(
            ready_status(&node(json!({"metadata": {"name": "x"}}))),
            "absent"
        );
    }

    #[test]
    fn zone_falls_back_to_the_beta_label() {
        assert_eq!(zone(&n("a", "z1", "True")), Some("z1"));
        let old = node(json!({"metadata": {"name": "b", "labels": {LEGACY_ZONE_LABEL: "z9"}}}));
        assert_eq!(zone(&old), Some("z9"));
        assert_eq!(zone(&node(json!({"metadata": {"name": "c"}}))), None);
    }

    #[test]
    fn toleration_semantics_follow_the_api() {
        let t = taint("dedicated", Some("db"), "NoSchedule");
        assert!(tolerates(
            &tol(json!({"key": "dedicated", "value": "db"})),
            &t
        ));
        assert!(tolerates(
            &tol(
                json!({"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"})
            ),
            &t
        ));
        assert!(!tolerates(
            &tol(json!({"key": "dedicated", "value": "web"})),
            &t
        ));
        assert!(!tolerates(
            &tol(json!({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"})),
            &t
        ));
        assert!(tolerates(
            &tol(json!({"key": "dedicated", "operator": "Exists"})),
            &t
        ));
        // Empty key with Exists tolerates everything.
        assert!(tolerates(&tol(json!({"operator": "Exists"})), &t));
        // Equal with no value only matches a taint without value.
        assert!(tolerates(
            &tol(json!({"key": "k"})),
            &taint("k", None, "NoExecute")
        ));
        assert!(!tolerates(&tol(json!({"key": "dedicated"})), &t));
        assert!(!tolerates(
            &tol(json!({"key": "dedicated", "operator": "Bogus"})),
            &t
        ));
    }

    #[test]
    fn schedulable_means_not_cordoned_and_no_untolerated_hard_taint() {
        let mut node = n("a", "z1", "True");
        assert!(schedulable_for(&node, &[]));
        node.spec = Some(Default::default());
        node.spec.as_mut().unwrap().taints = Some(vec![taint("soft", None, "PreferNoSchedule")]);
        assert!(
            schedulable_for(&node, &[]),
            "PreferNoSchedule does not block"
        );
        node.spec.as_mut().unwrap().taints =
            Some(vec![taint("dedicated", Some("db"), "NoExecute")]);
        assert!(!schedulable_for(&node, &[]));
        let t = [tol(json!({"key": "dedicated", "operator": "Exists"}))];
        assert!(schedulable_for(&node, &t));
        assert_eq!(
            why_unusable(&node, &[]).as_deref(),
            Some("tainted dedicated=db:NoExecute")
        );
        node.spec.as_mut().unwrap().unschedulable = Some(true);
        assert!(!schedulable_for(&node, &t));
        let both = [
            t[0].clone(),
            tol(json!({"key": UNSCHEDULABLE_TAINT, "operator": "Exists", "effect": "NoSchedule"})),
        ];
        assert!(schedulable_for(&node, &both), "tolerating the cordon taint");
        assert!(usable_for(&node, &both));
        let down = n("b", "z1", "Unknown");
        assert!(!usable_for(&down, &[]));
        assert_eq!(
            why_unusable(&down, &[]).as_deref(),
            Some("NotReady (Ready=Unknown)")
        );
    }

    #[test]
    fn not_ready_is_said_once_even_with_its_taints() {
        let node = node(json!({
            "metadata": {"name": "a"},
            "spec": {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
                                {"key": "dedicated", "value": "db", "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}
        }));
        assert_eq!(
            why_unusable(&node, &[]).as_deref(),
            Some("NotReady (Ready=Unknown), tainted dedicated=db:NoSchedule")
        );
    }

    #[test]
    fn cordon_is_said_once_even_with_its_mirrored_taint() {
        let node = node(json!({
            "metadata": {"name": "a"},
            "spec": {"unschedulable": true, "taints": [{"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"}]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        }));
        assert_eq!(why_unusable(&node, &[]).as_deref(), Some("cordoned"));
    }

    #[test]
    fn requirement_operators() {
        let r = |op: &str, vals: &[&str]| NodeSelectorRequirement {
            key: "k".into(),
            operator: op.into(),
            values: Some(vals.iter().map(|s| s.to_string()).collect()),
        };
        assert!(requirement_matches(&r("In", &["a", "b"]), Some("b")));
        assert!(!requirement_matches(&r("In", &["a"]), None));
        assert!(requirement_matches(&r("NotIn", &["a"]), None));
        assert!(!requirement_matches(&r("NotIn", &["a"]), Some("a")));
        assert!(requirement_matches(&r("Exists", &[]), Some("")));
        assert!(requirement_matches(&r("DoesNotExist", &[]), None));
        assert!(requirement_matches(&r("Gt", &["4"]), Some("5")));
        assert!(!requirement_matches(&r("Gt", &["5"]), Some("5")));
        assert!(requirement_matches(&r("Lt", &["5"]), Some("-1")));
        assert!(!requirement_matches(&r("Lt", &["5"]), Some("x")));
        assert!(!requirement_matches(&r("Gt", &["1", "2"]), Some("5")));
        assert!(!requirement_matches(&r("Gt", &["1"]), None));
        assert!(!requirement_matches(&r("Near", &["1"]), Some("1")));
    }

    #[test]
    fn terms_and_selectors() {
        let a = n("node-a", "z1", "True");
        let s = sel(
            json!([{"matchExpressions": [{"key": HOSTNAME_LABEL, "operator": "In", "values": ["node-a"]}]}]),
        );
        assert!(selector_matches(&s, &a));
        assert!(!selector_matches(&s, &n("node-b", "z1", "True")));
        // Expressions in one term are ANDed.
        let s = sel(json!([{"matchExpressions": [
            {"key": ZONE_LABEL, "operator": "In", "values": ["z1"]},
            {"key": "gen", "operator": "Gt", "values": ["6"]}
        ]}]));
        assert!(!selector_matches(&s, &a));
        // Terms are ORed.
        let s = sel(json!([
            {"matchExpressions": [{"key": ZONE_LABEL, "operator": "In", "values": ["z2"]}]},
            {"matchExpressions": [{"key": "disk", "operator": "Exists"}]}
        ]));
        assert!(selector_matches(&s, &a));
        // matchFields on metadata.name; other fields never match.
        let s = sel(
            json!([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-a"]}]}]),
        );
        assert!(selector_matches(&s, &a));
        let s = sel(
            json!([{"matchFields": [{"key": "metadata.uid", "operator": "In", "values": ["node-a"]}]}]),
        );
        assert!(!selector_matches(&s, &a));
        let s = sel(
            json!([{"matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["node-a"]}]}]),
        );
        assert!(!selector_matches(&s, &a));
        // Empty terms select nothing.
        assert!(!selector_matches(&sel(json!([{}])), &a));
        assert!(!selector_matches(&sel(json!([])), &a));
        // Labels absent on the node.
        let bare = node(json!({"metadata": {"name": "bare"}}));
        let s = sel(json!([{"matchExpressions": [{"key": "disk", "operator": "DoesNotExist"}]}]));
        assert!(selector_matches(&s, &bare));
        assert!(!selector_matches(&s, &a));
    }

    #[test]
    fn pins_and_descriptions() {
        let s = sel(json!([
            {"matchExpressions": [{"key": HOSTNAME_LABEL, "operator": "In", "values": ["node-2"]}]},
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-9", "node-2"]}]},
            {"matchExpressions": [{"key": ZONE_LABEL, "operator": "In", "values": ["z1"]},
                                  {"key": "gen", "operator": "Gt", "values": ["4"]}]}
        ]));
        assert_eq!(pinned_hosts(&s), vec!["node-2", "node-9"]);
        assert_eq!(pinned_zones(&s), vec!["z1"]);
        assert_eq!(
            describe_selector(&s),
            "kubernetes.io/hostname=node-2 or metadata.name In (node-9,node-2) or topology.kubernetes.io/zone=z1 and gen Gt (4)"
        );
    }

    #[test]
    fn pod_placement_uses_node_selector_and_required_affinity() {
        let a = n("node-a", "z1", "True");
        let spec: PodSpec =
            serde_json::from_value(json!({"containers": [], "nodeSelector": {"disk": "nvme"}}))
                .unwrap();
        assert!(pod_placement_allows(Some(&spec), &a));
        let spec: PodSpec =
            serde_json::from_value(json!({"containers": [], "nodeSelector": {"disk": "hdd"}}))
                .unwrap();
        assert!(!pod_placement_allows(Some(&spec), &a));
        let spec: PodSpec = serde_json::from_value(json!({"containers": [], "affinity": {"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": ZONE_LABEL, "operator": "NotIn", "values": ["z1"]}]}]}}}})).unwrap();
        assert!(!pod_placement_allows(Some(&spec), &a));
        assert!(pod_placement_allows(None, &a));
    }
}
