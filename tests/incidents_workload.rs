//! The seed incidents of the crashloop, rollout, quorum and dns groups, as fixture
//! snapshots: each must produce exactly the expected findings (runbook and object) among the
//! workload runbooks, with no duplicate or contradicting finding for the same root cause.
//! What users see is pinned by an insta snapshot per incident.

use kubectl_sts::checks::analyze;
use kubectl_sts::finding::{Finding, Severity};
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::snapshot::file::read_files;
use std::collections::BTreeSet;
use std::path::Path;

/// The runbooks these incidents exercise: the crashloop, rollout, quorum and dns groups,
/// `pdb-exhausted`, and `replicas-unavailable` (the generic symptom they must not repeat).
const OWNED: &[&str] = &[
    "container-config-error",
    "container-crashloop",
    "container-oomkilled",
    "controller-not-progressing",
    "image-pull-failure",
    "liveness-restart-loop",
    "node-not-ready",
    "orderedready-blocked",
    "pdb-exhausted",
    "replicas-unavailable",
    "rollout-broken-pod-trap",
    "rollout-ondelete-pending",
    "rollout-partition-held",
    "rollout-stuck",
    "service-missing-endpoints",
    "service-selector-mismatch",
];

fn analyse(name: &str) -> Vec<Finding> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/incidents")
        .join(format!("{name}.yaml"));
    let snap = read_files(&[&path], None).unwrap();
    assert!(snap.skipped.is_empty(), "{name}: every source is recorded");
    let now = snap.captured_at.expect("fixtures record a capture time");
    analyze(&snap, now, &Kubectl::default())
        .findings
        .into_iter()
        .filter(|f| OWNED.contains(&f.runbook.as_str()) && f.severity >= Severity::Warning)
        .collect()
}

/// Asserts the exact (runbook, object, severity) set and snapshots the findings.
fn check(name: &str, expected: &[(&str, &str, Severity)]) -> Vec<Finding> {
    let findings = analyse(name);
    let got: BTreeSet<(String, String, Severity)> = findings
        .iter()
        .map(|f| (f.runbook.clone(), f.object.name.clone(), f.severity))
        .collect();
    let want: BTreeSet<(String, String, Severity)> = expected
        .iter()
        .map(|(r, o, s)| (r.to_string(), o.to_string(), *s))
        .collect();
    assert_eq!(got, want, "{name}: findings differ");
    assert_eq!(got.len(), findings.len(), "{name}: a finding is duplicated");
    for f in &findings {
        assert!(
            !f.commands.is_empty(),
            "{name}: {} has no command",
            f.runbook
        );
        for c in &f.commands {
            assert!(c.command.starts_with("kubectl "), "{}", c.command);
        }
    }
    insta::assert_json_snapshot!(name, findings);
    findings
}

fn commands(f: &Finding) -> Vec<&str> {
    f.commands.iter().map(|c| c.command.as_str()).collect()
}

fn find<'a>(fs: &'a [Finding], runbook: &str) -> &'a Finding {
    fs.iter().find(|f| f.runbook == runbook).unwrap()
}

#[test]
fn mongodb_killed_at_the_grace_period() {
    let fs = check(
        "mongodb-grace-period-kill",
        &[
            ("container-crashloop", "mongodb-3", Severity::Critical),
            ("replicas-unavailable", "mongodb", Severity::Warning),
            ("pdb-exhausted", "mongodb", Severity::Warning),
        ],
    );
    let f = find(&fs, "container-crashloop");
    assert!(f.summary.contains("SIGKILL, not OOM"), "{}", f.summary);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("grace period is 30 s")),
        "{:?}",
        f.evidence
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.starts_with("volume moved/recovered recently")),
        "{:?}",
        f.evidence
    );
    assert!(
        commands(f).contains(&"kubectl -n shop logs mongodb-3 -c mongod --previous --tail=100")
    );
    assert!(find(&fs, "pdb-exhausted").summary.contains("mongodb-3"));
}

#[test]
fn elasticsearch_rollout_stuck_on_a_replica() {
    let fs = check(
        "elasticsearch-rollout-stuck",
        &[
            ("rollout-stuck", "es-data", Severity::Critical),
            ("replicas-unavailable", "es-data", Severity::Warning),
            ("pdb-exhausted", "es-data", Severity::Warning),
        ],
    );
    let f = find(&fs, "rollout-stuck");
    assert!(f.summary.contains("waiting on es-data-2"), "{}", f.summary);
    let cmds = commands(f);
    assert!(cmds.contains(&"kubectl -n shop rollout undo statefulset/es-data --to-revision=4"));
    assert!(cmds.contains(&"kubectl -n shop delete pod es-data-2"));
}

#[test]
fn zookeeper_bootstrap_deadlock() {
    let fs = check(
        "zookeeper-bootstrap-deadlock",
        &[
            ("orderedready-blocked", "zk", Severity::Critical),
            ("replicas-unavailable", "zk", Severity::Critical),
        ],
    );
    let f = find(&fs, "orderedready-blocked");
    assert!(
        f.summary.contains("possible bootstrap deadlock"),
        "{}",
        f.summary
    );
    assert!(commands(f).contains(
        &r#"kubectl -n shop patch service zk --type=merge -p '{"spec":{"publishNotReadyAddresses":true}}'"#
    ));
}

#[test]
fn forgotten_partition() {
    let fs = check(
        "postgres-forgotten-partition",
        &[("rollout-partition-held", "pg", Severity::Warning)],
    );
    assert!(commands(&fs[0]).contains(
        &r#"kubectl -n shop patch statefulset pg --type=merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}'"#
    ));
}

#[test]
fn ondelete_pods_waiting() {
    let fs = check(
        "cassandra-ondelete-pending",
        &[("rollout-ondelete-pending", "cassandra", Severity::Warning)],
    );
    let cmds = commands(&fs[0]);
    assert_eq!(cmds[0], "kubectl -n shop delete pod cassandra-2");
    assert_eq!(
        cmds[1],
        "kubectl -n shop wait --for=condition=Ready pod/cassandra-2 --timeout=10m"
    );
    assert_eq!(cmds[4], "kubectl -n shop delete pod cassandra-0");
}

#[test]
fn crash_loop_after_rollout_undo() {
    let fs = check(
        "kafka-crashloop-after-undo",
        &[
            ("rollout-broken-pod-trap", "kafka-2", Severity::Critical),
            ("replicas-unavailable", "kafka", Severity::Warning),
            ("pdb-exhausted", "kafka", Severity::Warning),
        ],
    );
    let f = find(&fs, "rollout-broken-pod-trap");
    assert!(f.evidence.iter().any(|e| e.contains("#67250")));
    assert!(commands(f).contains(&"kubectl -n shop delete pod kafka-2"));
}
