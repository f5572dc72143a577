//! Embeds every `runbooks/*.md` in the binary so it is self-contained: the list is read from
//! the directory, so adding a runbook file is all it takes to ship it.

use std::fmt::Write;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it was compiled: a build script reused from
    // another checkout's target directory must still read this checkout's runbooks.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir).join("runbooks");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".md") && n != "README.md")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("pub static RUNBOOK_FILES: &[(&str, &str)] = &[\n");
    for n in &names {
        let path = dir.join(n);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            out,
            "    ({:?}, include_str!({:?})),",
            n,
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("runbook_files.rs");
    std::fs::write(dest, out).expect("write runbook_files.rs");
    build_info(&manifest_dir);
}

/// The commit and the Kubernetes API version `kubectl sts version` reports.
fn build_info(manifest_dir: &str) {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(manifest_dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    // A source tarball has no git: "unknown" rather than a failed build.
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=STS_GIT_COMMIT={commit}");
    // HEAD changes on checkout, the branch's ref on commit; in a worktree `.git` is a file,
    // so git says where both live.
    for path in [
        Some("HEAD".to_string()),
        git(&["symbolic-ref", "-q", "HEAD"]),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(p) = git(&["rev-parse", "--path-format=absolute", "--git-path", &path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    // The API version is whichever k8s-openapi feature Cargo.toml enables (v1_33 -> 1.33):
    // one place to change it, and the binary cannot claim another.
    let toml_path = Path::new(manifest_dir).join("Cargo.toml");
    println!("cargo:rerun-if-changed={}", toml_path.display());
    let toml = std::fs::read_to_string(&toml_path).expect("read Cargo.toml");
    let api = toml
        .lines()
        .find(|l| l.trim_start().starts_with("k8s-openapi"))
        .and_then(|l| {
            l.split('"')
                .find_map(|w| w.strip_prefix("v1_").filter(|m| m.parse::<u32>().is_ok()))
                .map(|minor| format!("1.{minor}"))
        })
        .expect("a k8s-openapi v1_NN feature in Cargo.toml");
    println!("cargo:rustc-env=STS_K8S_API={api}");
}
