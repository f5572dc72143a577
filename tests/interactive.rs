//! The interactive flow in a real pseudo-terminal: the StatefulSet picker, then the offer to
//! run a printed command through kubectl (argument vector, manifest on stdin) after a
//! confirmation. A fake `kubectl` on PATH records what it was given.

use rexpect::session::{PtySession, spawn_command};
use std::path::{Path, PathBuf};
use std::process::Command;

const UP: &str = "\x1b[A";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fake kubectl that appends its arguments and standard input to `log`.
fn fake_kubectl(dir: &Path) -> PathBuf {
    let log = dir.join("kubectl.log");
    let script = dir.join("kubectl");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"ARGS: $*\" >> {0}\nif [ \"$3\" = \"-\" ] || [ \"$4\" = \"-\" ] || [ \"$6\" = \"-\" ]; then cat >> {0}; fi\necho fake kubectl done\n", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    log
}

/// Sends keys now: the session's writer is line-buffered, and keys carry no newline.
fn key(p: &mut PtySession, keys: &str) {
    p.send(keys).unwrap();
    p.flush().unwrap();
}

/// Keys typed before the prompt switched the terminal to raw mode would be lost.
fn pause() {
    std::thread::sleep(std::time::Duration::from_millis(300));
}

/// Moves from "quit" (the default, last entry) up to the first entry whose command line
/// starts with `command`, and chooses it.
fn choose(p: &mut PtySession, menu: &str, command: &str) {
    let entries: Vec<&str> = menu
        .lines()
        .filter(|l| l.starts_with("      kubectl"))
        .collect();
    let idx = entries
        .iter()
        .position(|l| l.trim_start().starts_with(command))
        .unwrap_or_else(|| panic!("no entry {command:?} in {menu}"));
    pause();
    for _ in 0..(entries.len() - idx) {
        key(p, UP);
    }
    key(p, ENTER);
}

fn session(dir: &Path, args: &[&str]) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-sts"));
    cmd.args(args)
        .current_dir(root())
        .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env("HOME", dir);
    spawn_command(cmd, Some(20_000)).unwrap()
}

#[test]
fn a_confirmed_command_runs_through_kubectl_with_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let log = fake_kubectl(dir.path());
    let mut p = session(
        dir.path(),
        &[
            "diagnose",
            "-f",
            "docs/examples/cassandra-node-lost.yaml",
            "-n",
            "data",
        ],
    );
    p.exp_string("Run one of these commands?").unwrap();
    let menu = p.exp_string("quit\r\n").unwrap().replace('\r', "");
    choose(&mut p, &menu, "kubectl apply -f -");
    p.exp_string("Run it?").unwrap();
    pause();
    key(&mut p, "y");
    p.exp_string("exited with").unwrap();
    p.exp_string("Run one of these commands?").unwrap();
    pause();
    key(&mut p, ESC);
    p.exp_eof().unwrap();
    let got = std::fs::read_to_string(&log).unwrap();
    assert!(got.contains("ARGS: apply -f -"), "{got}");
    assert!(
        got.contains("kind: PodDisruptionBudget") && got.contains("maxUnavailable: 1"),
        "{got}"
    );
}

#[test]
fn declining_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = fake_kubectl(dir.path());
    let mut p = session(
        dir.path(),
        &[
            "diagnose",
            "-f",
            "docs/examples/cassandra-node-lost.yaml",
            "-n",
            "data",
        ],
    );
    p.exp_string("Run one of these commands?").unwrap();
    let menu = p.exp_string("quit\r\n").unwrap().replace('\r', "");
    choose(&mut p, &menu, "kubectl -n data get pods");
    p.exp_string("Run it?").unwrap();
    pause();
    key(&mut p, "n");
    p.exp_string("Run one of these commands?").unwrap();
    pause();
    key(&mut p, ESC);
    p.exp_eof().unwrap();
    assert!(
        !log.exists(),
        "kubectl ran: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

#[test]
fn the_picker_narrows_to_one_statefulset() {
    let dir = tempfile::tempdir().unwrap();
    fake_kubectl(dir.path());
    let mut p = session(
        dir.path(),
        &[
            "diagnose",
            "-f",
            "tests/fixtures/interactive/two-statefulsets.yaml",
            "-n",
            "shop",
        ],
    );
    p.exp_string("StatefulSet to diagnose").unwrap();
    pause();
    key(&mut p, "cache");
    pause();
    key(&mut p, ENTER);
    p.exp_string("statefulset shop/cache").unwrap();
    let report = p.exp_string("summary:").unwrap();
    assert!(report.contains("StatefulSet shop/cache"), "{report}");
    assert!(
        !report.contains("StatefulSet shop/orders"),
        "the other set is filtered out: {report}"
    );
    p.exp_string("Run one of these commands?").unwrap();
    pause();
    key(&mut p, ESC);
    p.exp_eof().unwrap();
}
