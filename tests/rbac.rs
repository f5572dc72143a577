//! The shipped RBAC roles stay in step with what the tool does: every kind the collector
//! lists is readable with the read-only role, the node proxy stays a separate opt-in, and
//! every API request the commands and the actions make is allowed by the roles documented
//! for them: the requests recorded by a fake API server while the real binary runs each
//! command, plus a list, kept here, of the requests of actions that cannot run against the
//! fake yet, each with the code that sends it.

mod support;

use kubectl_sts::snapshot::Source;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use support::fake_apiserver::{
    Expansion, FakeApiServer, Options, RecordedRequest, Resizer, WatchHub, fixture, fixture_items,
};

fn role(file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/rbac")
            .join(file),
    )
    .unwrap();
    let doc: Value = serde_saphyr::from_str(&text).unwrap();
    doc["rules"].as_array().unwrap().clone()
}

fn allows(rules: &[Value], resource: &str, verb: &str) -> bool {
    rules.iter().any(|r| {
        let has = |key: &str, want: &str| {
            r[key]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v == want || v == "*"))
        };
        has("resources", resource) && has("verbs", verb)
    })
}

#[test]
fn read_role_covers_every_listed_kind() {
    let rules = role("kubectl-sts-read.yaml");
    for s in Source::ALL {
        assert!(
            allows(&rules, s.resource(), "list"),
            "read role cannot list {}",
            s.resource()
        );
    }
    assert!(allows(&rules, "pods/log", "get"), "--logs needs pods/log");
    assert!(
        !allows(&rules, "secrets", "get") && !allows(&rules, "secrets", "list"),
        "never Secrets"
    );
    assert!(
        !allows(&rules, "nodes/proxy", "get"),
        "node proxy is a separate opt-in"
    );
    for r in &rules {
        for v in r["verbs"].as_array().unwrap() {
            assert!(
                v == "get" || v == "list" || v == "watch",
                "read role has verb {v}"
            );
        }
    }
}

#[test]
fn node_proxy_is_its_own_role() {
    let rules = role("kubectl-sts-node-proxy.yaml");
    assert!(allows(&rules, "nodes/proxy", "get"));
    assert_eq!(rules.len(), 1);
}

#[test]
fn act_role_has_evictions_not_pod_deletes() {
    let rules = role("kubectl-sts-act.yaml");
    assert!(allows(&rules, "pods/eviction", "create"));
    assert!(
        !allows(&rules, "pods", "delete"),
        "restarts go through evictions so budgets hold"
    );
}

// ------------------------------------------------------------------ every request, covered

/// What RBAC checks for one request: verb, API group, resource (with `/subresource`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attributes {
    verb: &'static str,
    group: String,
    resource: String,
}

/// `allows`, with the API group checked too.
fn allows_in(rules: &[Value], a: &Attributes) -> bool {
    rules.iter().any(|r| {
        let has = |key: &str, want: &str| {
            r[key]
                .as_array()
                .is_some_and(|v| v.iter().any(|x| x == want || x == "*"))
        };
        has("apiGroups", &a.group) && has("resources", &a.resource) && has("verbs", a.verb)
    })
}

/// The RBAC attributes of a request path, as the API server's request-info resolver derives
/// them: `/api/v1/...` is the core group, `/apis/GROUP/VERSION/...` a named one; then
/// `[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE...]]`, where `namespaces/NS` alone is the
/// Namespace object. A GET of a collection is `list`.
fn attributes(method: &str, path: &str, query: &[(String, String)]) -> Attributes {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, rest) = match segs.as_slice() {
        ["api", _v, rest @ ..] => (String::new(), rest),
        ["apis", g, _v, rest @ ..] => (g.to_string(), rest),
        _ => panic!("not a resource request: {method} {path}"),
    };
    let rest: &[&str] = match rest {
        ["namespaces", _ns, tail @ ..] if !tail.is_empty() => tail,
        other => other,
    };
    let (resource, name, sub) = match rest {
        [r] => (*r, None, None),
        [r, n] => (*r, Some(*n), None),
        [r, n, s, ..] => (*r, Some(*n), Some(*s)),
        [] => panic!("no resource in {path}"),
    };
    let watch = query.iter().any(|(k, v)| k == "watch" && v == "true");
    let verb = match (method, name.is_some()) {
        ("GET", _) if watch => "watch",
        ("GET", true) => "get",
        ("GET", false) => "list",
        ("POST", _) => "create",
        ("PATCH", _) => "patch",
        ("PUT", _) => "update",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => panic!("unexpected method {method} {path}"),
    };
    Attributes {
        verb,
        group,
        resource: match sub {
            Some(s) => format!("{resource}/{s}"),
            None => resource.to_string(),
        },
    }
}

#[test]
fn request_attributes_follow_the_api_servers_rules() {
    let a = |m: &str, p: &str| {
        let x = attributes(m, p, &[]);
        (x.verb, x.group, x.resource)
    };
    assert_eq!(
        a("GET", "/api/v1/namespaces"),
        ("list", "".into(), "namespaces".into())
    );
    assert_eq!(
        a("GET", "/api/v1/namespaces/shop/pods"),
        ("list", "".into(), "pods".into())
    );
    assert_eq!(
        a("POST", "/api/v1/namespaces/shop/pods/zk-0/eviction"),
        ("create", "".into(), "pods/eviction".into())
    );
    assert_eq!(
        a("GET", "/api/v1/nodes/node-a/proxy/stats/summary"),
        ("get", "".into(), "nodes/proxy".into())
    );
    assert_eq!(
        a("DELETE", "/apis/apps/v1/namespaces/shop/statefulsets/db"),
        ("delete", "apps".into(), "statefulsets".into())
    );
    assert_eq!(
        a("GET", "/apis/apps/v1/statefulsets"),
        ("list", "apps".into(), "statefulsets".into())
    );
}

/// Which roles a run is documented to need.
#[derive(Debug, Clone, Copy)]
enum Needs {
    /// kubectl-sts-read.yaml alone.
    Read,
    /// kubectl-sts-read.yaml and kubectl-sts-act.yaml.
    Act,
    /// kubectl-sts-read.yaml and kubectl-sts-node-proxy.yaml.
    NodeProxy,
    /// kubectl-sts-read.yaml and kubectl-sts-prometheus-proxy.yaml.
    ServiceProxy,
}

fn rules_for(needs: Needs) -> Vec<Value> {
    let mut rules = role("kubectl-sts-read.yaml");
    match needs {
        Needs::Read => {}
        Needs::Act => rules.extend(role("kubectl-sts-act.yaml")),
        Needs::NodeProxy => rules.extend(role("kubectl-sts-node-proxy.yaml")),
        Needs::ServiceProxy => rules.extend(role("kubectl-sts-prometheus-proxy.yaml")),
    }
    rules
}

fn assert_covered(what: &str, needs: Needs, reqs: &[RecordedRequest]) {
    assert!(!reqs.is_empty(), "{what}: no request recorded");
    let rules = rules_for(needs);
    for r in reqs {
        let a = attributes(&r.method, &r.path, &r.query);
        assert!(
            allows_in(&rules, &a),
            "{what}: {} {} needs {a:?}, not granted by the roles for {needs:?}",
            r.method,
            r.path
        );
    }
}

/// The binary against `server`, with no terminal.
fn sts(server: &FakeApiServer, dir: &tempfile::TempDir) -> Command {
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, server.kubeconfig()).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-sts"));
    c.env("KUBECONFIG", &kc)
        .env("HOME", dir.path())
        .env("NO_COLOR", "1");
    c
}

/// Runs `args` against a fresh fake and returns what it asked for.
fn requests_of(options: Options, args: &[&str]) -> Vec<RecordedRequest> {
    let server = FakeApiServer::with(options);
    let dir = tempfile::TempDir::new().unwrap();
    let out = sts(&server, &dir).args(args).output().unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(1)),
        "{args:?} exited {code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.requests()
}

/// The recorded shop plus what a scale-down left behind (a claim without a pod) and a PV
/// Released with reclaim policy Retain: something for `orphans --delete` to delete.
fn with_orphans() -> Options {
    let mut claims = fixture_items("persistentvolumeclaims");
    let mut c = claims[0].clone();
    c["metadata"]["name"] = json!("data-orders-db-5");
    c["metadata"]["uid"] = json!("uid-5");
    c["metadata"]["resourceVersion"] = json!("503");
    c["spec"]["volumeName"] = json!("pvc-uid-5");
    claims.push(c);
    let mut pvs = fixture_items("persistentvolumes");
    let mut released = pvs[0].clone();
    released["metadata"]["name"] = json!("pv-orders-old");
    released["metadata"]["uid"] = json!("uid-pv-old");
    released["metadata"]["resourceVersion"] = json!("600");
    released["spec"]["persistentVolumeReclaimPolicy"] = json!("Retain");
    released["spec"]["claimRef"]["name"] = json!("data-orders-db-9");
    released["spec"]["claimRef"]["uid"] = json!("uid-gone");
    released["status"] = json!({"phase": "Released"});
    pvs.push(released);
    Options::default()
        .items("persistentvolumeclaims", claims)
        .items("persistentvolumes", pvs)
}

#[test]
fn every_request_the_commands_make_is_allowed_by_their_roles() {
    // Read-only commands: the read role alone.
    for args in [
        &["diagnose", "-A"][..],
        &["diagnose", "-n", "shop", "--logs"][..],
        &["snapshot", "-A"][..],
        &["orphans", "-A"][..],
        &["drain-check", "node-a"][..],
        &["__complete", "--", "-n", ""][..],
        &["__complete", "--", "-n", "shop", "diagnose", ""][..],
        &["__complete", "--", "drain-check", ""][..],
    ] {
        let reqs = requests_of(Options::default().namespaces(&["default", "shop"]), args);
        assert_covered(&args.join(" "), Needs::Read, &reqs);
    }
    // --watch: a list then a watch of each kind, still the read role.
    let reqs = requests_of(
        Options::default().watch(std::sync::Arc::new(WatchHub::default())),
        &[
            "diagnose",
            "-n",
            "shop",
            "--watch",
            "--timeout",
            "2s",
            "-o",
            "json",
        ],
    );
    assert!(
        reqs.iter().any(|r| r.query_value("watch") == Some("true")),
        "no watch request"
    );
    assert_covered("diagnose --watch", Needs::Read, &reqs);

    // --volume-stats reads each kubelet through the node proxy: the opt-in role.
    let reqs = requests_of(
        Options::default(),
        &["diagnose", "-n", "shop", "--volume-stats"],
    );
    assert!(
        reqs.iter().any(|r| r.path.contains("/proxy/")),
        "no node proxy read"
    );
    assert_covered("diagnose --volume-stats", Needs::NodeProxy, &reqs);
    let proxy: Vec<_> = reqs
        .iter()
        .filter(|r| r.path.contains("/proxy/"))
        .cloned()
        .collect();
    assert!(
        !proxy.iter().any(|r| allows_in(
            &rules_for(Needs::Act),
            &attributes(&r.method, &r.path, &r.query)
        )),
        "the node proxy must stay out of the read and action roles"
    );

    // --prometheus svc/...: the Prometheus service through the service proxy, its own role.
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/prometheus/shop-queries.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let answers = recorded["answers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let reqs = requests_of(
        Options::default().prometheus_service("monitoring", "prometheus-k8s:9090", answers),
        &[
            "diagnose",
            "-n",
            "shop",
            "--prometheus",
            "svc/monitoring/prometheus-k8s:9090",
            "--now",
            recorded["evaluatedAt"].as_str().unwrap(),
        ],
    );
    assert!(
        reqs.iter()
            .any(|r| r.path.contains("/services/prometheus-k8s:9090/proxy/")),
        "no service proxy read"
    );
    assert_covered("diagnose --prometheus svc/...", Needs::ServiceProxy, &reqs);
    assert!(
        !reqs.iter().any(|r| r.path.contains("/proxy/")
            && allows_in(
                &rules_for(Needs::Act),
                &attributes(&r.method, &r.path, &r.query)
            )),
        "the service proxy must stay out of the read and action roles"
    );

    // Actions: read plus the action role.
    let reqs = requests_of(
        with_orphans(),
        &["orphans", "-n", "shop", "--delete", "--yes"],
    );
    assert!(
        reqs.iter().filter(|r| r.method == "DELETE").count() >= 4,
        "dry run and deletion of a claim and a volume: {:?}",
        reqs.iter()
            .map(|r| (&r.method, &r.path))
            .collect::<Vec<_>>()
    );
    assert_covered("orphans --delete", Needs::Act, &reqs);
    let reqs = requests_of(
        Options::default(),
        &["drain-check", "node-a", "--server-dry-run"],
    );
    assert!(
        reqs.iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/eviction"))
    );
    assert_covered("drain-check --server-dry-run", Needs::Act, &reqs);
}

/// The actions that change a StatefulSet and its volumes, run for real against the fake:
/// a canary (dry-run patch, then the patch), and a whole volume expansion (claims patched,
/// a pod evicted to grow its filesystem, the StatefulSet deleted with --cascade=orphan and
/// re-created).
#[test]
fn rollout_and_pvc_expand_requests_are_allowed_by_the_action_role() {
    let reqs = requests_of(
        Options::default(),
        &[
            "rollout",
            "canary",
            "orders-db",
            "-n",
            "shop",
            "--replicas",
            "1",
            "--yes",
        ],
    );
    assert!(reqs.iter().any(|r| r.method == "PATCH"), "no patch sent");
    assert_covered("rollout canary", Needs::Act, &reqs);

    let exp = std::sync::Arc::new(
        Expansion::new(
            fixture("GET_apis_apps_v1_namespaces_shop_statefulsets_orders-db.json"),
            fixture_items("persistentvolumeclaims"),
            fixture_items("pods"),
        )
        .resizer("data-orders-db-2", Resizer::Offline),
    );
    let dir = tempfile::TempDir::new().unwrap();
    let backups = dir.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let reqs = requests_of(
        Options::default().expansion(exp),
        &[
            "pvc-expand",
            "orders-db",
            "-n",
            "shop",
            "--size",
            "20Gi",
            "--apply",
            "--yes",
            "--online-resize-wait",
            "1s",
            "--step-timeout",
            "30s",
            "--backup-dir",
            backups.to_str().unwrap(),
        ],
    );
    for (method, tail) in [
        ("PATCH", "persistentvolumeclaims/data-orders-db-2"),
        ("POST", "/eviction"),
        ("DELETE", "statefulsets/orders-db"),
        ("POST", "/statefulsets"),
    ] {
        assert!(
            reqs.iter()
                .any(|r| r.method == method && r.path.ends_with(tail)),
            "pvc-expand --apply sent no {method} …{tail}: {:?}",
            reqs.iter()
                .map(|r| (&r.method, &r.path))
                .collect::<Vec<_>>()
        );
    }
    assert_covered("pvc-expand --apply", Needs::Act, &reqs);
}

/// The requests the actions can make, read from their code: (method, path, roles, where it is
/// sent). The runs above cover the paths the fake can drive; this list also holds the ones it
/// cannot reach (rollout step's eviction under OnDelete, the re-reads while waiting).
const ACTION_REQUESTS: &[(&str, &str, Needs, &str)] = &[
    // rollout canary|step|promote|pause|undo: merge patch of the StatefulSet with its
    // resourceVersion, dry run first (src/act/patch.rs, src/rollout/actions.rs).
    (
        "PATCH",
        "/apis/apps/v1/namespaces/NS/statefulsets/NAME",
        Needs::Act,
        "src/act/patch.rs",
    ),
    // rollout step under OnDelete: one pod replaced through an eviction (src/act/evict.rs).
    (
        "POST",
        "/api/v1/namespaces/NS/pods/NAME/eviction",
        Needs::Act,
        "src/act/evict.rs",
    ),
    // pvc-expand plan: quota headroom, one list (src/cmd/pvc_expand.rs, read_quotas).
    (
        "GET",
        "/api/v1/namespaces/NS/resourcequotas",
        Needs::Read,
        "src/cmd/pvc_expand.rs",
    ),
    // pvc-expand --apply (src/expand/apply/): grow each claim, read it back while waiting,
    // restart a pod by eviction, read the StatefulSet, delete it with --cascade=orphan and
    // preconditions, wait until it is gone, re-create it (dry run, then for real).
    (
        "PATCH",
        "/api/v1/namespaces/NS/persistentvolumeclaims/NAME",
        Needs::Act,
        "src/expand/apply/claims.rs",
    ),
    (
        "GET",
        "/api/v1/namespaces/NS/persistentvolumeclaims/NAME",
        Needs::Read,
        "src/expand/apply/claims.rs",
    ),
    (
        "POST",
        "/api/v1/namespaces/NS/pods/NAME/eviction",
        Needs::Act,
        "src/expand/apply/restart.rs",
    ),
    (
        "GET",
        "/api/v1/namespaces/NS/pods/NAME",
        Needs::Read,
        "src/expand/apply/restart.rs",
    ),
    (
        "GET",
        "/api/v1/namespaces/NS/pods",
        Needs::Read,
        "src/expand/apply/replace.rs",
    ),
    (
        "GET",
        "/apis/apps/v1/namespaces/NS/statefulsets/NAME",
        Needs::Read,
        "src/expand/apply/replace.rs",
    ),
    (
        "DELETE",
        "/apis/apps/v1/namespaces/NS/statefulsets/NAME",
        Needs::Act,
        "src/expand/apply/replace.rs",
    ),
    (
        "POST",
        "/apis/apps/v1/namespaces/NS/statefulsets",
        Needs::Act,
        "src/expand/apply/replace.rs",
    ),
    // orphans --delete re-checks mounts right before deleting: pods and StatefulSets of the
    // namespace (src/cmd/orphans.rs, MountRecheck); also covered by the run above.
    (
        "GET",
        "/api/v1/namespaces/NS/pods",
        Needs::Read,
        "src/cmd/orphans.rs",
    ),
    (
        "GET",
        "/apis/apps/v1/namespaces/NS/statefulsets",
        Needs::Read,
        "src/cmd/orphans.rs",
    ),
    // diagnose --logs: the previous run of crash-looping containers (src/snapshot/extras.rs).
    (
        "GET",
        "/api/v1/namespaces/NS/pods/NAME/log",
        Needs::Read,
        "src/snapshot/extras.rs",
    ),
];

#[test]
fn every_action_request_in_the_list_is_allowed_by_its_role() {
    for (method, path, needs, source) in ACTION_REQUESTS {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(source).exists(),
            "{source} is gone: update the list"
        );
        let a = attributes(method, path, &[]);
        assert!(
            allows_in(&rules_for(*needs), &a),
            "{method} {path} ({source}) needs {a:?}, not granted by the roles for {needs:?}"
        );
        if let Needs::Act = needs {
            assert!(
                !allows_in(&role("kubectl-sts-read.yaml"), &a),
                "{method} {path} is a write and must not be in the read role"
            );
        }
    }
    let act = role("kubectl-sts-act.yaml");
    for r in &act {
        for v in r["verbs"].as_array().unwrap() {
            assert_ne!(v, "*", "no wildcard verbs in the action role");
        }
    }
    assert!(!allows_in(
        &act,
        &attributes("DELETE", "/api/v1/namespaces/NS/pods/NAME", &[])
    ));
    assert!(!allows_in(
        &act,
        &attributes("GET", "/api/v1/namespaces/NS/secrets", &[])
    ));
}
