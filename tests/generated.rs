//! Every generated file, made again in memory and compared with the checked-in one, so a
//! change to the command line, the runbooks or the output that leaves them stale fails here:
//!
//! - `completions/`: bash, zsh, fish and PowerShell scripts, exactly what
//!   `kubectl sts completion SHELL` prints;
//! - `docs/man/`: one man page per visible command, by clap_mangen;
//! - `docs/runbooks.md`: the runbook list, from the front matter of `runbooks/*.md`;
//! - the blocks between `<!-- generated: kubectl sts ARGS -->` and `<!-- end generated -->`
//!   in `docs/*.md`: the real output of the binary run with ARGS from the repository root
//!   (on `docs/examples/*.yaml` and the test fixtures; `| head -N` keeps the first N lines).
//!
//! To write them all after a change:
//!
//! ```sh
//! UPDATE_GENERATED=1 cargo test --test generated
//! ```

use clap::CommandFactory;
use kubectl_sts::cli::Cli;
use kubectl_sts::runbooks::RUNBOOKS;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GENERATED").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Writes (when updating) or compares every file; with `owned_dir`, files in that directory
/// that nothing generates any more (a removed command's man page) are stale too.
fn check(files: &[(PathBuf, String)], owned_dir: Option<(&str, &str)>) {
    let mut stale = Vec::new();
    for (rel, want) in files {
        let path = root().join(rel);
        let have = std::fs::read_to_string(&path).ok();
        if have.as_deref() == Some(want.as_str()) {
            continue;
        }
        if updating() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).unwrap();
            }
            std::fs::write(&path, want).unwrap();
            eprintln!("wrote {}", rel.display());
        } else {
            stale.push(match have {
                None => format!("{} (missing)", rel.display()),
                Some(h) => format!(
                    "{} (first difference at line {})",
                    rel.display(),
                    first_diff(&h, want)
                ),
            });
        }
    }
    if let Some((dir, ext)) = owned_dir {
        let made: BTreeSet<PathBuf> = files.iter().map(|(p, _)| root().join(p)).collect();
        for entry in std::fs::read_dir(root().join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = entry.path();
            if p.extension().and_then(|e| e.to_str()) == Some(ext) && !made.contains(&p) {
                if updating() {
                    std::fs::remove_file(&p).unwrap();
                    eprintln!("removed {}", p.display());
                } else {
                    stale.push(format!("{} (no longer generated)", p.display()));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated files are stale:\n  {}\nregenerate them with:\n  UPDATE_GENERATED=1 cargo test --test generated",
        stale.join("\n  ")
    );
}

fn first_diff(a: &str, b: &str) -> usize {
    a.lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()))
        + 1
}

/// The binary, from the repository root, with no cluster, no colour and no terminal.
fn sts() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-sts"));
    c.current_dir(root())
        .env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent")
        .env("NO_COLOR", "1");
    c
}

// ------------------------------------------------------------------ shell completions

const SHELLS: [(&str, &str); 4] = [
    ("bash", "completions/kubectl-sts.bash"),
    ("zsh", "completions/_kubectl-sts"),
    ("fish", "completions/kubectl-sts.fish"),
    ("powershell", "completions/kubectl-sts.ps1"),
];

#[test]
fn shell_completions_are_what_the_completion_command_prints() {
    let files: Vec<(PathBuf, String)> = SHELLS
        .iter()
        .map(|(shell, file)| {
            let out = sts().args(["completion", shell]).output().unwrap();
            assert!(out.status.success(), "completion {shell} failed");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(
                !text.contains("__complete"),
                "the hidden command leaks into {shell}"
            );
            (PathBuf::from(file), text)
        })
        .collect();
    check(&files, None);
}

// ------------------------------------------------------------------ man pages

/// One page per visible command, named `kubectl-sts[-SUBCOMMAND].1` (the usage lines still
/// say `kubectl sts ...`), the way `clap_mangen::generate_to` does it, in memory.
fn man_pages() -> Vec<(PathBuf, String)> {
    let mut cmd = Cli::command()
        .name("kubectl-sts")
        .display_name("kubectl-sts")
        .disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    fn walk(cmd: &clap::Command, out: &mut Vec<(PathBuf, String)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub, out);
        }
        let man = clap_mangen::Man::new(cmd.clone());
        let mut buf = Vec::new();
        man.render(&mut buf).unwrap();
        out.push((
            Path::new("docs/man").join(man.get_filename()),
            String::from_utf8(buf).unwrap(),
        ));
    }
    walk(&cmd, &mut out);
    out.sort();
    out
}

#[test]
fn man_pages_are_current() {
    let pages = man_pages();
    let names: Vec<String> = pages
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"kubectl-sts.1".to_string()), "{names:?}");
    assert!(
        names.contains(&"kubectl-sts-drain-check.1".to_string()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("__complete")), "{names:?}");
    check(&pages, Some(("docs/man", "1")));
}

// ------------------------------------------------------------------ runbook list

fn runbooks_page() -> String {
    let mut s = String::from(
        "<!-- Generated from the front matter of runbooks/*.md by tests/generated.rs; do not edit.\n     Regenerate: UPDATE_GENERATED=1 cargo test --test generated -->\n\
         # Runbooks\n\n\
         Each finding names a runbook: what the symptom looks like, why it happens and what to do,\n\
         in plain language. `kubectl sts runbooks` lists them and `kubectl sts runbooks ID` prints\n\
         one; the same text is in `runbooks/`. An *incident* is broken now; a *risk* breaks at the\n\
         next drain, rollout or node loss; an *orphan* is storage left behind and still billed.\n\
         The severity is the default; a check may raise or lower it for a particular case.\n",
    );
    for (category, heading) in [
        ("incident", "Incidents: broken now"),
        (
            "risk",
            "Risks: will break at the next drain, rollout or node loss",
        ),
    ] {
        let rows: Vec<_> = RUNBOOKS
            .iter()
            .filter(|r| r.category.as_str() == category)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = write!(
            s,
            "\n## {heading} ({})\n\n| id | severity | symptom group | title |\n|---|---|---|---|\n",
            rows.len()
        );
        for r in rows {
            let _ = writeln!(
                s,
                "| [`{}`](../runbooks/{}) | {} | {} | {} |",
                r.id,
                r.file,
                r.severity.as_str(),
                r.group,
                r.title.replace('|', "\\|")
            );
        }
    }
    let others: Vec<_> = RUNBOOKS
        .iter()
        .filter(|r| !["incident", "risk", "orphan"].contains(&r.category.as_str()))
        .collect();
    assert!(
        others.is_empty(),
        "a category the page does not list: {others:?}"
    );
    let _ = write!(
        s,
        "\n`--symptom GROUP` (repeatable) narrows `diagnose` to these groups: {}.\n",
        kubectl_sts::runbooks::GROUPS
            .iter()
            .map(|g| format!("`{g}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    s
}

#[test]
fn runbook_list_is_current() {
    assert!(!RUNBOOKS.is_empty());
    check(
        &[(PathBuf::from("docs/runbooks.md"), runbooks_page())],
        None,
    );
}

// ------------------------------------------------------------------ real output in docs

const OPEN: &str = "<!-- generated: kubectl sts ";
const CLOSE: &str = "<!-- end generated -->";

/// The output block for one marker: the command, what it printed (stdout, then stderr),
/// and its exit code when not 0.
fn run_block(spec: &str) -> String {
    let (args, head) = match spec.split_once('|') {
        Some((a, h)) => {
            let n: usize = h
                .trim()
                .strip_prefix("head -")
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("only `| head -N` is understood: {spec:?}"));
            (a.trim(), Some(n))
        }
        None => (spec.trim(), None),
    };
    let argv: Vec<&str> = args.split_whitespace().collect();
    let out = sts().args(&argv).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let mut text = match head {
        Some(n) if stdout.lines().count() > n => {
            let mut t: String = stdout.lines().take(n).map(|l| format!("{l}\n")).collect();
            t.push_str("…\n");
            t
        }
        _ => stdout,
    };
    text.push_str(&stderr);
    let fence = if text.contains("```") { "````" } else { "```" };
    let mut block = format!("{fence}console\n$ kubectl sts {spec}\n{text}");
    if !block.ends_with('\n') {
        block.push('\n');
    }
    block.push_str(fence);
    block.push('\n');
    match out.status.code() {
        Some(0) => {}
        Some(c) => {
            let _ = writeln!(block, "\nExit code {c}.");
        }
        None => panic!("kubectl sts {spec} was killed"),
    }
    block
}

/// The page with every generated block made again from its marker. A marker is a line of
/// its own outside fenced code (so a page can show one as an example).
fn regenerate_page(text: &str, file: &str) -> String {
    let mut out = String::new();
    let mut lines = text.split_inclusive('\n');
    let mut in_fence = false;
    while let Some(line) = lines.next() {
        out.push_str(line);
        let trimmed = line.trim_end();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        let Some(spec) = trimmed
            .strip_prefix(OPEN)
            .and_then(|r| r.strip_suffix("-->"))
            .filter(|_| !in_fence)
        else {
            continue;
        };
        if !line.ends_with('\n') {
            out.push('\n');
        }
        loop {
            match lines.next() {
                Some(l) if l.trim_end() == CLOSE => {
                    out.push_str(&run_block(spec.trim()));
                    out.push_str(l);
                    break;
                }
                Some(_) => {}
                None => panic!("{file}: `{OPEN}{spec}-->` has no `{CLOSE}`"),
            }
        }
    }
    out
}

#[test]
fn docs_show_the_real_output() {
    let mut files = Vec::new();
    let mut pages = 0;
    for entry in std::fs::read_dir(root().join("docs")).unwrap().flatten() {
        let p = entry.path();
        if p.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        if !text.contains(OPEN) {
            continue;
        }
        pages += 1;
        let rel = p.strip_prefix(root()).unwrap().to_path_buf();
        let new = regenerate_page(&text, &rel.display().to_string());
        files.push((rel, new));
    }
    files.sort();
    assert!(pages >= 3, "the command pages lost their generated blocks");
    check(&files, None);
}

#[test]
fn a_marker_is_replaced_with_the_command_its_output_and_its_exit_code() {
    let page = "intro\n<!-- generated: kubectl sts runbooks --no-such-flag -->\nold\n<!-- end generated -->\nafter\n```markdown\n<!-- generated: kubectl sts diagnose -->\n<!-- end generated -->\n```\n";
    let new = regenerate_page(page, "test.md");
    assert!(new.starts_with("intro\n<!-- generated: kubectl sts runbooks --no-such-flag -->\n```console\n$ kubectl sts runbooks --no-such-flag\nerror: unexpected argument"), "{new}");
    assert!(
        new.contains("```\n\nExit code 2.\n<!-- end generated -->\nafter\n"),
        "{new}"
    );
    assert!(
        new.ends_with(
            "after\n```markdown\n<!-- generated: kubectl sts diagnose -->\n<!-- end generated -->\n```\n"
        ),
        "a marker shown in fenced code is left alone: {new}"
    );
    assert!(!new.contains("old"));
    // Regenerating is stable.
    assert_eq!(regenerate_page(&new, "test.md"), new);
}

// ------------------------------------------------------------------ what the docs claim

mod support;

/// docs/snapshot.md says what a snapshot holds before it is shared: environment values
/// written in pod specs are in it, Secrets are not, and managedFields are dropped except on
/// StatefulSets. Taken here from the recorded v1.36 responses through the fake API server.
#[test]
fn a_snapshot_holds_what_docs_snapshot_md_says() {
    let server = support::fake_apiserver::FakeApiServer::start();
    let dir = tempfile::TempDir::new().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, server.kubeconfig()).unwrap();
    let out = sts()
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["snapshot", "-n", "shop", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = doc["items"].as_array().unwrap();
    let pod = items
        .iter()
        .find(|i| i["kind"] == "Pod" && i["metadata"]["name"] == "orders-db-0")
        .unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["env"][0],
        serde_json::json!({"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}),
        "env values in pod specs are included verbatim"
    );
    assert!(pod["metadata"].get("managedFields").is_none());
    let sts = items.iter().find(|i| i["kind"] == "StatefulSet").unwrap();
    assert!(sts["metadata"].get("managedFields").is_some());
    assert!(
        !items
            .iter()
            .any(|i| i["kind"] == "Secret" || i["kind"] == "ConfigMap")
    );
    assert!(
        server.requests().iter().all(|r| r.method == "GET"
            && !r.path.contains("secrets")
            && !r.path.contains("configmaps")),
        "reads only, never Secrets"
    );
}
