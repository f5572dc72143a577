//! The krew manifests pass krew's validation rules: the worked manifest `plugins/sts.yaml`
//! and the krew-release-bot template `.krew.yaml` rendered for this version.
//!
//! The rules, as krew (`pkg/index/validation`) and krew-index check them: apiVersion
//! `krew.googlecontainertools.github.com/v1alpha2`, kind `Plugin`, a safe plugin name equal
//! to the file name, `spec.version` a semantic version with a leading `v`, a
//! `shortDescription`, and per platform a `selector` (`matchLabels` os/arch here), an https
//! `uri`, a lowercase hex `sha256`, a `bin` (with `.exe` on Windows) that the `files` extract,
//! and the LICENSE among the files (krew-index requires it). The release workflow is checked
//! by name here (it cannot run here): it builds every platform the manifest installs, under
//! the archive name the uri gives, holding every file krew extracts.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn version_tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

const PLATFORMS: [(&str, &str); 5] = [
    ("linux", "amd64"),
    ("linux", "arm64"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "amd64"),
];

fn is_semver_with_v(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let core = rest.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

fn is_safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} missing or not a string"))
}

/// Checks `doc` against krew's rules; returns the sha256 values, per os/arch.
fn validate(doc: &Value, file_stem: &str) -> Vec<((String, String), String)> {
    assert_eq!(
        str_at(doc, "/apiVersion"),
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(str_at(doc, "/kind"), "Plugin");
    let name = str_at(doc, "/metadata/name");
    assert!(is_safe_name(name), "unsafe plugin name {name:?}");
    assert_eq!(name, file_stem, "krew-index requires name == file name");
    assert_eq!(name, "sts");
    let version = str_at(doc, "/spec/version");
    assert!(is_semver_with_v(version), "version {version:?}");
    assert_eq!(version, version_tag(), "the manifest is for this version");
    let short = str_at(doc, "/spec/shortDescription");
    assert!(!short.trim().is_empty() && short.len() <= 50, "{short:?}");
    assert!(str_at(doc, "/spec/homepage").starts_with("https://"));
    assert!(!str_at(doc, "/spec/description").trim().is_empty());

    let platforms = doc
        .pointer("/spec/platforms")
        .and_then(Value::as_array)
        .expect("spec.platforms");
    let mut seen = BTreeSet::new();
    let mut hashes = Vec::new();
    for p in platforms {
        let os = str_at(p, "/selector/matchLabels/os").to_string();
        let arch = str_at(p, "/selector/matchLabels/arch").to_string();
        assert!(seen.insert((os.clone(), arch.clone())), "{os}/{arch} twice");
        let uri = str_at(p, "/uri");
        assert!(
            uri.starts_with("https://"),
            "{os}/{arch}: uri must be https: {uri}"
        );
        assert!(
            uri.contains(&format!("/{version}/")) && uri.contains(&format!("_{os}_{arch}.")),
            "{os}/{arch}: uri names another version or platform: {uri}"
        );
        // A string: unquoted, a hash of digits only (or digits and one `e`) is a YAML number,
        // which krew cannot read into its string field.
        let sha = str_at(p, "/sha256");
        assert!(
            is_sha256(sha),
            "{os}/{arch}: sha256 must be 64 lowercase hex: {sha:?}"
        );
        let bin = str_at(p, "/bin");
        if os == "windows" {
            assert!(bin.ends_with(".exe"), "windows bin needs .exe: {bin}");
            assert!(uri.ends_with(".zip"), "{uri}");
        } else {
            assert!(!bin.contains('/') && !bin.is_empty(), "{bin}");
            assert!(uri.ends_with(".tar.gz"), "{uri}");
        }
        let files = p
            .pointer("/files")
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{os}/{arch}: files"));
        let from: Vec<&str> = files
            .iter()
            .map(|f| {
                assert!(f.get("to").and_then(Value::as_str).is_some(), "{f}");
                f.get("from").and_then(Value::as_str).unwrap_or_default()
            })
            .collect();
        assert!(
            from.contains(&"LICENSE"),
            "{os}/{arch}: LICENSE not in files"
        );
        assert!(from.contains(&bin), "{os}/{arch}: bin {bin} not extracted");
        hashes.push(((os, arch), sha.to_string()));
    }
    let want: BTreeSet<(String, String)> = PLATFORMS
        .iter()
        .map(|(o, a)| (o.to_string(), a.to_string()))
        .collect();
    assert_eq!(seen, want, "platforms");
    hashes
}

fn parse(text: &str) -> Value {
    serde_saphyr::from_str(text).expect("the manifest is YAML")
}

#[test]
fn the_worked_manifest_passes_krews_rules() {
    let text = std::fs::read_to_string(root().join("plugins/sts.yaml")).unwrap();
    let hashes = validate(&parse(&text), "sts");
    // Hashes that are not of a real archive must say so: all zeros, and the file explains.
    let placeholders: Vec<_> = hashes
        .iter()
        .filter(|(_, h)| h.chars().all(|c| c == '0'))
        .map(|(p, _)| p.clone())
        .collect();
    if !placeholders.is_empty() {
        assert!(
            text.contains("placeholder"),
            "{placeholders:?} have placeholder hashes the manifest does not call placeholders"
        );
    }
    assert!(
        hashes.len() > placeholders.len(),
        "at least one sha256 of a real archive"
    );
    // A release archive holds the LICENSE the manifest extracts.
    assert!(root().join("LICENSE").exists());
}

/// krew-release-bot's rendering: `{{ .TagName }}` is the tag; `{{addURIAndSha "URL" .TagName }}`
/// becomes `uri: URL` and `sha256: <the asset's hash>` at the same indentation.
fn render_template(text: &str, tag: &str) -> String {
    let text = text.replace("{{ .TagName }}", tag);
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("{{addURIAndSha \"") {
            let indent = &line[..line.len() - trimmed.len()];
            let (url, tail) = rest.split_once('"').expect("closing quote");
            assert_eq!(tail.trim(), ".TagName }}", "{line}");
            // Quoted: an all-digit hash would otherwise be a YAML number.
            out.push_str(&format!(
                "{indent}uri: {url}\n{indent}sha256: \"{}\"\n",
                "0".repeat(64)
            ));
        } else {
            assert!(
                !line.contains("{{"),
                "a template action the bot does not know: {line}"
            );
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn the_release_bot_template_renders_to_a_valid_manifest_like_the_worked_one() {
    let tag = version_tag();
    let template = std::fs::read_to_string(root().join(".krew.yaml")).unwrap();
    let rendered = parse(&render_template(&template, &tag));
    validate(&rendered, "sts");
    // The worked manifest is the template rendered for this version, hashes aside.
    let mut worked = parse(&std::fs::read_to_string(root().join("plugins/sts.yaml")).unwrap());
    let mut rendered = rendered;
    for doc in [&mut worked, &mut rendered] {
        for p in doc["spec"]["platforms"].as_array_mut().unwrap() {
            p["sha256"] = Value::Null;
        }
    }
    assert_eq!(worked, rendered);
}

#[test]
fn the_rules_catch_what_krew_rejects() {
    assert!(is_semver_with_v("v0.1.0") && is_semver_with_v("v1.2.3-rc.1"));
    assert!(
        !is_semver_with_v("0.1.0") && !is_semver_with_v("v1.2") && !is_semver_with_v("v01.2.3")
    );
    assert!(is_sha256(&"ab".repeat(32)));
    assert!(!is_sha256(&"AB".repeat(32)) && !is_sha256("abc"));
    assert!(is_safe_name("sts") && !is_safe_name("../sts") && !is_safe_name("Sts"));
}

/// What the release workflow builds, read from `.github/workflows/release.yml`: per os/arch,
/// the archive name for `tag` and the base names of the files packed into it.
fn workflow_archives(tag: &str) -> Vec<((String, String), String, BTreeSet<String>)> {
    let text = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let wf: Value = serde_saphyr::from_str(&text).expect("release.yml is YAML");
    let build = &wf["jobs"]["build"];
    let pattern = str_at(build, "/env/ARCHIVE");
    let steps = build["steps"].as_array().expect("build steps");
    // The packaging step for an archive kind: its `if` names the extension.
    let packed = |ext: &str| -> BTreeSet<String> {
        let step = steps
            .iter()
            .find(|s| s["if"].as_str() == Some(&format!("matrix.ext == '{ext}'")))
            .unwrap_or_else(|| panic!("no packaging step for {ext}"));
        let run = str_at(step, "/run");
        // The copy into stage/ lists what goes in (the tar step also names them again).
        let copy = run
            .lines()
            .map(str::trim)
            .find(|l| {
                (l.starts_with("cp ") || l.starts_with("Copy-Item ")) && l.ends_with("stage/")
            })
            .unwrap_or_else(|| panic!("{ext}: no copy into stage/"));
        // `${{ matrix.target }}` has spaces; which target it is does not change the name.
        let copy = copy.replace("${{ matrix.target }}", "TARGET");
        let names: BTreeSet<String> = copy
            .split_whitespace()
            .skip(1)
            .filter(|w| *w != "stage/")
            .map(|w| {
                let w = w.trim_matches(|c| c == '"' || c == ',');
                let base = w.rsplit('/').next().unwrap();
                if base == "kubectl-sts" || base == "kubectl-sts.exe" {
                    base.to_string()
                } else {
                    // Anything but the binary is copied from the repository: it must exist.
                    assert!(
                        root().join(w).exists(),
                        "{ext}: packs {w}, which is not in the repo"
                    );
                    base.to_string()
                }
            })
            .collect();
        if ext == "tar.gz" {
            let tar_list: BTreeSet<String> = run
                .split("-cf - ")
                .nth(1)
                .and_then(|r| r.split(')').next())
                .expect("tar -cf - <files>")
                .split_whitespace()
                .map(String::from)
                .collect();
            assert_eq!(tar_list, names, "the tar list and the staged files differ");
        }
        names
    };
    build
        .pointer("/strategy/matrix/include")
        .and_then(Value::as_array)
        .expect("matrix include")
        .iter()
        .map(|m| {
            let (os, arch, ext) = (str_at(m, "/os"), str_at(m, "/arch"), str_at(m, "/ext"));
            let name = pattern
                .replace("${{ github.ref_name }}", tag)
                .replace("${{ matrix.os }}", os)
                .replace("${{ matrix.arch }}", arch)
                .replace("${{ matrix.ext }}", ext);
            assert!(!name.contains("${{"), "{name}");
            ((os.to_string(), arch.to_string()), name, packed(ext))
        })
        .collect()
}

#[test]
fn every_platform_krew_installs_is_an_archive_the_release_workflow_builds() {
    let tag = version_tag();
    let template = std::fs::read_to_string(root().join(".krew.yaml")).unwrap();
    let manifest = parse(&render_template(&template, &tag));
    let built = workflow_archives(&tag);
    let built_platforms: BTreeSet<_> = built.iter().map(|(p, _, _)| p.clone()).collect();
    assert_eq!(built_platforms.len(), built.len(), "a platform built twice");
    let mut krew_platforms = BTreeSet::new();
    for p in manifest["spec"]["platforms"].as_array().unwrap() {
        let os = str_at(p, "/selector/matchLabels/os").to_string();
        let arch = str_at(p, "/selector/matchLabels/arch").to_string();
        let key = (os.clone(), arch.clone());
        krew_platforms.insert(key.clone());
        let (_, name, packed) = built
            .iter()
            .find(|(k, _, _)| *k == key)
            .unwrap_or_else(|| panic!("{os}/{arch}: krew installs it, the workflow builds none"));
        assert_eq!(
            str_at(p, "/uri"),
            format!("https://github.com/kubectl-sts/kubectl-sts/releases/download/{tag}/{name}"),
            "{os}/{arch}: the uri is not the asset the workflow uploads"
        );
        let bin = str_at(p, "/bin");
        assert_eq!(
            bin,
            if os == "windows" {
                "kubectl-sts.exe"
            } else {
                "kubectl-sts"
            }
        );
        for f in p["files"].as_array().unwrap() {
            let from = str_at(f, "/from");
            assert!(
                packed.contains(from),
                "{os}/{arch}: krew extracts {from}, {name} holds {packed:?}"
            );
        }
        // What the README promises an archive holds, beyond what krew extracts.
        for must in ["LICENSE", "README.md", "kubectl_complete-sts", bin] {
            assert!(packed.contains(must), "{name} lacks {must}");
        }
    }
    assert_eq!(
        krew_platforms, built_platforms,
        "krew's platforms and the built ones"
    );
    assert_eq!(krew_platforms.len(), PLATFORMS.len());
}

#[test]
fn the_ci_workflow_runs_ci_run() {
    let text = std::fs::read_to_string(root().join(".github/workflows/ci.yml")).unwrap();
    let wf: Value = serde_saphyr::from_str(&text).expect("ci.yml is YAML");
    assert!(
        wf["on"].get("pull_request").is_some(),
        "ci.yml runs on pull requests"
    );
    let runs: Vec<&str> = wf["jobs"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|j| j["steps"].as_array().unwrap())
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert!(runs.iter().any(|r| r.trim() == "bash .ci/run"), "{runs:?}");
}
