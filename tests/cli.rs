//! The real binary, end to end on saved state: exit codes, JSON shape, table layout, errors.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> PathBuf {
    root().join("docs/examples/cassandra-node-lost.yaml")
}

fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// The binary with an environment that cannot reach a real cluster or colour the output.
fn sts() -> Command {
    let mut c = Command::cargo_bin("kubectl-sts").unwrap();
    c.env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent")
        .env("NO_COLOR", "1");
    c
}

fn json(args: &[&str]) -> (Value, i32) {
    let out = sts().args(args).args(["-o", "json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)));
    (v, out.status.code().unwrap())
}

#[test]
fn example_snapshot_json_follows_the_contract() {
    let ex = example();
    let (v, code) = json(&["diagnose", "--from-file", ex.to_str().unwrap()]);
    assert_eq!(code, 1, "warnings fail by default");
    let findings = v["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        for key in [
            "runbook", "severity", "object", "summary", "evidence", "commands",
        ] {
            assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
        }
        assert!(["critical", "warning", "info"].contains(&f["severity"].as_str().unwrap()));
        assert!(f["object"]["kind"].is_string() && f["object"]["name"].is_string());
        for c in f["commands"].as_array().unwrap() {
            assert!(c["description"].is_string());
            assert!(
                c["command"].as_str().unwrap().starts_with("kubectl "),
                "{c}"
            );
        }
    }
    assert!(v["skipped"].is_array());
    // Sorted: severity first (critical before warning before info).
    let rank = |s: &str| match s {
        "critical" => 0,
        "warning" => 1,
        _ => 2,
    };
    let sev: Vec<i32> = findings
        .iter()
        .map(|f| rank(f["severity"].as_str().unwrap()))
        .collect();
    assert!(sev.windows(2).all(|w| w[0] <= w[1]), "{sev:?}");
    // Time-based rules use the capture time recorded in the snapshot.
    assert_eq!(v["evaluated_at"], "2026-11-22T02:14:00Z");
}

#[test]
fn yaml_output_is_the_same_document() {
    let ex = example();
    let (j, _) = json(&["diagnose", "--from-file", ex.to_str().unwrap()]);
    let out = sts()
        .args([
            "diagnose",
            "--from-file",
            ex.to_str().unwrap(),
            "-o",
            "yaml",
        ])
        .output()
        .unwrap();
    let y: Value = serde_saphyr::from_str(std::str::from_utf8(&out.stdout).unwrap()).unwrap();
    assert_eq!(j, y);
}

#[test]
fn table_output_fits_80_columns_outside_commands() {
    // A relative path, so the pinned output does not depend on the checkout's location.
    let out = sts()
        .current_dir(root())
        .args([
            "diagnose",
            "--from-file",
            "docs/examples/cassandra-node-lost.yaml",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "no colour codes off a terminal");
    let mut in_heredoc = false;
    for line in text.lines() {
        if line.contains("<<'EOF'") {
            in_heredoc = true;
        }
        let is_command = line.trim_start().starts_with("kubectl ");
        if !in_heredoc && !is_command {
            assert!(line.chars().count() <= 80, "line over 80 columns: {line:?}");
        }
        if line == "EOF" {
            in_heredoc = false;
        }
    }
    insta::assert_snapshot!("example_table", text);
}

#[test]
fn fail_on_sets_the_exit_code() {
    let ex = example();
    let p = ex.to_str().unwrap();
    sts()
        .args(["diagnose", "-f", p, "--fail-on", "never"])
        .assert()
        .code(0);
    // The example has a critical finding (pv-node-affinity-conflict on cassandra-1).
    sts()
        .args(["diagnose", "-f", p, "--fail-on", "critical"])
        .assert()
        .code(1);
    sts()
        .args(["diagnose", "-f", p, "--fail-on", "warning"])
        .assert()
        .code(1);
    sts()
        .args(["diagnose", "-f", p, "--fail-on", "info"])
        .assert()
        .code(1);
}

#[test]
fn healthy_cluster_exits_zero_and_says_so() {
    let q = fixture("well-configured.yaml");
    sts()
        .args(["diagnose", "-f", q.to_str().unwrap()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No problems found."));
}

#[test]
fn one_statefulset_and_symptom_filters() {
    let f = fixture("runbooks/replicas-unavailable/fires.yaml");
    let p = f.to_str().unwrap();
    let (v, _) = json(&["diagnose", "zk", "-f", p, "--symptom", "quorum"]);
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["runbook"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["replicas-unavailable"]);
    let (v, _) = json(&["diagnose", "zk", "-f", p, "--symptom", "risks"]);
    let findings = v["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["runbook"] == "pdb-missing"),
        "{v}"
    );
    for f in findings {
        assert_eq!(f["category"], "risk", "{f}");
        assert_eq!(f["statefulset"], "zk", "{f}");
    }
}

#[test]
fn unknown_statefulset_is_exit_2_with_the_closest_name() {
    let f = fixture("runbooks/replicas-unavailable/fires.yaml");
    sts()
        .args(["diagnose", "zk1", "-f", f.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("statefulset zk1 not found")
                .and(predicate::str::contains("did you mean zk")),
        );
}

#[test]
fn malformed_and_missing_files_are_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: [\n",
    )
    .unwrap();
    sts()
        .args(["diagnose", "-f", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.yaml"));
    sts()
        .args(["diagnose", "-f", "/nonexistent/state.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/state.yaml"));
    sts()
        .args([
            "diagnose",
            "-f",
            example().to_str().unwrap(),
            "--now",
            "yesterday",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--now"));
    sts().args(["diagnose", "-o", "xml"]).assert().code(2);
}

#[test]
fn plain_kubectl_dump_marks_absent_kinds_as_not_checked() {
    // `kubectl get sts,pods -A -o json` has no PodDisruptionBudgets: pdb-missing must say it
    // did not run rather than stay silent or guess.
    let dump = r#"{"apiVersion":"v1","kind":"List","items":[
      {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db","namespace":"x"},
       "spec":{"replicas":3,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
               "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"db"}]}}},
       "status":{"replicas":3,"readyReplicas":3}}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("dump.json");
    std::fs::write(&p, dump).unwrap();
    let (v, code) = json(&["diagnose", "-f", p.to_str().unwrap()]);
    assert_ne!(code, 2, "missing kinds are not an error");
    let not_checked: Vec<&str> = v["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["runbook"].as_str().unwrap())
        .collect();
    assert!(not_checked.contains(&"pdb-missing"), "{v}");
    assert!(not_checked.contains(&"headless-service-missing"), "{v}");
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert!(skipped.contains(&"poddisruptionbudgets"));
    let out = sts()
        .args(["diagnose", "-f", p.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("not checked (needs poddisruptionbudgets): ") && text.contains("pdb-missing"),
        "{text}"
    );
    assert!(!text.contains("No problems found"), "{text}");

    // With nothing else to report, the headline itself says checks did not run.
    let no_sts = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}]}"#;
    std::fs::write(&p, no_sts).unwrap();
    let out = sts()
        .args(["diagnose", "-f", p.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("some checks did not run"), "{text}");
}

#[test]
fn namespace_flag_filters_saved_state() {
    let ex = example();
    let (v, code) = json(&["diagnose", "-f", ex.to_str().unwrap(), "-n", "other"]);
    assert_eq!(code, 0);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["statefulsets_checked"], 0);
}

#[test]
fn context_flag_reaches_commands_in_file_mode() {
    let ex = example();
    let (v, _) = json(&[
        "diagnose",
        "-f",
        ex.to_str().unwrap(),
        "--context",
        "prod-eu",
    ]);
    for f in v["findings"].as_array().unwrap() {
        for c in f["commands"].as_array().unwrap() {
            assert!(
                c["command"].as_str().unwrap().contains("--context prod-eu"),
                "{c}"
            );
        }
    }
}

#[test]
fn runbooks_lists_and_prints() {
    let (v, code) = json(&["runbooks"]);
    assert_eq!(code, 0);
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"pdb-missing"));
    sts()
        .args(["runbooks", "pdb-missing"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("What to do"));
    sts()
        .args(["runbooks", "pdb-mising"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean pdb-missing"));

    // In a pipe, one line a runbook: `runbooks | grep -c .` counts them plus the header,
    // and `grep` finds each id whole on its own row.
    let out = sts().arg("runbooks").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), ids.len() + 1, "{text}");
    for (line, id) in lines[1..].iter().zip(&ids) {
        assert_eq!(line.split_whitespace().next(), Some(*id), "{line}");
    }
}

#[test]
fn commands_take_only_the_flags_they_use() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    for args in [
        &["runbooks", "-f", ex][..],
        &["runbooks", "--kubeconfig", "/x"],
        &["runbooks", "--fail-on", "never"],
        &["completion", "bash", "-n", "x"],
        &["completion", "bash", "-o", "json"],
        &["snapshot", "-f", ex, "--now", "2026-01-01T00:00:00Z"],
        &["drain-check", "node-1", "-f", ex, "--no-interactive"],
    ] {
        let out = sts().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            err.starts_with("error: unexpected argument"),
            "{args:?}: {err}"
        );
    }
    // kubectl's habit of flags before the verb still works for the commands that take them.
    sts()
        .args(["-f", ex, "--fail-on", "never", "diagnose"])
        .assert()
        .code(0);
}

#[test]
fn help_lists_the_commands_own_flags_first_within_80_columns() {
    for cmd in [
        &["--help"][..],
        &["diagnose", "--help"],
        &["drain-check", "--help"],
        &["orphans", "--help"],
        &["pvc-expand", "--help"],
        &["rollout", "--help"],
        &["rollout", "canary", "--help"],
        &["snapshot", "--help"],
        &["runbooks", "--help"],
    ] {
        let out = sts().args(cmd).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{cmd:?}: {line:?}");
        }
        let headings: Vec<&str> = text
            .lines()
            .filter(|l| l.ends_with(':') && !l.starts_with(' '))
            .collect();
        let pos = |h: &str| headings.iter().position(|x| *x == h);
        if cmd[0] == "drain-check" {
            assert_eq!(
                headings[..5],
                ["Arguments:", "Options:", "Output:", "Input:", "Connection:"],
                "{cmd:?}"
            );
        }
        // diagnose's own opt-in source, Prometheus, comes with its own flags.
        if cmd[0] == "diagnose" {
            assert_eq!(
                headings[..6],
                [
                    "Arguments:",
                    "Options:",
                    "Prometheus:",
                    "Output:",
                    "Input:",
                    "Connection:"
                ],
                "{cmd:?}"
            );
        }
        if let (Some(own), Some(conn)) = (pos("Options:"), pos("Connection:")) {
            assert!(own < conn, "{cmd:?}: {headings:?}");
        }
    }
    let out = sts().args(["drain-check", "--help"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let own = text.find("--plan").unwrap();
    assert!(own < text.find("--kubeconfig").unwrap());
    assert!(own < text.find("--output").unwrap());
}

#[test]
fn snapshot_of_saved_state_round_trips() {
    let ex = example();
    let out = sts()
        .args(["snapshot", "-f", ex.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let again = dir.path().join("again.yaml");
    std::fs::write(&again, &out.stdout).unwrap();
    let (a, _) = json(&["diagnose", "-f", ex.to_str().unwrap()]);
    let (b, _) = json(&["diagnose", "-f", again.to_str().unwrap()]);
    assert_eq!(a["findings"], b["findings"]);
    assert_eq!(a["evaluated_at"], b["evaluated_at"]);
}

#[test]
fn usage_says_kubectl_sts() {
    sts()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Usage: kubectl sts"));
}

#[test]
fn completion_scripts_generate() {
    sts()
        .args(["completion", "bash"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("diagnose"));
}

/// `kubectl sts ... | head -1`: the reader goes away, and every command ends quietly with
/// the exit status of a process killed by SIGPIPE, never with a panic on stderr. The read
/// end is closed before the command starts, so its first write fails, every time.
#[test]
fn every_command_ends_quietly_when_its_reader_goes_away() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    let runs: &[&[&str]] = &[
        &["completion", "bash"],
        &["completion", "zsh"],
        &["runbooks"],
        &["runbooks", "pdb-missing"],
        &["runbooks", "-o", "json"],
        &["diagnose", "-f", ex],
        &["diagnose", "-f", ex, "-o", "yaml"],
        &["snapshot", "-f", ex],
        &["orphans", "-f", ex],
        &["drain-check", "node-1", "-f", ex],
        &["--help"],
        &["diagnose", "--help"],
    ];
    for args in runs {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("kubectl-sts"))
            .args(*args)
            .env_remove("KUBECONFIG")
            .env("HOME", "/nonexistent")
            .env("NO_COLOR", "1")
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.trim().is_empty(), "{args:?} says: {err}");
        // clap's own --help printing ignores a failed write and exits 0; everything else
        // is the SIGPIPE status.
        let want = if args.contains(&"--help") { 0 } else { 141 };
        assert_eq!(out.status.code(), Some(want), "{args:?}");
    }
}

#[test]
fn version_names_the_release_the_commit_and_the_kubernetes_api() {
    let (v, code) = json(&["version"]);
    assert_eq!(code, 0);
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let commit = v["commit"].as_str().unwrap();
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    // The same minor as the k8s-openapi feature Cargo.toml enables.
    let api = v["kubernetesAPI"].as_str().unwrap();
    let feature = format!("\"v{}\"", api.replace('.', "_"));
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(
        toml.lines()
            .any(|l| l.starts_with("k8s-openapi") && l.contains(&feature)),
        "{api} is not the k8s-openapi feature"
    );
    sts()
        .arg("version")
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "kubectl-sts {} (commit {commit}, Kubernetes API {api})",
            env!("CARGO_PKG_VERSION")
        )));
    sts()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}
