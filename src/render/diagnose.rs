//! The diagnose report for people: an overview table, then each finding with its evidence and
//! commands, incidents before risks, then what could not be read and a summary line.

use super::{Style, wrap, wrap_hanging};
use crate::analysis::Report;
use crate::finding::{Category, Finding};
use crate::snapshot::file::MANIFEST_SKIP_REASON;
use std::fmt::Write;

pub struct Header<'a> {
    pub source: &'a str,
    pub scope: String,
    pub now: jiff::Timestamp,
}

pub fn table(report: &Report, header: &Header, style: &Style) -> String {
    report_text(report, header, style, true)
}

/// The report; without its overview table where a fleet's overview already lists the
/// findings of every cluster.
pub fn report_text(
    report: &Report,
    header: &Header,
    style: &Style,
    overview_table: bool,
) -> String {
    let mut out = String::new();
    let line = format!(
        "{} · {} · evaluated at {} · {} StatefulSet(s)",
        header.source,
        header.scope,
        header.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        report.statefulsets_checked
    );
    out.push_str(&style.dim(&wrap(&line, style.width, "")));
    if report.manifests {
        out.push_str(&wrap(
            "manifests: configuration risks only (they hold no live state, so nothing here \
             says whether a workload is up). Commands address the cluster as if they were applied; \
             for a chart or kustomization, make the same change in its source.",
            style.width,
            "",
        ));
    }
    if report.findings.is_empty() {
        out.push('\n');
        if report.not_checked.iter().any(|n| !n.opt_in_only()) {
            // Never a clean bill of health for what could not be seen.
            let _ = writeln!(
                out,
                "No problems found in what could be read; some checks did not run (below)."
            );
        } else if !report.skipped.is_empty() {
            let _ = writeln!(
                out,
                "No problems found. Some data could not be read (below); no check run here needed it."
            );
        } else {
            let _ = writeln!(out, "No problems found.");
        }
    } else {
        if overview_table {
            out.push('\n');
            out.push_str(&overview(report, style));
        }
        for (category, title) in SECTIONS {
            let group = in_category(report, category);
            if group.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "\n{}",
                style.bold(&format!("── {title} ({})", group.len()))
            );
            for f in group {
                out.push('\n');
                out.push_str(&finding(f, style));
            }
        }
    }
    let (cluster_state, skipped): (Vec<_>, Vec<_>) = report
        .skipped
        .iter()
        .partition(|s| report.manifests && s.reason == MANIFEST_SKIP_REASON);
    if !cluster_state.is_empty() {
        let kinds: Vec<String> = cluster_state.iter().map(|s| s.source.to_string()).collect();
        out.push('\n');
        out.push_str(&wrap(
            &format!("not in the manifests (cluster state): {}", kinds.join(", ")),
            style.width,
            "",
        ));
    }
    if !skipped.is_empty() {
        out.push('\n');
        for s in skipped {
            out.push_str(&wrap(
                &format!("skipped: {} ({})", s.source, s.reason),
                style.width,
                "",
            ));
        }
    }
    out.push_str(&not_checked(&report.not_checked, style));
    let c = &report.summary;
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "summary: {} critical, {} warning, {} info",
            c.critical, c.warning, c.info
        ))
    );
    out
}

/// The sections findings are printed in, in order; the overview table lists them in the
/// same order, so its rows read as a table of contents.
pub(crate) const SECTIONS: [(Category, &str); 3] = [
    (Category::Incident, "INCIDENTS: broken now"),
    (
        Category::Risk,
        "RISKS: will break at the next drain, rollout or node loss",
    ),
    (Category::Orphan, "WASTE"),
];

pub(crate) fn in_category(report: &Report, category: Category) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.category == category)
        .collect()
}

fn overview(report: &Report, style: &Style) -> String {
    let mut t = style.table(vec!["SEVERITY", "RUNBOOK", "OBJECT"], &[1], 0);
    for f in SECTIONS
        .iter()
        .flat_map(|(category, _)| in_category(report, *category))
    {
        t.add_row(vec![
            style.paint_severity(f.severity),
            f.runbook.clone(),
            f.object.to_string(),
        ]);
    }
    super::table_text(&t, "")
}

/// The checks that did not run, grouped by what is missing, so one unreadable kind is one
/// line, not twenty.
pub(crate) fn not_checked(list: &[crate::analysis::NotChecked], style: &Style) -> String {
    let mut out = String::new();
    let mut groups: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for n in list {
        let key = if n.opt_in_only() {
            let flags: Vec<&str> = n.missing.iter().filter_map(|s| s.opt_in_flag()).collect();
            format!("run with {}", flags.join(" "))
        } else {
            let m: Vec<&str> = n.missing.iter().map(|s| s.resource()).collect();
            format!("needs {}", m.join(", "))
        };
        groups.entry(key).or_default().push(&n.runbook);
    }
    for (why, runbooks) in &groups {
        out.push_str(&wrap_hanging(
            &format!("not checked ({why}): {}", runbooks.join(", ")),
            style.width,
            "",
            "  ",
        ));
    }
    out
}

pub fn finding(f: &Finding, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} · {}",
        style.paint_severity(f.severity),
        style.bold(&f.runbook),
        f.object
    );
    out.push_str(&wrap(&f.summary, style.width, "  "));
    if !f.evidence.is_empty() {
        let _ = writeln!(out, "  {}", style.dim("evidence:"));
        for e in &f.evidence {
            out.push_str(&wrap_hanging(
                &format!("- {e}"),
                style.width,
                "    ",
                "      ",
            ));
        }
    }
    if !f.commands.is_empty() {
        let _ = writeln!(out, "  {}", style.dim("fix:"));
        for c in &f.commands {
            out.push_str(&wrap(&c.description, style.width, "    # "));
            if c.destructive {
                let _ = writeln!(
                    out,
                    "    # {}",
                    if style.color {
                        use owo_colors::OwoColorize;
                        "WARNING: destructive, cannot be undone"
                            .red()
                            .bold()
                            .to_string()
                    } else {
                        "WARNING: destructive, cannot be undone".to_string()
                    }
                );
            }
            if c.command.contains('\n') {
                // A here-document only ends at an unindented `EOF`: print it flush left so
                // the block pastes into a shell as it is.
                let _ = writeln!(out, "{}", c.command);
            } else {
                let _ = writeln!(out, "    {}", c.command);
            }
        }
    }
    out
}
