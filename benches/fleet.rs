//! `cargo bench --bench fleet`: a fleet run over 10 clusters of 1,000 pods each (synthetic,
//! served by the test suite's fake API server over real HTTP, every answer delayed 50 ms as
//! a remote API server's would be) against one such cluster. Target (issue 18): 10 contexts
//! read in about the time of the slowest one, not the sum, bounded by `--parallel`.
//!
//! Each sample runs the real binary (`diagnose -A -o json`), so process start, connection
//! set-up, paging, analysis and output are all in the number.

#[path = "../tests/support/mod.rs"]
mod support;

use kubectl_sts::snapshot::file;
use kubectl_sts::synth::{Shape, cluster};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;
use support::fake_apiserver::{FakeApiServer, Options};

fn main() {
    divan::main();
}

const CLUSTERS: usize = 10;
const PODS: usize = 1_000;
const LATENCY: Duration = Duration::from_millis(50);

/// The synthetic cluster's objects by the resource the fake serves them as.
fn items() -> BTreeMap<&'static str, Vec<Value>> {
    let snap = cluster(Shape::pods(PODS));
    let list = file::to_list_value(&snap).expect("serialisable");
    let mut by: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    for item in list["items"].as_array().expect("a List") {
        let resource = match item["kind"].as_str().expect("kind") {
            "StatefulSet" => "statefulsets",
            "Pod" => "pods",
            "PersistentVolumeClaim" => "persistentvolumeclaims",
            "PersistentVolume" => "persistentvolumes",
            "Node" => "nodes",
            "PodDisruptionBudget" => "poddisruptionbudgets",
            "Service" => "services",
            "EndpointSlice" => "endpointslices",
            "Event" => "events",
            "StorageClass" => "storageclasses",
            "VolumeAttachment" => "volumeattachments",
            "ControllerRevision" => "controllerrevisions",
            "Deployment" => "deployments",
            other => panic!("the synthetic cluster has a {other}"),
        };
        by.entry(resource).or_default().push(item.clone());
    }
    by
}

struct Fleet {
    _servers: Vec<FakeApiServer>,
    _dir: tempfile::TempDir,
    kubeconfig: std::path::PathBuf,
}

static FLEET: LazyLock<Fleet> = LazyLock::new(|| {
    let items = items();
    let servers: Vec<FakeApiServer> = (0..CLUSTERS)
        .map(|_| {
            let mut o = Options::default().delay(LATENCY);
            for (resource, list) in &items {
                o = o.items(resource, list.clone());
            }
            FakeApiServer::with(o)
        })
        .collect();
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (i, s) in servers.iter().enumerate() {
        text.push_str(&format!(
            "- name: c{i}\n  cluster:\n    server: {}\n",
            s.url()
        ));
    }
    text.push_str("users:\n- name: u\n  user:\n    token: t\ncontexts:\n");
    for i in 0..CLUSTERS {
        text.push_str(&format!(
            "- name: c{i}\n  context:\n    cluster: c{i}\n    user: u\n"
        ));
    }
    text.push_str("current-context: c0\n");
    let dir = tempfile::TempDir::new().expect("a temp dir");
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, text).expect("write the kubeconfig");
    Fleet {
        _servers: servers,
        _dir: dir,
        kubeconfig,
    }
});

fn diagnose(contexts: &str, parallel: usize) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-sts"))
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .arg("--kubeconfig")
        .arg(&FLEET.kubeconfig)
        .args(["diagnose", "-A", "-o", "json", "--context", contexts])
        .args(["--parallel", &parallel.to_string()])
        .output()
        .expect("run kubectl-sts");
    // 1: findings (the synthetic cluster has some); anything else is a broken run.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One cluster alone: the time a fleet run should stay close to.
#[divan::bench(sample_count = 5)]
fn one_cluster() {
    diagnose("c0", 1);
}

/// All ten, `parallel` at a time: 10 ≈ one cluster; 4 ≈ three rounds; 1 = the sum.
#[divan::bench(args = [10, 4, 1], sample_count = 5)]
fn ten_clusters(parallel: usize) {
    diagnose("c*", parallel);
}
