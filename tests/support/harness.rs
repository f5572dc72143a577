//! Running the binary in a sealed environment: its own kubeconfig, an empty HOME, no proxy
//! variables, no colour, and a time limit, so neither the developer's cluster nor a hung
//! run can leak into a test. Used by the reliability tests (`errors`, `permissions`,
//! `concurrency`, `credentials`).

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

/// The repository root, where fixtures are named from.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A temp directory with a kubeconfig, an empty HOME and a directory for files the tool
/// writes (`work`: the current directory of each run, and pvc-expand's backups).
pub struct Env {
    pub dir: TempDir,
    pub kubeconfig: PathBuf,
}

impl Env {
    /// A kubeconfig with this text.
    pub fn with_kubeconfig(text: &str) -> Self {
        let dir = TempDir::new().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(&kubeconfig, text).unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        Env { dir, kubeconfig }
    }

    /// The directory each run starts in; files the tool writes land under it.
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// The binary, pointed at this kubeconfig only.
    pub fn sts(&self) -> Command {
        let mut c = bare();
        c.env("HOME", self.dir.path().join("home"))
            .current_dir(self.work())
            .arg("--kubeconfig")
            .arg(&self.kubeconfig);
        c
    }
}

/// The binary with no kubeconfig at all (for `--from-file` runs), started in the repository.
pub fn bare() -> Command {
    let mut c = Command::cargo_bin("kubectl-sts").unwrap();
    c.env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent")
        .env("NO_COLOR", "1")
        .current_dir(root());
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
    // Generous: a hung run fails the test instead of hanging the suite.
    c.timeout(Duration::from_secs(60));
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts the run could not run (exit 2) and said why in one line starting `error: `,
    /// and returns that line.
    pub fn usage_error(&self) -> &str {
        assert_eq!(
            self.code, 2,
            "exit code; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.starts_with("note: "))
            .collect();
        assert_eq!(lines.len(), 1, "one line on stderr:\n{}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        assert!(
            !self.stderr.contains("backtrace") && !self.stderr.contains("Caused by"),
            "{}",
            self.stderr
        );
        lines[0]
    }
}

pub fn run(cmd: &mut Command) -> Run {
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

/// Text with every run of whitespace as one space: tables wrap prose to their width.
pub fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
