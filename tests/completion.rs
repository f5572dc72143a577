//! Completion inside kubectl: the shim `completions/kubectl_complete-sts` run the way kubectl
//! runs it (the words after `sts`, the last one being completed; candidates on stdout, then
//! `:<directive>`), with names from snapshots, from the kubeconfig and from a fake API
//! server; and, when a real kubectl is on PATH, kubectl itself completing through the shim
//! and running the plugin.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use support::fake_apiserver::{FakeApiServer, Options};
use tempfile::TempDir;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> String {
    root()
        .join("docs/examples/cassandra-node-lost.yaml")
        .display()
        .to_string()
}

/// PATH with the built binary and the shim first, as after installing both.
fn path_with_plugin() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_kubectl-sts"))
        .parent()
        .unwrap()
        .to_path_buf();
    let shim_dir = root().join("completions");
    let mut dirs = vec![bin, shim_dir];
    if let Some(p) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(dirs)
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// An environment with no cluster: an empty HOME, no KUBECONFIG (unless `kubeconfig`).
struct Env {
    home: TempDir,
    kubeconfig: Option<PathBuf>,
}

impl Env {
    fn none() -> Self {
        Env {
            home: TempDir::new().unwrap(),
            kubeconfig: None,
        }
    }

    fn with_kubeconfig(text: &str) -> Self {
        let home = TempDir::new().unwrap();
        let kc = home.path().join("kubeconfig");
        std::fs::write(&kc, text).unwrap();
        Env {
            home,
            kubeconfig: Some(kc),
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("PATH", path_with_plugin())
            .env("HOME", self.home.path())
            .env_remove("KUBECONFIG")
            .current_dir(self.home.path());
        if let Some(kc) = &self.kubeconfig {
            c.env("KUBECONFIG", kc);
        }
        c
    }

    /// The shim, exactly as kubectl calls it: `kubectl_complete-sts WORD...`.
    fn shim(&self, words: &[&str]) -> Output {
        self.command("kubectl_complete-sts")
            .args(words)
            .output()
            .unwrap()
    }
}

/// The candidates (values only) and the directive of a completion answer; also checks the
/// protocol: every line but the last is a candidate, the last is `:<number>`.
fn parse(out: &Output) -> (Vec<String>, u32) {
    assert!(out.status.success(), "exit {:?}", out.status);
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let last = lines.pop().expect("no output at all");
    let directive: u32 = last
        .strip_prefix(':')
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("last line is not :<directive>: {last:?}\n{text}"));
    let values = lines
        .iter()
        .map(|l| {
            assert!(!l.is_empty(), "empty candidate line in {text:?}");
            l.split('\t').next().unwrap().to_string()
        })
        .collect();
    (values, directive)
}

fn quiet(out: &Output) {
    assert!(
        out.stderr.is_empty(),
        "a completion must print nothing but candidates; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_shim_offers_subcommands_flags_and_values_from_the_clap_definition() {
    let env = Env::none();
    let out = env.shim(&[""]);
    quiet(&out);
    let (v, d) = parse(&out);
    for want in [
        "completion",
        "diagnose",
        "drain-check",
        "orphans",
        "runbooks",
        "snapshot",
    ] {
        assert!(v.contains(&want.to_string()), "{want} missing: {v:?}");
    }
    assert!(
        !v.iter().any(|c| c.starts_with("__")),
        "hidden command offered: {v:?}"
    );
    assert_eq!(d, 4, "NoFileComp: a subcommand is never a file");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("diagnose\tFind what is wrong")),
        "descriptions follow a tab: {text}"
    );

    assert_eq!(parse(&env.shim(&["dr"])), (vec!["drain-check".into()], 4));
    let (v, _) = parse(&env.shim(&["drain-check", "--s"]));
    assert_eq!(v, vec!["--selector", "--server-dry-run"]);
    // A flag typed before the subcommand is the user's, not kubectl-sts's own: the shim's
    // `--` keeps an incomplete value (`-o j`) from being a parse error.
    assert_eq!(parse(&env.shim(&["-o", "j"])), (vec!["json".into()], 4));
    assert_eq!(
        parse(&env.shim(&["diagnose", "--output=y"])),
        (vec!["yaml".into()], 4)
    );
    let (v, _) = parse(&env.shim(&["runbooks", "pv-node"]));
    assert_eq!(v, vec!["pv-node-affinity-conflict"]);
    // A path: no candidates, directive 0 so the shell completes file names.
    assert_eq!(parse(&env.shim(&["diagnose", "-f", ""])), (vec![], 0));
}

#[test]
fn names_come_from_the_snapshot_given_with_from_file() {
    let env = Env::none();
    let ex = example();
    let out = env.shim(&["-f", &ex, "drain-check", ""]);
    quiet(&out);
    let (v, d) = parse(&out);
    assert_eq!(
        (v, d),
        (vec!["node-1".into(), "node-3".into(), "node-4".into()], 4)
    );
    let text =
        String::from_utf8(env.shim(&["-f", &ex, "drain-check", "node-1", "n"]).stdout).unwrap();
    assert_eq!(
        text, "node-3\tzone eu-west-1c\nnode-4\tzone eu-west-1b\n:4\n",
        "nodes already named are left out; the zone describes each"
    );
    assert_eq!(
        parse(&env.shim(&["diagnose", "-f", &ex, "cas"])),
        (vec!["cassandra".into()], 4)
    );
    assert_eq!(
        parse(&env.shim(&["-f", &ex, "-n", ""])),
        (vec!["data".into()], 4)
    );
    // Namespace given: only that namespace's StatefulSets.
    assert_eq!(
        parse(&env.shim(&["-f", &ex, "-n", "other", "diagnose", ""])),
        (vec![], 4)
    );
}

const KUBECONFIG_TWO_CONTEXTS: &str = "apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
- name: staging
  cluster:
    server: https://staging.example:6443
users:
- name: oncall
  user:
    token: t
contexts:
- name: prod-admin
  context: {cluster: prod, user: oncall, namespace: data}
- name: staging
  context: {cluster: staging, user: oncall}
current-context: prod-admin
";

#[test]
fn contexts_clusters_and_users_come_from_the_kubeconfig_without_the_network() {
    // Both clusters are a server that records what it is asked: nothing.
    let server = FakeApiServer::start();
    let env = Env::with_kubeconfig(
        &KUBECONFIG_TWO_CONTEXTS
            .replace("https://prod.example:6443", &server.url())
            .replace("https://staging.example:6443", &server.url()),
    );
    let out = env.shim(&["--context", ""]);
    quiet(&out);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "prod-admin\tcluster prod, namespace data\nstaging\tcluster staging\n:4\n"
    );
    assert_eq!(
        parse(&env.shim(&["diagnose", "--cluster", "s"])),
        (vec!["staging".into()], 4)
    );
    assert_eq!(parse(&env.shim(&["--user="])), (vec!["oncall".into()], 4));
    let asked = server.requests().len();
    assert_eq!(asked, 0, "contexts, clusters and users need no request");
}

fn fake_env(server: &FakeApiServer, namespace: Option<&str>) -> Env {
    let mut kc = server.kubeconfig();
    if let Some(ns) = namespace {
        kc = kc.replace(
            "    user: fake\n",
            &format!("    user: fake\n    namespace: {ns}\n"),
        );
    }
    Env::with_kubeconfig(&kc)
}

#[test]
fn live_names_are_read_metadata_only_in_the_namespace_typed_or_the_contexts() {
    let server = FakeApiServer::with(Options::default().namespaces(&["default", "shop"]));
    let env = fake_env(&server, Some("shop"));

    let out = env.shim(&["diagnose", ""]);
    quiet(&out);
    assert_eq!(
        parse(&out),
        (vec!["orders-db".into()], 4),
        "the context's namespace"
    );
    assert_eq!(
        parse(&env.shim(&["-n", "default", "diagnose", ""])),
        (vec![], 4),
        "-n wins over the context"
    );
    let text = String::from_utf8(env.shim(&["-A", "diagnose", "o"]).stdout).unwrap();
    assert_eq!(text, "orders-db\tnamespace shop\n:4\n");
    let text = String::from_utf8(env.shim(&["drain-check", "node-a", ""]).stdout).unwrap();
    assert_eq!(text, "node-b\tzone zone-1\nnode-c\tzone zone-2\n:4\n");
    assert_eq!(
        parse(&env.shim(&["diagnose", "--namespace=s"])),
        (vec!["shop".into()], 4)
    );

    let reqs = server.requests();
    let paths: Vec<&str> = reqs.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "/apis/apps/v1/namespaces/shop/statefulsets",
            "/apis/apps/v1/namespaces/default/statefulsets",
            "/apis/apps/v1/statefulsets",
            "/api/v1/nodes",
            "/api/v1/namespaces",
        ],
        "one list per completion, nothing else"
    );
    for r in &reqs {
        assert_eq!(r.method, "GET");
        assert!(
            r.header("accept")
                .is_some_and(|a| a.contains("as=PartialObjectMetadataList")),
            "names only, not whole objects: {:?}",
            r.header("accept")
        );
        assert_eq!(r.query_value("limit"), Some("500"));
    }
}

#[test]
fn a_failing_or_slow_cluster_gives_no_candidates_quickly_and_silently() {
    // Namespaces are not served by this fake (404).
    let server = FakeApiServer::start();
    let env = fake_env(&server, None);
    let out = env.shim(&["-n", ""]);
    quiet(&out);
    assert_eq!(parse(&out), (vec![], 4));

    let slow = FakeApiServer::with(Options::default().delay(Duration::from_secs(8)));
    let env = fake_env(&slow, None);
    let started = Instant::now();
    let out = env.shim(&["drain-check", ""]);
    let took = started.elapsed();
    quiet(&out);
    assert_eq!(parse(&out), (vec![], 4));
    assert!(took < Duration::from_secs(5), "took {took:?}");

    // No kubeconfig at all.
    let out = Env::none().shim(&["diagnose", ""]);
    quiet(&out);
    assert_eq!(parse(&out), (vec![], 4));
}

/// kubectl itself, when it is installed: `kubectl __complete sts ...` is what the shell's
/// kubectl completion runs on TAB; it must find the plugin and the shim on PATH and pass the
/// candidates on. Also `kubectl sts --help` through kubectl's plugin mechanism.
#[test]
fn real_kubectl_completes_through_the_shim_and_runs_the_plugin() {
    let env = Env::none();
    let Ok(version) = env
        .command("kubectl")
        .args(["version", "--client"])
        .output()
    else {
        eprintln!("kubectl is not on PATH: skipping the end-to-end check through kubectl");
        return;
    };
    eprintln!("{}", String::from_utf8_lossy(&version.stdout).trim());

    let out = env
        .command("kubectl")
        .args(["__complete", "sts", "dr"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        vec![
            "drain-check\tWill draining these nodes break a StatefulSet? Budgets, quorum, volume topology",
            ":4"
        ],
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let ex = example();
    let out = env
        .command("kubectl")
        .args(["__complete", "sts", "-f", &ex, "drain-check", ""])
        .output()
        .unwrap();
    let (v, d) = parse(&out);
    assert_eq!(
        (v, d),
        (vec!["node-1".into(), "node-3".into(), "node-4".into()], 4)
    );

    let out = env
        .command("kubectl")
        .args(["sts", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Usage: kubectl sts"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
