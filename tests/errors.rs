//! Errors people can act on: each case issue 11 lists ends with exit 2 and one line on
//! stderr (`error: ...`, no backtrace, no cause chain over several lines) that names what
//! was wrong and what to do: an unknown namespace, StatefulSet or node (with the closest
//! names), bad `--size`, `--now`, `-o` and other flag values, an unreadable or malformed
//! file, kubeconfig problems (none, malformed, no current context, context not found, exec
//! plugin missing or failing), an unreachable cluster (within `--request-timeout`), and a
//! server that answers with something that is not Kubernetes. And a reader that closes the
//! pipe early (`| head`) ends the run quietly instead of with a panic.
//!
//! Where else error cases are pinned: `tests/cli.rs` (unknown StatefulSet in a file, missing
//! and malformed files), `tests/collector.rs` (unreachable, HTML), `tests/drain_check.rs`
//! (unknown nodes, missing arguments), `tests/pvc_expand.rs` (size typos with what was
//! meant), `tests/rollout.rs` (actions on a file). Here every case also asserts one line.
//!
//! The unknown-namespace rule (see `cmd::input::check_namespace`): live, with `-n NS`, when
//! every namespaced list that could be read came back empty, one list of namespaces decides.
//! NS not in it: exit 2 with the closest names. NS in it: an empty namespace, no message.
//! Namespaces not listable: a note on stderr (the namespace may exist), and the run goes on.

mod support;

use std::time::{Duration, Instant};
use support::fake_apiserver::{FakeApiServer, Options, kubeconfig_for};
use support::harness::{Env, Run, bare, run};

const EXAMPLE: &str = "docs/examples/cassandra-node-lost.yaml";

fn live(server: &FakeApiServer) -> Env {
    Env::with_kubeconfig(&kubeconfig_for(&server.url()))
}

/// The one error line of a run that could not run, without the `error: ` prefix.
fn error_of(r: &Run) -> String {
    r.usage_error()
        .strip_prefix("error: ")
        .unwrap_or_default()
        .to_string()
}

// ---------------------------------------------------------------- names

/// Every command that takes `-n`, on namespace `ns`.
fn in_namespace(ns: &str) -> Vec<Vec<String>> {
    [
        "diagnose",
        "orphans",
        "snapshot",
        "rollout status orders-db",
        "pvc-expand orders-db --size 20Gi",
        "drain-check node-a",
    ]
    .iter()
    .map(|c| c.split(' ').chain(["-n", ns]).map(str::to_string).collect())
    .collect()
}

#[test]
fn an_unknown_namespace_is_exit_2_with_the_closest_names() {
    let server =
        FakeApiServer::with(Options::default().namespaces(&["default", "kube-system", "shop"]));
    let env = live(&server);
    for args in in_namespace("shp") {
        let r = run(env.sts().args(&args));
        assert_eq!(
            error_of(&r),
            "namespace shp not found: it has no StatefulSets, pods or claims and is not in the cluster's list of namespaces; did you mean shop?",
            "{args:?}"
        );
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    // One list of namespaces per run, only because everything came back empty.
    let ns_lists = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/namespaces")
        .count();
    assert_eq!(ns_lists, in_namespace("shp").len());
}

#[test]
fn an_existing_empty_namespace_is_empty_not_an_error() {
    let server = FakeApiServer::with(Options::default().namespaces(&["empty", "shop"]));
    let env = live(&server);
    let r = run(env.sts().args(["diagnose", "-n", "empty", "-o", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["findings"], serde_json::json!([]));
    assert!(!r.stderr.contains("namespace"), "{}", r.stderr);
}

#[test]
fn when_namespaces_cannot_be_listed_an_empty_namespace_gets_a_note_not_an_error() {
    // The fake answers GET /api/v1/namespaces with 404 unless told otherwise.
    let server = FakeApiServer::start();
    let env = live(&server);
    let r = run(env.sts().args(["diagnose", "-n", "shp"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "note: namespace shp has no StatefulSets, pods or claims; does it exist? (namespaces could not be listed to check: not served by this API server (404))"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn a_namespace_with_objects_costs_no_extra_request() {
    let server = FakeApiServer::with(Options::default().namespaces(&["shop"]));
    let env = live(&server);
    let r = run(env.sts().args(["diagnose", "-n", "shop", "-o", "json"]));
    assert_ne!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        server.requests().len(),
        13,
        "one list per kind, nothing else"
    );
}

#[test]
fn an_unknown_statefulset_is_exit_2_with_the_closest_names() {
    // From a file: the commands that name one StatefulSet.
    for cmd in [
        "diagnose casandra",
        "rollout casandra",
        "rollout status casandra",
        "pvc-expand casandra --size 20Gi",
    ] {
        let r = run(bare().args(["-f", EXAMPLE]).args(cmd.split(' ')));
        assert_eq!(
            error_of(&r),
            "statefulset casandra not found; did you mean cassandra?",
            "{cmd}"
        );
    }
    // Live, in a namespace, including the actions (refused before any change).
    let server = FakeApiServer::with(Options::default().serve_pods());
    let env = live(&server);
    for cmd in [
        "diagnose orders-dbb",
        "rollout status orders-dbb",
        "rollout step orders-dbb --yes",
        "rollout undo orders-dbb --yes",
        "pvc-expand orders-dbb --size 20Gi",
        "pvc-expand orders-dbb --size 20Gi --apply --yes",
    ] {
        let r = run(env.sts().args(["-n", "shop"]).args(cmd.split(' ')));
        let e = error_of(&r);
        assert!(
            e.starts_with("statefulset orders-dbb not found") && e.contains("orders-db"),
            "{cmd}: {e}"
        );
    }
    assert!(
        server.requests().iter().all(|r| r.method == "GET"),
        "nothing but reads"
    );
}

#[test]
fn an_unknown_node_is_exit_2_with_the_closest_names() {
    let r = run(bare().args(["-f", EXAMPLE, "drain-check", "node-9"]));
    assert_eq!(
        error_of(&r),
        "node node-9 not found; did you mean node-1, node-3, node-4?"
    );
    let server = FakeApiServer::start();
    let env = live(&server);
    let r = run(env
        .sts()
        .args(["drain-check", "node-x", "--server-dry-run"]));
    assert_eq!(
        error_of(&r),
        "node node-x not found; did you mean node-a, node-b, node-c?"
    );
    assert!(server.requests().iter().all(|r| r.method == "GET"));
}

// ---------------------------------------------------------------- flag values

#[test]
fn bad_flag_values_are_one_line_saying_what_was_expected() {
    for (args, says) in [
        (
            "pvc-expand cassandra --size 10GB",
            "invalid size \"10GB\": not a Kubernetes quantity; did you mean 10Gi?",
        ),
        (
            "pvc-expand cassandra --size=-5Gi",
            "invalid size \"-5Gi\": a volume size must be at least one byte",
        ),
        (
            "pvc-expand cassandra --size 99Ei",
            "invalid size \"99Ei\": larger than 8Ei",
        ),
        ("diagnose --now yesterday", "invalid --now \"yesterday\": "),
        (
            "diagnose -o xml",
            "invalid value 'xml' for '--output <OUTPUT>' [possible values: table, json, yaml]",
        ),
        (
            "diagnose --fail-on sometimes",
            "invalid value 'sometimes' for '--fail-on <FAIL_ON>'",
        ),
        (
            "diagnose --request-timeout soon",
            "invalid duration \"soon\": use a number with a unit, e.g. 30s, 2m, 1h",
        ),
        (
            "rollout status cassandra --timeout 0",
            "invalid --timeout \"0\": it must be above 0",
        ),
        ("orphans --price-per-gib cheap", "'--price-per-gib <PRICE>'"),
        (
            "pvc-expand cassandra",
            "the following required arguments were not provided: --size <SIZE>",
        ),
        ("diagnose --bogus", "unexpected argument '--bogus' found"),
    ] {
        let r = run(bare().args(["-f", EXAMPLE]).args(args.split(' ')));
        let e = error_of(&r);
        assert!(e.contains(says), "{args}: {e}");
        assert!(r.stdout.is_empty(), "{args}: {}", r.stdout);
    }
}

// ---------------------------------------------------------------- files

#[test]
fn unreadable_and_malformed_files_are_one_line_naming_the_file() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    std::fs::write(
        path("bad.yaml"),
        "kind: List\nitems:\n  - {kind: Pod\n   bad: [\n",
    )
    .unwrap();
    std::fs::write(
        path("wrong.json"),
        r#"{"kind":"List","items":[{"kind":"Pod","apiVersion":"v1","metadata":{"name":5}}]}"#,
    )
    .unwrap();
    std::fs::write(
        path("types.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: nope}\n",
    )
    .unwrap();
    std::fs::write(path("binary.dat"), [0xff, 0xfe, 0x00, 0x01, 0x80]).unwrap();
    std::fs::create_dir(path("a-directory")).unwrap();
    for (file, says) in [
        ("missing.yaml", "cannot read {}: No such file or directory"),
        ("a-directory", "cannot read {}: Is a directory"),
        ("binary.dat", "{}: not UTF-8 text"),
        (
            "bad.yaml",
            "{}: invalid YAML: error: line 4 column 9: unclosed bracket '['",
        ),
        (
            "wrong.json",
            "{}: document 1, item 1: expected a Kubernetes object or List",
        ),
        (
            "types.yaml",
            "{}: document 1 (Pod x): invalid object: invalid type: string \"nope\"",
        ),
    ] {
        for cmd in ["diagnose", "orphans", "drain-check node-1"] {
            let r = run(bare().args(["-f", &path(file)]).args(cmd.split(' ')));
            let e = error_of(&r);
            assert!(
                e.starts_with(&says.replace("{}", &path(file))),
                "{file} {cmd}: {e}"
            );
        }
    }
}

// ---------------------------------------------------------------- kubeconfig

const TWO_CONTEXTS: &str = "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: 'http://127.0.0.1:9'}
users:
- name: u
  user: {token: t}
contexts:
- name: prod
  context: {cluster: c, user: u}
- name: staging
  context: {cluster: c, user: u}
";

fn exec_kubeconfig(command: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: 'http://127.0.0.1:9'}}
users:
- name: u
  user:
    exec:
      command: {command}
      args: [get-token, --cluster, prod]
      apiVersion: client.authentication.k8s.io/v1beta1
contexts:
- name: prod
  context: {{cluster: c, user: u}}
current-context: prod
"
    )
}

#[test]
fn kubeconfig_problems_are_one_line_saying_what_to_do() {
    let no_current = Env::with_kubeconfig(TWO_CONTEXTS);
    assert_eq!(
        error_of(&run(no_current.sts().arg("diagnose"))),
        "kubeconfig has no current-context; pass --context (see `kubectl config get-contexts`)"
    );
    assert_eq!(
        error_of(&run(no_current.sts().args([
            "diagnose",
            "--context",
            "prd"
        ]))),
        "context \"prd\" not found in kubeconfig (contexts: prod, staging)"
    );

    let exec = Env::with_kubeconfig(&exec_kubeconfig("kubectl-nonexistent-plugin"));
    for cmd in [
        "diagnose",
        "orphans --delete --yes",
        "rollout step db --yes",
    ] {
        assert_eq!(
            error_of(&run(exec.sts().args(cmd.split(' ')))),
            "the kubeconfig's credential plugin `kubectl-nonexistent-plugin get-token --cluster prod` could not run: kubectl-nonexistent-plugin was not found (users[].user.exec.command); install it or put it on PATH",
            "{cmd}"
        );
    }

    let malformed = Env::with_kubeconfig("clusters: [\n");
    let e = error_of(&run(malformed.sts().arg("diagnose")));
    assert!(
        e.starts_with(&format!(
            "cannot load kubeconfig {}: ",
            malformed.kubeconfig.display()
        )),
        "{e}"
    );

    // Named once, with the reason, not kube's message that repeats the path.
    let r = run(bare().args(["diagnose", "--kubeconfig", "/nonexistent/config"]));
    assert_eq!(
        error_of(&r),
        "cannot load kubeconfig /nonexistent/config: no such file",
        "{}",
        r.stderr
    );

    // No kubeconfig anywhere and not in a pod.
    let r = run(bare().env_remove("KUBERNETES_SERVICE_HOST").arg("diagnose"));
    assert_eq!(
        error_of(&r),
        "no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a cluster; to read saved state or manifests without a cluster, use --from-file FILE"
    );
}

#[cfg(unix)]
#[test]
fn a_failing_exec_plugin_is_named_with_its_stderr_and_never_its_stdout() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::TempDir::new().unwrap();
    let plugin = dir.path().join("kubectl-broken-login");
    // Half a credential on stdout, then a failure: kube-rs's own message quotes stdout.
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"status\":{\"token\":\"s3cr3t-half-token\"}}'\necho 'error: refresh token expired; run: broken-login' >&2\nexit 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = Env::with_kubeconfig(&exec_kubeconfig(&plugin.display().to_string()));
    let r = run(env.sts().arg("diagnose"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    // The plugin's stderr reaches the terminal as it is (kubectl does the same: a login
    // plugin talks to the person there), then one line of ours naming the command.
    assert_eq!(
        r.stderr.lines().collect::<Vec<_>>(),
        [
            "error: refresh token expired; run: broken-login".to_string(),
            format!(
                "error: the kubeconfig's credential plugin `{} get-token --cluster prod` failed (exit status: 3)",
                plugin.display()
            )
        ]
    );
    assert!(!r.stderr.contains("s3cr3t") && !r.stdout.contains("s3cr3t"));
}

// ---------------------------------------------------------------- the server

#[test]
fn an_unreachable_cluster_fails_within_the_request_timeout() {
    // Refused: a port nothing listens on.
    let url = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let env = Env::with_kubeconfig(&kubeconfig_for(&url));
    for cmd in [
        "diagnose",
        "orphans",
        "drain-check node-a",
        "rollout status db",
    ] {
        let r = run(env.sts().args(cmd.split(' ')));
        assert_eq!(
            error_of(&r),
            format!(
                "cannot reach the Kubernetes API server at {url}/: connection failed: Connection refused (os error 111)"
            ),
            "{cmd}"
        );
    }
    // Silent: it accepts connections and never answers in time.
    let server = FakeApiServer::with(Options::default().delay(Duration::from_secs(30)));
    let env = live(&server);
    for cmd in ["diagnose", "pvc-expand orders-db --size 20Gi"] {
        let started = Instant::now();
        let r = run(env
            .sts()
            .args(["--request-timeout", "1s", "-n", "shop"])
            .args(cmd.split(' ')));
        let took = started.elapsed();
        assert_eq!(
            error_of(&r),
            format!(
                "cannot reach the Kubernetes API server at {}/: timed out after 1s",
                server.url()
            ),
            "{cmd}"
        );
        assert!(took < Duration::from_secs(10), "{cmd}: took {took:?}");
    }
}

#[test]
fn a_server_that_is_not_kubernetes_is_named_in_one_line() {
    let server = FakeApiServer::with(Options::default().not_kubernetes(502));
    let env = live(&server);
    for cmd in [
        "diagnose",
        "orphans",
        "snapshot",
        "drain-check node-a",
        "rollout status orders-db",
        "pvc-expand orders-db --size 20Gi",
    ] {
        let r = run(env.sts().args(["-n", "shop"]).args(cmd.split(' ')));
        let e = error_of(&r);
        assert!(
            e.starts_with(&format!(
                "the server at {}/ did not answer like a Kubernetes API server: unexpected response: HTTP 502 with an HTML page instead of a Kubernetes Status: <html> <head><title>502 Bad Gateway</title>",
                server.url()
            )),
            "{cmd}: {e}"
        );
        assert!(r.stdout.is_empty(), "{cmd}");
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    // `kubectl sts snapshot -A | head`: the pipe closes long before the output ends. That
    // once panicked in `print!` with a backtrace; now it ends like any Unix tool (141).
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("big.json");
    let items: Vec<serde_json::Value> = (0..3000)
        .map(|i| {
            serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": format!("p-{i}"), "namespace": "x", "uid": format!("u{i}")},
                "spec": {"containers": [{"name": "c", "image": "i"}]}, "status": {"phase": "Running"}})
        })
        .collect();
    std::fs::write(
        &file,
        serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string(),
    )
    .unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-sts"))
        .env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent")
        .args(["snapshot", "-f"])
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
