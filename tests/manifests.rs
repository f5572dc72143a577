//! Manifest mode: what `helm template | kubectl sts diagnose -f -` and CI runs see. Objects
//! without `status` were never observed, so nothing may call them down; a release's missing
//! kinds are findings; every command names a real namespace.

use assert_cmd::Command;
use kubectl_sts::checks::analyze;
use kubectl_sts::finding::{Category, Finding};
use kubectl_sts::kubectl::Kubectl;
use kubectl_sts::snapshot::file::read_files_into;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn manifest(name: &str) -> PathBuf {
    root().join("tests/fixtures/manifests").join(name)
}

/// The binary sealed from any real cluster and colour.
fn sts() -> Command {
    let mut c = Command::cargo_bin("kubectl-sts").unwrap();
    c.env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent")
        .env("NO_COLOR", "1");
    c
}

const NOW: &str = "2026-12-01T00:00:00Z";

fn analyse(file: &str, namespace: &str) -> Vec<Finding> {
    let snap = read_files_into(&[manifest(file)], None, namespace).unwrap();
    assert!(snap.manifests, "{file} is read as manifests");
    analyze(&snap, NOW.parse().unwrap(), &Kubectl::default()).findings
}

/// Text that only a missing namespace produces.
fn assert_no_empty_namespace(f: &Finding) {
    let mut texts: Vec<&str> = vec![f.summary.as_str()];
    texts.extend(f.evidence.iter().map(String::as_str));
    texts.extend(f.commands.iter().map(|c| c.command.as_str()));
    for t in texts {
        for bad in [
            "-n ''",
            "-n \"\"",
            "namespace: ''",
            "namespace: \"\"",
            "..svc",
            " /",
        ] {
            assert!(!t.contains(bad), "{}: {bad:?} in {t}", f.runbook);
        }
    }
    assert!(
        f.object
            .namespace
            .as_deref()
            .is_none_or(|ns| !ns.is_empty())
    );
}

#[test]
fn kubernetes_docs_statefulset_examples_get_configuration_advice_only() {
    // What a careful SRE signs for each: the set of runbooks, then every word in the snapshot.
    for (file, expected) in [
        // nginx on a claim: no budget, no probe, no spread; a web server needs no long
        // shutdown, so no grace-period finding.
        (
            "k8s-docs-web.yaml",
            &["pdb-missing", "readiness-probe-missing", "spread-missing"][..],
        ),
        // The budget is there; the anti-affinity selects a label the pods lack, liveness
        // repeats readiness, a quorum store gets the 30 s default.
        (
            "k8s-docs-zookeeper.yaml",
            &[
                "grace-period-short",
                "probes-identical",
                "spread-missing",
                "startup-probe-missing",
            ][..],
        ),
        // 500 s grace and a readiness probe: only the missing budget and spread, and the
        // shipped class that cannot grow.
        (
            "k8s-docs-cassandra.yaml",
            &["pdb-missing", "spread-missing", "storageclass-no-expansion"][..],
        ),
        // The xtrabackup sidecar needs no readiness probe, and `conf` on emptyDir is not
        // the data (which is on the claim).
        (
            "k8s-docs-mysql.yaml",
            &[
                "grace-period-short",
                "pdb-missing",
                "spread-missing",
                "startup-probe-missing",
            ][..],
        ),
    ] {
        let findings = analyse(file, "default");
        let runbooks: Vec<&str> = findings.iter().map(|f| f.runbook.as_str()).collect();
        assert_eq!(runbooks, expected, "{file}");
        for f in &findings {
            assert_ne!(
                f.category,
                Category::Incident,
                "{file}: a manifest is never down: {f:#?}"
            );
            assert_no_empty_namespace(f);
            // Namespaced commands address `default`; cluster-scoped ones (a StorageClass)
            // name none.
            for c in &f.commands {
                let words: Vec<&str> = c.command.split(' ').collect();
                for w in words.windows(2).filter(|w| w[0] == "-n") {
                    assert_eq!(w[1], "default", "{file}: {}", c.command);
                }
            }
        }
        let name = file.trim_end_matches(".yaml");
        insta::assert_json_snapshot!(name, findings);
    }
}

#[test]
fn a_chart_on_stdin_is_judged_for_ci() {
    let chart = std::fs::read_to_string(manifest("k8s-docs-cassandra.yaml")).unwrap();
    let out = sts()
        .args(["diagnose", "-f", "-", "--now", NOW])
        .write_stdin(chart.clone())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "warnings fail by default: {text}"
    );
    assert!(text.starts_with("manifests - "), "{text}");
    assert!(
        text.contains("manifests: configuration risks only"),
        "{text}"
    );
    assert!(!text.contains("INCIDENTS"), "{text}");
    assert!(!text.contains("skipped:"), "nothing was unreadable: {text}");
    assert!(
        text.contains("not in the manifests (cluster state): persistentvolumes, nodes"),
        "{text}"
    );

    let out = sts()
        .args(["diagnose", "-f", "-", "--now", NOW, "--fail-on", "critical"])
        .write_stdin(chart.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "no critical risk in this chart");

    let out = sts()
        .args(["diagnose", "-f", "-", "--now", NOW, "-o", "json"])
        .write_stdin(chart)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["manifests"], true);
    let runbooks: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["runbook"].as_str().unwrap())
        .collect();
    // A 3-member ring shipped without a budget is a finding: the release has none.
    assert!(runbooks.contains(&"pdb-missing"), "{runbooks:?}");
}

fn commands_of(out: &std::process::Output) -> Vec<String> {
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["commands"].as_array().unwrap().clone())
        .map(|c| c["command"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn objects_without_a_namespace_go_where_kubectl_apply_puts_them() {
    let web = manifest("k8s-docs-web.yaml");
    let web = web.to_str().unwrap();
    let run = |extra: &[&str], kubeconfig: Option<&Path>| {
        let mut c = sts();
        if let Some(k) = kubeconfig {
            c.env("KUBECONFIG", k);
        }
        c.args(["diagnose", "-f", web, "--now", NOW, "-o", "json"])
            .args(extra)
            .output()
            .unwrap()
    };
    let every = |cmds: Vec<String>, ns: &str| {
        assert!(!cmds.is_empty());
        for c in cmds {
            assert!(
                c.contains(&format!("-n {ns} ")) || c.contains(&format!("namespace: {ns}")),
                "{c}"
            );
        }
    };
    every(commands_of(&run(&[], None)), "default");
    every(commands_of(&run(&["-n", "shop"], None)), "shop");

    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: prod\n  context: {cluster: c, user: u, namespace: payments}\n- name: other\n  context: {cluster: c, user: u}\n",
    )
    .unwrap();
    every(commands_of(&run(&[], Some(&kc))), "payments");
    // -n wins over the context's namespace; a context without one means default.
    every(commands_of(&run(&["-n", "shop"], Some(&kc))), "shop");
    every(
        commands_of(&run(&["--context", "other"], Some(&kc))),
        "default",
    );
}

#[test]
fn a_manifest_mixed_into_live_state_is_judged_per_object() {
    // A saved incident plus a StatefulSet that was never applied: the incident keeps its
    // findings, the manifest gets no "down" verdict about status it never had.
    let example = root().join("docs/examples/cassandra-node-lost.yaml");
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("new.yaml");
    std::fs::write(
        &extra,
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: kafka, namespace: data}\nspec:\n  replicas: 3\n  serviceName: kafka\n  selector: {matchLabels: {app: kafka}}\n  template:\n    metadata: {labels: {app: kafka}}\n    spec: {containers: [{name: kafka, image: apache/kafka:3.9.0}]}\n",
    )
    .unwrap();
    let snap = read_files_into(&[example.as_path(), extra.as_path()], None, "default").unwrap();
    assert!(!snap.manifests);
    let report = analyze(&snap, snap.captured_at.unwrap(), &Kubectl::default());
    let of = |sts: &str| -> Vec<&Finding> {
        report
            .findings
            .iter()
            .filter(|f| f.statefulset.as_deref() == Some(sts))
            .collect()
    };
    assert!(
        of("cassandra")
            .iter()
            .any(|f| f.runbook == "replicas-unavailable"),
        "the live set is still judged"
    );
    let kafka = of("kafka");
    assert!(
        kafka.iter().all(|f| f.category != Category::Incident),
        "{kafka:#?}"
    );
    // Its configuration is still judged.
    assert!(
        kafka.iter().any(|f| f.runbook == "pdb-missing"),
        "{kafka:#?}"
    );
}

#[test]
fn removed_api_versions_are_named_and_the_rest_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.yaml");
    std::fs::write(
        &old,
        "apiVersion: apps/v1beta1\nkind: StatefulSet\nmetadata: {name: zk}\nspec:\n  serviceName: zk\n  replicas: 3\n  template:\n    metadata: {labels: {app: zk}}\n    spec: {containers: [{name: zk, image: zookeeper:3.4}]}\n---\napiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: zk}\nspec: {selector: {matchLabels: {app: zk}}, minAvailable: 3}\n",
    )
    .unwrap();
    let out = sts()
        .args([
            "diagnose",
            "-f",
            old.to_str().unwrap(),
            "--now",
            NOW,
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("(StatefulSet zk) is apps/v1beta1, which Kubernetes 1.16 no longer serves"),
        "{stderr}"
    );
    assert_eq!(
        stderr.lines().filter(|l| l.contains("v1beta1")).count(),
        2,
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runbooks: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["runbook"].as_str().unwrap())
        .collect();
    // The budget read from policy/v1beta1 is judged: 3 of 3 must stay up.
    assert!(runbooks.contains(&"pdb-blocks-drain"), "{runbooks:?}");
}

#[test]
fn commands_that_read_live_state_refuse_manifests() {
    let web = manifest("k8s-docs-web.yaml");
    let web = web.to_str().unwrap();
    for args in [
        vec!["orphans", "-A"],
        vec!["drain-check", "node-1"],
        vec!["rollout", "status", "web"],
        vec!["pvc-expand", "web", "--size", "5Gi"],
        vec!["snapshot"],
    ] {
        let out = sts().args(&args).args(["-f", web]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("needs live state") && stderr.contains("holds only manifests"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: nothing judged");
    }
}
