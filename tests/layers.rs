//! The layout holds: modules depend only downwards, so there is no cycle, and a check file
//! imports no other check (what checks share lives in `src/sts`). Read from the source, the
//! way a reviewer would check it; test code (`#[cfg(test)]` modules, inline or in a
//! `tests.rs` of their own) may reach anywhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module's layer. A module may use modules of lower layers only. From the
/// bottom: plain types and helpers; reading the cluster and files; running checks; the
/// StatefulSet domain and the orphan matcher the checks share; the checks; mutations; the
/// features built on them; rendering; the command line.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("finding", 0),
    ("kubectl", 0),
    ("manifest", 0),
    ("model", 0),
    ("suggest", 0),
    ("k8s", 1),
    ("runbooks", 1),
    ("cluster", 1),
    ("snapshot", 2),
    ("synth", 3),
    ("analysis", 3),
    ("sts", 4),
    ("orphans", 4),
    ("checks", 5),
    ("act", 5),
    ("drain", 6),
    ("rollout", 6),
    ("expand", 6),
    ("watch", 6),
    ("render", 7),
    ("cli", 8),
    ("cmd", 9),
    ("lib", 10),
    ("main", 10),
    ("testutil", 10),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            // A module's tests in their own file (`#[cfg(test)] mod tests;`) are test code.
            && p.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(p);
        }
    }
}

/// The code of a file without its test module and comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("\n#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::NAME` a piece of code names, `use crate::{a, b::c}` lists included.
fn crate_refs(code: &str) -> Vec<&str> {
    fn ident(s: &str) -> &str {
        let end = s
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        &s[..end]
    }
    let mut out = Vec::new();
    for (i, m) in code.match_indices("crate::") {
        if code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[i + m.len()..];
        match rest.strip_prefix('{') {
            Some(list) => {
                let list = &list[..list.find('}').unwrap_or(list.len())];
                out.extend(
                    list.split(',')
                        .map(|p| ident(p.trim()))
                        .filter(|p| !p.is_empty()),
                );
            }
            None => out.push(ident(rest)),
        }
    }
    out
}

#[test]
fn modules_depend_only_on_lower_layers() {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut wrong = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(src()).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(&mine) = layer.get(top.as_str()) else {
            panic!("src/{top} has no layer in tests/layers.rs: add it where it belongs");
        };
        for r in crate_refs(&code(f)) {
            if r == top {
                continue;
            }
            match layer.get(r) {
                Some(&theirs) if theirs < mine => {}
                Some(&theirs) => wrong.push(format!(
                    "src/{} ({top}, layer {mine}) uses crate::{r} (layer {theirs})",
                    rel.display()
                )),
                None => wrong.push(format!("src/{}: crate::{r} has no layer", rel.display())),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "upward or sideways uses:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn a_check_imports_no_other_check() {
    let dir = src().join("checks");
    let checks: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .filter(|n| !matches!(n.as_str(), "mod" | "post"))
        .collect();
    assert!(checks.len() > 40, "{checks:?}");
    let mut wrong = Vec::new();
    for me in &checks {
        // A check is `ID.rs`, or `ID/mod.rs` with its tests beside it in `ID/tests.rs`.
        let file = match dir.join(me) {
            d if d.is_dir() => d.join("mod.rs"),
            _ => dir.join(format!("{me}.rs")),
        };
        let code = code(&file);
        for other in checks.iter().filter(|o| *o != me) {
            for path in [
                format!("super::{other}"),
                format!("checks::{other}"),
                format!("{other}::"),
            ] {
                let hit = code
                    .match_indices(&path)
                    .any(|(i, _)| !code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
                if hit {
                    wrong.push(format!("checks/{me}.rs uses {other} ({path})"));
                }
            }
        }
        // `use super::{a, b}` lists.
        for list in code.split("use super::{").skip(1) {
            let names = &list[..list.find('}').unwrap_or(0)];
            for n in names.split(',').map(str::trim) {
                if checks.iter().any(|c| c == n) {
                    wrong.push(format!("checks/{me}.rs imports {n}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The test itself sees what it must: a made-up upward reference is caught.
#[test]
fn the_reference_scan_finds_crate_paths() {
    let refs = crate_refs(
        "use crate::checks::CHECKS;\nuse crate::{k8s, sts::x};\nfn f() { crate::render::x(); mycrate::y(); }",
    );
    assert_eq!(refs, ["checks", "k8s", "sts", "render"]);
}
