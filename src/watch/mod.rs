//! `diagnose --watch`: the diagnosis kept current. One list then one watch per kind
//! ([`live`], kube-runtime's watcher and reflector), the pure analysis re-run on the state
//! after each burst of changes, and the findings compared with the previous run by
//! (runbook, object): what opened, what was resolved, what changed.

pub mod live;

use crate::analysis::Report;
use crate::finding::Finding;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    Opened,
    Resolved,
    /// Same runbook and object, another severity or summary.
    Changed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub event: Event,
    pub finding: Finding,
}

/// What identifies a finding across runs: its runbook and the object it is about.
fn key(f: &Finding) -> (String, String, String, String) {
    (
        f.runbook.clone(),
        f.object.kind.clone(),
        f.object.namespace.clone().unwrap_or_default(),
        f.object.name.clone(),
    )
}

/// The changes from `before` (None: nothing was known yet, so everything opens) to
/// `after`: resolved first, then changed, then opened, each in the report's order.
pub fn diff(before: Option<&Report>, after: &Report) -> Vec<Change> {
    let old: BTreeMap<_, &Finding> = before
        .map(|r| r.findings.iter().map(|f| (key(f), f)).collect())
        .unwrap_or_default();
    let new: BTreeMap<_, &Finding> = after.findings.iter().map(|f| (key(f), f)).collect();
    let mut out = Vec::new();
    if let Some(b) = before {
        for f in &b.findings {
            if !new.contains_key(&key(f)) {
                out.push(Change {
                    event: Event::Resolved,
                    finding: f.clone(),
                });
            }
        }
    }
    for f in &after.findings {
        match old.get(&key(f)) {
            None => out.push(Change {
                event: Event::Opened,
                finding: f.clone(),
            }),
            Some(was) if was.severity != f.severity || was.summary != f.summary => {
                out.push(Change {
                    event: Event::Changed,
                    finding: f.clone(),
                })
            }
            Some(_) => {}
        }
    }
    out.sort_by_key(|c| match c.event {
        Event::Resolved => 0,
        Event::Changed => 1,
        Event::Opened => 2,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Category, ObjectRef, Severity};

    fn finding(runbook: &str, pod: &str, severity: Severity, summary: &str) -> Finding {
        Finding {
            runbook: runbook.into(),
            severity,
            category: Category::Incident,
            object: ObjectRef::namespaced("Pod", "shop", pod),
            statefulset: Some("db".into()),
            summary: summary.into(),
            evidence: vec![],
            commands: vec![],
        }
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            manifests: false,
            findings,
            skipped: vec![],
            not_checked: vec![],
            summary: Default::default(),
            statefulsets_checked: 0,
        }
    }

    #[test]
    fn findings_open_resolve_and_change_by_runbook_and_object() {
        let a = report(vec![
            finding("container-crashloop", "db-0", Severity::Critical, "x"),
            finding("pvc-pending", "db-1", Severity::Warning, "pending"),
            finding("spread-missing", "db-2", Severity::Warning, "same"),
        ]);
        let b = report(vec![
            finding("pvc-pending", "db-1", Severity::Critical, "pending for 2h"),
            finding("spread-missing", "db-2", Severity::Warning, "same"),
            finding("pvc-lost", "db-2", Severity::Critical, "lost"),
        ]);
        let changes: Vec<(Event, String)> = diff(Some(&a), &b)
            .into_iter()
            .map(|c| (c.event, c.finding.runbook))
            .collect();
        assert_eq!(
            changes,
            [
                (Event::Resolved, "container-crashloop".to_string()),
                (Event::Changed, "pvc-pending".to_string()),
                (Event::Opened, "pvc-lost".to_string()),
            ]
        );
        // Nothing known before: everything opens; nothing changed: nothing to say.
        assert_eq!(diff(None, &a).len(), 3);
        assert!(diff(Some(&b), &b).is_empty());
    }
}
