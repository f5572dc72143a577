//! An in-process fake kube-apiserver over real HTTP, for tests of the live collector and of
//! the binary.
//!
//! It serves the List bodies recorded from kube-apiserver v1.36 in
//! `tests/fixtures/apiserver-v1.36/` for every kind the collector lists, cluster-wide and per
//! namespace, and paginates them itself with `limit` and `continue` the way the real server
//! does. Per test it can refuse a kind (403), expire a continue token once (410), slow every
//! answer down, fail one chosen real change (a 500, or no answer past the client's
//! timeout: [`Options::fault`]), or stop looking like Kubernetes at all (HTML). Every request is recorded so
//! tests can assert what the client asked for, not only what it concluded.
//!
//! Anything that is not a list of a known kind gets the 404 Status a real server sends for an
//! unknown path, so a client that starts making other requests shows up in the record and in
//! its own errors. The exception is DELETE of a PersistentVolumeClaim or PersistentVolume,
//! answered like the recorded server (options from the body, preconditions, dry run,
//! finalizers; see `Shared::delete`), with request bodies recorded; and dry-run POSTs of
//! pod evictions, answered with the recorded 201 or 429 bodies (see `Shared::evict`).
//!
//! The server runs on its own thread with its own tokio runtime, because tests that run the
//! binary with `assert_cmd` are synchronous, and stops when the handle is dropped.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use futures::channel::oneshot;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub mod custom;
pub mod expansion;
pub mod watch;

// Not every test binary that includes the fake uses these.
#[allow(unused_imports)]
pub use custom::{Crd, Custom};
#[allow(unused_imports)]
pub use expansion::{Expansion, Resizer};
#[allow(unused_imports)]
pub use watch::WatchHub;

/// One kind the collector lists, and where the real API serves it.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    /// The resource name in the URL and in RBAC, e.g. `statefulsets`.
    pub resource: &'static str,
    /// `/api/v1` for the core group, else `/apis/<group>/<version>`.
    pub prefix: &'static str,
    /// The API group, empty for core; it appears in Forbidden messages.
    pub group: &'static str,
    pub namespaced: bool,
    /// The recorded cluster-wide List body, if the recording has one.
    fixture: Option<&'static str>,
    /// `kind` and `apiVersion` of the List, for kinds served without a recording.
    list_kind: &'static str,
    api_version: &'static str,
}

impl Kind {
    /// The list path, cluster-wide or in one namespace.
    pub fn list_path(&self, namespace: Option<&str>) -> String {
        match namespace {
            Some(ns) if self.namespaced => {
                format!("{}/namespaces/{ns}/{}", self.prefix, self.resource)
            }
            _ => format!("{}/{}", self.prefix, self.resource),
        }
    }
}

const fn kind(
    resource: &'static str,
    prefix: &'static str,
    group: &'static str,
    namespaced: bool,
    fixture: Option<&'static str>,
    list_kind: &'static str,
    api_version: &'static str,
) -> Kind {
    Kind {
        resource,
        prefix,
        group,
        namespaced,
        fixture,
        list_kind,
        api_version,
    }
}

/// Every kind `collect()` lists. Events are core/v1 (`/api/v1/events`), as the collector
/// reads them. Deployments were not recorded: they are served as an empty DeploymentList.
pub const KINDS: [Kind; 13] = [
    kind(
        "statefulsets",
        "/apis/apps/v1",
        "apps",
        true,
        Some("GET_apis_apps_v1_statefulsets.json"),
        "StatefulSetList",
        "apps/v1",
    ),
    kind(
        "pods",
        "/api/v1",
        "",
        true,
        Some("GET_api_v1_pods.json"),
        "PodList",
        "v1",
    ),
    kind(
        "persistentvolumeclaims",
        "/api/v1",
        "",
        true,
        Some("GET_api_v1_persistentvolumeclaims.json"),
        "PersistentVolumeClaimList",
        "v1",
    ),
    kind(
        "persistentvolumes",
        "/api/v1",
        "",
        false,
        Some("GET_api_v1_persistentvolumes.json"),
        "PersistentVolumeList",
        "v1",
    ),
    kind(
        "nodes",
        "/api/v1",
        "",
        false,
        Some("GET_api_v1_nodes.json"),
        "NodeList",
        "v1",
    ),
    kind(
        "poddisruptionbudgets",
        "/apis/policy/v1",
        "policy",
        true,
        Some("GET_apis_policy_v1_poddisruptionbudgets.json"),
        "PodDisruptionBudgetList",
        "policy/v1",
    ),
    kind(
        "services",
        "/api/v1",
        "",
        true,
        Some("GET_api_v1_services.json"),
        "ServiceList",
        "v1",
    ),
    kind(
        "endpointslices",
        "/apis/discovery.k8s.io/v1",
        "discovery.k8s.io",
        true,
        Some("GET_apis_discovery.k8s.io_v1_endpointslices.json"),
        "EndpointSliceList",
        "discovery.k8s.io/v1",
    ),
    kind(
        "events",
        "/api/v1",
        "",
        true,
        Some("GET_api_v1_events.json"),
        "EventList",
        "v1",
    ),
    kind(
        "storageclasses",
        "/apis/storage.k8s.io/v1",
        "storage.k8s.io",
        false,
        Some("GET_apis_storage.k8s.io_v1_storageclasses.json"),
        "StorageClassList",
        "storage.k8s.io/v1",
    ),
    kind(
        "volumeattachments",
        "/apis/storage.k8s.io/v1",
        "storage.k8s.io",
        false,
        Some("GET_apis_storage.k8s.io_v1_volumeattachments.json"),
        "VolumeAttachmentList",
        "storage.k8s.io/v1",
    ),
    kind(
        "controllerrevisions",
        "/apis/apps/v1",
        "apps",
        true,
        Some("GET_apis_apps_v1_controllerrevisions.json"),
        "ControllerRevisionList",
        "apps/v1",
    ),
    kind(
        "deployments",
        "/apis/apps/v1",
        "apps",
        true,
        None,
        "DeploymentList",
        "apps/v1",
    ),
];

/// The kind with this resource name. Panics on a name the fake does not serve: that is a
/// mistake in the test, not something to answer at run time.
pub fn kind_of(resource: &str) -> &'static Kind {
    KINDS
        .iter()
        .find(|k| k.resource == resource)
        .unwrap_or_else(|| panic!("the fake API server does not serve {resource:?}"))
}

/// The directory of the recorded responses.
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/apiserver-v1.36")
}

/// A recorded response body, parsed.
pub fn fixture(file: &str) -> Value {
    let path = fixture_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("fixture {} is not JSON: {e}", path.display()))
}

/// The recorded List body of a kind, cluster-wide (an empty List for kinds not recorded).
pub fn fixture_list(resource: &str) -> Value {
    let k = kind_of(resource);
    match k.fixture {
        Some(file) => fixture(file),
        // Shaped like the recorded lists; the resourceVersion is the one most of them have.
        None => json!({
            "kind": k.list_kind,
            "apiVersion": k.api_version,
            "metadata": {"resourceVersion": "334"},
            "items": [],
        }),
    }
}

/// The recorded items of a kind, cluster-wide, so a test can change them and serve them with
/// [`Options::items`].
pub fn fixture_items(resource: &str) -> Vec<Value> {
    match fixture_list(resource).get_mut("items").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// How the fake behaves. Build with the chained setters:
/// `Options::default().max_page_size(2).forbid("nodes")`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    max_page_size: Option<usize>,
    forbidden: BTreeSet<String>,
    expire_continue_once: BTreeSet<String>,
    delay: Duration,
    not_kubernetes: Option<u16>,
    items: BTreeMap<String, Vec<Value>>,
    then_items: BTreeMap<String, Vec<Value>>,
    /// Pods (namespace, name) whose eviction is refused, with the recorded body to answer.
    refused_evictions: BTreeMap<(String, String), String>,
    /// Pods (namespace, name) that may really be evicted or deleted, and the pod the
    /// StatefulSet controller re-creates in their place (see the rollout section).
    recreated: BTreeMap<(String, String), Value>,
    /// Bump a StatefulSet's resourceVersion once this many requests (GET or PATCH) for that
    /// single object have been answered, as a concurrent writer would.
    statefulset_changes_after: Option<usize>,
    /// Answer GET of a single Pod (see the rollout section); off, that path is the 404 of a
    /// path not served.
    pods: bool,
    /// Names served as `GET /api/v1/namespaces` (shell completion); `None`: a 404.
    namespaces: Option<Vec<String>>,
    /// Claims, pods and a StatefulSet served for `pvc-expand --apply` (see `expansion`).
    expansion: Option<Arc<Expansion>>,
    /// Requests that go wrong on purpose (see [`Options::fault`]).
    faults: Vec<Fault>,
    /// A Prometheus behind the service proxy (see [`Options::prometheus_service`]).
    prometheus: Option<(String, BTreeMap<String, Value>)>,
    /// Watch streams (see [`Options::watch`]); without, a watch request is a 405.
    watch: Option<Arc<WatchHub>>,
    /// CustomResourceDefinitions and their objects (see [`Options::custom`]).
    custom: Option<Arc<Custom>>,
}

/// What a faulty request gets (see [`Options::fault`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAnswer {
    /// A failure Status with this code, shaped like the real ones (500: etcd timed out).
    Status(u16),
    /// Nothing for this long, then the usual answer: longer than the client's
    /// `--request-timeout`, the client gives up not knowing whether the change happened.
    Delay(Duration),
}

/// The `nth` (1 = first) request that is not a dry run, with `method` and a path ending in
/// `path_suffix`, gets `answer` instead of (or, for a delay, before) the usual one.
#[derive(Debug, Clone)]
struct Fault {
    method: String,
    path_suffix: String,
    nth: usize,
    answer: FaultAnswer,
}

impl Options {
    /// Never return more than `n` items per page, whatever `limit` the client asks for (by
    /// default `limit` is honoured as is).
    pub fn max_page_size(mut self, n: usize) -> Self {
        assert!(n > 0, "a page holds at least one item");
        self.max_page_size = Some(n);
        self
    }

    /// Answer every list of this resource with 403 Forbidden.
    pub fn forbid(mut self, resource: &str) -> Self {
        kind_of(resource);
        self.forbidden.insert(resource.to_string());
        self
    }

    /// Refuse a custom resource's kind (by its plural) served with [`Options::custom`].
    pub fn forbid_custom(mut self, plural: &str) -> Self {
        self.forbidden.insert(plural.to_string());
        self
    }

    /// Answer the first request for this resource that carries a continue token with
    /// 410 Expired, as when etcd compacted the revision the token points at.
    pub fn expire_continue_once(mut self, resource: &str) -> Self {
        kind_of(resource);
        self.expire_continue_once.insert(resource.to_string());
        self
    }

    /// Wait this long before answering each request.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Answer every request with an HTML page and this status, like a web server, proxy or
    /// ingress default backend that is not a Kubernetes API server.
    pub fn not_kubernetes(mut self, status: u16) -> Self {
        assert!(StatusCode::from_u16(status).is_ok(), "bad status {status}");
        self.not_kubernetes = Some(status);
        self
    }

    /// Serve these items for a resource instead of the recorded ones (still filtered by
    /// namespace and paginated).
    pub fn items(mut self, resource: &str, items: Vec<Value>) -> Self {
        kind_of(resource);
        self.items.insert(resource.to_string(), items);
        self
    }

    /// Change a resource once it has been listed: the first list (all its pages) serves
    /// the usual items, every later list and every DELETE sees these instead. Models what
    /// happens between a listing and a mutation (a pod starts, a claim is re-created).
    pub fn then_items(mut self, resource: &str, items: Vec<Value>) -> Self {
        kind_of(resource);
        self.then_items.insert(resource.to_string(), items);
        self
    }

    /// Serve `GET /api/v1/namespaces` as a NamespaceList of these names (the collector
    /// never lists namespaces; shell completion does). Without this, that path is a 404.
    pub fn namespaces(mut self, names: &[&str]) -> Self {
        self.namespaces = Some(names.iter().map(|n| n.to_string()).collect());
        self
    }

    /// Serve single claims, pods and a StatefulSet that can be patched, evicted, deleted
    /// and created, with the resizer, kubelet, garbage collector and StatefulSet controller
    /// simulated (see `expansion`). These answers come before every other handler's. Keep
    /// a clone of the `Arc` to look at the objects afterwards.
    pub fn expansion(mut self, expansion: Arc<Expansion>) -> Self {
        self.expansion = Some(expansion);
        self
    }

    /// Let this pod be really evicted (POST without dry run), after which the pod
    /// `replacement` stands in its place: what the StatefulSet controller re-creates
    /// (same name, a new uid, usually another revision and Ready). Other pods' real
    /// evictions stay refused with a 400, so a client that evicts more is caught.
    pub fn recreate(mut self, namespace: &str, pod: &str, replacement: Value) -> Self {
        self.recreated
            .insert((namespace.to_string(), pod.to_string()), replacement);
        self
    }

    /// Serve GET of a single Pod, as `kubectl sts rollout` reads a pod it waits for. Off by
    /// default, so the collector's tests still see that pods are only listed.
    pub fn serve_pods(mut self) -> Self {
        self.pods = true;
        self
    }

    /// Once `n` requests (GET or PATCH) for one StatefulSet have been answered, its stored
    /// resourceVersion moves on (a status write by the controller, an edit by someone else):
    /// `1` makes the dry-run PATCH after the GET conflict, `2` the real PATCH after it.
    pub fn statefulset_changes_after(mut self, n: usize) -> Self {
        self.statefulset_changes_after = Some(n);
        self
    }

    /// Make the `nth` (1 = first) request with `method` (GET, PATCH, DELETE, POST) whose path
    /// ends with `path_suffix` and that is not a dry run (`dryRun=All` in the query or
    /// `"dryRun":["All"]` in the body) fail with `answer`: the server failing half-way
    /// through a mutation. Dry runs are not counted, so `nth` counts the real changes.
    pub fn fault(
        mut self,
        method: &str,
        path_suffix: &str,
        nth: usize,
        answer: FaultAnswer,
    ) -> Self {
        assert!(nth > 0, "the first request is 1");
        self.faults.push(Fault {
            method: method.to_string(),
            path_suffix: path_suffix.to_string(),
            nth,
            answer,
        });
        self
    }

    /// Serve `GET /api/v1/namespaces/NS/services/NAME:PORT/proxy/api/v1/query` as a
    /// Serve `?watch=1` on the list paths from `hub`, which the test drives.
    pub fn watch(mut self, hub: Arc<WatchHub>) -> Self {
        self.watch = Some(hub);
        self
    }

    /// Prometheus behind the API server's service proxy: the `query` parameter is looked up
    /// in `answers` (PromQL → the JSON body a real Prometheus gave for it, see
    /// `tests/fixtures/prometheus/`); any other query gets Prometheus's 400 `bad_data`.
    pub fn prometheus_service(
        mut self,
        namespace: &str,
        name_port: &str,
        answers: BTreeMap<String, Value>,
    ) -> Self {
        self.prometheus = Some((
            format!("/api/v1/namespaces/{namespace}/services/{name_port}/proxy/api/v1/query"),
            answers,
        ));
        self
    }

    /// Serve these CustomResourceDefinitions and objects (discovery, lists, GET, PATCH
    /// checked against each CRD's fields). `forbid(plural)` refuses one.
    pub fn custom(mut self, custom: Arc<Custom>) -> Self {
        self.custom = Some(custom);
        self
    }

    /// Refuse the eviction of this pod with a recorded 429 body (one of the
    /// `POST_…_eviction_dryRunAll_pdb_*.json` fixtures). Other pods' evictions are allowed.
    pub fn refuse_eviction(mut self, namespace: &str, pod: &str, fixture_file: &str) -> Self {
        fixture(fixture_file);
        self.refused_evictions.insert(
            (namespace.to_string(), pod.to_string()),
            fixture_file.to_string(),
        );
        self
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The query string as decoded pairs, in order.
    pub query: Vec<(String, String)>,
    /// Every header, names in lower case, in order (repeated headers appear repeatedly).
    pub headers: Vec<(String, String)>,
    /// When the request reached the handler.
    pub started: Instant,
    /// When the answer was ready; `None` if the client went away first.
    pub finished: Option<Instant>,
    /// The status answered; `None` if the client went away first.
    pub status: Option<u16>,
    /// The `metadata.continue` token given out with this answer, if any.
    pub issued_continue: Option<String>,
    /// The request body, when there was one (DELETE options, for instance).
    pub body: Option<String>,
}

impl RecordedRequest {
    /// The first value of a query parameter.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a header (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The resource a list path names: its last segment.
    pub fn resource(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or_default()
    }
}

/// A running fake API server. Dropping it stops the server.
pub struct FakeApiServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeApiServer {
    /// A server with the recorded state and default behaviour.
    pub fn start() -> Self {
        Self::with(Options::default())
    }

    pub fn with(options: Options) -> Self {
        let shared = Arc::new(Shared::new(options));
        // Bound here, before the thread starts, so the port is known and accepting (the
        // kernel queues connections) the moment this returns.
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 for the fake");
        listener
            .set_nonblocking(true)
            .expect("make the fake's listener non-blocking");
        let addr = listener.local_addr().expect("the fake's listening address");
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fake-apiserver".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime for the fake API server");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("register the fake's listener with tokio");
                    let serve = axum::serve(listener, app).into_future();
                    // Not a graceful shutdown: a client may keep idle keep-alive
                    // connections open, and a test must never hang in drop.
                    tokio::select! {
                        res = serve => {
                            if let Err(e) = res {
                                eprintln!("fake API server stopped: {e}");
                            }
                        }
                        _ = stopped => {}
                    }
                });
                // Cancels connection tasks still running (a delayed answer, for instance).
                rt.shutdown_timeout(Duration::from_secs(1));
            })
            .expect("spawn the fake API server thread");
        FakeApiServer {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, the `server:` for a kubeconfig.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig whose current context `fake` points at this server with a token user.
    pub fn kubeconfig(&self) -> String {
        kubeconfig_for(&self.url())
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log().clone()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        self.shared.log().clear();
    }

    /// The largest number of requests that were being handled at the same instant.
    pub fn max_in_flight(&self) -> usize {
        let log = self.shared.log();
        log.iter()
            .map(|r| {
                log.iter()
                    .filter(|o| o.started <= r.started && o.finished.is_none_or(|f| f > r.started))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has already been printed; do not panic in drop.
            let _ = thread.join();
        }
    }
}

/// A kubeconfig with one cluster at `server`, a token user and the current context `fake`.
pub fn kubeconfig_for(server: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {server}
users:
- name: fake
  user:
    token: fake-token
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
current-context: fake
"
    )
}

/// What every connection shares: the configuration, the lists, and the record.
struct Shared {
    options: Options,
    /// Per resource: the List body without items (kind, apiVersion, metadata), and the items.
    lists: BTreeMap<&'static str, (Value, Vec<Value>)>,
    log: Mutex<Vec<RecordedRequest>>,
    /// Resources whose continue token has already been expired once.
    expired: Mutex<HashSet<String>>,
    forbidden_template: Value,
    expired_template: Value,
    /// How many lists (first pages) of each resource have been served.
    listed: Mutex<BTreeMap<String, usize>>,
    /// What DELETEs did: (resource, namespace, name) to the object left terminating
    /// (finalizers) or `None` when it is gone.
    deleted: Mutex<BTreeMap<(String, String, String), Option<Value>>>,
    conflict_template: Value,
    /// Requests answered per single StatefulSet (namespace, name), for
    /// [`Options::statefulset_changes_after`].
    statefulset_touches: Mutex<BTreeMap<(String, String), usize>>,
    /// Per fault, how many matching requests have arrived.
    fault_counts: Mutex<Vec<usize>>,
}

impl Shared {
    fn new(options: Options) -> Self {
        let lists = KINDS
            .iter()
            .map(|k| {
                let mut list = fixture_list(k.resource);
                let recorded = match list.get_mut("items").map(Value::take) {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                };
                let items = options.items.get(k.resource).cloned().unwrap_or(recorded);
                (k.resource, (list, items))
            })
            .collect();
        let faults = options.faults.len();
        Shared {
            options,
            lists,
            log: Mutex::new(Vec::new()),
            expired: Mutex::new(HashSet::new()),
            forbidden_template: fixture("GET_api_v1_pods_as_nobody.json"),
            expired_template: fixture(
                "GET_api_v1_namespaces_shop_pods_limit2_continue_expired.json",
            ),
            listed: Mutex::new(BTreeMap::new()),
            deleted: Mutex::new(BTreeMap::new()),
            conflict_template: fixture(
                "DELETE_api_v1_namespaces_shop_persistentvolumeclaims_data-orders-db-0_dryRunAll_wrong_uid.json",
            ),
            statefulset_touches: Mutex::new(BTreeMap::new()),
            fault_counts: Mutex::new(vec![0; faults]),
        }
    }

    /// The items of a resource as they are now: the served ones (or `then_items` once the
    /// resource has been listed), minus what was deleted, with terminating objects as they
    /// were left. `new_listing` counts a list's first page.
    fn items_now(&self, resource: &str, new_listing: bool) -> Vec<Value> {
        let listed = {
            let mut l = self.listed.lock().unwrap_or_else(|e| e.into_inner());
            let c = l.entry(resource.to_string()).or_insert(0);
            if new_listing {
                *c += 1;
            }
            *c
        };
        // A list sees the change from the second listing on; a DELETE once one happened.
        let changed = if new_listing { listed > 1 } else { listed >= 1 };
        let base = match self.options.then_items.get(resource) {
            Some(items) if changed => items.clone(),
            _ => self
                .lists
                .get(resource)
                .map(|(_, items)| items.clone())
                .unwrap_or_default(),
        };
        let deleted = self.deleted.lock().unwrap_or_else(|e| e.into_inner());
        base.into_iter()
            .filter_map(|o| {
                let key = (
                    resource.to_string(),
                    item_namespace(&o).unwrap_or_default().to_string(),
                    o.pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                );
                match deleted.get(&key) {
                    None => Some(o),
                    Some(left) => left.clone(),
                }
            })
            .collect()
    }

    /// A DELETE of a PersistentVolumeClaim or PersistentVolume, as the real server does it:
    /// with a body, `DeleteOptions` come from the body alone and `?dryRun=All` is ignored;
    /// without one, from the query. `preconditions` are checked against the stored object
    /// (409 Conflict, in the recorded shape, on a mismatch). A dry run changes nothing and
    /// returns the object with a deletionTimestamp when finalizers hold it, else a Success
    /// Status; a real deletion leaves an object with finalizers terminating and removes one
    /// without.
    fn delete(&self, path: &str, query: &[(String, String)], body: Option<&str>) -> Answer {
        if let Some(code) = self.options.not_kubernetes {
            return Answer::html(code);
        }
        let Some((kind, namespace, name)) = object_route(path) else {
            return not_found();
        };
        let options: Value = match body {
            Some(b) => match serde_json::from_str(b) {
                Ok(v) => v,
                Err(e) => {
                    return Answer::status(
                        400,
                        "BadRequest",
                        &format!("error decoding DeleteOptions: {e}"),
                        None,
                    );
                }
            },
            None => json!({ "dryRun": query_value(query, "dryRun").map(|v| vec![v]) }),
        };
        let dry_run = options
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v == "All"));
        let stored = self.items_now(kind.resource, false).into_iter().find(|o| {
            item_namespace(o) == namespace
                && o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
        });
        let Some(mut obj) = stored else {
            return Answer::status(
                404,
                "NotFound",
                &format!("{} \"{name}\" not found", kind.resource),
                Some(json!({"name": name, "kind": kind.resource})),
            );
        };
        // List items carry no `kind`; the Conflict message names the Kind, not the resource.
        let object_kind = kind.list_kind.trim_end_matches("List");
        let field = |o: &Value, p: &str| {
            o.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        for (key, pointer, what, tail) in [
            ("uid", "/metadata/uid", "UID", "deleted and then recreated"),
            (
                "resourceVersion",
                "/metadata/resourceVersion",
                "ResourceVersion",
                "modified",
            ),
        ] {
            let Some(want) = options
                .pointer(&format!("/preconditions/{key}"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let have = field(&obj, pointer);
            if want != have {
                let mut b = self.conflict_template.clone();
                b["message"] = json!(format!(
                    "Operation cannot be fulfilled on {object_kind} \"{name}\": the {what} in the precondition ({want}) does not match the {what} in record ({have}). The object might have been {tail}"
                ));
                b["details"] = json!({"name": name, "kind": object_kind});
                return Answer::json(409, &b);
            }
        }
        let finalizers = obj
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty());
        let key = (
            kind.resource.to_string(),
            namespace.unwrap_or_default().to_string(),
            name.to_string(),
        );
        let gone = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": name, "kind": kind.resource, "uid": field(&obj, "/metadata/uid")},
        });
        if !finalizers {
            if !dry_run {
                self.deleted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, None);
            }
            return Answer::json(200, &gone);
        }
        if obj.pointer("/metadata/deletionTimestamp").is_none() {
            obj["metadata"]["deletionTimestamp"] = json!("2026-11-22T03:00:00Z");
            obj["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            // Dry-run answers keep the stored resourceVersion; a real update bumps it.
            if !dry_run && let Ok(rv) = field(&obj, "/metadata/resourceVersion").parse::<u64>() {
                obj["metadata"]["resourceVersion"] = json!((rv + 1).to_string());
            }
        }
        if !dry_run {
            self.deleted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, Some(obj.clone()));
        }
        // A single object comes back with the `kind` and `apiVersion` list items lack.
        if let Some(o) = obj.as_object_mut() {
            o.insert("kind".into(), json!(object_kind));
            o.insert("apiVersion".into(), json!(kind.api_version));
        }
        Answer::json(200, &obj)
    }

    /// A query to the Prometheus behind the service proxy, if one is served at `path`.
    fn prometheus_answer(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
    ) -> Option<Answer> {
        let (at, answers) = self.options.prometheus.as_ref()?;
        if method != Method::GET || path != at {
            return None;
        }
        let q = query_value(query, "query").unwrap_or_default();
        Some(match answers.get(q) {
            Some(body) => Answer::json(200, body),
            None => Answer::json(
                400,
                &json!({"status": "error", "errorType": "bad_data",
                        "error": format!("the fake has no recorded answer for {q:?}")}),
            ),
        })
    }

    /// The record, even if a test thread panicked while holding it.
    fn log(&self) -> MutexGuard<'_, Vec<RecordedRequest>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The answer to a request; never panics on what the client sent.
    fn answer(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        user: &str,
    ) -> Answer {
        if let Some(code) = self.options.not_kubernetes {
            return Answer::html(code);
        }
        if method != Method::GET {
            return not_found();
        }
        let Some((kind, namespace)) = route(path) else {
            return not_found();
        };
        if self.options.forbidden.contains(kind.resource) {
            return self.forbidden(kind, namespace, user);
        }
        self.list(kind, namespace, query)
    }

    /// One page of a list, following the real server: `limit` (0 or absent: everything),
    /// `continue` from the previous page, and on every page but the last a new `continue`
    /// and `remainingItemCount`.
    fn list(&self, kind: &Kind, namespace: Option<&str>, query: &[(String, String)]) -> Answer {
        let Some((template, _)) = self.lists.get(kind.resource) else {
            return not_found();
        };
        let all = self.items_now(kind.resource, query_value(query, "continue").is_none());
        let items: Vec<&Value> = all
            .iter()
            .filter(|o| namespace.is_none_or(|ns| item_namespace(o) == Some(ns)))
            .collect();

        let limit = match query_value(query, "limit").map(str::parse::<usize>) {
            None | Some(Ok(0)) => None,
            Some(Ok(n)) => Some(n),
            Some(Err(e)) => {
                return Answer::status(
                    400,
                    "BadRequest",
                    &format!("limit: Invalid value: {e}"),
                    None,
                );
            }
        };
        let page_size = match (limit, self.options.max_page_size) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };

        let start = match query_value(query, "continue") {
            None => 0,
            Some(token) => match ContinueToken::decode(token) {
                Some(t)
                    if t.resource == kind.resource
                        && t.namespace.as_deref() == namespace
                        && t.start <= items.len() =>
                {
                    if self.expire_now(kind.resource) {
                        return self.expired(kind, namespace, t.start);
                    }
                    t.start
                }
                // The real server's words for a token it cannot read.
                _ => {
                    return Answer::status(
                        400,
                        "BadRequest",
                        "invalid continue token: continue key is not valid",
                        None,
                    );
                }
            },
        };

        let end = page_size.map_or(items.len(), |n| (start + n).min(items.len()));
        let mut body = template.clone();
        let continue_token = (end < items.len()).then(|| {
            ContinueToken {
                resource: kind.resource.to_string(),
                namespace: namespace.map(str::to_string),
                start: end,
            }
            .encode()
        });
        if let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) {
            // The last page has neither key, like the recorded page 2.
            meta.remove("continue");
            meta.remove("remainingItemCount");
            if let Some(token) = &continue_token {
                meta.insert("continue".into(), json!(token));
                meta.insert("remainingItemCount".into(), json!(items.len() - end));
            }
        }
        if let Some(obj) = body.as_object_mut() {
            let page: Vec<Value> = items[start..end].iter().map(|o| (*o).clone()).collect();
            obj.insert("items".into(), Value::Array(page));
        }
        let mut answer = Answer::json(200, &body);
        answer.issued_continue = continue_token;
        answer
    }

    /// Whether to expire this resource's token now: only the first time.
    fn expire_now(&self, resource: &str) -> bool {
        if !self.options.expire_continue_once.contains(resource) {
            return false;
        }
        let mut expired = self.expired.lock().unwrap_or_else(|e| e.into_inner());
        expired.insert(resource.to_string())
    }

    /// The recorded 410 Expired Status. Like the real one it carries a fresh token that
    /// would resume the list inconsistently; a careful client starts over instead.
    fn expired(&self, kind: &Kind, namespace: Option<&str>, start: usize) -> Answer {
        let mut body = self.expired_template.clone();
        let fresh = ContinueToken {
            resource: kind.resource.to_string(),
            namespace: namespace.map(str::to_string),
            start,
        }
        .encode();
        body["metadata"] = json!({ "continue": fresh });
        Answer::json(410, &body)
    }

    /// The recorded 403 Status, with the resource, group, user and scope of this request.
    fn forbidden(&self, kind: &Kind, namespace: Option<&str>, user: &str) -> Answer {
        let mut body = self.forbidden_template.clone();
        let qualified = if kind.group.is_empty() {
            kind.resource.to_string()
        } else {
            format!("{}.{}", kind.resource, kind.group)
        };
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        body["message"] = json!(format!(
            "{qualified} is forbidden: User \"{user}\" cannot list resource \"{}\" in API group \"{}\" {scope}",
            kind.resource, kind.group
        ));
        let mut details = Map::new();
        if !kind.group.is_empty() {
            details.insert("group".into(), json!(kind.group));
        }
        details.insert("kind".into(), json!(kind.resource));
        body["details"] = Value::Object(details);
        Answer::json(403, &body)
    }
}

/// The kind and namespace a list path names: `<prefix>/<resource>` or
/// `<prefix>/namespaces/<ns>/<resource>`. `None` for anything else, including object paths.
fn route(path: &str) -> Option<(&'static Kind, Option<&str>)> {
    KINDS.iter().find_map(|k| {
        let rest = path.strip_prefix(k.prefix)?.strip_prefix('/')?;
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            [r] if *r == k.resource => Some((k, None)),
            ["namespaces", ns, r] if *r == k.resource && k.namespaced && !ns.is_empty() => {
                Some((k, Some(*ns)))
            }
            _ => None,
        }
    })
}

/// The kind, namespace and name an object path names, for the kinds the fake deletes.
fn object_route(path: &str) -> Option<(&'static Kind, Option<&str>, &str)> {
    ["persistentvolumeclaims", "persistentvolumes"]
        .iter()
        .map(|r| kind_of(r))
        .find_map(|k| {
            let rest = path.strip_prefix(k.prefix)?.strip_prefix('/')?;
            let segments: Vec<&str> = rest.split('/').collect();
            match segments.as_slice() {
                ["namespaces", ns, r, name]
                    if *r == k.resource && k.namespaced && !ns.is_empty() && !name.is_empty() =>
                {
                    Some((k, Some(*ns), *name))
                }
                [r, name] if *r == k.resource && !k.namespaced && !name.is_empty() => {
                    Some((k, None, *name))
                }
                _ => None,
            }
        })
}

impl Shared {
    /// The fault this request triggers, if any (see [`Options::fault`]).
    fn fault(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&str>,
    ) -> Option<FaultAnswer> {
        if self.options.faults.is_empty() {
            return None;
        }
        let dry_run = query_value(query, "dryRun") == Some("All")
            || body.is_some_and(|b| b.replace(' ', "").contains("\"dryRun\":[\"All\"]"));
        if dry_run {
            return None;
        }
        let mut counts = self.fault_counts.lock().unwrap_or_else(|e| e.into_inner());
        let mut hit = None;
        for (i, f) in self.options.faults.iter().enumerate() {
            if f.method == method.as_str() && path.ends_with(&f.path_suffix) {
                counts[i] += 1;
                if counts[i] == f.nth && hit.is_none() {
                    hit = Some(f.answer);
                }
            }
        }
        hit
    }
}

/// A server-side failure in the shape of a real Status.
fn fault_status(code: u16) -> Answer {
    let (reason, message) = match code {
        500 => (
            "InternalError",
            "Internal error occurred: etcdserver: request timed out",
        ),
        409 => (
            "Conflict",
            "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again",
        ),
        503 => (
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        ),
        504 => (
            "Timeout",
            "the server was unable to return a response in the time allotted",
        ),
        _ => (
            "InternalError",
            "the fake API server was told to fail this request",
        ),
    };
    Answer::status(code, reason, message, None)
}

/// The namespace and pod an eviction path names:
/// `/api/v1/namespaces/<ns>/pods/<name>/eviction`.
fn eviction_route(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/api/v1/namespaces/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        [ns, "pods", name, "eviction"] if !ns.is_empty() && !name.is_empty() => Some((*ns, *name)),
        _ => None,
    }
}

impl Shared {
    /// A POST of an Eviction, answered with the recorded bodies. Only dry runs are accepted
    /// (`dryRun=All` in the query, which the real eviction API reads for POST, or in the
    /// body's `deleteOptions`); anything else gets a 400 that shows up in the record, so a
    /// client that would really evict is caught. The body must name the pod of the path, as
    /// the real server requires. A pod set with [`Options::refuse_eviction`] gets its 429;
    /// an unknown pod the 404 the real server sends; every other pod the recorded 201.
    fn evict(&self, path: &str, query: &[(String, String)], body: Option<&str>) -> Answer {
        if let Some(code) = self.options.not_kubernetes {
            return Answer::html(code);
        }
        let Some((ns, name)) = eviction_route(path) else {
            return not_found();
        };
        let eviction: Value = match body.map(serde_json::from_str::<Value>) {
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                return Answer::status(
                    400,
                    "BadRequest",
                    &format!("error decoding Eviction: {e}"),
                    None,
                );
            }
            None => return Answer::status(400, "BadRequest", "the Eviction body is missing", None),
        };
        if eviction.pointer("/metadata/name").and_then(Value::as_str) != Some(name) {
            return Answer::status(
                400,
                "BadRequest",
                "name in URL does not match name in Eviction object",
                None,
            );
        }
        let in_query = query_value(query, "dryRun") == Some("All");
        let in_body = eviction
            .pointer("/deleteOptions/dryRun")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v == "All"));
        if !in_query && !in_body {
            return Answer::status(
                400,
                "BadRequest",
                "the fake API server only answers dry-run evictions (dryRun=All)",
                None,
            );
        }
        let exists = self.items_now("pods", false).iter().any(|o| {
            item_namespace(o) == Some(ns)
                && o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
        });
        if !exists {
            return Answer::status(
                404,
                "NotFound",
                &format!("pods \"{name}\" not found"),
                Some(json!({"name": name, "kind": "pods"})),
            );
        }
        match self
            .options
            .refused_evictions
            .get(&(ns.to_string(), name.to_string()))
        {
            Some(file) => Answer::json(429, &fixture(file)),
            None => Answer::json(
                201,
                &fixture("POST_api_v1_namespaces_shop_pods_orders-db-0_eviction_dryRunAll.json"),
            ),
        }
    }
}

// ---------------------------------------------------------------- rollout (single objects)
//
// What `kubectl sts rollout` needs beyond lists, answered like the recorded v1.36 server:
// - `GET` of one StatefulSet, and of one Pod with [`Options::serve_pods`] (404 in the
//   recorded NotFound shape);
// - `PATCH` of a StatefulSet: a JSON merge patch (other content types: 415); `dryRun=All`
//   in the query is honoured (the real PATCH reads it there) and the answer keeps the stored
//   resourceVersion with generation + 1, as recorded; `metadata.resourceVersion` in the
//   body is a precondition, a mismatch is the real 409 ("the object has been modified").
//   A real patch is stored (resourceVersion + 1) and, standing in for the controller,
//   sets `status.observedGeneration` and, when the template changed, `updateRevision` to
//   the owned ControllerRevision recording that template;
// - the real eviction of a pod set with [`Options::recreate`], whose replacement is then
//   served.
// Changed objects are kept in the same per-object override the DELETE handler uses, so
// later lists see them too.

/// `<prefix>/namespaces/<ns>/<resource>/<name>` for one resource.
fn single_route<'a>(path: &'a str, prefix: &str, resource: &str) -> Option<(&'a str, &'a str)> {
    let rest = path.strip_prefix(prefix)?.strip_prefix("/namespaces/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        [ns, r, name] if *r == resource && !ns.is_empty() && !name.is_empty() => Some((*ns, *name)),
        _ => None,
    }
}

/// RFC 7396: `null` removes a key, objects merge, everything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

fn resource_version_of(o: &Value) -> String {
    o.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn bump_resource_version(o: &mut Value) {
    if let Ok(rv) = resource_version_of(o).parse::<u64>() {
        o["metadata"]["resourceVersion"] = json!((rv + 1).to_string());
    }
}

impl Shared {
    /// The rollout routes; `None` for every other request.
    fn rollout_answer(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: Option<&str>,
    ) -> Option<Answer> {
        if self.options.not_kubernetes.is_some() {
            return None;
        }
        if *method == Method::POST
            && let Some((ns, name)) = eviction_route(path)
        {
            return self.evict_for_real(ns, name, query, body);
        }
        if let Some((ns, name)) = single_route(path, "/apis/apps/v1", "statefulsets") {
            let answer = match *method {
                Method::GET => self.single("statefulsets", ns, name),
                Method::PATCH => self.patch_statefulset(ns, name, query, content_type, body),
                _ => return None,
            };
            self.touch_statefulset(ns, name);
            return Some(answer);
        }
        if self.options.pods
            && *method == Method::GET
            && let Some((ns, name)) = single_route(path, "/api/v1", "pods")
        {
            return Some(self.single("pods", ns, name));
        }
        None
    }

    fn stored(&self, resource: &str, ns: &str, name: &str) -> Option<Value> {
        self.items_now(resource, false).into_iter().find(|o| {
            item_namespace(o) == Some(ns)
                && o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)
        })
    }

    fn store(&self, resource: &str, ns: &str, name: &str, obj: Option<Value>) {
        self.deleted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                (resource.to_string(), ns.to_string(), name.to_string()),
                obj,
            );
    }

    /// A single object comes back with the `kind` and `apiVersion` list items lack.
    fn with_kind(resource: &str, mut obj: Value) -> Value {
        let k = kind_of(resource);
        if let Some(o) = obj.as_object_mut() {
            o.insert("kind".into(), json!(k.list_kind.trim_end_matches("List")));
            o.insert("apiVersion".into(), json!(k.api_version));
        }
        obj
    }

    fn missing(resource: &str, name: &str) -> Answer {
        let k = kind_of(resource);
        let qualified = if k.group.is_empty() {
            resource.to_string()
        } else {
            format!("{resource}.{}", k.group)
        };
        let mut details = json!({"name": name, "kind": resource});
        if !k.group.is_empty() {
            details["group"] = json!(k.group);
        }
        Answer::status(
            404,
            "NotFound",
            &format!("{qualified} \"{name}\" not found"),
            Some(details),
        )
    }

    fn single(&self, resource: &str, ns: &str, name: &str) -> Answer {
        match self.stored(resource, ns, name) {
            Some(o) => Answer::json(200, &Self::with_kind(resource, o)),
            None => Self::missing(resource, name),
        }
    }

    fn touch_statefulset(&self, ns: &str, name: &str) {
        let Some(after) = self.options.statefulset_changes_after else {
            return;
        };
        let count = {
            let mut t = self
                .statefulset_touches
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let c = t.entry((ns.to_string(), name.to_string())).or_insert(0);
            *c += 1;
            *c
        };
        if count == after
            && let Some(mut o) = self.stored("statefulsets", ns, name)
        {
            bump_resource_version(&mut o);
            self.store("statefulsets", ns, name, Some(o));
        }
    }

    /// The real server's words for an update whose resourceVersion precondition failed.
    fn modified(&self, resource: &str, name: &str) -> Answer {
        let k = kind_of(resource);
        let mut b = self.conflict_template.clone();
        b["message"] = json!(format!(
            "Operation cannot be fulfilled on {resource}.{} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            k.group
        ));
        b["details"] = json!({"name": name, "group": k.group, "kind": resource});
        Answer::json(409, &b)
    }

    fn patch_statefulset(
        &self,
        ns: &str,
        name: &str,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        if content_type != Some("application/merge-patch+json") {
            return Answer::status(
                415,
                "UnsupportedMediaType",
                &format!(
                    "the fake API server only answers merge patches of statefulsets, not {}",
                    content_type.unwrap_or("(no content type)")
                ),
                None,
            );
        }
        let patch: Value = match body.map(serde_json::from_str::<Value>) {
            Some(Ok(v)) if v.is_object() => v,
            _ => {
                return Answer::status(
                    400,
                    "BadRequest",
                    "the patch body is not a JSON object",
                    None,
                );
            }
        };
        let Some(stored) = self.stored("statefulsets", ns, name) else {
            return Self::missing("statefulsets", name);
        };
        if let Some(want) = patch
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            && want != resource_version_of(&stored)
        {
            return self.modified("statefulsets", name);
        }
        let mut obj = stored.clone();
        merge_patch(&mut obj, &patch);
        // The body's resourceVersion is only the precondition.
        obj["metadata"]["resourceVersion"] = json!(resource_version_of(&stored));
        if obj.get("spec") != stored.get("spec") {
            let generation = obj
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            obj["metadata"]["generation"] = json!(generation + 1);
        }
        if query_value(query, "dryRun") == Some("All") {
            return Answer::json(200, &Self::with_kind("statefulsets", obj));
        }
        bump_resource_version(&mut obj);
        // The controller, at once: it observes the new generation and names the revision
        // of the new template.
        let generation = obj
            .pointer("/metadata/generation")
            .cloned()
            .unwrap_or(json!(1));
        obj["status"]["observedGeneration"] = generation;
        let template = obj.pointer("/spec/template").cloned();
        if template != stored.pointer("/spec/template").cloned() {
            let uid = obj.pointer("/metadata/uid").cloned();
            let revision = self
                .items_now("controllerrevisions", false)
                .into_iter()
                .filter(|r| item_namespace(r) == Some(ns))
                .filter(|r| {
                    r.pointer("/metadata/ownerReferences/0/uid").cloned() == uid
                        || r.pointer("/metadata/ownerReferences/0/name")
                            .and_then(Value::as_str)
                            == Some(name)
                })
                .find(|r| {
                    let mut t = r
                        .pointer("/data/spec/template")
                        .cloned()
                        .unwrap_or(Value::Null);
                    if let Some(o) = t.as_object_mut() {
                        o.remove("$patch");
                    }
                    Some(t) == template
                })
                .and_then(|r| {
                    r.pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_else(|| format!("{name}-patched"));
            obj["status"]["updateRevision"] = json!(revision);
        }
        self.store("statefulsets", ns, name, Some(obj.clone()));
        Answer::json(200, &Self::with_kind("statefulsets", obj))
    }

    /// An eviction's `deleteOptions.preconditions` against the pod.
    fn pod_preconditions(
        &self,
        pod: &Value,
        preconditions: Option<&Value>,
        name: &str,
    ) -> Option<Answer> {
        let pre = preconditions?;
        for (key, pointer, what, tail) in [
            ("uid", "/metadata/uid", "UID", "deleted and then recreated"),
            (
                "resourceVersion",
                "/metadata/resourceVersion",
                "ResourceVersion",
                "modified",
            ),
        ] {
            let Some(want) = pre.get(key).and_then(Value::as_str) else {
                continue;
            };
            let have = pod
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default();
            if want != have {
                let mut b = self.conflict_template.clone();
                b["message"] = json!(format!(
                    "Operation cannot be fulfilled on Pod \"{name}\": the {what} in the precondition ({want}) does not match the {what} in record ({have}). The object might have been {tail}"
                ));
                b["details"] = json!({"name": name, "kind": "Pod"});
                return Some(Answer::json(409, &b));
            }
        }
        None
    }

    /// A real eviction of a pod set with [`Options::recreate`]; `None` (the dry-run
    /// handler answers) for dry runs and other pods.
    fn evict_for_real(
        &self,
        ns: &str,
        name: &str,
        query: &[(String, String)],
        body: Option<&str>,
    ) -> Option<Answer> {
        let eviction: Value = serde_json::from_str(body?).ok()?;
        let dry_run = query_value(query, "dryRun") == Some("All")
            || eviction
                .pointer("/deleteOptions/dryRun")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|v| v == "All"));
        let replacement = self
            .options
            .recreated
            .get(&(ns.to_string(), name.to_string()));
        if dry_run || replacement.is_none() {
            return None;
        }
        let Some(pod) = self.stored("pods", ns, name) else {
            return Some(Self::missing("pods", name));
        };
        if let Some(conflict) =
            self.pod_preconditions(&pod, eviction.pointer("/deleteOptions/preconditions"), name)
        {
            return Some(conflict);
        }
        if let Some(file) = self
            .options
            .refused_evictions
            .get(&(ns.to_string(), name.to_string()))
        {
            return Some(Answer::json(429, &fixture(file)));
        }
        self.store("pods", ns, name, replacement.cloned());
        Some(Answer::json(
            201,
            &fixture("POST_api_v1_namespaces_shop_pods_orders-db-0_eviction_dryRunAll.json"),
        ))
    }
}

fn item_namespace(item: &Value) -> Option<&str> {
    item.pointer("/metadata/namespace").and_then(Value::as_str)
}

fn query_value<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The 404 a real API server sends for a path it does not serve.
fn not_found() -> Answer {
    Answer::status(
        404,
        "NotFound",
        "the server could not find the requested resource",
        Some(json!({})),
    )
}

/// What the fake puts in a continue token. Opaque to clients (hex of JSON), and tied to one
/// list so a token from another list is refused like a malformed one.
struct ContinueToken {
    resource: String,
    namespace: Option<String>,
    start: usize,
}

impl ContinueToken {
    fn encode(&self) -> String {
        let raw = json!({
            "v": "fake-apiserver/v1",
            "resource": self.resource,
            "namespace": self.namespace,
            "start": self.start,
        })
        .to_string();
        raw.bytes().map(|b| format!("{b:02x}")).collect()
    }

    fn decode(token: &str) -> Option<Self> {
        if !token.len().is_multiple_of(2) || !token.is_ascii() {
            return None;
        }
        let bytes: Vec<u8> = (0..token.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
            .collect::<Option<_>>()?;
        let v: Value = serde_json::from_slice(&bytes).ok()?;
        if v.get("v")?.as_str()? != "fake-apiserver/v1" {
            return None;
        }
        Some(ContinueToken {
            resource: v.get("resource")?.as_str()?.to_string(),
            namespace: match v.get("namespace")? {
                Value::Null => None,
                ns => Some(ns.as_str()?.to_string()),
            },
            start: usize::try_from(v.get("start")?.as_u64()?).ok()?,
        })
    }
}

/// A response before it is turned into HTTP.
struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    issued_continue: Option<String>,
}

impl Answer {
    fn json(status: u16, body: &Value) -> Self {
        // The real server ends compact JSON with a newline for non-browser clients.
        let mut bytes = body.to_string().into_bytes();
        bytes.push(b'\n');
        Answer {
            status,
            content_type: "application/json",
            body: bytes,
            issued_continue: None,
        }
    }

    /// A failure Status shaped like the recorded ones.
    fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Self {
        let mut body = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        });
        if let Some(d) = details {
            body["details"] = d;
        }
        Answer::json(code, &body)
    }

    fn html(status: u16) -> Self {
        let reason = StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        let page = format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n\
             <center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
             </body>\r\n</html>\r\n"
        );
        Answer {
            status,
            content_type: "text/html; charset=utf-8",
            body: page.into_bytes(),
            issued_continue: None,
        }
    }

    fn into_response(self) -> Response {
        let mut res = Response::new(Body::from(self.body));
        *res.status_mut() =
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(self.content_type),
        );
        res
    }
}

/// Every request lands here: record it, wait if asked, answer, record the answer.
async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20)
        .await
        .ok()
        .filter(|b| !b.is_empty())
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let req = Request::from_parts(parts, Body::empty());
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = parse_query(req.uri().query().unwrap_or_default());
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // Who the Forbidden message names: the impersonated user, else the token's user.
    let user = headers
        .iter()
        .find(|(k, _)| k == "impersonate-user")
        .map_or_else(|| "fake".to_string(), |(_, v)| v.clone());
    let slot = {
        let mut log = shared.log();
        log.push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            headers,
            started,
            finished: None,
            status: None,
            issued_continue: None,
            body: body.clone(),
        });
        log.len() - 1
    };

    if !shared.options.delay.is_zero() {
        tokio::time::sleep(shared.options.delay).await;
    }
    let fault = shared.fault(&method, &path, &query, body.as_deref());
    if let Some(FaultAnswer::Delay(d)) = fault {
        tokio::time::sleep(d).await;
    }
    let expansion = match fault {
        Some(FaultAnswer::Status(_)) => None,
        _ => shared
            .options
            .expansion
            .as_ref()
            .and_then(|x| x.answer(&method, &path, &query, body.as_deref())),
    };
    let watching =
        method == Method::GET && matches!(query_value(&query, "watch"), Some("1" | "true"));
    if watching && let Some((kind, namespace)) = route(&path) {
        let answer = match &shared.options.watch {
            _ if shared.options.forbidden.contains(kind.resource) => {
                Some(shared.forbidden(kind, namespace, &user))
            }
            None => Some(Answer::status(
                405,
                "MethodNotAllowed",
                "watch is not served",
                None,
            )),
            Some(_) => None,
        };
        if let Some(r) = shared.log().get_mut(slot) {
            r.finished = Some(Instant::now());
            r.status = Some(answer.as_ref().map_or(200, |a| a.status));
        }
        if let Some(a) = answer {
            return a.into_response();
        }
        let hub = shared.options.watch.as_ref().expect("checked above");
        let from = query_value(&query, "resourceVersion")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut res = Response::new(watch::body(hub, kind.resource, from));
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        return res;
    }
    let answer = if let Some(FaultAnswer::Status(code)) = fault {
        fault_status(code)
    } else if let Some(a) = expansion {
        a
    } else if let Some(a) = shared.rollout_answer(
        &method,
        &path,
        &query,
        content_type.as_deref(),
        body.as_deref(),
    ) {
        a
    } else if let Some(a) = shared.prometheus_answer(&method, &path, &query) {
        a
    } else if let Some(a) = shared.options.custom.as_ref().and_then(|c| {
        c.answer(
            &method,
            &path,
            &query,
            content_type.as_deref(),
            body.as_deref(),
            &|plural| shared.options.forbidden.contains(plural),
        )
    }) {
        a
    } else if method == Method::DELETE {
        shared.delete(&path, &query, body.as_deref())
    } else if method == Method::POST && eviction_route(&path).is_some() {
        shared.evict(&path, &query, body.as_deref())
    } else if let (true, Some(names)) = (
        method == Method::GET && path == "/api/v1/namespaces",
        &shared.options.namespaces,
    ) {
        let items: Vec<Value> = names
            .iter()
            .map(|n| json!({"metadata": {"name": n, "resourceVersion": "1"}, "status": {"phase": "Active"}}))
            .collect();
        Answer::json(
            200,
            &json!({"kind": "NamespaceList", "apiVersion": "v1", "metadata": {"resourceVersion": "334"}, "items": items}),
        )
    } else {
        shared.answer(&method, &path, &query, &user)
    };

    if let Some(r) = shared.log().get_mut(slot) {
        r.finished = Some(Instant::now());
        r.status = Some(answer.status);
        r.issued_continue = answer.issued_continue.clone();
    }
    answer.into_response()
}

/// `a=1&b=x%3Dy` into pairs, percent- and plus-decoded like a form.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    // A stray `%` is kept as it is: the fake records, it does not judge.
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
