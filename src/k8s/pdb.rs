//! PodDisruptionBudget arithmetic as the disruption controller does it, so a finding can say
//! exactly how many members a drain may take down and whether that breaks quorum.
//!
//! The controller (`pkg/controller/disruption`, `getExpectedPodCount`) works like this:
//! - `maxUnavailable` (integer or percentage): the expected count is the sum of the scales
//!   (`spec.replicas`) of the controllers owning the selected pods;
//!   `GetScaledValueFromIntOrPercent(maxUnavailable, expected, roundUp=true)` pods may be
//!   down, so `desiredHealthy = max(0, expected - that)`.
//! - `minAvailable` as an integer: `desiredHealthy` is the integer itself and the expected
//!   count is the number of selected pods.
//! - `minAvailable` as a percentage: the expected count is the controllers' scale as above
//!   and `desiredHealthy = GetScaledValueFromIntOrPercent(minAvailable, expected, true)`.
//! - neither set: neither branch runs, so `expectedCount` and `desiredHealthy` stay 0, and
//!   `updatePdbStatus` forces `disruptionsAllowed` to 0 whenever `expectedCount <= 0`
//!   (the guard meant for budgets whose pods have not appeared yet). Such a budget
//!   therefore allows no eviction at all, however many pods are healthy.
//!
//! `disruptionsAllowed = currentHealthy - desiredHealthy` (never below 0, and 0 when the
//! controller's expected count is 0). With every pod
//! healthy `currentHealthy` equals the expected count, which is what a configuration risk is
//! judged on. Percentages are rounded up for both fields: `maxUnavailable: 50%` of 3 is
//! `ceil(1.5) = 2`, while `minAvailable: 50%` of 3 keeps `ceil(1.5) = 2` healthy.

use crate::model::Labels;
use crate::model::StatefulSet;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt;

/// Whether a policy/v1 PDB selects pods with these labels. A null selector selects nothing;
/// an empty one (`{}`) selects every pod in the namespace.
pub fn selects<'a>(pdb: &PodDisruptionBudget, labels: impl Into<Labels<'a>>) -> bool {
    match pdb.spec.as_ref().and_then(|s| s.selector.as_ref()) {
        None => false,
        Some(sel) => super::labels::matches(sel, labels),
    }
}

/// The labels every pod of a StatefulSet carries: its template's.
pub fn template_labels(sts: &StatefulSet) -> Option<&crate::model::SmallMap<crate::model::Text>> {
    sts.spec
        .as_ref()?
        .template
        .metadata
        .as_ref()?
        .labels
        .as_ref()
}

pub fn deployment_labels(d: &Deployment) -> Option<&BTreeMap<String, String>> {
    d.spec.as_ref()?.template.metadata.as_ref()?.labels.as_ref()
}

/// A `minAvailable` / `maxUnavailable` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Int(i32),
    Percent(i32),
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Int(v) => write!(f, "{v}"),
            Amount::Percent(v) => write!(f, "{v}%"),
        }
    }
}

/// Reads an int-or-string as `intstr.getIntOrPercentValueSafely` does: a string must be an
/// integer followed by `%`.
pub fn parse(v: &IntOrString) -> Result<Amount, String> {
    match v {
        IntOrString::Int(i) => Ok(Amount::Int(*i)),
        IntOrString::String(s) => {
            let Some(num) = s.strip_suffix('%') else {
                return Err(format!("{s:?} is not a percentage"));
            };
            num.parse::<i32>()
                .map(Amount::Percent)
                .map_err(|_| format!("{s:?} is not a valid percentage"))
        }
    }
}

/// `intstr.GetScaledValueFromIntOrPercent`: integers as they are, percentages of `total`
/// rounded up (`round_up`) or down.
pub fn scaled(amount: Amount, total: i32, round_up: bool) -> i32 {
    match amount {
        Amount::Int(v) => v,
        Amount::Percent(p) => {
            // Exact integer arithmetic for what Go computes as
            // math.Ceil(float64(p) * float64(total) / 100).
            let product = i64::from(p) * i64::from(total);
            let v = if round_up {
                product.div_euclid(100) + i64::from(product.rem_euclid(100) != 0)
            } else {
                product.div_euclid(100)
            };
            v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
        }
    }
}

/// Which field the budget is expressed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    MinAvailable(Amount),
    MaxUnavailable(Amount),
    /// Neither field set: the controller counts 0 expected pods and allows no disruption.
    Unset,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::MinAvailable(a) => write!(f, "minAvailable {a}"),
            Rule::MaxUnavailable(a) => write!(f, "maxUnavailable {a}"),
            Rule::Unset => f.write_str("neither minAvailable nor maxUnavailable set"),
        }
    }
}

/// What a budget means for a pod set of `expected` pods, all healthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub rule: Rule,
    pub expected: i32,
    pub desired_healthy: i32,
    /// `disruptionsAllowed` with every expected pod healthy.
    pub allowed: i32,
}

impl Budget {
    /// `disruptionsAllowed` when `healthy` of the selected pods are healthy, as the
    /// controller's `updatePdbStatus` computes it.
    pub fn allowed_with(&self, healthy: i32) -> i32 {
        if self.rule == Rule::Unset {
            // The controller's expectedCount stayed 0: nothing may be evicted.
            return 0;
        }
        (healthy - self.desired_healthy).max(0)
    }

    /// How the numbers were reached, e.g. `maxUnavailable 50% of 3 = 1.5, rounded up to 2:
    /// 1 must stay healthy, 2 disruptions allowed`.
    pub fn explain(&self) -> String {
        let n = self.expected;
        let rule = match self.rule {
            Rule::MaxUnavailable(a @ Amount::Percent(p)) => format!(
                "maxUnavailable {a} of {n} = {}, rounded up to {} down at once",
                exact_percent(p, n),
                scaled(a, n, true)
            ),
            Rule::MaxUnavailable(a) => format!("maxUnavailable {a} of {n}"),
            Rule::MinAvailable(a @ Amount::Percent(p)) => format!(
                "minAvailable {a} of {n} = {}, rounded up to {} healthy",
                exact_percent(p, n),
                scaled(a, n, true)
            ),
            Rule::MinAvailable(a) => format!("minAvailable {a} of {n}"),
            Rule::Unset => format!(
                "{} (the disruption controller then expects 0 pods and refuses every eviction of the {n})",
                self.rule
            ),
        };
        format!(
            "{rule}: {} must stay healthy, {} disruption(s) allowed",
            self.desired_healthy, self.allowed
        )
    }
}

/// `p% of n` written out (`1.5`, `0.75`, `2`).
fn exact_percent(p: i32, n: i32) -> String {
    let hundredths = i64::from(p) * i64::from(n);
    let whole = hundredths / 100;
    let frac = (hundredths % 100).abs();
    if frac == 0 {
        format!("{whole}")
    } else if frac % 10 == 0 {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    }
}

/// The budget of `pdb` over a pod set whose controllers want `expected` pods (the sum of
/// their `spec.replicas`), judged with all of them healthy. Errors for values the API server
/// would have refused (both fields set, a string that is not a percentage).
pub fn evaluate(pdb: &PodDisruptionBudget, expected: i32) -> Result<Budget, String> {
    let spec = pdb.spec.as_ref();
    let min = spec.and_then(|s| s.min_available.as_ref());
    let max = spec.and_then(|s| s.max_unavailable.as_ref());
    let expected = expected.max(0);
    // The controller checks maxUnavailable first; validation forbids setting both.
    let (rule, desired) = match (max, min) {
        (Some(_), Some(_)) => {
            return Err("both minAvailable and maxUnavailable are set".to_string());
        }
        (Some(m), None) => {
            let a = parse(m).map_err(|e| format!("maxUnavailable {e}"))?;
            (
                Rule::MaxUnavailable(a),
                (expected - scaled(a, expected, true)).max(0),
            )
        }
        (None, Some(m)) => {
            let a = parse(m).map_err(|e| format!("minAvailable {e}"))?;
            (Rule::MinAvailable(a), scaled(a, expected, true))
        }
        (None, None) => (Rule::Unset, 0),
    };
    let mut b = Budget {
        rule,
        expected,
        desired_healthy: desired,
        allowed: 0,
    };
    b.allowed = b.allowed_with(expected);
    Ok(b)
}

/// The pods a PDB covers, as far as their controllers tell: the StatefulSets and Deployments
/// of its namespace whose pod template it selects.
#[derive(Debug, Clone, Default)]
pub struct Coverage<'a> {
    pub statefulsets: Vec<&'a StatefulSet>,
    pub deployments: Vec<&'a Deployment>,
    /// Sum of the covered controllers' `spec.replicas`, or the disruption controller's own
    /// `status.expectedPods` when that is larger (it also counts pods we cannot attribute).
    pub expected: i32,
    /// `status.expectedPods`, when it is larger than the controllers found account for.
    pub status_counts_more: Option<i32>,
}

impl<'a> Coverage<'a> {
    pub fn add_statefulset(&mut self, sts: &'a StatefulSet) {
        self.statefulsets.push(sts);
    }

    pub fn add_deployment(&mut self, d: &'a Deployment) {
        self.deployments.push(d);
    }

    /// Sums the controllers' scales (as `getExpectedScale` does) and compares with what the
    /// disruption controller last recorded.
    pub fn finish(&mut self, pdb: &PodDisruptionBudget) {
        let mut sum: i64 = 0;
        for sts in &self.statefulsets {
            sum += i64::from(super::replicas(sts));
        }
        for d in &self.deployments {
            sum += i64::from(d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1).max(0));
        }
        let sum = sum.min(i64::from(i32::MAX)) as i32;
        match pdb.status.as_ref().map(|s| s.expected_pods) {
            Some(s) if s > sum => {
                self.expected = s;
                self.status_counts_more = Some(s);
            }
            _ => {
                self.expected = sum;
                self.status_counts_more = None;
            }
        }
    }

    /// "StatefulSet db (3), Deployment web (2)" when the budget is shared, else `None`.
    pub fn shared_with(&self) -> Option<String> {
        if self.statefulsets.len() + self.deployments.len() < 2 {
            return None;
        }
        let parts: Vec<String> = self
            .statefulsets
            .iter()
            .map(|s| {
                format!(
                    "StatefulSet {} ({})",
                    super::name(&s.metadata),
                    super::replicas(s)
                )
            })
            .chain(self.deployments.iter().map(|d| {
                format!(
                    "Deployment {} ({})",
                    super::name(&d.metadata),
                    d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1).max(0)
                )
            }))
            .collect();
        Some(parts.join(", "))
    }
}

/// Which controllers' pods `pdb` selects, judged on their pod templates. `statefulsets` and
/// `deployments` must be those of the PDB's namespace.
pub fn coverage<'a>(
    pdb: &PodDisruptionBudget,
    statefulsets: &[&'a StatefulSet],
    deployments: &[&'a Deployment],
) -> Coverage<'a> {
    let mut c = Coverage::default();
    for sts in statefulsets {
        if selects(pdb, template_labels(sts)) {
            c.add_statefulset(sts);
        }
    }
    for d in deployments {
        if selects(pdb, deployment_labels(d)) {
            c.add_deployment(d);
        }
    }
    c.finish(pdb);
    c
}

/// The merge patch that sets `maxUnavailable` and clears `minAvailable` (the API refuses a
/// budget with both), as valid JSON.
pub fn max_unavailable_patch(max_unavailable: i32) -> String {
    let v: Value = json!({"spec": {"maxUnavailable": max_unavailable, "minAvailable": null}});
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pdb(spec: Value) -> PodDisruptionBudget {
        serde_json::from_value(json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": spec,
        }))
        .unwrap()
    }

    fn allowed(spec: Value, n: i32) -> (i32, i32) {
        let b = evaluate(&pdb(spec), n).unwrap();
        (b.desired_healthy, b.allowed)
    }

    #[test]
    fn scaled_rounds_up_like_intstr() {
        assert_eq!(scaled(Amount::Percent(50), 3, true), 2);
        assert_eq!(scaled(Amount::Percent(50), 3, false), 1);
        assert_eq!(scaled(Amount::Percent(34), 3, true), 2);
        assert_eq!(scaled(Amount::Percent(33), 3, true), 1);
        assert_eq!(scaled(Amount::Percent(0), 5, true), 0);
        assert_eq!(scaled(Amount::Percent(100), 5, true), 5);
        assert_eq!(scaled(Amount::Percent(1), 1, true), 1);
        assert_eq!(scaled(Amount::Int(2), 5, true), 2);
    }

    /// (replicas, spec, desiredHealthy, disruptionsAllowed) for 1–7 replicas, integers and
    /// percentages, both fields, as the disruption controller computes them.
    #[test]
    fn controller_rounding_table() {
        let cases: &[(i32, Value, i32, i32)] = &[
            // maxUnavailable as an integer.
            (1, json!({"maxUnavailable": 1}), 0, 1),
            (2, json!({"maxUnavailable": 1}), 1, 1),
            (3, json!({"maxUnavailable": 1}), 2, 1),
            (4, json!({"maxUnavailable": 1}), 3, 1),
            (5, json!({"maxUnavailable": 2}), 3, 2),
            (6, json!({"maxUnavailable": 2}), 4, 2),
            (7, json!({"maxUnavailable": 3}), 4, 3),
            (3, json!({"maxUnavailable": 5}), 0, 3),
            (3, json!({"maxUnavailable": 0}), 3, 0),
            // maxUnavailable as a percentage: ceil(p * n / 100) may be down.
            (1, json!({"maxUnavailable": "50%"}), 0, 1),
            (2, json!({"maxUnavailable": "50%"}), 1, 1),
            (3, json!({"maxUnavailable": "50%"}), 1, 2),
            (4, json!({"maxUnavailable": "50%"}), 2, 2),
            (5, json!({"maxUnavailable": "50%"}), 2, 3),
            (6, json!({"maxUnavailable": "50%"}), 3, 3),
            (7, json!({"maxUnavailable": "50%"}), 3, 4),
            (3, json!({"maxUnavailable": "34%"}), 1, 2),
            (3, json!({"maxUnavailable": "33%"}), 2, 1),
            (5, json!({"maxUnavailable": "20%"}), 4, 1),
            (5, json!({"maxUnavailable": "25%"}), 3, 2),
            (7, json!({"maxUnavailable": "10%"}), 6, 1),
            (4, json!({"maxUnavailable": "0%"}), 4, 0),
            // minAvailable as an integer: desiredHealthy is the integer itself.
            (1, json!({"minAvailable": 1}), 1, 0),
            (2, json!({"minAvailable": 1}), 1, 1),
            (3, json!({"minAvailable": 2}), 2, 1),
            (3, json!({"minAvailable": 1}), 1, 2),
            (4, json!({"minAvailable": 3}), 3, 1),
            (5, json!({"minAvailable": 3}), 3, 2),
            (6, json!({"minAvailable": 4}), 4, 2),
            (7, json!({"minAvailable": 4}), 4, 3),
            (3, json!({"minAvailable": 3}), 3, 0),
            (3, json!({"minAvailable": 4}), 4, 0),
            // minAvailable as a percentage: ceil(p * n / 100) must stay healthy.
            (1, json!({"minAvailable": "50%"}), 1, 0),
            (2, json!({"minAvailable": "50%"}), 1, 1),
            (3, json!({"minAvailable": "50%"}), 2, 1),
            (4, json!({"minAvailable": "50%"}), 2, 2),
            (5, json!({"minAvailable": "50%"}), 3, 2),
            (6, json!({"minAvailable": "50%"}), 3, 3),
            (7, json!({"minAvailable": "50%"}), 4, 3),
            (3, json!({"minAvailable": "51%"}), 2, 1),
            (4, json!({"minAvailable": "51%"}), 3, 1),
            (5, json!({"minAvailable": "60%"}), 3, 2),
            (3, json!({"minAvailable": "100%"}), 3, 0),
            (3, json!({"minAvailable": "30%"}), 1, 2),
            // Neither: expectedCount stays 0 and the controller allows nothing.
            (3, json!({}), 0, 0),
            (1, json!({}), 0, 0),
        ];
        for (n, spec, desired, allow) in cases {
            assert_eq!(
                allowed(spec.clone(), *n),
                (*desired, *allow),
                "{spec} with {n} replicas"
            );
        }
    }

    #[test]
    fn an_empty_budget_allows_nothing_however_many_are_healthy() {
        let b = evaluate(&pdb(json!({"selector": {"matchLabels": {"app": "zk"}}})), 3).unwrap();
        assert_eq!(b.rule, Rule::Unset);
        assert_eq!((b.desired_healthy, b.allowed), (0, 0));
        assert_eq!(b.allowed_with(3), 0);
        assert!(
            b.explain().contains("refuses every eviction"),
            "{}",
            b.explain()
        );
        // The same helper still subtracts for a real rule.
        let b = evaluate(&pdb(json!({"maxUnavailable": 1})), 3).unwrap();
        assert_eq!(
            (b.allowed_with(3), b.allowed_with(2), b.allowed_with(1)),
            (1, 0, 0)
        );
    }

    #[test]
    fn explanations_show_the_rounding() {
        let b = evaluate(&pdb(json!({"maxUnavailable": "50%"})), 3).unwrap();
        assert_eq!(
            b.explain(),
            "maxUnavailable 50% of 3 = 1.5, rounded up to 2 down at once: 1 must stay healthy, 2 disruption(s) allowed"
        );
        let b = evaluate(&pdb(json!({"minAvailable": "25%"})), 3).unwrap();
        assert_eq!(
            b.explain(),
            "minAvailable 25% of 3 = 0.75, rounded up to 1 healthy: 1 must stay healthy, 2 disruption(s) allowed"
        );
        let b = evaluate(&pdb(json!({"minAvailable": 2})), 3).unwrap();
        assert_eq!(
            b.explain(),
            "minAvailable 2 of 3: 2 must stay healthy, 1 disruption(s) allowed"
        );
        assert_eq!(exact_percent(5, 7), "0.35");
        assert_eq!(exact_percent(10, 7), "0.7");
    }

    #[test]
    fn invalid_values_are_errors_not_guesses() {
        assert!(evaluate(&pdb(json!({"maxUnavailable": "2"})), 3).is_err());
        assert!(evaluate(&pdb(json!({"minAvailable": "x%"})), 3).is_err());
        assert!(evaluate(&pdb(json!({"minAvailable": 1, "maxUnavailable": 1})), 3).is_err());
    }

    #[test]
    fn selectors_empty_selects_all_null_selects_none() {
        let labels: BTreeMap<String, String> = [("app".to_string(), "db".to_string())].into();
        assert!(selects(&pdb(json!({"selector": {}})), Some(&labels)));
        assert!(!selects(&pdb(json!({"maxUnavailable": 1})), Some(&labels)));
        assert!(selects(
            &pdb(
                json!({"selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db"]}]}})
            ),
            Some(&labels)
        ));
        assert!(!selects(
            &pdb(json!({"selector": {"matchLabels": {"app": "web"}}})),
            Some(&labels)
        ));
    }

    #[test]
    fn the_patch_is_valid_json_clearing_min_available() {
        let p = max_unavailable_patch(1);
        let v: Value = serde_json::from_str(&p).unwrap();
        assert_eq!(
            v,
            json!({"spec": {"maxUnavailable": 1, "minAvailable": null}})
        );
        assert_eq!(p, r#"{"spec":{"maxUnavailable":1,"minAvailable":null}}"#);
    }

    #[test]
    fn coverage_sums_the_controllers_and_trusts_a_larger_status() {
        let sts = |name: &str, n: i32| -> StatefulSet {
            serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "ns"},
                "spec": {"replicas": n, "serviceName": name, "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name, "tier": "data"}}, "spec": {"containers": []}}}
            }))
            .unwrap()
        };
        let (a, b, c) = (sts("a", 3), sts("b", 5), sts("c", 2));
        let mut p =
            pdb(json!({"maxUnavailable": 1, "selector": {"matchLabels": {"tier": "data"}}}));
        let cov = coverage(&p, &[&a, &b], &[]);
        assert_eq!(cov.expected, 8);
        assert_eq!(
            cov.shared_with().unwrap(),
            "StatefulSet a (3), StatefulSet b (5)"
        );
        let cov = coverage(&p, &[&c], &[]);
        assert_eq!((cov.expected, cov.status_counts_more), (2, None));
        assert!(cov.shared_with().is_none());
        p.status = Some(
            serde_json::from_value(json!({
                "currentHealthy": 4, "desiredHealthy": 3, "disruptionsAllowed": 1, "expectedPods": 4
            }))
            .unwrap(),
        );
        let cov = coverage(&p, &[&c], &[]);
        assert_eq!((cov.expected, cov.status_counts_more), (4, Some(4)));
    }
}
