//! Label selectors as the API server evaluates them.

use crate::model::Labels;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// Whether `sel` selects an object with `labels`. An empty selector (`{}`) selects
/// everything; callers decide what a missing (null) selector means, because that differs by
/// kind (a policy/v1 PDB with a null selector selects nothing).
pub fn matches<'a>(sel: &LabelSelector, labels: impl Into<Labels<'a>>) -> bool {
    let labels = labels.into();
    if let Some(ml) = &sel.match_labels
        && !ml.iter().all(|(k, v)| labels.get(k) == Some(v))
    {
        return false;
    }
    for e in sel.match_expressions.as_deref().unwrap_or_default() {
        let values = e.values.as_deref().unwrap_or_default();
        let have = labels.get(&e.key);
        let ok = match e.operator.as_str() {
            "In" => have.is_some_and(|v| values.iter().any(|x| x == v)),
            "NotIn" => have.is_none_or(|v| !values.iter().any(|x| x == v)),
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

/// Parses a selector in kubectl's `-l` syntax (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`) into
/// a `LabelSelector` of match expressions, so it is evaluated by [`matches`] exactly like a
/// selector read from an object. `a=b` and `a==b` are `In (b)`; `a!=b` is `NotIn (b)`, which
/// (as with kubectl) also selects objects without the label.
pub fn parse_selector(text: &str) -> Result<LabelSelector, String> {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;
    fn key_ok(k: &str) -> bool {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    }
    fn value_ok(v: &str) -> bool {
        v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    }
    let req = |key: &str, op: &str, values: Vec<String>| LabelSelectorRequirement {
        key: key.to_string(),
        operator: op.to_string(),
        values: (!values.is_empty() || matches!(op, "In" | "NotIn")).then_some(values),
    };
    // Split on commas outside parentheses: `a in (x,y),b` is two requirements.
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(format!("invalid selector {text:?}: unbalanced ')'"));
        }
    }
    if depth != 0 {
        return Err(format!("invalid selector {text:?}: unbalanced '('"));
    }
    parts.push(&text[start..]);
    let mut exprs = Vec::new();
    for raw in parts {
        let part = raw.trim();
        let bad = |why: &str| format!("invalid selector {text:?}: {part:?} {why}");
        if part.is_empty() {
            return Err(format!("invalid selector {text:?}: empty requirement"));
        }
        if let Some(open) = part.find('(') {
            let Some(inner) = part[open + 1..].strip_suffix(')') else {
                return Err(bad("must end with ')'"));
            };
            let mut words = part[..open].split_whitespace();
            let (Some(key), Some(op), None) = (words.next(), words.next(), words.next()) else {
                return Err(bad("is not `key in (values)` or `key notin (values)`"));
            };
            let op = match op {
                "in" => "In",
                "notin" => "NotIn",
                _ => return Err(bad("uses an operator other than in / notin")),
            };
            let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
            if !key_ok(key) || !values.iter().all(|v| value_ok(v)) {
                return Err(bad("has an invalid key or value"));
            }
            exprs.push(req(key, op, values));
        } else if let Some(key) = part.strip_prefix('!') {
            let key = key.trim();
            if !key_ok(key) {
                return Err(bad("has an invalid key"));
            }
            exprs.push(req(key, "DoesNotExist", Vec::new()));
        } else if let Some((key, value, op)) = part
            .split_once("!=")
            .map(|(k, v)| (k, v, "NotIn"))
            .or_else(|| part.split_once("==").map(|(k, v)| (k, v, "In")))
            .or_else(|| part.split_once('=').map(|(k, v)| (k, v, "In")))
        {
            let (key, value) = (key.trim(), value.trim());
            if !key_ok(key) || !value_ok(value) {
                return Err(bad("has an invalid key or value"));
            }
            exprs.push(req(key, op, vec![value.to_string()]));
        } else {
            if !key_ok(part) {
                return Err(bad("is not a label key"));
            }
            exprs.push(req(part, "Exists", Vec::new()));
        }
    }
    Ok(LabelSelector {
        match_labels: None,
        match_expressions: Some(exprs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;
    use std::collections::BTreeMap;

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
            matches(&LabelSelector::default(), Labels::None),
            "empty selector selects everything"
        );
        assert!(!matches(&sel, Labels::None));
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

#[cfg(test)]
mod parse_tests {
    use super::*;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kubectl_selector_syntax_parses_and_matches() {
        let node = labels(&[("pool", "db"), ("zone", "z1"), ("gpu", "")]);
        let ok = |s: &str| matches(&parse_selector(s).unwrap(), Some(&node));
        assert!(ok("pool=db"));
        assert!(ok("pool==db"));
        assert!(ok("pool=db,zone!=z2"));
        assert!(ok("zone in (z1, z2)"));
        assert!(ok("zone notin (z3),pool"));
        assert!(ok("!spot"));
        assert!(ok("gpu="));
        assert!(
            ok("kubernetes.io/os!=windows"),
            "!= selects objects without the label"
        );
        assert!(!ok("pool=web"));
        assert!(!ok("pool,spot"));
        assert!(!ok("!pool"));
        assert!(!ok("zone in (z2,z3)"));
        assert!(!ok("zone notin (z1)"));
    }

    #[test]
    fn malformed_selectors_are_errors() {
        for bad in [
            "",
            "a=b,",
            "zone in (z1",
            "zone in z1)",
            "zone within (z1)",
            "a b",
            "a=b c",
            "!",
            "=x",
            "zone in (z1) extra",
        ] {
            assert!(parse_selector(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
