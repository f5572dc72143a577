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

/// The `no-operator-owner` check of a `pvc-expand -o json` plan.
fn operator_check(plan: &serde_json::Value) -> &serde_json::Value {
    plan["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "no-operator-owner")
        .unwrap_or_else(|| panic!("no no-operator-owner check: {plan}"))
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
                let text = format!("{}\n{}", c.command, c.stdin().unwrap_or_default());
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
        // What every finding on the set says of its owner: who, why we think so, what a
        // direct change becomes, and the custom resource as read.
        let owner: Vec<&String> = mine[0]
            .evidence
            .iter()
            .filter(|e| {
                e.starts_with("managed by ")
                    || e.contains(" as read: ")
                    || e.contains(" was read, but ")
            })
            .collect();
        assert_eq!(owner.len(), 2, "{name}: {owner:#?}");
        insta::assert_json_snapshot!(format!("operator_owner__{name}"), owner);
    }
}

/// The near miss: the same StatefulSet without its owner gets the direct fixes, so the
/// check above would see them.
#[test]
fn without_an_owner_the_statefulset_itself_is_fixed() {
    let mut snap = load("rabbitmq");
    snap.statefulsets[0].edit(|v| {
        v["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("ownerReferences");
    });
    let report = analyze(&snap, snap.captured_at.unwrap(), &Kubectl::default());
    let direct = findings_of(&report.findings, "hello-server")
        .iter()
        .flat_map(|f| &f.commands)
        .filter(|c| {
            changes_the_statefulset(
                &format!("{}\n{}", c.command, c.stdin().unwrap_or_default()),
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
    assert!(pdb.commands.iter().all(|c| c.stdin().is_none()), "{pdb:#?}");
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
        c.stdin()
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
    let check = operator_check(&v);
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
/// one value the exact merge patch is printed; where it is an entry of a list (ECK's node
/// sets) a merge patch would replace the whole list, so with the CR read it is a JSON
/// patch of that entry, with tests that the entry and the old size are still what was read.
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
        operator_check(&v)["detail"].as_str().unwrap().to_string()
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
        eck.contains(
            r#": kubectl --context prod -n search patch elasticsearch.elasticsearch.k8s.elastic.co quickstart --type=json -p '[{"op":"test","path":"/spec/nodeSets/0/name","value":"default"},"#
        ),
        "{eck}"
    );
    assert!(
        eck.contains(r#"{"op":"replace","path":"/spec/nodeSets/0/volumeClaimTemplates/0/spec/resources/requests/storage","value":"20Gi"}]'"#),
        "{eck}"
    );
}

// ---- Live: the custom resource is read, and the patches printed for it are accepted ----

mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use support::fake_apiserver::{Crd, Custom, FakeApiServer, KINDS, Options};
use support::harness::{Env, run};

/// Minimal CRDs for the operators of the fixtures: the fields each real CRD declares on
/// the way to what the fixtures set and the advice changes (`requests` is a map of
/// quantities; `.*` marks where a CRD keeps unknown fields).
const CRDS: &[Crd] = &[
    Crd {
        group: "monitoring.coreos.com",
        version: "v1",
        kind: "Prometheus",
        plural: "prometheuses",
        fields: &[
            "spec.replicas",
            "spec.version",
            "spec.image",
            "spec.paused",
            "spec.serviceAccountName",
            "spec.retention",
            "spec.storage.volumeClaimTemplate.spec.accessModes",
            "spec.storage.volumeClaimTemplate.spec.storageClassName",
            "spec.storage.volumeClaimTemplate.spec.resources.requests.*",
        ],
    },
    Crd {
        group: "elasticsearch.k8s.elastic.co",
        version: "v1",
        kind: "Elasticsearch",
        plural: "elasticsearches",
        fields: &[
            "spec.version",
            "spec.image",
            "spec.podDisruptionBudget.*",
            "spec.nodeSets[].name",
            "spec.nodeSets[].count",
            "spec.nodeSets[].config.*",
            "spec.nodeSets[].podTemplate.*",
            "spec.nodeSets[].volumeClaimTemplates[].metadata.*",
            "spec.nodeSets[].volumeClaimTemplates[].spec.accessModes",
            "spec.nodeSets[].volumeClaimTemplates[].spec.storageClassName",
            "spec.nodeSets[].volumeClaimTemplates[].spec.resources.requests.*",
        ],
    },
    Crd {
        group: "rabbitmq.com",
        version: "v1beta1",
        kind: "RabbitmqCluster",
        plural: "rabbitmqclusters",
        fields: &[
            "spec.replicas",
            "spec.image",
            "spec.persistence.storageClassName",
            "spec.persistence.storage",
            "spec.override.*",
        ],
    },
    Crd {
        group: "cassandra.datastax.com",
        version: "v1beta1",
        kind: "CassandraDatacenter",
        plural: "cassandradatacenters",
        fields: &[
            "spec.clusterName",
            "spec.serverType",
            "spec.serverVersion",
            "spec.serverImage",
            "spec.size",
            "spec.canaryUpgrade",
            "spec.maxUnavailable",
            "spec.racks[].name",
            "spec.storageConfig.cassandraDataVolumeClaimSpec.accessModes",
            "spec.storageConfig.cassandraDataVolumeClaimSpec.storageClassName",
            "spec.storageConfig.cassandraDataVolumeClaimSpec.resources.requests.*",
        ],
    },
    Crd {
        group: "pxc.percona.com",
        version: "v1",
        kind: "PerconaXtraDBCluster",
        plural: "perconaxtradbclusters",
        fields: &[
            "spec.crVersion",
            "spec.enableVolumeExpansion",
            "spec.pxc.size",
            "spec.pxc.image",
            "spec.pxc.volumeSpec.persistentVolumeClaim.accessModes",
            "spec.pxc.volumeSpec.persistentVolumeClaim.storageClassName",
            "spec.pxc.volumeSpec.persistentVolumeClaim.resources.requests.*",
            "spec.haproxy.enabled",
            "spec.haproxy.size",
            "spec.haproxy.image",
        ],
    },
    Crd {
        group: "acid.zalan.do",
        version: "v1",
        kind: "postgresql",
        plural: "postgresqls",
        fields: &[
            "spec.teamId",
            "spec.numberOfInstances",
            "spec.postgresql.version",
            "spec.volume.size",
            "spec.volume.storageClass",
        ],
    },
    Crd {
        group: "postgres-operator.crunchydata.com",
        version: "v1beta1",
        kind: "PostgresCluster",
        plural: "postgresclusters",
        fields: &[
            "spec.postgresVersion",
            "spec.instances[].name",
            "spec.instances[].replicas",
            "spec.instances[].dataVolumeClaimSpec.accessModes",
            "spec.instances[].dataVolumeClaimSpec.storageClassName",
            "spec.instances[].dataVolumeClaimSpec.resources.requests.*",
        ],
    },
    Crd {
        group: "clickhouse.altinity.com",
        version: "v1",
        kind: "ClickHouseInstallation",
        plural: "clickhouseinstallations",
        fields: &["spec.*"],
    },
];

/// The fixture's objects served by a fake API server: the built-in kinds as lists (every
/// kind given, so no recorded object leaks in), the custom resource behind its CRD (unless
/// `with_crd` is false: then the server does not serve the kind at all).
fn serve(name: &str, with_crd: bool, options: Options) -> (FakeApiServer, Arc<Custom>) {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let list: Value = serde_saphyr::from_str(&text).unwrap();
    let mut options = options;
    let mut custom = Vec::new();
    let mut by_resource: std::collections::BTreeMap<&str, Vec<Value>> =
        KINDS.iter().map(|k| (k.resource, Vec::new())).collect();
    for item in list["items"].as_array().unwrap() {
        let kind = item["kind"].as_str().unwrap();
        let resource = match kind {
            "StatefulSet" => "statefulsets",
            "Pod" => "pods",
            "PersistentVolumeClaim" => "persistentvolumeclaims",
            "PersistentVolume" => "persistentvolumes",
            "Node" => "nodes",
            "Service" => "services",
            "EndpointSlice" => "endpointslices",
            "StorageClass" => "storageclasses",
            "ControllerRevision" => "controllerrevisions",
            _ => {
                custom.push(item.clone());
                continue;
            }
        };
        by_resource.get_mut(resource).unwrap().push(item.clone());
    }
    for (resource, items) in by_resource {
        options = options.items(resource, items);
    }
    let crds = if with_crd { CRDS.to_vec() } else { Vec::new() };
    let custom = Arc::new(Custom::new(
        crds,
        if with_crd { custom } else { Vec::new() },
    ));
    (
        FakeApiServer::with(options.custom(Arc::clone(&custom))),
        custom,
    )
}

/// What `kubectl patch RESOURCE NAME --type=T -p BODY` sends, as kubectl sends it (its
/// default `--validate=strict` asks the server for strict field validation): the resource
/// is resolved through the served CRDs like kubectl's discovery. Returns the status code
/// and the body.
fn kubectl_patch(server: &FakeApiServer, namespace: &str, argv: &[String]) -> (u16, Value) {
    let at = argv.iter().position(|a| a == "patch").unwrap();
    let (resource, name) = (&argv[at + 1], &argv[at + 2]);
    let kind = argv[at + 3].strip_prefix("--type=").unwrap();
    assert_eq!(argv[at + 4], "-p");
    let body = &argv[at + 5];
    let crd = CRDS
        .iter()
        .find(|c| format!("{}.{}", c.kind.to_lowercase(), c.group) == *resource)
        .unwrap_or_else(|| panic!("no CRD serves {resource}"));
    let content_type = match kind {
        "merge" => "application/merge-patch+json",
        "json" => "application/json-patch+json",
        other => panic!("--type={other}"),
    };
    let path = format!(
        "/apis/{}/{}/namespaces/{namespace}/{}/{name}?fieldManager=kubectl-patch&fieldValidation=Strict",
        crd.group, crd.version, crd.plural
    );
    http(server, "PATCH", &path, content_type, body)
}

/// A command line as a POSIX shell splits it (words, single quotes, backslashes), which
/// is how the printed commands are run.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    w.push(q);
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    word.get_or_insert_with(String::new).push(n);
                }
            }
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// One HTTP/1.1 request to the fake, answered in full (`Connection: close`).
fn http(
    server: &FakeApiServer,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, Value) {
    use std::io::{Read, Write};
    let addr = server.url().trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer fake-token\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, serde_json::from_str(rest).unwrap_or(Value::Null))
}

/// For every operator that grows claims from its CR, `pvc-expand` (read live, so the CR is
/// read) prints as `instead` a patch of the CR that a server holding the CRD accepts under
/// kubectl's strict field validation, and that really sets the size; the plan itself
/// changes nothing. A patch of a field the CRD does not declare is refused, so "accepted"
/// means the field path is right.
#[test]
fn the_cr_patches_printed_are_accepted_by_a_server_with_the_crd() {
    let cases = [
        ("zalando", "acid-main", "pg", "/spec/volume/size"),
        (
            "rabbitmq",
            "hello-server",
            "queues",
            "/spec/persistence/storage",
        ),
        (
            "cass-operator",
            "demo-dc1-rack1-sts",
            "cassandra",
            "/spec/storageConfig/cassandraDataVolumeClaimSpec/resources/requests/storage",
        ),
        (
            "percona-xtradb",
            "cluster1-pxc",
            "mysql",
            "/spec/pxc/volumeSpec/persistentVolumeClaim/resources/requests/storage",
        ),
        (
            "eck",
            "quickstart-es-default",
            "search",
            "/spec/nodeSets/0/volumeClaimTemplates/0/spec/resources/requests/storage",
        ),
        (
            "crunchy-pgo",
            "hippo-instance1-x7bz",
            "postgres",
            "/spec/instances/0/dataVolumeClaimSpec/resources/requests/storage",
        ),
        (
            "clickhouse",
            "chi-events-main-0-0",
            "analytics",
            "/spec/templates/volumeClaimTemplates/0/spec/resources/requests/storage",
        ),
    ];
    for (name, sts, ns, pointer) in cases {
        let (server, custom) = serve(name, true, Options::default());
        let env = Env::with_kubeconfig(&server.kubeconfig());
        let out =
            run(env
                .sts()
                .args(["pvc-expand", sts, "--size", "40Gi", "-n", ns, "-o", "json"]));
        let command = if out.code == 2 {
            // PGO's StatefulSets have no claim templates (PGO makes the claims): no plan,
            // the error says what to run instead.
            let line = out.usage_error();
            line[line
                .find("kubectl ")
                .unwrap_or_else(|| panic!("{name}: {line}"))..]
                .to_string()
        } else {
            let plan = out.json();
            assert_eq!(plan["blocked"], true, "{name}: {}", out.stdout);
            plan["instead"]["command"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no instead: {}", out.stdout))
                .to_string()
        };
        let argv = shell_words(&command);
        assert!(!changes_the_statefulset(&command, sts), "{name}: {argv:?}");
        assert!(
            server.requests().iter().all(|r| r.method == "GET"),
            "{name}: the plan changed something"
        );
        let plural = CRDS
            .iter()
            .find(|c| {
                argv.iter()
                    .any(|a| *a == format!("{}.{}", c.kind.to_lowercase(), c.group))
            })
            .unwrap()
            .plural;
        let cr_name = &argv[argv.iter().position(|a| a == "patch").unwrap() + 2];
        let before = custom.get(plural, ns, cr_name).unwrap();
        assert_eq!(before.pointer(pointer), Some(&json!("20Gi")), "{name}");

        let (code, body) = kubectl_patch(&server, ns, &argv);
        assert_eq!(code, 200, "{name}: {argv:?} was refused: {body}");
        let after = custom.get(plural, ns, cr_name).unwrap();
        assert_eq!(after.pointer(pointer), Some(&json!("40Gi")), "{name}");

        // Applied twice, a JSON patch's test of the old size fails and changes nothing.
        if argv.iter().any(|a| a == "--type=json") {
            let (code, body) = kubectl_patch(&server, ns, &argv);
            assert_eq!(code, 422, "{name}: {body}");
            assert_eq!(custom.get(plural, ns, cr_name).unwrap(), after);
        }
    }

    // The control: a field the CRD does not declare is refused, not silently pruned.
    let (server, custom) = serve("zalando", true, Options::default());
    let wrong: Vec<String> = [
        "kubectl",
        "-n",
        "pg",
        "patch",
        "postgresql.acid.zalan.do",
        "acid-main",
        "--type=merge",
        "-p",
        r#"{"spec":{"volume":{"sizes":"40Gi"}}}"#,
    ]
    .map(String::from)
    .to_vec();
    let (code, body) = kubectl_patch(&server, "pg", &wrong);
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains(r#"unknown field "spec.volume.sizes""#),
        "{body}"
    );
    assert_eq!(
        custom.get("postgresqls", "pg", "acid-main").unwrap()["spec"]["volume"]["size"],
        "20Gi"
    );
}

/// The Prometheus Operator grows no claims from its CR: nothing is offered `instead`; its
/// paused procedure is named.
#[test]
fn no_cr_patch_where_the_operator_does_not_grow_claims() {
    let (server, _) = serve("prometheus-operator", true, Options::default());
    let env = Env::with_kubeconfig(&server.kubeconfig());
    let out = run(env.sts().args([
        "pvc-expand",
        "prometheus-k8s",
        "--size",
        "40Gi",
        "-n",
        "monitoring",
        "-o",
        "json",
    ]));
    let plan = out.json();
    assert!(plan.get("instead").is_none(), "{}", out.stdout);
    let detail = operator_check(&plan)["detail"].as_str().unwrap();
    assert!(detail.contains("spec.paused: true"), "{detail}");
    assert!(
        detail.contains("The Prometheus monitoring/k8s as read: replicas 2"),
        "{detail}"
    );
}

/// `diagnose` lists the CR once, after the StatefulSets, and puts what it read in the
/// evidence; Forbidden or a CRD that is not installed is said, the advice still goes
/// through the CR, and the run is not an error.
#[test]
fn diagnose_reads_the_cr_or_says_why_it_could_not() {
    let evidence = |with_crd: bool, options: Options| {
        let (server, _) = serve("eck", with_crd, options);
        let env = Env::with_kubeconfig(&server.kubeconfig());
        let out = run(env.sts().args(["diagnose", "-n", "search", "-o", "json"]));
        assert_ne!(out.code, 2, "{}", out.stderr);
        let report = out.json();
        let f = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["runbook"] == "spread-missing")
            .unwrap_or_else(|| panic!("{}", out.stdout))
            .clone();
        for c in f["commands"].as_array().unwrap() {
            assert!(
                !changes_the_statefulset(c["command"].as_str().unwrap(), "quickstart-es-default"),
                "{c}"
            );
        }
        let lists: Vec<String> = server
            .requests()
            .iter()
            .filter(|r| r.path.contains("elasticsearch"))
            .map(|r| r.path.clone())
            .collect();
        let lines: Vec<String> = serde_json::from_value(f["evidence"].clone()).unwrap();
        (lines.join("\n"), lists, out.stderr)
    };

    let (read, requests, _) = evidence(true, Options::default());
    assert!(
        read.contains("the Elasticsearch search/quickstart as read: replicas 3 (spec.nodeSets[].count), storage 20Gi"),
        "{read}"
    );
    assert_eq!(
        requests,
        [
            "/apis/elasticsearch.k8s.elastic.co/v1",
            "/apis/elasticsearch.k8s.elastic.co/v1/namespaces/search/elasticsearches"
        ]
    );

    let (forbidden, _, stderr) =
        evidence(true, Options::default().forbid_custom("elasticsearches"));
    assert!(
        forbidden.contains("the Elasticsearch search/quickstart itself could not be read (forbidden: elasticsearches.elasticsearch.k8s.elastic.co is forbidden"),
        "{forbidden}"
    );
    assert!(
        stderr
            .contains("custom resources elasticsearch.elasticsearch.k8s.elastic.co were not read"),
        "{stderr}"
    );

    let (missing, _, _) = evidence(false, Options::default());
    assert!(
        missing.contains("could not be read (the API server does not serve it: its CustomResourceDefinition is not installed)"),
        "{missing}"
    );
}

/// The read role lets `diagnose` list every operator's custom resources it reads, and
/// names every operator group of the table.
#[test]
fn the_read_role_lists_the_operators_custom_resources() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rbac/kubectl-sts-read.yaml"),
    )
    .unwrap();
    let role: Value = serde_saphyr::from_str(&text).unwrap();
    let rules = role["rules"].as_array().unwrap();
    let allows = |group: &str, resource: &str| {
        rules.iter().any(|r| {
            let has = |k: &str, v: &str| r[k].as_array().unwrap().iter().any(|x| x == v);
            has("apiGroups", group) && has("resources", resource) && has("verbs", "list")
        })
    };
    for crd in CRDS {
        assert!(
            allows(crd.group, crd.plural),
            "{} {}",
            crd.group,
            crd.plural
        );
    }
    for op in kubectl_sts::k8s::operators::OPERATORS {
        assert!(
            rules.iter().any(|r| r["apiGroups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == op.group)),
            "{}",
            op.group
        );
    }
}
