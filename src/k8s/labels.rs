//! Label selectors as the API server evaluates them.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::BTreeMap;

/// Whether `sel` selects an object with `labels`. An empty selector (`{}`) selects
/// everything; callers decide what a missing (null) selector means, because that differs by
/// kind (a policy/v1 PDB with a null selector selects nothing).
pub fn matches(sel: &LabelSelector, labels: Option<&BTreeMap<String, String>>) -> bool {
    let empty = BTreeMap::new();
    let labels = labels.unwrap_or(&empty);
    if let Some(ml) = &sel.match_labels
        && !ml.iter().all(|(k, v)| labels.get(k) == Some(v))
    {
        return false;
    }
    for e in sel.match_expressions.as_deref().unwrap_or_default() {
        let values = e.values.as_deref().unwrap_or_default();
        let have = labels.get(&e.key);
        let ok = match e.operator.as_str() {
            "In" => have.is_some_and(|v| values.contains(v)),
            "NotIn" => have.is_none_or(|v| !values.contains(v)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            // An operator the server would reject: select nothing rather than guess.
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// The selector in kubectl's `-l` syntax (`app=db,tier in (a,b),!legacy`).
pub fn to_kubectl(sel: &LabelSelector) -> String {
    let mut parts = Vec::new();
    for (k, v) in sel.match_labels.iter().flatten() {
        parts.push(format!("{k}={v}"));
    }
    for e in sel.match_expressions.as_deref().unwrap_or_default() {
        let values = e.values.as_deref().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            other => format!("{} {other} ({values})", e.key),
        });
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        }
    }

    #[test]
    fn match_labels_and_expressions() {
        let l = labels(&[("app", "db"), ("tier", "data")]);
        let sel = LabelSelector {
            match_labels: Some(labels(&[("app", "db")])),
            match_expressions: Some(vec![
                expr("tier", "In", &["data", "cache"]),
                expr("legacy", "DoesNotExist", &[]),
            ]),
        };
        assert!(matches(&sel, Some(&l)));
        let sel2 = LabelSelector {
            match_expressions: Some(vec![expr("tier", "NotIn", &["data"])]),
            ..Default::default()
        };
        assert!(!matches(&sel2, Some(&l)));
        let sel3 = LabelSelector {
            match_expressions: Some(vec![expr("zone", "Exists", &[])]),
            ..Default::default()
        };
        assert!(!matches(&sel3, Some(&l)));
        assert!(
            matches(&LabelSelector::default(), None),
            "empty selector selects everything"
        );
        assert!(!matches(&sel, None));
    }

    #[test]
    fn kubectl_syntax() {
        let sel = LabelSelector {
            match_labels: Some(labels(&[("app", "db")])),
            match_expressions: Some(vec![
                expr("tier", "In", &["a", "b"]),
                expr("x", "DoesNotExist", &[]),
            ]),
        };
        assert_eq!(to_kubectl(&sel), "app=db,tier in (a,b),!x");
    }
}
