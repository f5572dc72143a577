//! `--server-dry-run`: the API server's own answer to each eviction, next to the simulation's.
//!
//! The server judges each dry-run eviction alone against the budget as it is now: a dry run
//! does not decrement `disruptionsAllowed`, so two pods of one budget on the node are both
//! allowed one by one even when the drain, evicting both, is refused for the second. And the
//! server sees the budget's status of this moment, which the snapshot may predate. Where the
//! two disagree the report says which and why; a refusal by the server makes the node
//! `blocked` whatever the simulation said, since that is what the drain would meet now.

use super::findings::{SERVER_DISAGREES, SERVER_FAILED, SERVER_REFUSED};
use super::{DrainReport, Outcome, ServerAnswer, Verdict};
use crate::finding::{Category, Finding, ObjectRef, Remedy, Severity};
use crate::kubectl::Kubectl;

/// The pods to ask about, as namespace/name: every pod a node's drain evicts from that node
/// (a pod assumed to have moved onto a later node is not there yet).
pub fn targets(report: &DrainReport) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for n in &report.nodes {
        for p in &n.pods {
            let key = (p.namespace.clone(), p.name.clone());
            if p.moved_from.is_none() && !out.contains(&key) {
                out.push(key);
            }
        }
    }
    out
}

/// Puts the answers next to the pods and adjusts each node's verdict and findings.
pub fn merge(
    report: &mut DrainReport,
    answers: &[((String, String), ServerAnswer)],
    kubectl: &Kubectl,
) {
    for node in &mut report.nodes {
        node.simulated_verdict = Some(node.verdict);
        let mut refused = Vec::new();
        let mut allowed_but_simulated_refused = Vec::new();
        let mut failed = Vec::new();
        for pod in &mut node.pods {
            if pod.moved_from.is_some() {
                continue;
            }
            let Some((_, a)) = answers
                .iter()
                .find(|((ns, name), _)| *ns == pod.namespace && *name == pod.name)
            else {
                continue;
            };
            pod.server_dry_run = Some(a.clone());
            if a.refused() {
                if pod.outcome != Outcome::Refused {
                    refused.push((
                        pod.namespace.clone(),
                        pod.name.clone(),
                        a.clone(),
                        pod.pdbs.clone(),
                        pod.statefulset.clone(),
                    ));
                }
            } else if a.allowed {
                if pod.outcome == Outcome::Refused {
                    allowed_but_simulated_refused.push(pod.name.clone());
                }
            } else {
                failed.push(format!(
                    "{}/{}: {} {}",
                    pod.namespace,
                    pod.name,
                    a.code,
                    a.message.as_deref().unwrap_or("no answer")
                ));
            }
        }
        for (ns, name, a, pdbs, sts) in refused {
            let mut f = Finding {
                runbook: SERVER_REFUSED.to_string(),
                severity: Severity::Critical,
                category: Category::Risk,
                object: ObjectRef::namespaced("Pod", &ns, &name),
                statefulset: sts,
                summary: format!(
                    "the API server refuses the dry-run eviction of {name} ({}): {}",
                    a.code,
                    a.message.as_deref().unwrap_or("no message")
                ),
                evidence: vec![
                    "the simulation expected this eviction to go through: the budget's status on the server differs from the snapshot's (another disruption, a pod that stopped being Ready), or the snapshot is old".to_string(),
                ],
                commands: Vec::new(),
            };
            for pdb in &pdbs {
                f.commands.push(Remedy::run(
                    "The budget as the server sees it now",
                    kubectl.argv(Some(&ns), &["get", "pdb", pdb]),
                ));
            }
            node.findings.push(f);
            if node.verdict == Verdict::Safe {
                for c in &mut node.commands {
                    if c.argv().iter().any(|a| a == "drain") {
                        c.description = format!(
                            "Only once the findings above are dealt with: {}",
                            c.description
                        );
                    }
                }
            }
            node.verdict = Verdict::Blocked;
        }
        if !allowed_but_simulated_refused.is_empty() {
            node.findings.push(Finding {
                runbook: SERVER_DISAGREES.to_string(),
                severity: Severity::Info,
                category: Category::Risk,
                object: ObjectRef::cluster("Node", &node.node),
                statefulset: None,
                summary: format!(
                    "the API server allows the dry-run eviction of {} on its own, while the simulation expects the drain to be refused",
                    allowed_but_simulated_refused.join(", ")
                ),
                evidence: vec![
                    "a dry-run eviction is judged alone against the budget as it is now and does not use up a disruption, so the server cannot see several pods of one budget leaving together (or nodes drained before this one); the drain evicts them together, and the budget refuses the ones beyond it".to_string(),
                ],
                commands: Vec::new(),
            });
        }
        if !failed.is_empty() {
            node.findings.push(Finding {
                runbook: SERVER_FAILED.to_string(),
                severity: Severity::Warning,
                category: Category::Risk,
                object: ObjectRef::cluster("Node", &node.node),
                statefulset: None,
                summary: format!(
                    "{} dry-run eviction(s) could not be judged by the API server",
                    failed.len()
                ),
                evidence: failed,
                commands: Vec::new(),
            });
        }
        node.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use serde_json::json;

    fn colocated() -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        for n in ["node-a", "node-b", "node-c"] {
            s.nodes.push(node_in_zone(n, "z1"));
        }
        s.statefulsets.push(sts("shop", "zk", 3));
        for (i, n) in ["node-a", "node-a", "node-b"].iter().enumerate() {
            let mut p = pod("shop", "zk", i as u32, true);
            p.spec.as_mut().unwrap().node_name = Some((*n).into());
            s.pods.push(p);
        }
        let mut b = pdb("shop", "zk", json!({"matchLabels": {"app": "zk"}}));
        b.status = Some(from_json(json!({"currentHealthy": 3, "desiredHealthy": 2,
            "disruptionsAllowed": 1, "expectedPods": 3})));
        s.pdbs.push(b);
        s
    }

    fn ok() -> ServerAnswer {
        ServerAnswer {
            allowed: true,
            code: 201,
            message: None,
        }
    }

    fn key(name: &str) -> (String, String) {
        ("shop".to_string(), name.to_string())
    }

    #[test]
    fn one_eviction_at_a_time_misses_two_pods_of_one_budget() {
        let s = colocated();
        let k = Kubectl::default();
        let mut r = crate::drain::simulate(&s, &["node-a".to_string()], now(), &k);
        assert_eq!(targets(&r), vec![key("zk-0"), key("zk-1")]);
        merge(&mut r, &[(key("zk-0"), ok()), (key("zk-1"), ok())], &k);
        let n = &r.nodes[0];
        assert_eq!(n.verdict, Verdict::Blocked);
        assert_eq!(n.simulated_verdict, Some(Verdict::Blocked));
        let d = n
            .findings
            .iter()
            .find(|f| f.runbook == SERVER_DISAGREES)
            .unwrap();
        assert!(d.summary.contains("zk-1"));
        assert_eq!(n.pods[1].server_dry_run, Some(ok()));
    }

    #[test]
    fn a_refusal_by_the_server_blocks_the_node() {
        let mut s = colocated();
        s.pods[1].spec.as_mut().unwrap().node_name = Some("node-c".into());
        let k = Kubectl::default();
        let mut r = crate::drain::simulate(&s, &["node-a".to_string()], now(), &k);
        assert_eq!(r.nodes[0].verdict, Verdict::Safe);
        let no = ServerAnswer {
            allowed: false,
            code: 429,
            message: Some(
                "The disruption budget zk needs 2 healthy pods and has 2 currently".into(),
            ),
        };
        merge(&mut r, &[(key("zk-0"), no)], &k);
        let n = &r.nodes[0];
        assert_eq!(
            (n.verdict, n.simulated_verdict),
            (Verdict::Blocked, Some(Verdict::Safe))
        );
        let f = n
            .findings
            .iter()
            .find(|f| f.runbook == SERVER_REFUSED)
            .unwrap();
        assert!(
            f.summary
                .contains("needs 2 healthy pods and has 2 currently")
        );
        assert_eq!(f.commands[0].command, "kubectl -n shop get pdb zk");
    }

    #[test]
    fn other_failures_are_reported_without_changing_the_verdict() {
        let mut s = colocated();
        s.pods[1].spec.as_mut().unwrap().node_name = Some("node-c".into());
        let k = Kubectl::default();
        let mut r = crate::drain::simulate(&s, &["node-a".to_string()], now(), &k);
        let forbidden = ServerAnswer {
            allowed: false,
            code: 403,
            message: Some("pods \"zk-0\" is forbidden".into()),
        };
        assert!(!forbidden.refused());
        merge(&mut r, &[(key("zk-0"), forbidden)], &k);
        assert_eq!(r.nodes[0].verdict, Verdict::Safe);
        assert!(
            r.nodes[0]
                .findings
                .iter()
                .any(|f| f.runbook == SERVER_FAILED)
        );
    }
}
