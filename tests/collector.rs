//! The live collector and the binary against a fake kube-apiserver over real HTTP that serves
//! the responses recorded from kube-apiserver v1.36 (`tests/support/fake_apiserver.rs`):
//! which requests are made, pagination, expired continue tokens, RBAC gaps, unreachable and
//! non-Kubernetes servers, concurrency, impersonation, and live/snapshot agreement.

mod support;

use assert_cmd::Command;
use kubectl_sts::snapshot::collect::collect;
use kubectl_sts::snapshot::{Object, Scope, Snapshot};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;
use support::fake_apiserver::{
    FakeApiServer, KINDS, Options, RecordedRequest, fixture, fixture_items, kubeconfig_for,
};
use tempfile::TempDir;

/// The instant both runs of the live/snapshot comparison evaluate at.
const NOW: &str = "2026-11-22T03:00:00Z";

/// Every list the collector makes with `-A`, written out rather than taken from the fake.
const ALL_NAMESPACES: [&str; 13] = [
    "/apis/apps/v1/statefulsets",
    "/api/v1/pods",
    "/api/v1/persistentvolumeclaims",
    "/api/v1/persistentvolumes",
    "/api/v1/nodes",
    "/apis/policy/v1/poddisruptionbudgets",
    "/api/v1/services",
    "/apis/discovery.k8s.io/v1/endpointslices",
    "/api/v1/events",
    "/apis/storage.k8s.io/v1/storageclasses",
    "/apis/storage.k8s.io/v1/volumeattachments",
    "/apis/apps/v1/controllerrevisions",
    "/apis/apps/v1/deployments",
];

/// Every list the collector makes with `-n shop`: cluster-scoped kinds stay cluster-wide.
const IN_SHOP: [&str; 13] = [
    "/apis/apps/v1/namespaces/shop/statefulsets",
    "/api/v1/namespaces/shop/pods",
    "/api/v1/namespaces/shop/persistentvolumeclaims",
    "/api/v1/persistentvolumes",
    "/api/v1/nodes",
    "/apis/policy/v1/namespaces/shop/poddisruptionbudgets",
    "/api/v1/namespaces/shop/services",
    "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices",
    "/api/v1/namespaces/shop/events",
    "/apis/storage.k8s.io/v1/storageclasses",
    "/apis/storage.k8s.io/v1/volumeattachments",
    "/apis/apps/v1/namespaces/shop/controllerrevisions",
    "/apis/apps/v1/namespaces/shop/deployments",
];

/// A temp directory holding a kubeconfig for one server and an empty HOME, so neither the
/// developer's kubeconfig nor their cluster can leak into a test.
struct Kube {
    dir: TempDir,
    kubeconfig: PathBuf,
}

impl Kube {
    fn new(server_url: &str) -> Self {
        let dir = TempDir::new().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, kubeconfig_for(server_url)).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Kube { dir, kubeconfig }
    }

    /// The binary, pointed at this kubeconfig only.
    fn sts(&self) -> Command {
        let mut c = Command::from_std(self.sealed(env!("CARGO_BIN_EXE_kubectl-sts")));
        c.arg("--kubeconfig").arg(&self.kubeconfig);
        // Generous: a hung run fails the test instead of hanging the suite.
        c.timeout(Duration::from_secs(60));
        c
    }

    /// `program` with this HOME, no KUBECONFIG, no colour and no proxy.
    fn sealed(&self, program: &str) -> std::process::Command {
        let mut c = std::process::Command::new(program);
        c.env_remove("KUBECONFIG")
            .env("HOME", self.dir.path().join("home"))
            .env("NO_COLOR", "1");
        // kube-rs honours these; a proxy in the developer's environment must not carry
        // requests for 127.0.0.1 elsewhere.
        for var in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
            "KUBE_RS_DEBUG_OVERRIDE_URL",
        ] {
            c.env_remove(var);
        }
        c
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("kubectl-sts was killed (timeout?); stderr:\n{stderr}"));
    Run {
        code,
        stdout,
        stderr,
    }
}

/// `collect()` in this process, with a client for the fake and no retries, as the binary
/// builds it.
/// A client for the fake server, without kube's retries (tests count requests).
fn client_for(server: &FakeApiServer) -> kube::Client {
    let mut config = kube::Config::new(server.url().parse().unwrap());
    config.default_retry = false;
    kube::Client::try_from(config).unwrap()
}

async fn collect_from(server: &FakeApiServer, scope: Scope) -> Snapshot {
    let client = client_for(server);
    collect(&client, &server.url(), scope, Some(Duration::from_secs(10)))
        .await
        .unwrap()
}

/// `namespace/name` of each object, sorted but not deduplicated, so a duplicate shows.
fn names<K: Object>(objs: &[K]) -> Vec<String> {
    let mut v: Vec<String> = objs
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o.namespace().unwrap_or_default(),
                o.name().unwrap_or_default()
            )
        })
        .collect();
    v.sort();
    v
}

/// What the collector got, per resource.
fn collected(s: &Snapshot) -> BTreeMap<&'static str, Vec<String>> {
    BTreeMap::from([
        ("statefulsets", names(&s.statefulsets)),
        ("pods", names(&s.pods)),
        ("persistentvolumeclaims", names(&s.pvcs)),
        ("persistentvolumes", names(&s.pvs)),
        ("nodes", names(&s.nodes)),
        ("poddisruptionbudgets", names(&s.pdbs)),
        ("services", names(&s.services)),
        ("endpointslices", names(&s.endpoint_slices)),
        ("events", names(&s.events)),
        ("storageclasses", names(&s.storage_classes)),
        ("volumeattachments", names(&s.volume_attachments)),
        ("controllerrevisions", names(&s.controller_revisions)),
        ("deployments", names(&s.deployments)),
    ])
}

/// What the recording holds, per resource, in one namespace or all.
fn recorded(namespace: Option<&str>) -> BTreeMap<&'static str, Vec<String>> {
    KINDS
        .iter()
        .map(|k| {
            let mut v: Vec<String> = fixture_items(k.resource)
                .iter()
                .filter_map(|o| {
                    let ns = o.pointer("/metadata/namespace").and_then(Value::as_str);
                    if k.namespaced && namespace.is_some() && ns != namespace {
                        return None;
                    }
                    let name = o.pointer("/metadata/name")?.as_str()?;
                    Some(format!("{}/{name}", ns.unwrap_or_default()))
                })
                .collect();
            v.sort();
            (k.resource, v)
        })
        .collect()
}

fn of<'a>(reqs: &'a [RecordedRequest], resource: &str) -> Vec<&'a RecordedRequest> {
    reqs.iter().filter(|r| r.resource() == resource).collect()
}

fn sorted(paths: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    let mut v: Vec<String> = paths.into_iter().map(Into::into).collect();
    v.sort();
    v
}

/// A bare HTTP/1.1 GET, independent of kube-rs, to look at the fake's own answers.
fn raw_get(server: &FakeApiServer, path_and_query: &str) -> (u16, Value) {
    let addr = server.url().trim_start_matches("http://").to_string();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "GET {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    conn.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap())
}

fn item_names(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect()
}

#[test]
fn fake_pages_like_the_recorded_server() {
    // Guards the fake itself: its pages have the recorded shape, so the tests below test
    // the collector against something a real server would send.
    let server = FakeApiServer::start();
    let page1_recorded = fixture("GET_api_v1_namespaces_shop_pods_limit2.json");
    let page2_recorded = fixture("GET_api_v1_namespaces_shop_pods_limit2_page2.json");

    let (status, page1) = raw_get(&server, "/api/v1/namespaces/shop/pods?limit=2");
    assert_eq!(status, 200);
    assert_eq!(page1["kind"], page1_recorded["kind"]);
    assert_eq!(page1["apiVersion"], page1_recorded["apiVersion"]);
    assert_eq!(item_names(&page1), item_names(&page1_recorded));
    assert_eq!(page1["metadata"]["remainingItemCount"], json!(2));
    let token = page1["metadata"]["continue"].as_str().unwrap();

    let (status, page2) = raw_get(
        &server,
        &format!("/api/v1/namespaces/shop/pods?limit=2&continue={token}"),
    );
    assert_eq!(status, 200);
    assert_eq!(item_names(&page2), item_names(&page2_recorded));
    assert!(page2["metadata"].get("continue").is_none());
    assert!(page2["metadata"].get("remainingItemCount").is_none());

    let (status, bad) = raw_get(&server, "/api/v1/pods?limit=2&continue=not-a-valid-token");
    assert_eq!((status, bad["reason"].as_str()), (400, Some("BadRequest")));
    // Only lists are served: a single object is a 404 Status.
    let (status, missing) = raw_get(&server, "/api/v1/namespaces/shop/pods/orders-db-0");
    assert_eq!((status, missing["kind"].as_str()), (404, Some("Status")));
    // Cluster-scoped kinds have no namespaced path.
    let (status, _) = raw_get(&server, "/api/v1/namespaces/shop/nodes");
    assert_eq!(status, 404);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    assert_eq!(reqs[1].query_value("continue"), Some(token));
    assert_eq!(reqs[0].issued_continue.as_deref(), Some(token));
    // One request after another is never two in flight: the overlap measure is not trivial.
    assert_eq!(server.max_in_flight(), 1);
}

#[test]
fn diagnose_all_namespaces_makes_one_list_per_kind_and_nothing_else() {
    let server = FakeApiServer::start();
    let kube = Kube::new(&server.url());
    let run = run(kube
        .sts()
        .args(["diagnose", "-A", "-o", "json", "--now", NOW]));
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    assert_eq!(run.json()["skipped"], json!([]));

    let reqs = server.requests();
    // Every kind fits in one 500-item page, so exactly one request each: lists only, no
    // per-object GETs, no discovery, no /version.
    assert_eq!(
        sorted(reqs.iter().map(|r| r.path.clone())),
        sorted(ALL_NAMESPACES)
    );
    for r in &reqs {
        assert_eq!(r.method, "GET", "{r:?}");
        assert_eq!(
            r.query,
            vec![("limit".to_string(), "500".to_string())],
            "{r:?}"
        );
        assert_eq!(r.status, Some(200), "{r:?}");
        // The kubeconfig's token user is the one speaking.
        assert_eq!(
            r.header("authorization"),
            Some("Bearer fake-token"),
            "{r:?}"
        );
        assert_eq!(r.header("impersonate-user"), None, "{r:?}");
    }
}

#[test]
fn one_namespace_lists_namespaced_kinds_there_and_cluster_kinds_cluster_wide() {
    let server = FakeApiServer::start();
    let kube = Kube::new(&server.url());
    let run = run(kube
        .sts()
        .args(["diagnose", "-n", "shop", "-o", "json", "--now", NOW]));
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );

    let reqs = server.requests();
    assert_eq!(sorted(reqs.iter().map(|r| r.path.clone())), sorted(IN_SHOP));
    for r in &reqs {
        assert_eq!(
            r.query,
            vec![("limit".to_string(), "500".to_string())],
            "{r:?}"
        );
    }
}

#[tokio::test]
async fn one_namespace_collects_that_namespace_and_every_cluster_object() {
    let server = FakeApiServer::start();
    let snap = collect_from(&server, Scope::namespace("shop")).await;
    assert!(snap.skipped.is_empty(), "{:?}", snap.skipped);
    let got = collected(&snap);
    assert_eq!(got, recorded(Some("shop")));
    // The recording has a Service outside shop (default/kubernetes): it must not come in,
    // while Nodes, which have no namespace, all do.
    assert_eq!(got["services"], vec!["shop/orders-db"]);
    assert_eq!(got["nodes"].len(), 3);
}

#[tokio::test]
async fn pages_are_followed_and_every_object_arrives_once() {
    let server = FakeApiServer::with(Options::default().max_page_size(2));
    let snap = collect_from(&server, Scope::all()).await;
    assert!(snap.skipped.is_empty(), "{:?}", snap.skipped);
    assert_eq!(collected(&snap), recorded(None));
    assert_eq!(
        names(&snap.pods),
        [
            "shop/batch-runner",
            "shop/orders-db-0",
            "shop/orders-db-1",
            "shop/orders-db-2"
        ]
    );

    let reqs = server.requests();
    // One request per page of each kind: ceil(n / 2), and one for an empty list.
    for k in KINDS {
        let n = fixture_items(k.resource).len();
        assert_eq!(
            of(&reqs, k.resource).len(),
            n.div_ceil(2).max(1),
            "{} has {n} items",
            k.resource
        );
    }
    let pods = of(&reqs, "pods");
    let [first, second] = pods.as_slice() else {
        panic!("pods in two pages: {pods:?}")
    };
    assert_eq!(first.query, vec![("limit".to_string(), "500".to_string())]);
    let token = first.issued_continue.as_deref().unwrap();
    // Page 2 asks for the same page size and carries the token page 1 gave out.
    assert_eq!(
        second.query,
        vec![
            ("limit".to_string(), "500".to_string()),
            ("continue".to_string(), token.to_string())
        ]
    );
    assert_eq!(second.issued_continue, None);
}

#[tokio::test]
async fn an_expired_continue_token_restarts_the_list_from_the_beginning() {
    let server = FakeApiServer::with(
        Options::default()
            .max_page_size(2)
            .expire_continue_once("pods"),
    );
    let snap = collect_from(&server, Scope::all()).await;
    assert!(snap.skipped.is_empty(), "{:?}", snap.skipped);
    assert_eq!(names(&snap.pods), recorded(None)["pods"]);

    let reqs = server.requests();
    let pods = of(&reqs, "pods");
    let shape: Vec<(bool, Option<u16>)> = pods
        .iter()
        .map(|r| (r.query_value("continue").is_some(), r.status))
        .collect();
    assert_eq!(
        shape,
        [
            (false, Some(200)),
            (true, Some(410)),
            // Started over without a token, rather than resuming with the 410's own token
            // (which would give a list inconsistent with what was already read).
            (false, Some(200)),
            (true, Some(200)),
        ]
    );
}

#[test]
fn a_forbidden_kind_is_skipped_and_the_run_goes_on() {
    let server = FakeApiServer::with(Options::default().forbid("nodes"));
    let kube = Kube::new(&server.url());
    let run = run(kube
        .sts()
        .args(["diagnose", "-A", "-o", "json", "--now", NOW]));
    assert_ne!(run.code, 2, "{}", run.stderr);
    let skipped = run.json()["skipped"].clone();
    assert_eq!(skipped.as_array().unwrap().len(), 1, "{skipped}");
    assert_eq!(skipped[0]["source"], "nodes");
    let reason = skipped[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(
            "forbidden: nodes is forbidden: User \"fake\" cannot list resource \"nodes\""
        ),
        "{reason}"
    );
    // Everything else was read.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 13);
    for r in &reqs {
        let want = if r.resource() == "nodes" { 403 } else { 200 };
        assert_eq!(r.status, Some(want), "{r:?}");
    }
}

#[test]
fn an_unreachable_server_fails_fast_with_exit_2_naming_the_server() {
    // A port nothing listens on: bound, then released.
    let url = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let kube = Kube::new(&url);
    let run = run(kube
        .sts()
        .args(["diagnose", "-A", "--request-timeout", "2s"])
        .timeout(Duration::from_secs(20)));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&url), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot reach the Kubernetes API server"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn a_server_answering_html_is_not_taken_for_kubernetes() {
    // A web server's 404 page, and a portal's 200 login page.
    for (status, says) in [
        (
            404,
            "HTTP 404 with an HTML page instead of a Kubernetes Status",
        ),
        (200, "the body is not a Kubernetes list"),
    ] {
        let server = FakeApiServer::with(Options::default().not_kubernetes(status));
        let kube = Kube::new(&server.url());
        let run = run(kube.sts().args(["diagnose", "-A"]));
        assert_eq!(run.code, 2, "HTML {status}: {}", run.stderr);
        let err = run.stderr.trim_end();
        assert!(
            err.contains(&format!(
                "the server at {}/ did not answer like a Kubernetes API server",
                server.url()
            )),
            "HTML {status}: {err}"
        );
        assert!(err.contains(says), "HTML {status}: {err}");
        // One line, not the page: a 404 from a web server is not "not served by this API
        // server", and the HTML itself is cut short.
        assert_eq!(err.lines().count(), 1, "HTML {status}: {err}");
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        assert_eq!(server.requests().len(), 13);
    }
}

#[tokio::test]
async fn the_lists_are_made_concurrently() {
    let server = FakeApiServer::with(Options::default().delay(Duration::from_millis(300)));
    let snap = collect_from(&server, Scope::all()).await;
    assert!(snap.skipped.is_empty(), "{:?}", snap.skipped);
    assert_eq!(server.requests().len(), 13);
    // Overlap, not a stopwatch: one at a time would never have two in flight.
    let in_flight = server.max_in_flight();
    assert!(in_flight >= 2, "at most {in_flight} request(s) in flight");
}

#[test]
fn a_snapshot_diagnoses_the_same_as_the_live_cluster() {
    // A state with findings, so there is something to compare: no PDB, and one
    // StatefulSet pod not Ready.
    let mut pods = fixture_items("pods");
    let pod = pods
        .iter_mut()
        .find(|p| p["metadata"]["name"] == "orders-db-1")
        .unwrap();
    for c in pod["status"]["conditions"].as_array_mut().unwrap() {
        if c["type"] == "Ready" || c["type"] == "ContainersReady" {
            c["status"] = json!("False");
        }
    }
    let server = FakeApiServer::with(
        Options::default()
            .items("poddisruptionbudgets", Vec::new())
            .items("pods", pods),
    );
    let kube = Kube::new(&server.url());
    // The same flags on both runs, so the remediation commands are spelled the same.
    let common = ["--context", "fake", "--now", NOW];

    // A snapshot records its own capture time: --now is diagnose's.
    let snapshot = run(kube.sts().args(["snapshot", "-A", "--context", "fake"]));
    assert_eq!(snapshot.code, 0, "{}", snapshot.stderr);
    let file = kube.dir.path().join("state.yaml");
    std::fs::write(&file, &snapshot.stdout).unwrap();

    let live = run(kube
        .sts()
        .args(["diagnose", "-A", "-o", "json"])
        .args(common));
    let saved = run(kube
        .sts()
        .args(["diagnose", "-o", "json", "--from-file"])
        .arg(&file)
        .args(common));
    assert_eq!(live.code, saved.code, "{}\n{}", live.stderr, saved.stderr);
    let (live, saved) = (live.json(), saved.json());
    let runbooks: Vec<&str> = live["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["runbook"].as_str().unwrap())
        .collect();
    assert!(runbooks.contains(&"pdb-missing"), "{runbooks:?}");
    assert!(runbooks.contains(&"replicas-unavailable"), "{runbooks:?}");
    assert_eq!(live["findings"], saved["findings"]);
}

#[test]
fn as_sends_impersonation_headers() {
    let server = FakeApiServer::start();
    let kube = Kube::new(&server.url());
    let run = run(kube
        .sts()
        .args(["diagnose", "-A", "--as", "nobody", "--as-group", "auditors"]));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 13);
    for r in &reqs {
        assert_eq!(r.header("Impersonate-User"), Some("nobody"), "{r:?}");
        assert_eq!(r.header("Impersonate-Group"), Some("auditors"), "{r:?}");
    }
}

/// Every kind of a synthetic cluster, as the fake API server serves it.
fn served(snap: &Snapshot) -> [(&'static str, Vec<Value>); 13] {
    fn values<T: serde::Serialize>(v: &[T]) -> Vec<Value> {
        v.iter().map(|o| serde_json::to_value(o).unwrap()).collect()
    }
    [
        ("statefulsets", values(&snap.statefulsets)),
        ("pods", values(&snap.pods)),
        ("persistentvolumeclaims", values(&snap.pvcs)),
        ("persistentvolumes", values(&snap.pvs)),
        ("nodes", values(&snap.nodes)),
        ("poddisruptionbudgets", values(&snap.pdbs)),
        ("services", values(&snap.services)),
        ("endpointslices", values(&snap.endpoint_slices)),
        ("events", values(&snap.events)),
        ("storageclasses", values(&snap.storage_classes)),
        ("volumeattachments", values(&snap.volume_attachments)),
        ("controllerrevisions", values(&snap.controller_revisions)),
        ("deployments", Vec::new()),
    ]
}

#[test]
fn ten_thousand_pods_cost_one_request_per_kind_per_500_objects() {
    // A synthetic 10k-pod cluster served whole: the request count grows with pages, never
    // with objects (no per-object GETs, no per-namespace lists).
    let snap = kubectl_sts::synth::cluster(kubectl_sts::synth::Shape::pods(10_000));
    let served = served(&snap);
    let mut options = Options::default();
    let mut expected: Vec<(String, usize)> = Vec::new();
    for (resource, items) in &served {
        expected.push((resource.to_string(), items.len().div_ceil(500).max(1)));
        options = options.items(resource, items.clone());
    }
    let server = FakeApiServer::with(options);
    let kube = Kube::new(&server.url());
    let run = run(kube
        .sts()
        .args(["diagnose", "-A", "-o", "json", "--now", NOW]));
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    assert_eq!(run.json()["statefulsets_checked"], snap.statefulsets.len());
    let reqs = server.requests();
    for (resource, pages) in &expected {
        let n = reqs.iter().filter(|r| r.resource() == resource).count();
        assert_eq!(n, *pages, "{resource}: {n} requests for {pages} pages");
    }
    assert_eq!(
        reqs.len(),
        expected.iter().map(|(_, p)| p).sum::<usize>(),
        "nothing but list pages"
    );
    assert!(
        reqs.iter()
            .all(|r| r.method == "GET" && r.query_value("limit") == Some("500"))
    );
}

/// Each page is tidied as it arrives: what nothing reads (other writers' field trees,
/// service-account volumes) and the room serde's growth left in lists are not held.
/// The recorded pods carry managedFields, a projected token volume and five conditions.
#[tokio::test]
async fn listed_objects_are_tidied_as_their_pages_arrive() {
    let server = FakeApiServer::with(Options::default().max_page_size(2));
    let snap = collect_from(&server, Scope::all()).await;
    assert!(snap.skipped.is_empty(), "{:?}", snap.skipped);
    let pod = snap
        .pods
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some("orders-db-0"))
        .expect("the recorded member");
    // Pods and claims hold `model::Meta`, which has no room for managedFields at all.
    let spec = pod.spec.as_ref().unwrap();
    let volumes: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(volumes, ["data"], "the projected token volume is dropped");
    let status = pod.status.as_ref().unwrap();
    let conditions = status.conditions.as_ref().unwrap();
    assert_eq!(conditions.len(), 5);
    assert_eq!(
        conditions.capacity(),
        5,
        "no room beyond the five conditions"
    );
    let statuses = status.container_statuses.as_ref().unwrap();
    assert_eq!(statuses.capacity(), statuses.len());
    // StatefulSets keep who wrote which part, down to its top level only.
    let sts = &snap.statefulsets[0];
    let object = sts.object();
    let entries = object["metadata"]["managedFields"]
        .as_array()
        .expect("kept on sets");
    assert!(!entries.is_empty());
    for e in entries {
        let fields = e["fieldsV1"].as_object().unwrap();
        assert!(fields.values().all(|v| v == &json!({})), "{fields:?}");
    }
    assert!(sts.last_spec_change().is_some(), "{entries:?}");
}

/// A list is allocated once, at the size the first page announces (`remainingItemCount`):
/// grown page by page it doubles, and every kind in flight holds up to half its room empty.
#[tokio::test]
async fn a_list_is_allocated_at_the_size_its_first_page_announces() {
    use kubectl_sts::model::LivePod;
    use kubectl_sts::snapshot::collect::list_all;
    // Nine pods in pages of two: grown page by page the list would hold room for 16.
    let pod = support::fake_apiserver::fixture_items("pods")[0].clone();
    let pods: Vec<Value> = (0..9)
        .map(|i| {
            let mut p = pod.clone();
            p["metadata"]["name"] = json!(format!("db-{i}"));
            p
        })
        .collect();
    let server = FakeApiServer::with(Options::default().max_page_size(2).items("pods", pods));
    let pods = list_all(kube::Api::<LivePod>::all(client_for(&server)), None)
        .await
        .unwrap();
    assert_eq!(pods.len(), 9);
    assert_eq!(pods.capacity(), 9);
    let first = &server.requests()[0];
    assert!(first.issued_continue.is_some(), "paginated: {first:?}");
}

/// The live path's peak memory, for `scripts/perf-table.py` (not a timed test: ignored,
/// run by the script): `diagnose -A` of the binary named by `PERF_BIN` (the release build)
/// against the fake API server serving a synthetic cluster of `PERF_PODS` pods in sets of
/// `PERF_REPLICAS`, under `/usr/bin/time`. Prints one JSON line. The server is this
/// process, so what is measured is the client alone: every kind listed at once in pages
/// of 500, each page turned into compact objects as it arrives.
#[test]
#[ignore = "a measurement, run by scripts/perf-table.py"]
fn live_diagnose_peak_memory() {
    let env = |k: &str, default: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (pods, replicas) = (env("PERF_PODS", 10_000), env("PERF_REPLICAS", 10));
    let mut shape = kubectl_sts::synth::Shape::pods(pods);
    shape.replicas = replicas.max(1);
    shape.statefulsets = pods.div_ceil(shape.replicas);
    let snap = kubectl_sts::synth::cluster(shape);
    let objects: usize = kubectl_sts::snapshot::Source::ALL
        .iter()
        .map(|s| snap.count(*s))
        .sum();
    let mut options = Options::default();
    for (resource, items) in served(&snap) {
        options = options.items(resource, items);
    }
    drop(snap);
    let server = FakeApiServer::with(options);
    let kube = Kube::new(&server.url());
    let bin =
        std::env::var("PERF_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kubectl-sts").to_string());
    let out = kube
        .sealed("/usr/bin/time")
        .args(["-f", "%e %M", &bin, "--kubeconfig"])
        .arg(&kube.kubeconfig)
        .args(["diagnose", "-A", "-o", "json", "--fail-on", "never"])
        .output()
        .expect("/usr/bin/time runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert!(
        report["skipped"].as_array().is_none_or(|s| s.is_empty()),
        "{report}"
    );
    let last = stderr.lines().last().unwrap_or_default();
    let (wall, kb) = last.split_once(' ').expect("time's line");
    println!(
        "{}",
        json!({"pods": pods, "replicas": replicas, "objects": objects,
               "requests": server.requests().len(),
               "wall": wall.parse::<f64>().unwrap(), "rss_kb": kb.parse::<u64>().unwrap()})
    );
}
