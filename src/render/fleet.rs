//! Fleet runs for people: one line per cluster (read, partly read, or why not), the
//! findings of every cluster in one overview with a CLUSTER column, then each cluster's
//! own report under its name.

use super::{Style, diagnose, orphans, wrap};
use crate::analysis::Report;
use crate::k8s::quantity::format_bytes;
use crate::orphans::OrphanReport;
use crate::orphans::cost::money;
use comfy_table::CellAlignment;
use std::fmt::Write;

/// One cluster of the run, as the tables show it.
pub struct Cluster<'a, R, H> {
    pub context: &'a str,
    /// `ok`, `partial`, `unreachable`, `unauthorized` or `error`.
    pub status: &'a str,
    /// Why it was not read, or which kinds were skipped.
    pub note: String,
    /// The cluster's result and how its own report is headed; `None` when it was not read.
    pub result: Option<(&'a R, H)>,
}

fn headline(what: &str, n: usize, read: usize, style: &Style) -> String {
    let line = format!(
        "{what} · {n} context{} · {read} read, {} not read",
        if n == 1 { "" } else { "s" },
        n - read
    );
    style.dim(&wrap(&line, style.width, ""))
}

fn section(context: &str, style: &Style) -> String {
    format!("\n{}\n", style.bold(&format!("══ {context}")))
}

/// What is said in place of the report of a cluster that could not be read: never
/// silence, which would read as healthy.
fn not_read<R, H>(c: &Cluster<R, H>, style: &Style) -> String {
    wrap(
        &format!(
            "{}: {}. Nothing is known about this cluster.",
            c.status, c.note
        ),
        style.width,
        "",
    )
}

pub fn diagnose_table(clusters: &[Cluster<Report, diagnose::Header>], style: &Style) -> String {
    let read = clusters.iter().filter(|c| c.result.is_some()).count();
    let mut out = headline("fleet", clusters.len(), read, style);
    out.push('\n');
    let mut t = style.table(
        vec!["CLUSTER", "STATUS", "CRITICAL", "WARNING", "INFO", "NOTE"],
        &[0],
        0,
    );
    for c in clusters {
        let counts = c.result.as_ref().map(|(r, _)| &r.summary);
        let n = |f: fn(&crate::analysis::Counts) -> usize| {
            counts.map_or("-".to_string(), |c| f(c).to_string())
        };
        t.add_row(vec![
            c.context.to_string(),
            c.status.to_string(),
            n(|c| c.critical),
            n(|c| c.warning),
            n(|c| c.info),
            c.note.clone(),
        ]);
    }
    for i in 2..=4 {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    out.push_str(&super::table_text(&t, ""));
    let mut f = style.table(vec!["CLUSTER", "SEVERITY", "RUNBOOK", "OBJECT"], &[0, 2], 0);
    let mut any = false;
    for c in clusters {
        let Some((report, _)) = &c.result else {
            continue;
        };
        for (category, _) in diagnose::SECTIONS {
            for finding in diagnose::in_category(report, category) {
                any = true;
                f.add_row(vec![
                    c.context.to_string(),
                    style.paint_severity(finding.severity),
                    finding.runbook.clone(),
                    finding.object.to_string(),
                ]);
            }
        }
    }
    if any {
        out.push('\n');
        out.push_str(&super::table_text(&f, ""));
    }
    let mut total = crate::analysis::Counts::default();
    for c in clusters {
        out.push_str(&section(c.context, style));
        match &c.result {
            Some((report, header)) => {
                total.critical += report.summary.critical;
                total.warning += report.summary.warning;
                total.info += report.summary.info;
                out.push_str(&diagnose::report_text(report, header, style, false));
            }
            None => out.push_str(&not_read(c, style)),
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "fleet summary: {} of {} clusters read: {} critical, {} warning, {} info",
            read,
            clusters.len(),
            total.critical,
            total.warning,
            total.info
        ))
    );
    out
}

pub fn orphans_table(clusters: &[Cluster<OrphanReport, orphans::Header>], style: &Style) -> String {
    let read = clusters.iter().filter(|c| c.result.is_some()).count();
    let mut out = headline("fleet orphans", clusters.len(), read, style);
    out.push('\n');
    let mut t = style.table(
        vec!["CLUSTER", "STATUS", "ORPHANS", "SIZE", "MONTHLY", "NOTE"],
        &[0],
        0,
    );
    let (mut count, mut bytes, mut cost) = (0usize, 0u64, 0f64);
    for c in clusters {
        let row = match &c.result {
            Some((r, _)) => {
                count += r.orphans.len();
                bytes += r.total_capacity_bytes;
                cost += r.total_monthly_cost;
                vec![
                    r.orphans.len().to_string(),
                    format_bytes(r.total_capacity_bytes as f64),
                    money(r.total_monthly_cost),
                ]
            }
            None => vec!["-".into(), "-".into(), "-".into()],
        };
        let mut cells = vec![c.context.to_string(), c.status.to_string()];
        cells.extend(row);
        cells.push(c.note.clone());
        t.add_row(cells);
    }
    t.add_row(vec![
        "TOTAL".to_string(),
        String::new(),
        count.to_string(),
        format_bytes(bytes as f64),
        money(crate::orphans::cost::round_cents(cost)),
        if read < clusters.len() {
            "clusters not read are not counted".to_string()
        } else {
            String::new()
        },
    ]);
    for i in 2..=4 {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    out.push_str(&super::table_text(&t, ""));
    for c in clusters {
        out.push_str(&section(c.context, style));
        match &c.result {
            Some((report, header)) => out.push_str(&orphans::table(report, header, style)),
            None => out.push_str(&not_read(c, style)),
        }
    }
    out
}
