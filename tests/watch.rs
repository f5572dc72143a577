//! `diagnose --watch` against the fake API server's watch streams, in JSON lines: a pod
//! that recovers resolves its finding, a claim that goes Lost opens one, a 410 makes the
//! tool list again without printing anything that did not change, a kind that cannot be
//! read is said once, and `--timeout` ends the run with the exit code of what is open.
//! Waits below only bound a test that would otherwise hang; nothing asserts a duration.

mod support;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use support::fake_apiserver::{FakeApiServer, Options, WatchHub, fixture_items};
use support::harness::Env;

const PATIENCE: Duration = Duration::from_secs(30);

/// The recorded orders-db-1 crash-looping.
fn crashlooping() -> Value {
    let mut p = pod("orders-db-1");
    p["status"]["containerStatuses"][0]["state"] = json!({"waiting": {
        "reason": "CrashLoopBackOff",
        "message": "back-off 5m0s restarting failed container=postgres"}});
    p["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {
        "exitCode": 1, "reason": "Error",
        "startedAt": "2026-11-22T02:40:00Z", "finishedAt": "2026-11-22T02:40:03Z"}});
    p["status"]["containerStatuses"][0]["ready"] = json!(false);
    p["status"]["containerStatuses"][0]["started"] = json!(false);
    p["status"]["containerStatuses"][0]["restartCount"] = json!(9);
    for c in p["status"]["conditions"].as_array_mut().unwrap() {
        if c["type"] == "Ready" || c["type"] == "ContainersReady" {
            c["status"] = json!("False");
        }
    }
    p
}

fn pod(name: &str) -> Value {
    fixture_items("pods")
        .into_iter()
        .find(|p| p["metadata"]["name"] == name)
        .unwrap()
}

fn claim(name: &str) -> Value {
    fixture_items("persistentvolumeclaims")
        .into_iter()
        .find(|p| p["metadata"]["name"] == name)
        .unwrap()
}

struct Watch {
    child: Child,
    lines: Receiver<Value>,
    _env: Env,
}

/// `cmd` (the binary, or a shell that execs it) set up as the harness sets up its runs
/// (this kubeconfig only, an empty HOME, no proxy) to watch the fake's shop.
fn watching(env: &Env, mut cmd: std::process::Command) -> std::process::Command {
    cmd.env_remove("KUBECONFIG")
        .env("HOME", env.dir.path().join("home"))
        .env("NO_COLOR", "1")
        .current_dir(env.work());
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["diagnose", "-n", "shop", "--watch"]);
    cmd
}

impl Watch {
    fn start(server: &FakeApiServer, extra: &[&str]) -> Self {
        let env = Env::with_kubeconfig(&server.kubeconfig());
        let mut cmd = watching(
            &env,
            std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-sts")),
        );
        let mut child = cmd
            .args(["-o", "json"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Watch {
            child,
            lines,
            _env: env,
        }
    }

    /// Lines until one matches `want`; all of them, that one last.
    fn until(&self, what: &str, want: impl Fn(&Value) -> bool) -> Vec<Value> {
        let end = Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) => {
                    let done = want(&v);
                    seen.push(v);
                    if done {
                        return seen;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no {what} line; saw {seen:#?}"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the watch ended before a {what} line; saw {seen:#?}")
                }
            }
        }
    }
}

impl Watch {
    /// The first analysis: every line printed with the first line's time (one batch is
    /// written at once, so a short wait for the rest of it is enough).
    fn first_batch(&self) -> Vec<Value> {
        let mut seen = self.until("first", |_| true);
        let time = seen[0]["time"].clone();
        while let Ok(v) = self.lines.recv_timeout(Duration::from_secs(1)) {
            assert_eq!(v["time"], time, "a second batch before any change: {v:#}");
            seen.push(v);
        }
        seen
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is(event: &str, runbook: &str) -> impl Fn(&Value) -> bool {
    let (event, runbook) = (event.to_string(), runbook.to_string());
    move |v| v["event"] == event.as_str() && v["finding"]["runbook"] == runbook.as_str()
}

fn server(hub: &Arc<WatchHub>, options: Options) -> FakeApiServer {
    let mut pods = fixture_items("pods");
    for p in pods.iter_mut() {
        if p["metadata"]["name"] == "orders-db-1" {
            *p = crashlooping();
        }
    }
    FakeApiServer::with(options.items("pods", pods).watch(hub.clone()))
}

#[test]
fn a_pod_that_recovers_is_resolved_and_a_lost_claim_is_opened() {
    let hub = Arc::new(WatchHub::default());
    let api = server(&hub, Options::default());
    let w = Watch::start(&api, &[]);
    // First the current findings, as opened.
    let first = w.first_batch();
    assert!(
        first.iter().any(is("opened", "container-crashloop")),
        "{first:#?}"
    );
    assert!(first.iter().all(|v| v["event"] == "opened"), "{first:#?}");
    assert!(first.iter().all(|v| v["time"].is_string()));
    hub.push("pods", "MODIFIED", pod("orders-db-1"));
    let seen = w.until(
        "container-crashloop resolved",
        is("resolved", "container-crashloop"),
    );
    // Nothing else moved: only what the pod's recovery changed.
    assert!(
        seen.iter()
            .all(|v| v["event"] == "resolved" || v["event"] == "changed"),
        "{seen:#?}"
    );
    let mut lost = claim("data-orders-db-2");
    lost["status"] = json!({"phase": "Lost"});
    hub.push("persistentvolumeclaims", "MODIFIED", lost);
    let seen = w.until("pvc-lost opened", is("opened", "pvc-lost"));
    let f = &seen.last().unwrap()["finding"];
    assert_eq!(f["object"]["name"], "data-orders-db-2");
    assert_eq!(f["severity"], "critical");
    // Each kind was listed once and then watched, never re-listed on a timer.
    let lists = |resource: &str| {
        api.requests()
            .iter()
            .filter(|r| r.resource() == resource && r.query_value("watch").is_none())
            .count()
    };
    assert_eq!(lists("pods"), 1);
    assert_eq!(lists("persistentvolumeclaims"), 1);
}

#[test]
fn a_410_lists_again_and_prints_nothing_that_did_not_change() {
    let hub = Arc::new(WatchHub::default());
    let api = server(&hub, Options::default());
    let w = Watch::start(&api, &[]);
    w.first_batch();
    hub.expire("pods");
    // The next line is the claim's, not a repeat of what the re-list found unchanged.
    let mut lost = claim("data-orders-db-2");
    lost["status"] = json!({"phase": "Lost"});
    // Give the re-list a chance to happen before the next change: wait until it was made.
    let end = Instant::now() + PATIENCE;
    while api
        .requests()
        .iter()
        .filter(|r| r.resource() == "pods" && r.query_value("watch").is_none())
        .count()
        < 2
    {
        assert!(
            Instant::now() < end,
            "pods were not listed again after the 410"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    hub.push("persistentvolumeclaims", "MODIFIED", lost);
    let seen = w.until("pvc-lost opened", |v| {
        v["event"] != "stale" && v["event"] != "watching"
    });
    assert!(is("opened", "pvc-lost")(seen.last().unwrap()), "{seen:#?}");
}

#[test]
fn a_kind_that_cannot_be_read_is_said_once_and_the_rest_is_watched() {
    let hub = Arc::new(WatchHub::default());
    let api = server(&hub, Options::default().forbid("nodes"));
    let w = Watch::start(&api, &[]);
    let first = w.first_batch();
    assert!(
        first.iter().any(is("opened", "container-crashloop")),
        "{first:#?}"
    );
    let skipped: Vec<&Value> = first.iter().filter(|v| v["event"] == "skipped").collect();
    assert_eq!(skipped.len(), 1, "{first:#?}");
    assert_eq!(skipped[0]["source"], "nodes");
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("forbidden")
    );
    // Node findings need the nodes: none is claimed.
    assert!(
        !first
            .iter()
            .any(|v| v["finding"]["runbook"] == "node-not-ready")
    );
}

#[test]
fn timeout_ends_the_watch_with_the_exit_code_of_what_is_open() {
    let hub = Arc::new(WatchHub::default());
    let api = server(&hub, Options::default());
    let env = Env::with_kubeconfig(&api.kubeconfig());
    let out = env
        .sts()
        .args([
            "diagnose",
            "-n",
            "shop",
            "--watch",
            "--timeout",
            "3s",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines.iter().any(is("opened", "container-crashloop")),
        "{lines:#?}"
    );
    // A quiet watch is not a slow request: idle longer than --request-timeout, the
    // watches stay up (no `stale`, no second list).
    let out = env
        .sts()
        .args([
            "diagnose",
            "-n",
            "shop",
            "--watch",
            "--timeout",
            "4s",
            "-o",
            "json",
        ])
        .args(["--request-timeout", "1s"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("\"stale\""), "{text}");
    let pod_lists = api
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/namespaces/shop/pods" && r.query_value("watch").is_none())
        .count();
    assert_eq!(pod_lists, 2, "one list per run");
    // One set by name, in whichever namespace it is: only its findings.
    let out = env
        .sts()
        .args([
            "diagnose",
            "orders-db",
            "-A",
            "--watch",
            "--timeout",
            "2s",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|v| v["finding"]["statefulset"] == "orders-db"),
        "{lines:#?}"
    );
    let out = env
        .sts()
        .args([
            "diagnose",
            "orders",
            "-n",
            "shop",
            "--watch",
            "--timeout",
            "2s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("statefulset orders not found in namespace shop")
    );
    // Not a watch of anything: refused before connecting.
    let out = env
        .sts()
        .args(["diagnose", "--watch", "-f", "x.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The binary on a pseudo-terminal, watching the fake's shop.
#[cfg(unix)]
fn on_a_terminal(env: &Env, extra: &[&str]) -> rexpect::session::PtySession {
    // A pseudo-terminal starts with no size; a real one has one.
    let mut sh = std::process::Command::new("sh");
    sh.args(["-c", "stty cols 120 rows 30 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_kubectl-sts"));
    let mut cmd = watching(env, sh);
    cmd.env("TERM", "xterm").args(extra);
    rexpect::session::spawn_command(cmd, Some(30_000)).unwrap()
}

/// On a terminal with --no-interactive: a line per change for people, then the same change
/// as it happens.
#[test]
#[cfg(unix)]
fn on_a_terminal_without_the_screen_each_change_is_a_line_for_people() {
    let hub = Arc::new(WatchHub::default());
    let api = server(&hub, Options::default());
    let env = Env::with_kubeconfig(&api.kubeconfig());
    let mut p = on_a_terminal(&env, &["--no-interactive"]);
    p.exp_string("Ctrl-C to stop").unwrap();
    let line = p.exp_string("container-crashloop").unwrap();
    assert!(line.ends_with("opened    CRITICAL  "), "{line:?}");
    p.exp_string("Pod shop/orders-db-1: ").unwrap();
    hub.push("pods", "MODIFIED", pod("orders-db-1"));
    let line = p.exp_string("container-crashloop").unwrap();
    assert!(line.ends_with("resolved  CRITICAL  "), "{line:?}");
    p.send_control('c').unwrap();
    p.exp_eof().unwrap();
}

/// On a terminal: the full-screen view, kept current; `q` leaves it and gives the terminal
/// back (the alternate screen is left).
#[test]
#[cfg(unix)]
fn on_a_terminal_the_screen_follows_the_incident_and_q_restores_the_terminal() {
    let hub = Arc::new(WatchHub::default());
    let api = server(&hub, Options::default());
    let env = Env::with_kubeconfig(&api.kubeconfig());
    let mut p = on_a_terminal(&env, &[]);
    p.exp_string("kubectl sts diagnose --watch").unwrap();
    p.exp_string("container-crashloop").unwrap();
    p.exp_string("NEW").unwrap();
    hub.push("pods", "MODIFIED", pod("orders-db-1"));
    p.exp_string("resolved").unwrap();
    // `r`: the view steps aside for the command runner, and comes back after it.
    p.send("r").unwrap();
    p.flush().unwrap();
    p.exp_string("\u{1b}[?1049l").unwrap();
    p.exp_string("Run one of these commands?").unwrap();
    p.send("\u{1b}").unwrap();
    p.flush().unwrap();
    p.exp_string("\u{1b}[?1049h").unwrap();
    p.exp_string("kubectl sts diagnose --watch").unwrap();
    p.send("q").unwrap();
    p.flush().unwrap();
    // Leaving the alternate screen: the shell's screen is back as it was.
    p.exp_string("\u{1b}[?1049l").unwrap();
    p.exp_eof().unwrap();
}

/// The process's resident memory, from /proc (Linux).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

/// A soak, run by hand (`cargo test --test watch -- --ignored --nocapture`; it takes about
/// a minute): 10,000 pod changes in 100 bursts, the pod crash-looping and recovering in
/// turn, so findings open and resolve a hundred times. The tool's memory after the last
/// burst stays within a few MB of what it was after the tenth. Numbers in
/// docs/performance.md.
#[test]
#[ignore]
#[cfg(target_os = "linux")]
fn soak_memory_stays_flat_over_ten_thousand_changes() {
    let hub = Arc::new(WatchHub::default());
    let api = server(&hub, Options::default());
    let w = Watch::start(&api, &[]);
    w.first_batch();
    let pid = w.child.id();
    let mut after_ten = 0;
    let mut changes = 0;
    for burst in 1..=100 {
        for i in 0..100 {
            let mut p = if (burst + i) % 2 == 0 {
                crashlooping()
            } else {
                pod("orders-db-1")
            };
            p["status"]["containerStatuses"][0]["restartCount"] = json!(burst * 100 + i);
            hub.push("pods", "MODIFIED", p);
            changes += 1;
        }
        std::thread::sleep(Duration::from_millis(300));
        while w.lines.try_recv().is_ok() {}
        if burst == 10 {
            after_ten = rss_kib(pid);
        }
    }
    let after_all = rss_kib(pid);
    println!("{changes} changes: RSS {after_ten} KiB after 1,000, {after_all} KiB after 10,000");
    assert!(
        after_all < after_ten + 8 * 1024,
        "RSS grew from {after_ten} KiB to {after_all} KiB"
    );
}

/// The screen in a real terminal multiplexer, run by hand (`cargo test --test watch --
/// --ignored --nocapture`, needs tmux): tmux's own terminal of 120×30 shows the view, the
/// recovery, and gives the shell back on `q`. Prints the pane as tmux shows it.
#[test]
#[ignore]
#[cfg(unix)]
fn under_tmux_the_screen_shows_the_incident_and_q_ends_it() {
    let hub = Arc::new(WatchHub::default());
    let api = server(&hub, Options::default());
    let env = Env::with_kubeconfig(&api.kubeconfig());
    let session = format!("sts-watch-{}", std::process::id());
    let tmux = |args: &[&str]| {
        let out = std::process::Command::new("tmux")
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let command = format!(
        "HOME={} NO_COLOR=1 {} --kubeconfig {} diagnose -n shop --watch",
        env.dir.path().join("home").display(),
        env!("CARGO_BIN_EXE_kubectl-sts"),
        env.kubeconfig.display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "30",
        &command,
    ]);
    let pane = |want: &str| {
        let end = Instant::now() + PATIENCE;
        loop {
            let text = tmux(&["capture-pane", "-p", "-t", &session]);
            if text.contains(want) {
                return text;
            }
            assert!(Instant::now() < end, "no {want:?} on the screen:\n{text}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    println!("{}", pane("container-crashloop"));
    hub.push("pods", "MODIFIED", pod("orders-db-1"));
    println!("{}", pane("resolved"));
    tmux(&["send-keys", "-t", &session, "q"]);
    let end = Instant::now() + PATIENCE;
    // The session ends with its command.
    while std::process::Command::new("tmux")
        .args(["has-session", "-t", &session])
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
    {
        assert!(Instant::now() < end, "q did not end the watch");
        std::thread::sleep(Duration::from_millis(100));
    }
}
