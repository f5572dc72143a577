//! The drain-check report for people: one line per node, then per node its pods, findings and
//! commands, then the plan's runbook, the assumptions and a summary line.

use super::{Style, wrap, wrap_hanging};
use crate::drain::{DrainReport, NodeReport, PodReport, Verdict};
use crate::finding::Remedy;
use owo_colors::OwoColorize;
use std::fmt::Write;

pub struct Header<'a> {
    pub source: &'a str,
    pub now: jiff::Timestamp,
}

pub fn table(report: &DrainReport, header: &Header, style: &Style) -> String {
    let mut out = String::new();
    let how = match &report.plan {
        Some(_) => "in the planned order",
        None if report.nodes.len() > 1 => "one after another, in the order given",
        None => "",
    };
    let nodes: Vec<&str> = report.nodes.iter().map(|n| n.node.as_str()).collect();
    let line = format!(
        "{} · evaluated at {} · drain {}{}{}",
        header.source,
        header.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        nodes.join(", "),
        if how.is_empty() { "" } else { " " },
        how
    );
    out.push_str(&style.dim(&wrap(&line, style.width, "")));
    out.push('\n');
    out.push_str(&overview(report, style));
    for n in &report.nodes {
        out.push('\n');
        out.push_str(&node(n, report.plan.is_none(), style));
    }
    if let Some(plan) = &report.plan {
        out.push('\n');
        let title = if plan.found {
            format!(
                "── PLAN ({} search): {} step(s)",
                plan.search,
                plan.steps.len()
            )
        } else {
            format!(
                "── PLAN ({} search): no order avoids a blocked or unsafe step",
                plan.search
            )
        };
        let _ = writeln!(out, "{}", style.bold(&title));
        if !plan.found {
            let text = if plan.steps.is_empty() {
                format!(
                    "No node can go first without a problem another order could avoid: {}. See their findings above.",
                    plan.stuck.join(", ")
                )
            } else {
                format!(
                    "The steps below can go; after them {} cannot, whatever comes next. See their findings above.",
                    plan.stuck.join(", ")
                )
            };
            out.push_str(&wrap(&text, style.width, "  "));
        }
        for s in &plan.steps {
            let _ = writeln!(
                out,
                "\n  {}",
                style.bold(&format!("step {}: {}", s.step, s.nodes.join(", ")))
            );
            out.push_str(&commands(&s.commands, style, "    "));
        }
        if !plan.unavoidable.is_empty() {
            out.push('\n');
            out.push_str(&wrap(
                &format!(
                    "Blocked or unsafe whatever the order (their own pods): {}.",
                    plan.unavoidable.join(", ")
                ),
                style.width,
                "  ",
            ));
        }
    }
    out.push('\n');
    let _ = writeln!(out, "{}", style.dim("assumptions:"));
    for a in &report.assumptions {
        out.push_str(&style.dim(&wrap_hanging(&format!("- {a}"), style.width, "  ", "    ")));
    }
    if !report.skipped.is_empty() {
        out.push('\n');
        for s in &report.skipped {
            out.push_str(&wrap(
                &format!("skipped: {} ({})", s.source, s.reason),
                style.width,
                "",
            ));
        }
    }
    let count = |v: Verdict| report.nodes.iter().filter(|n| n.verdict == v).count();
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "summary: {} blocked, {} unsafe, {} safe",
            count(Verdict::Blocked),
            count(Verdict::Unsafe),
            count(Verdict::Safe)
        ))
    );
    out
}

fn paint(v: Verdict, style: &Style) -> String {
    let label = v.as_str().to_uppercase();
    if !style.color {
        return label;
    }
    match v {
        Verdict::Blocked => label.red().bold().to_string(),
        Verdict::Unsafe => label.yellow().bold().to_string(),
        Verdict::Safe => label.green().to_string(),
    }
}

fn grid(header: Vec<&str>, rows: Vec<Vec<String>>, style: &Style, indent: &str) -> String {
    let mut t = style.table(header, &[0], indent.len());
    for r in rows {
        t.add_row(r);
    }
    super::table_text(&t, indent)
}

fn overview(report: &DrainReport, style: &Style) -> String {
    let rows = report
        .nodes
        .iter()
        .map(|n| {
            let sts: Vec<String> = n
                .pods
                .iter()
                .filter(|p| p.statefulset.is_some())
                .map(|p| format!("{}/{}", p.namespace, p.name))
                .collect();
            vec![
                n.step.to_string(),
                n.node.clone(),
                paint(n.verdict, style),
                n.pods.len().to_string(),
                if sts.is_empty() {
                    "-".to_string()
                } else {
                    sts.join(", ")
                },
            ]
        })
        .collect();
    grid(
        vec!["STEP", "NODE", "VERDICT", "EVICTS", "STATEFULSET PODS"],
        rows,
        style,
        "",
    )
}

fn pod_row(p: &PodReport) -> Vec<String> {
    let owner = match (&p.statefulset, &p.controller) {
        (Some(s), _) => format!("statefulset {s}"),
        (None, Some(c)) => c.to_lowercase(),
        (None, None) => "no controller".to_string(),
    };
    let mut outcome = p.outcome.as_str().to_string();
    if let Some(from) = &p.moved_from {
        outcome.push_str(&format!(" (moved here from {from})"));
    }
    vec![
        format!("{}/{}", p.namespace, p.name),
        owner,
        if p.ready { "Ready" } else { "not Ready" }.to_string(),
        outcome,
    ]
}

fn node(n: &NodeReport, with_commands: bool, style: &Style) -> String {
    let mut out = String::new();
    let mut title = format!("── {} · step {} · ", n.node, n.step);
    if !n.drained_with.is_empty() {
        title = format!(
            "── {} · step {} with {} · ",
            n.node,
            n.step,
            n.drained_with.join(", ")
        );
    }
    let _ = write!(out, "{}{}", style.bold(&title), paint(n.verdict, style));
    if let Some(sim) = n.simulated_verdict
        && sim != n.verdict
    {
        let _ = write!(out, " (simulation alone: {sim})");
    }
    out.push('\n');
    if n.pods.is_empty() {
        let _ = writeln!(out, "  nothing to evict");
    } else {
        let rows: Vec<Vec<String>> = n.pods.iter().map(pod_row).collect();
        out.push_str(&grid(
            vec!["POD", "OWNER", "BEFORE", "OUTCOME"],
            rows,
            style,
            "  ",
        ));
        // Answers can be long sentences: one line each under the table, not a column.
        for p in &n.pods {
            let Some(a) = &p.server_dry_run else { continue };
            let answer = if a.allowed {
                format!("allowed ({})", a.code)
            } else {
                format!(
                    "{} {}",
                    a.code,
                    a.message.as_deref().unwrap_or("no message")
                )
            };
            out.push_str(&wrap_hanging(
                &format!(
                    "API server, dry-run eviction of {}/{}: {answer}",
                    p.namespace, p.name
                ),
                style.width,
                "  ",
                "    ",
            ));
        }
    }
    if !n.not_evicted.is_empty() {
        let list: Vec<String> = n
            .not_evicted
            .iter()
            .map(|p| {
                let why = if p.reason == "mirror" {
                    "static"
                } else {
                    "DaemonSet"
                };
                format!("{}/{} ({why})", p.namespace, p.name)
            })
            .collect();
        out.push_str(&wrap(
            &format!("stays: {}", list.join(", ")),
            style.width,
            "  ",
        ));
    }
    // Findings are indented under their node, so they get two columns less.
    let inner = Style {
        width: style.width.saturating_sub(2),
        ..*style
    };
    for f in &n.findings {
        out.push('\n');
        for line in super::diagnose::finding(f, &inner).lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    if with_commands && !n.commands.is_empty() {
        let _ = writeln!(out, "\n  {}", style.dim("commands:"));
        out.push_str(&commands(&n.commands, style, "    "));
    }
    out
}

fn commands(cmds: &[Remedy], style: &Style, indent: &str) -> String {
    let mut out = String::new();
    for c in cmds {
        out.push_str(&wrap(&c.description, style.width, &format!("{indent}# ")));
        if c.destructive {
            let warn = "WARNING: destructive, cannot be undone";
            let warn = if style.color {
                warn.red().bold().to_string()
            } else {
                warn.to_string()
            };
            let _ = writeln!(out, "{indent}# {warn}");
        }
        let _ = writeln!(out, "{indent}{}", c.command);
    }
    out
}
