//! The seed incidents of the pending, stuck and storage groups, as fixture snapshots: each
//! must produce exactly the expected findings (runbook, object, severity) among the storage
//! runbooks and `replicas-unavailable`, with no duplicate or contradicting finding for one
//! root cause (the scheduler's generic message, the kubelet's attach timeouts). What users
//! see is pinned by an insta snapshot per incident.

use kubectl_sts::checks::analyze;
use kubectl_sts::finding::{Finding, Severity};
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::snapshot::file::read_files;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The runbooks of the pending, stuck and storage groups (except `volume-filling-up`, which
/// needs kubelet stats), and the generic symptom they must not repeat.
const OWNED: &[&str] = &[
    "pod-stuck-terminating",
    "pod-unschedulable",
    "pv-node-affinity-conflict",
    "pvc-lost",
    "pvc-pending",
    "pvc-stuck-terminating",
    "replicas-unavailable",
    "volume-attach-conflict",
    "volume-backend-missing",
    "volume-mount-failed",
    "volume-resize-pending",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// All findings of the owned runbooks, every severity (for the snapshot).
fn analyse(path: &Path) -> Vec<Finding> {
    let snap = read_files(&[path], None).unwrap();
    assert!(
        snap.skipped.is_empty(),
        "{}: every source is recorded",
        path.display()
    );
    let now = snap.captured_at.expect("fixtures record a capture time");
    analyze(&snap, now, &Kubectl::default())
        .findings
        .into_iter()
        .filter(|f| OWNED.contains(&f.runbook.as_str()))
        .collect()
}

/// Asserts the exact (runbook, kind/name, severity) set at warning and above, that no
/// finding repeats, that every command is a complete kubectl line, and snapshots them.
fn check(name: &str, path: &Path, expected: &[(&str, &str, Severity)]) -> Vec<Finding> {
    let all = analyse(path);
    let loud: Vec<&Finding> = all
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    let got: BTreeSet<(String, String, Severity)> = loud
        .iter()
        .map(|f| {
            (
                f.runbook.clone(),
                format!("{}/{}", f.object.kind, f.object.name),
                f.severity,
            )
        })
        .collect();
    let want: BTreeSet<(String, String, Severity)> = expected
        .iter()
        .map(|(r, o, s)| (r.to_string(), o.to_string(), *s))
        .collect();
    assert_eq!(got, want, "{name}: findings differ");
    assert_eq!(got.len(), loud.len(), "{name}: a finding is duplicated");
    for f in &all {
        assert!(
            !f.commands.is_empty(),
            "{name}: {} has no command",
            f.runbook
        );
        for c in &f.commands {
            assert!(c.command.starts_with("kubectl "), "{}", c.command);
            if c.stdin().is_none() {
                assert!(!c.command.contains('<'), "placeholder in {}", c.command);
            }
        }
    }
    insta::assert_json_snapshot!(name, all);
    all
}

fn incident(name: &str) -> PathBuf {
    root()
        .join("tests/fixtures/incidents")
        .join(format!("{name}.yaml"))
}

fn find<'a>(fs: &'a [Finding], runbook: &str, name: &str) -> &'a Finding {
    fs.iter()
        .find(|f| f.runbook == runbook && f.object.name == name)
        .unwrap_or_else(|| panic!("no {runbook} on {name}"))
}

fn commands(f: &Finding) -> Vec<&str> {
    f.commands.iter().map(|c| c.command.as_str()).collect()
}

fn destructive(f: &Finding, command: &str) -> bool {
    f.commands
        .iter()
        .find(|c| c.command == command)
        .unwrap_or_else(|| panic!("no command {command}"))
        .destructive
}

#[test]
fn cassandra_node_lost_with_its_local_pv() {
    let fs = check(
        "cassandra-node-lost",
        &root().join("docs/examples/cassandra-node-lost.yaml"),
        &[
            (
                "pv-node-affinity-conflict",
                "Pod/cassandra-1",
                Severity::Critical,
            ),
            (
                "replicas-unavailable",
                "StatefulSet/cassandra",
                Severity::Warning,
            ),
        ],
    );
    let f = find(&fs, "pv-node-affinity-conflict", "cassandra-1");
    assert!(f.summary.contains("node-2"), "{}", f.summary);
    assert!(f.commands[0].description.starts_with("Option A ("));
    assert!(destructive(
        f,
        "kubectl -n data delete pvc data-cassandra-1 --wait=false"
    ));
    assert!(destructive(f, "kubectl -n data delete pod cassandra-1"));
    assert!(
        commands(f)
            .contains(&"kubectl -n data exec cassandra-1 -c cassandra -- nodetool repair --full")
    );
    assert!(
        f.commands
            .iter()
            .any(|c| c.description.starts_with("Option B ("))
    );
    // Never the known-wrong advice: a PV's node affinity cannot be patched.
    assert!(!commands(f).iter().any(|c| c.contains("nodeAffinity")));
}

#[test]
fn redis_on_hostpath_with_its_node_gone() {
    let fs = check(
        "redis-hostpath-node-gone",
        &incident("redis-hostpath-node-gone"),
        &[
            (
                "pv-node-affinity-conflict",
                "Pod/redis-0",
                Severity::Critical,
            ),
            (
                "replicas-unavailable",
                "StatefulSet/redis",
                Severity::Warning,
            ),
        ],
    );
    let f = find(&fs, "pv-node-affinity-conflict", "redis-0");
    assert!(
        f.summary.contains("node-1 no longer exists"),
        "{}",
        f.summary
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("hostPath volume /var/lib/redis-data"))
    );
    // Not Cassandra: no nodetool, a generic repair note instead.
    assert!(!commands(f).iter().any(|c| c.contains("nodetool")));
    assert!(f.evidence.iter().any(|e| e.contains("own repair/resync")));
}

#[test]
fn zookeeper_member_stuck_terminating_on_a_dead_node() {
    let fs = check(
        "zookeeper-local-node-down",
        &incident("zookeeper-local-node-down"),
        &[
            ("pod-stuck-terminating", "Pod/zk-1", Severity::Critical),
            ("replicas-unavailable", "StatefulSet/zk", Severity::Warning),
        ],
    );
    let f = find(&fs, "pod-stuck-terminating", "zk-1");
    let cmds = commands(f);
    let confirm = cmds
        .iter()
        .position(|c| *c == "kubectl describe node node-2")
        .unwrap();
    let taint = cmds
        .iter()
        .position(|c| {
            *c == "kubectl taint nodes node-2 node.kubernetes.io/out-of-service=nodeshutdown:NoExecute"
        })
        .unwrap();
    let force = cmds
        .iter()
        .position(|c| *c == "kubectl -n coord delete pod zk-1 --grace-period=0 --force")
        .unwrap();
    assert!(confirm < taint && taint < force);
    assert!(f.commands[force].destructive);
    assert!(
        f.commands[force]
            .description
            .contains("two pods with one identity")
    );
    assert!(f.evidence.iter().any(|e| e.contains("node-local")));
}

#[test]
fn rabbitmq_multi_attach_after_node_failure() {
    let fs = check(
        "rabbitmq-multi-attach",
        &incident("rabbitmq-multi-attach"),
        &[
            (
                "volume-attach-conflict",
                "Pod/rabbitmq-2",
                Severity::Critical,
            ),
            (
                "replicas-unavailable",
                "StatefulSet/rabbitmq",
                Severity::Warning,
            ),
        ],
    );
    let f = find(&fs, "volume-attach-conflict", "rabbitmq-2");
    assert!(
        f.summary.contains("node-3, which is NotReady"),
        "{}",
        f.summary
    );
    assert!(destructive(
        f,
        "kubectl taint nodes node-3 node.kubernetes.io/out-of-service=nodeshutdown:NoExecute"
    ));
    let va = f
        .commands
        .iter()
        .find(|c| c.command.starts_with("kubectl delete volumeattachment "))
        .unwrap();
    assert!(va.destructive && va.description.contains("confirmed powered off"));
}

#[test]
fn kafka_with_its_disks_deleted_in_the_backend() {
    let fs = check(
        "kafka-disks-deleted",
        &incident("kafka-disks-deleted"),
        &[
            (
                "volume-backend-missing",
                "PersistentVolume/pvc-kafka-0",
                Severity::Critical,
            ),
            (
                "volume-backend-missing",
                "PersistentVolume/pvc-kafka-1",
                Severity::Critical,
            ),
            (
                "volume-backend-missing",
                "PersistentVolume/pvc-kafka-2",
                Severity::Critical,
            ),
            (
                "replicas-unavailable",
                "StatefulSet/kafka",
                Severity::Critical,
            ),
        ],
    );
    for i in 0..3 {
        let f = find(&fs, "volume-backend-missing", &format!("pvc-kafka-{i}"));
        assert_eq!(f.statefulset.as_deref(), Some("kafka"));
        assert!(f.evidence.iter().any(|e| e.contains("no edit of")));
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("all 3 replicas of kafka lost their disks"))
        );
        assert!(!commands(f).iter().any(|c| c.contains("patch pv")));
    }
}
