//! Which nodes to judge: named on the command line (in that order) or chosen by a label
//! selector (in name order). Errors are one line a person can act on.

use crate::k8s;
use crate::snapshot::Snapshot;

/// The nodes to drain. Names must be nodes of the snapshot (an unknown one is an error that
/// suggests the closest names); a selector must match at least one node.
pub fn nodes(
    snap: &Snapshot,
    names: &[String],
    selector: Option<&str>,
) -> Result<Vec<String>, String> {
    if let Some(text) = selector {
        let sel = k8s::labels::parse_selector(text)?;
        let mut found: Vec<String> = snap
            .nodes
            .iter()
            .filter(|n| k8s::labels::matches(&sel, n.metadata.labels.as_ref()))
            .map(|n| k8s::name(&n.metadata).to_string())
            .collect();
        found.sort();
        found.dedup();
        if found.is_empty() {
            return Err(format!(
                "no node matches -l {text} (of {} node(s) read)",
                snap.nodes.len()
            ));
        }
        return Ok(found);
    }
    if names.is_empty() {
        return Err("name the nodes to drain, or select them with -l SELECTOR".to_string());
    }
    let known: Vec<&str> = snap.nodes.iter().map(|n| k8s::name(&n.metadata)).collect();
    let mut out: Vec<String> = Vec::new();
    for name in names {
        if !known.contains(&name.as_str()) {
            let near = crate::suggest::closest(name, known.iter().copied());
            let hint = if near.is_empty() {
                if known.is_empty() {
                    " (the input has no nodes)".to_string()
                } else if known.len() <= 5 {
                    format!(" (there are: {})", known.join(", "))
                } else {
                    String::new()
                }
            } else {
                format!("; did you mean {}?", near.join(", "))
            };
            return Err(format!("node {name} not found{hint}"));
        }
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use serde_json::json;

    fn snap() -> Snapshot {
        let mut s = snapshot();
        for (name, pool) in [("db-1", "db"), ("db-2", "db"), ("web-1", "web")] {
            s.nodes.push(merged(
                &node_in_zone(name, "z1"),
                json!({"metadata": {"labels": {"pool": pool}}}),
            ));
        }
        s
    }

    #[test]
    fn names_keep_their_order_and_count_once() {
        let s = snap();
        let names = ["web-1", "db-1", "web-1"].map(String::from);
        assert_eq!(nodes(&s, &names, None).unwrap(), vec!["web-1", "db-1"]);
    }

    #[test]
    fn an_unknown_name_suggests_the_closest() {
        let s = snap();
        let e = nodes(&s, &["db-3".to_string()], None).unwrap_err();
        assert!(
            e.starts_with("node db-3 not found; did you mean db-1, db-2"),
            "{e}"
        );
        let e = nodes(&s, &["zzzzzzzz".to_string()], None).unwrap_err();
        assert_eq!(e, "node zzzzzzzz not found (there are: db-1, db-2, web-1)");
    }

    #[test]
    fn selectors_pick_nodes_by_label() {
        let s = snap();
        assert_eq!(
            nodes(&s, &[], Some("pool=db")).unwrap(),
            vec!["db-1", "db-2"]
        );
        assert_eq!(nodes(&s, &[], Some("pool!=db")).unwrap(), vec!["web-1"]);
        assert!(
            nodes(&s, &[], Some("pool=cache"))
                .unwrap_err()
                .contains("no node matches")
        );
        assert!(nodes(&s, &[], Some("pool in (db")).is_err());
        assert!(nodes(&s, &[], None).is_err());
    }
}
