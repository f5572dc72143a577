//! The orphans report for people: one table sorted by cost with a total line, the prices
//! the estimate used, then each orphan's evidence and commands.

use super::{Style, wrap, wrap_hanging};
use crate::k8s::quantity::format_bytes;
use crate::orphans::cost::money;
use crate::orphans::{Orphan, OrphanReport};
use comfy_table::CellAlignment;
use std::fmt::Write;

pub struct Header<'a> {
    pub source: &'a str,
    pub scope: String,
    /// One namespace: the table leaves out its NAMESPACE column.
    pub namespaced: bool,
    pub now: jiff::Timestamp,
}

fn age(o: &Orphan) -> String {
    o.age_seconds
        .map(crate::k8s::time::short)
        .unwrap_or_else(|| "?".into())
}

fn size(bytes: u64) -> String {
    if bytes == 0 {
        "?".into()
    } else {
        format_bytes(bytes as f64)
    }
}

pub fn table(report: &OrphanReport, header: &Header, style: &Style) -> String {
    let mut out = String::new();
    let line = format!(
        "{} · {} · evaluated at {}",
        header.source,
        header.scope,
        header.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    );
    out.push_str(&style.dim(&wrap(&line, style.width, "")));
    out.push('\n');
    if report.orphans.is_empty() {
        if report.not_checked.is_empty() {
            let _ = writeln!(out, "No orphaned PVCs or PVs.");
        } else {
            // Never an all-clear for what could not be looked at.
            let _ = writeln!(
                out,
                "No orphans found in what could be read; some kinds were not checked (below)."
            );
        }
    } else {
        out.push_str(&overview(report, style, header.namespaced));
        out.push('\n');
        out.push_str(&wrap(&estimate_note(report), style.width, ""));
        let _ = writeln!(out, "\n{}", style.bold("── DETAILS"));
        for o in &report.orphans {
            out.push('\n');
            out.push_str(&details(o, style));
        }
    }
    footer(report, style, &mut out);
    out
}

fn overview(report: &OrphanReport, style: &Style, namespaced: bool) -> String {
    // A namespaced run names its namespace in the header line: no column for it.
    let mut header = vec![
        "NAMESPACE",
        "NAME",
        "REASON",
        "STATEFULSET",
        "CLASS",
        "SIZE",
        "AGE",
        "MONTHLY",
    ];
    if namespaced {
        header.remove(0);
    }
    // The claim or volume name is what `kubectl delete` needs: never split.
    let name_col = if namespaced { 0 } else { 1 };
    let mut t = style.table(header, &[name_col], 0);
    let mut row = |mut cells: Vec<String>| {
        if namespaced {
            cells.remove(0);
        }
        t.add_row(cells);
    };
    for o in &report.orphans {
        row(vec![
            o.namespace.clone().unwrap_or_else(|| "-".into()),
            o.name.clone(),
            o.reason.short().to_string(),
            o.statefulset.clone().unwrap_or_else(|| "-".into()),
            o.storage_class.clone().unwrap_or_else(|| "-".into()),
            size(o.capacity_bytes),
            age(o),
            money(o.monthly_cost),
        ]);
    }
    let n = report.orphans.len();
    let count = format!("{n} orphan{}", if n == 1 { "" } else { "s" });
    let (first, second) = if namespaced {
        (String::new(), format!("TOTAL {count}"))
    } else {
        ("TOTAL".to_string(), count)
    };
    row(vec![
        first,
        second,
        String::new(),
        String::new(),
        String::new(),
        size(report.total_capacity_bytes),
        String::new(),
        money(report.total_monthly_cost),
    ]);
    let cols = t.column_count();
    for i in [cols - 3, cols - 1] {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    // One space between columns: the eight of them fit 80 columns with typical names.
    for c in t.column_iter_mut() {
        c.set_padding((0, 1));
    }
    super::table_text(&t, "")
}

fn estimate_note(report: &OrphanReport) -> String {
    let prices = crate::orphans::cost::Prices {
        per_gib_month: report.price_per_gib_month,
        per_class: report.class_prices.clone(),
    };
    format!(
        "Costs are estimates at {}, not a bill: pass --price-per-gib and --price CLASS=PRICE for your provider's prices.",
        prices.describe()
    )
}

fn details(o: &Orphan, style: &Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} · {}", style.bold(&o.label()), o.runbook);
    out.push_str(&wrap(&o.summary, style.width, "  "));
    if !o.evidence.is_empty() {
        let _ = writeln!(out, "  {}", style.dim("evidence:"));
    }
    for e in &o.evidence {
        out.push_str(&wrap_hanging(
            &format!("- {e}"),
            style.width,
            "    ",
            "      ",
        ));
    }
    if !o.commands.is_empty() {
        let _ = writeln!(out, "  {}", style.dim("fix:"));
    }
    for c in &o.commands {
        out.push_str(&wrap(&c.description, style.width, "    # "));
        if c.destructive {
            let warn = "WARNING: destructive, cannot be undone";
            let warn = if style.color {
                use owo_colors::OwoColorize;
                warn.red().bold().to_string()
            } else {
                warn.to_string()
            };
            let _ = writeln!(out, "    # {warn}");
        }
        let _ = writeln!(out, "    {}", c.command);
    }
    out
}

fn footer(report: &OrphanReport, style: &Style, out: &mut String) {
    let mut lines = Vec::new();
    if report.pvs_outside_scope > 0 {
        lines.push(format!(
            "{} orphaned PV(s) whose claim was in another namespace, or that never had one, are not shown: run with -A to see them.",
            report.pvs_outside_scope
        ));
    }
    for s in &report.skipped {
        lines.push(format!("skipped: {} ({})", s.source, s.reason));
    }
    if !report.not_checked.is_empty() {
        lines.push(format!("not checked: {}", report.not_checked.join("; ")));
    }
    if !lines.is_empty() {
        out.push('\n');
        for l in lines {
            out.push_str(&wrap(&l, style.width, ""));
        }
    }
}
