//! StatefulSets an operator reconciles (shaped as each operator writes them, see
//! tests/fixtures/operators/generate.py) are fixed through the operator's custom resource:
//! no command printed for them changes the StatefulSet (or a budget the operator keeps),
//! the evidence names the owner, and the actions that would change the set refuse.

use kubectl_sts::checks::analyze;
use kubectl_sts::finding::Finding;
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::rollout::Action;
use kubectl_sts::snapshot::Snapshot;
use kubectl_sts::snapshot::file::read_files;
use std::path::{Path, PathBuf};

const OPERATORS: &[(&str, &str)] = &[
    ("prometheus-operator", "Prometheus Operator"),
    ("eck", "ECK"),
    ("rabbitmq", "RabbitMQ Cluster Operator"),
    ("cass-operator", "cass-operator"),
    (
        "percona-xtradb",
        "Percona Operator for MySQL (XtraDB Cluster)",
    ),
    ("zalando", "Zalando postgres-operator"),
    ("clickhouse", "Altinity clickhouse-operator"),
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/operators/{name}.yaml"))
}

fn load(name: &str) -> Snapshot {
    read_files(&[fixture(name)], None).unwrap()
}

/// Whether a command would change StatefulSet `sts`: a mutating kubectl verb on it, or a
/// manifest of it applied. Read from the words, as a person would.
fn changes_the_statefulset(command: &str, sts: &str) -> bool {
    if command.contains("kind: StatefulSet") && command.contains(&format!("name: {sts}\n")) {
        return true;
    }
    let words: Vec<&str> = command.split_whitespace().collect();
    let mutating = [
        "patch", "edit", "delete", "replace", "scale", "annotate", "label", "set", "restart",
        "undo", "pause", "resume",
    ];
    words.windows(3).any(|w| {
        mutating.contains(&w[0])
            && (matches!(w[1], "statefulset" | "sts" | "statefulsets") && w[2] == sts
                || w[1] == format!("statefulset/{sts}")
                || w[2] == format!("statefulset/{sts}"))
    }) || (words.get(1) == Some(&"sts") && matches!(words.get(2), Some(&"rollout" | &"pvc-expand")))
}

fn findings_of<'a>(findings: &'a [Finding], sts: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.statefulset.as_deref() == Some(sts))
        .collect()
}

#[test]
fn no_command_changes_an_operator_owned_statefulset() {
    for (name, operator) in OPERATORS {
        let snap = load(name);
        let sts = snap.statefulsets[0].metadata.name.clone().unwrap();
        let report = analyze(&snap, snap.captured_at.unwrap(), &Kubectl::default());
        let mine = findings_of(&report.findings, &sts);
        assert!(!mine.is_empty(), "{name}: {:#?}", report.findings);
        for f in &mine {
            assert!(
                f.evidence
                    .iter()
                    .any(|e| e.starts_with("managed by ") && e.contains(operator)),
                "{name}: {} does not name the owner: {:#?}",
                f.runbook,
                f.evidence
            );
            for c in &f.commands {
                let text = format!("{}\n{}", c.command, c.stdin.as_deref().unwrap_or_default());
                assert!(
                    !changes_the_statefulset(&text, &sts),
                    "{name}: {} advises changing the StatefulSet: {}",
                    f.runbook,
                    c.command
                );
            }
        }
        let advice: Vec<(String, Vec<String>)> = mine
            .iter()
            .map(|f| {
                (
                    f.runbook.clone(),
                    f.commands
                        .iter()
                        .map(|c| format!("# {}\n{}", c.description, c.command))
                        .collect(),
                )
            })
            .collect();
        insta::assert_json_snapshot!(format!("operator_advice__{name}"), advice);
    }
}

/// The near miss: the same StatefulSet without its owner gets the direct fixes, so the
/// check above would see them.
#[test]
fn without_an_owner_the_statefulset_itself_is_fixed() {
    let mut snap = load("rabbitmq");
    snap.statefulsets[0].metadata.owner_references = None;
    let report = analyze(&snap, snap.captured_at.unwrap(), &Kubectl::default());
    let direct = findings_of(&report.findings, "hello-server")
        .iter()
        .flat_map(|f| &f.commands)
        .filter(|c| {
            changes_the_statefulset(
                &format!("{}\n{}", c.command, c.stdin.as_deref().unwrap_or_default()),
                "hello-server",
            )
        })
        .count();
    assert!(direct >= 2, "{report:#?}");
    assert!(
        !report
            .findings
            .iter()
            .flat_map(|f| &f.evidence)
            .any(|e| e.starts_with("managed by "))
    );
}

#[test]
fn the_operators_own_budget_is_not_doubled_but_a_budget_next_to_none_is_fine() {
    // ECK keeps the budget itself: no PodDisruptionBudget is applied by hand.
    let snap = load("eck");
    let report = analyze(&snap, snap.captured_at.unwrap(), &Kubectl::default());
    let pdb = report
        .findings
        .iter()
        .find(|f| f.runbook == "pdb-missing")
        .unwrap();
    assert!(pdb.commands.iter().all(|c| c.stdin.is_none()), "{pdb:#?}");
    assert!(
        pdb.commands[0]
            .description
            .contains("spec.podDisruptionBudget")
    );
    // RabbitMQ's operator creates none: the budget the tool proposes stands.
    let snap = load("rabbitmq");
    let report = analyze(&snap, snap.captured_at.unwrap(), &Kubectl::default());
    let pdb = report
        .findings
        .iter()
        .find(|f| f.runbook == "pdb-missing")
        .unwrap();
    assert!(pdb.commands.iter().any(|c| {
        c.stdin
            .as_deref()
            .is_some_and(|m| m.contains("kind: PodDisruptionBudget"))
    }));
}

#[test]
fn rollout_actions_refuse_and_name_the_operators_own_mechanism() {
    // Crunchy's one-instance StatefulSets have nothing to diagnose here, and still no
    // rollout action of ours.
    let snap = load("crunchy-pgo");
    let refusal = kubectl_sts::rollout::actions::plan(
        &snap,
        "postgres",
        "hippo-instance1-x7bz",
        &Action::Step,
        snap.captured_at.unwrap(),
        &Kubectl::default(),
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        refusal.contains("PostgresCluster postgres/hippo (Crunchy PGO)"),
        "{refusal}"
    );
    let snap = load("cass-operator");
    let now = snap.captured_at.unwrap();
    for action in [
        Action::Step,
        Action::Pause,
        Action::Promote { force: true },
        Action::Canary {
            replicas: 1,
            image: None,
        },
    ] {
        let refusal = kubectl_sts::rollout::actions::plan(
            &snap,
            "cassandra",
            "demo-dc1-rack1-sts",
            &action,
            now,
            &Kubectl::default(),
            None,
        )
        .unwrap_err();
        let text = refusal.to_string();
        assert!(text.contains("CassandraDatacenter cassandra/dc1"), "{text}");
        assert!(text.contains("spec.canaryUpgrade"), "{text}");
    }
}

#[test]
fn pvc_expand_is_blocked_with_the_operators_way_to_grow_volumes() {
    let out = assert_cmd::Command::cargo_bin("kubectl-sts")
        .unwrap()
        .env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent")
        .args([
            "pvc-expand",
            "prometheus-k8s",
            "--size",
            "40Gi",
            "-n",
            "monitoring",
            "-o",
            "json",
            "-f",
        ])
        .arg(fixture("prometheus-operator"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "no-operator-owner")
        .unwrap();
    assert_eq!(check["ok"], false);
    let detail = check["detail"].as_str().unwrap();
    assert!(detail.contains("spec.paused: true"), "{detail}");
    assert!(
        detail.contains("operator.prometheus.io/name=k8s"),
        "{detail}"
    );
}

#[test]
fn pods_without_a_statefulset_are_named_not_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("strimzi.yaml");
    std::fs::write(
        &file,
        r#"apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: my-cluster-broker-0
    namespace: kafka
    labels: {strimzi.io/cluster: my-cluster, strimzi.io/kind: Kafka, strimzi.io/pool-name: broker}
    ownerReferences:
    - {apiVersion: core.strimzi.io/v1, kind: StrimziPodSet, name: my-cluster-broker, uid: u1, controller: true}
  spec:
    containers: [{name: kafka, image: quay.io/strimzi/kafka:0.45.0-kafka-3.9.0}]
  status: {phase: Running}
"#,
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("kubectl-sts")
        .unwrap()
        .env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent")
        .args(["diagnose", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("StrimziPodSet my-cluster-broker in namespace kafka are run by Strimzi without a StatefulSet"),
        "{err}"
    );
}

#[test]
fn every_operator_in_the_table_is_documented() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/operators.md"))
            .unwrap();
    for op in kubectl_sts::k8s::operators::OPERATORS {
        assert!(
            doc.contains(op.name),
            "docs/operators.md does not list {}",
            op.name
        );
    }
}

/// `pvc-expand` on an operator-owned set: the size is raised in the CR. Where the field is
/// one value the exact patch is printed; where it is an entry of a list (ECK's node sets),
/// a merge patch cannot reach it, and only the field is named.
#[test]
fn pvc_expand_prints_the_cr_patch_where_one_field_holds_the_size() {
    let detail = |fixture_name: &str, sts: &str, ns: &str| {
        let out = assert_cmd::Command::cargo_bin("kubectl-sts")
            .unwrap()
            .env_remove("KUBECONFIG")
            .env("HOME", "/nonexistent")
            .args(["pvc-expand", sts, "--size", "20Gi", "-n", ns, "-o", "json"])
            .args(["--context", "prod", "-f"])
            .arg(fixture(fixture_name))
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "no-operator-owner")
            .unwrap()["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let zalando = detail("zalando", "acid-main", "pg");
    assert!(
        zalando.contains(
            r#": kubectl --context prod -n pg patch postgresql.acid.zalan.do acid-main --type=merge -p '{"spec":{"volume":{"size":"20Gi"}}}'"#
        ),
        "{zalando}"
    );
    let eck = detail("eck", "quickstart-es-default", "search");
    assert!(
        eck.contains("spec.nodeSets[].volumeClaimTemplates"),
        "{eck}"
    );
    assert!(!eck.contains("patch"), "{eck}");
}
