//! No credentials in what the tool prints or writes, and no Secrets read.
//!
//! Every command runs against the fake API server with kubeconfigs whose users hold
//! distinctive credentials: a bearer token with a client certificate and key, a basic-auth
//! password with the same certificate, and an exec plugin that prints a token and gets a
//! secret through its environment. None of them may appear on stdout, on stderr, in the
//! snapshot, or in any file the tool writes (pvc-expand's backup and re-create manifest).
//! The fake records every request: the credentials did reach the server (so the runs were
//! real), and no request ever touched a `secrets` path.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use support::fake_apiserver::{
    Expansion, FakeApiServer, Options, RecordedRequest, fixture, fixture_items,
};
use support::harness::{Env, run};

const TOKEN: &str = "tok-S3CR3T-7d1f0c9a2b4e";
const USERNAME: &str = "oncall-user";
const PASSWORD: &str = "pw-S3CR3T-5e8a1b93";
const EXEC_TOKEN: &str = "exec-S3CR3T-a41c77d02f";
const EXEC_ENV_SECRET: &str = "env-S3CR3T-0b6e2d";

/// A throwaway key and self-signed certificate made for this test only (CN
/// kubectl-sts-test-not-a-real-user); no server trusts them.
const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7jcLvXNh8lJPjT0a\njlVKf/6xQEEfHgr4FUPHSNLdbbKhRANCAATOqyAZVP4TjjSzYdzbkFWqMd25Fha1\nrPWkB6GXlIfeYxxJZtbW8qpw2eoGHkFqp/mH1pPy3i9ofm5+RGvfxbRU\n-----END PRIVATE KEY-----";
const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBrTCCAVOgAwIBAgIUMFzfwqzy/rVYsHk3o0w9inijIjowCgYIKoZIzj0EAwIw\nKzEpMCcGA1UEAwwga3ViZWN0bC1zdHMtdGVzdC1ub3QtYS1yZWFsLXVzZXIwIBcN\nMjYxMTIyMDUyNjU4WhgPMjEyNjEwMjkwNTI2NThaMCsxKTAnBgNVBAMMIGt1YmVj\ndGwtc3RzLXRlc3Qtbm90LWEtcmVhbC11c2VyMFkwEwYHKoZIzj0CAQYIKoZIzj0D\nAQcDQgAEzqsgGVT+E440s2Hc25BVqjHduRYWtaz1pAehl5SH3mMcSWbW1vKqcNnq\nBh5Baqf5h9aT8t4vaH5ufkRr38W0VKNTMFEwHQYDVR0OBBYEFGmMcd2jAuFlXbPc\nLNlT73Hu2KYrMB8GA1UdIwQYMBaAFGmMcd2jAuFlXbPcLNlT73Hu2KYrMA8GA1Ud\nEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAMC5ttOyb8A1KxI5eAUESCLh\nUTVkd9MQ8QJhDDZYzXGQAiACjmh+PtZsHgZbUAJLZ9wOcXx7k4CIUnRvp/JL84TT\nqA==\n-----END CERTIFICATE-----";

fn b64(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What must never show: each credential, and the key's material in either encoding.
fn secrets() -> Vec<String> {
    let mut v = vec![
        TOKEN.to_string(),
        PASSWORD.to_string(),
        EXEC_TOKEN.to_string(),
        EXEC_ENV_SECRET.to_string(),
        b64(KEY_PEM),
        b64(&format!("{USERNAME}:{PASSWORD}")),
    ];
    // Each line of the key's body (a PEM printed whole or in part).
    v.extend(
        KEY_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::to_string),
    );
    v
}

fn assert_clean(what: &str, text: &str) {
    for s in secrets() {
        assert!(
            !text.contains(&s),
            "{what} holds a credential ({s}):\n{text}"
        );
    }
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn kubeconfig(server: &str, user: &str) -> String {
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
{user}
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
current-context: fake
"
    )
}

/// The three kinds of user, as kubeconfig `user:` bodies (indented), each with how its
/// credential shows in the `Authorization` header the server received.
fn users(dir: &Path) -> Vec<(&'static str, String, String)> {
    let plugin = dir.join("kubectl-login-test");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\n[ \"$SECRET_ENV\" = \"{EXEC_ENV_SECRET}\" ] || exit 7\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{EXEC_TOKEN}\"}}}}'\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let cert = format!(
        "    client-certificate-data: {}\n    client-key-data: {}\n",
        b64(CERT_PEM),
        b64(KEY_PEM)
    );
    vec![
        (
            "token and client certificate",
            format!("    token: {TOKEN}\n{cert}"),
            format!("Bearer {TOKEN}"),
        ),
        (
            "password and client certificate",
            format!("    username: {USERNAME}\n    password: {PASSWORD}\n{cert}"),
            format!("Basic {}", b64(&format!("{USERNAME}:{PASSWORD}"))),
        ),
        (
            "exec plugin",
            format!(
                "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      env:\n      - name: SECRET_ENV\n        value: {EXEC_ENV_SECRET}\n",
                plugin.display()
            ),
            format!("Bearer {EXEC_TOKEN}"),
        ),
    ]
}

/// The recorded nodes without the recording's `not-ready` taint.
fn untainted_nodes() -> Vec<Value> {
    fixture_items("nodes")
        .into_iter()
        .map(|mut n| {
            if let Some(spec) = n["spec"].as_object_mut() {
                spec.remove("taints");
            }
            n
        })
        .collect()
}

/// The recorded shop mid-rollout (partition 2, orders-db-2 updated), with two claims a
/// scale-down left: something for every command to read, judge, delete and step.
fn shop() -> Options {
    let rev2 = "orders-db-6b5f8d9c7d";
    let mut sts = fixture_items("statefulsets").remove(0);
    sts["spec"]["updateStrategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
    sts["status"]["updateRevision"] = json!(rev2);
    let mut pods = fixture_items("pods");
    for p in &mut pods {
        if p["metadata"]["name"] == "orders-db-2" {
            p["metadata"]["labels"]["controller-revision-hash"] = json!(rev2);
        }
    }
    let mut claims = fixture_items("persistentvolumeclaims");
    for i in 3..5 {
        let mut c = claims[0].clone();
        c["metadata"]["name"] = json!(format!("data-orders-db-{i}"));
        c["metadata"]["uid"] = json!(format!("uid-{i}"));
        c["metadata"]["resourceVersion"] = json!(format!("50{i}"));
        c["spec"]["volumeName"] = json!(format!("pvc-uid-{i}"));
        c["metadata"].as_object_mut().unwrap().remove("finalizers");
        claims.push(c);
    }
    Options::default()
        .serve_pods()
        .items("statefulsets", vec![sts])
        .items("pods", pods)
        .items("persistentvolumeclaims", claims)
        .items("nodes", untainted_nodes())
}

const COMMANDS: &[&str] = &[
    "diagnose -A",
    "diagnose -A -o json",
    "diagnose -A -o yaml",
    "diagnose orders-db -n shop --logs --volume-stats -o json",
    "snapshot -A",
    "orphans -A -o json",
    "drain-check node-a --server-dry-run -o json",
    "drain-check node-a node-b --plan",
    "rollout status orders-db -n shop -o json",
    "rollout orders-db -n shop",
    "pvc-expand orders-db --size 20Gi -n shop -o json",
    "rollout step orders-db -n shop --yes",
    "orphans -n shop --delete --yes",
    "diagnose --context nope",
    "rollout status nope -n shop",
];

fn no_secrets_read(reqs: &[RecordedRequest]) {
    for r in reqs {
        assert!(
            !r.path.to_ascii_lowercase().contains("/secrets"),
            "a request touched Secrets: {} {}",
            r.method,
            r.path
        );
    }
}

#[test]
fn no_command_prints_or_writes_a_credential_and_none_reads_secrets() {
    let dir = tempfile::TempDir::new().unwrap();
    for (kind, user, header) in users(dir.path()) {
        // Every reading command and the mutations that need no simulation.
        let server = FakeApiServer::with(shop());
        let env = Env::with_kubeconfig(&kubeconfig(&server.url(), &user));
        for cmd in COMMANDS {
            let r = run(env.sts().args(cmd.split(' ')));
            let what = format!("{kind}: {cmd}");
            assert!(
                r.code != 2 || cmd.contains("nope"),
                "{what} could not run: {}",
                r.stderr
            );
            assert_clean(&format!("{what}: stdout"), &r.stdout);
            assert_clean(&format!("{what}: stderr"), &r.stderr);
        }
        let reqs = server.requests();
        assert!(
            reqs.iter()
                .any(|r| r.header("authorization") == Some(header.as_str())),
            "{kind}: the credential reached the server (the runs were real)"
        );
        assert!(
            reqs.iter().any(|r| r.method == "DELETE") && reqs.iter().any(|r| r.method == "PATCH"),
            "{kind}: the mutations ran"
        );
        no_secrets_read(&reqs);

        // pvc-expand --apply writes a backup and a re-create manifest.
        let exp = Expansion::new(
            fixture("GET_apis_apps_v1_namespaces_shop_statefulsets_orders-db.json"),
            fixture_items("persistentvolumeclaims"),
            fixture_items("pods"),
        );
        let server = FakeApiServer::with(Options::default().expansion(Arc::new(exp)));
        let env = Env::with_kubeconfig(&kubeconfig(&server.url(), &user));
        let r = run(env
            .sts()
            .args([
                "pvc-expand",
                "orders-db",
                "-n",
                "shop",
                "--size",
                "20Gi",
                "--apply",
                "--yes",
                "--online-resize-wait",
                "3s",
                "--backup-dir",
            ])
            .arg(env.work()));
        assert_eq!(r.code, 0, "{kind}: {}\n{}", r.stdout, r.stderr);
        assert_clean(&format!("{kind}: pvc-expand --apply stdout"), &r.stdout);
        assert_clean(&format!("{kind}: pvc-expand --apply stderr"), &r.stderr);
        let written = files(&env.work());
        assert_eq!(written.len(), 2, "{kind}: backup and manifest: {written:?}");
        for f in written
            .into_iter()
            .chain(files(&env.dir.path().join("home")))
        {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            assert_clean(&format!("{kind}: {}", f.display()), &text);
        }
        no_secrets_read(&server.requests());
    }
}

#[test]
fn a_secret_in_the_input_is_ignored_and_never_printed() {
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("with-secret.yaml");
    // As `kubectl get -o json` writes them: each item with its kind.
    let mut objects: Vec<Value> = fixture_items("pods")
        .into_iter()
        .map(|mut p| {
            p["kind"] = json!("Pod");
            p["apiVersion"] = json!("v1");
            p
        })
        .collect();
    objects.push(json!({"apiVersion": "v1", "kind": "Secret",
                        "metadata": {"name": "db-password", "namespace": "shop"},
                        "data": {"password": b64(PASSWORD)}, "stringData": {"token": TOKEN}}));
    std::fs::write(
        &file,
        serde_json::to_string(&json!({"apiVersion": "v1", "kind": "List", "items": objects}))
            .unwrap(),
    )
    .unwrap();
    for cmd in [
        "diagnose -A",
        "diagnose -A -o json",
        "snapshot",
        "orphans -A",
    ] {
        let r = run(support::harness::bare()
            .arg("-f")
            .arg(&file)
            .args(cmd.split(' ')));
        assert_ne!(r.code, 2, "{cmd}: {}", r.stderr);
        assert_clean(cmd, &r.stdout);
        assert_clean(cmd, &r.stderr);
        assert!(
            r.stderr
                .contains("1 Secret(s) in the input were ignored: kubectl-sts never reads Secrets"),
            "{cmd}: {}",
            r.stderr
        );
    }
}

/// The identifiers of a line of Rust.
fn idents(line: &str) -> Vec<&str> {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

#[test]
fn no_code_names_the_secret_type() {
    // The fake's record covers the paths the tests take; this covers the rest: no module
    // imports the `Secret` API type or makes an `Api` of it (a remediation command that
    // mentions `kubectl get secrets` for the person to run is not a read by the tool).
    let mut offenders = Vec::new();
    for f in files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
        if f.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let mut in_use = false;
        for (n, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("use ") || t.starts_with("pub use ") {
                in_use = true;
            }
            let names_it = idents(line).contains(&"Secret");
            if names_it && (in_use || line.contains("Api")) {
                offenders.push(format!("{}:{}: {line}", f.display(), n + 1));
            }
            if in_use && line.contains(';') {
                in_use = false;
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}
