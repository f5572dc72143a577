//! The runbooks embedded from `runbooks/`: each file's front matter gives the id, kind,
//! default severity, symptom group and title; the body is what `kubectl sts runbooks ID`
//! prints.

use crate::finding::{Category, Severity};
use std::sync::LazyLock;

include!(concat!(env!("OUT_DIR"), "/runbook_files.rs"));

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runbook {
    pub id: String,
    pub category: Category,
    pub severity: Severity,
    pub group: String,
    pub title: String,
    /// The file without its front matter.
    pub body: String,
    pub file: &'static str,
}

/// Every runbook, sorted by id. A malformed file is a build defect caught by the registry
/// test, so parsing failures here are reported there rather than at run time.
pub static RUNBOOKS: LazyLock<Vec<Runbook>> = LazyLock::new(|| {
    let mut v: Vec<Runbook> = RUNBOOK_FILES
        .iter()
        .filter_map(|(file, text)| parse(file, text).ok())
        .collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
});

pub fn get(id: &str) -> Option<&'static Runbook> {
    RUNBOOKS.iter().find(|r| r.id == id)
}

/// All symptom groups, in the order the catalog lists them.
pub const GROUPS: &[&str] = &[
    "pending",
    "stuck",
    "crashloop",
    "rollout",
    "quorum",
    "dns",
    "storage",
    "risks",
    "orphans",
];

pub fn parse(file: &'static str, text: &str) -> Result<Runbook, String> {
    let rest = text
        .strip_prefix("---\n")
        .ok_or_else(|| format!("{file}: must start with a `---` front matter block"))?;
    let (front, body) = rest
        .split_once("\n---\n")
        .ok_or_else(|| format!("{file}: front matter is not closed with `---`"))?;
    let mut id = None;
    let mut category = None;
    let mut severity = None;
    let mut group = None;
    let mut title = None;
    for line in front.lines() {
        let Some((k, v)) = line.split_once(':') else {
            return Err(format!(
                "{file}: front matter line {line:?} is not `key: value`"
            ));
        };
        let v = v.trim().to_string();
        match k.trim() {
            "id" => id = Some(v),
            "kind" => {
                category = Some(match v.as_str() {
                    "incident" => Category::Incident,
                    "risk" => Category::Risk,
                    "orphan" => Category::Orphan,
                    _ => return Err(format!("{file}: unknown kind {v:?}")),
                })
            }
            "severity" => {
                severity = Some(
                    Severity::parse(&v).ok_or_else(|| format!("{file}: unknown severity {v:?}"))?,
                )
            }
            "group" => group = Some(v),
            "title" => title = Some(v),
            other => return Err(format!("{file}: unknown front matter key {other:?}")),
        }
    }
    let id = id.ok_or_else(|| format!("{file}: no id"))?;
    if format!("{id}.md") != file {
        return Err(format!("{file}: id {id:?} does not match the file name"));
    }
    let group = group.ok_or_else(|| format!("{file}: no group"))?;
    if !GROUPS.contains(&group.as_str()) {
        return Err(format!("{file}: unknown group {group:?}"));
    }
    Ok(Runbook {
        id,
        category: category.ok_or_else(|| format!("{file}: no kind"))?,
        severity: severity.ok_or_else(|| format!("{file}: no severity"))?,
        group,
        title: title.ok_or_else(|| format!("{file}: no title"))?,
        body: body.trim_start_matches('\n').to_string(),
        file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runbook_file_parses() {
        for (file, text) in RUNBOOK_FILES {
            parse(file, text).unwrap();
        }
        assert_eq!(RUNBOOKS.len(), RUNBOOK_FILES.len());
    }

    #[test]
    fn front_matter_errors_name_the_file() {
        let e = parse(
            "x.md",
            "---\nid: y\nkind: risk\nseverity: info\ngroup: risks\ntitle: t\n---\nbody",
        )
        .unwrap_err();
        assert!(e.contains("does not match"), "{e}");
        let e = parse("x.md", "no front matter").unwrap_err();
        assert!(e.contains("x.md"));
    }
}
