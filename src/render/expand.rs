//! The pvc-expand plan for people: the checks (failed ones first), the claims and what
//! happens to each, warnings, then either why it is blocked or the numbered steps with
//! their kubectl commands.

use super::{Style, wrap, wrap_hanging};
use crate::act::Plan;
use crate::expand::{ClaimAction, ExpandPlan};
use std::fmt::Write;

pub struct Header<'a> {
    pub source: &'a str,
    pub now: jiff::Timestamp,
    /// `--apply` follows: the steps are about to run, not just proposed.
    pub applying: bool,
}

fn action(a: ClaimAction) -> &'static str {
    match a {
        ClaimAction::Grow => "grow",
        ClaimAction::Finish => "finish (asked earlier)",
        ClaimAction::Done => "done",
        ClaimAction::Missing => "missing",
        ClaimAction::Larger => "already larger",
    }
}

pub fn table(plan: &ExpandPlan, header: &Header, style: &Style) -> String {
    let mut out = String::new();
    let ns = &plan.statefulset.namespace;
    let name = &plan.statefulset.name;
    let line = format!(
        "{} · statefulset {ns}/{name} · evaluated at {}",
        header.source,
        header.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    );
    out.push_str(&style.dim(&wrap(&line, style.width, "")));
    let _ = writeln!(
        out,
        "\n{}",
        style.bold(&format!(
            "Grow claim template {} of {ns}/{name} from {} to {}",
            plan.template,
            if plan.from.is_empty() {
                "?"
            } else {
                &plan.from
            },
            plan.to
        ))
    );
    if let Some(b) = &plan.size_basis {
        out.push_str(&wrap(&format!("(--to-usage: {b})"), style.width, ""));
    }

    checks(&mut out, plan, style);
    let _ = writeln!(out, "\n{}", style.bold("── CLAIMS"));
    let mut t = style.table(
        vec!["CLAIM", "POD", "REQUEST", "CAPACITY", "CLASS", "ACTION"],
        &[0, 1],
        2,
    );
    for c in &plan.claims {
        t.add_row(vec![
            c.name.clone(),
            c.pod.clone(),
            c.request.clone().unwrap_or_else(|| "-".into()),
            c.capacity.clone().unwrap_or_else(|| "-".into()),
            c.storage_class.clone().unwrap_or_else(|| "-".into()),
            action(c.action).to_string(),
        ]);
    }
    for c in t.column_iter_mut() {
        c.set_padding((0, 1));
    }
    out.push_str(&super::table_text(&t, "  "));

    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("── WARNINGS"));
        for w in &plan.warnings {
            out.push_str(&wrap_hanging(&format!("! {w}"), style.width, "  ", "    "));
        }
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("── NOTES"));
        for n in &plan.notes {
            out.push_str(&wrap_hanging(&format!("- {n}"), style.width, "  ", "    "));
        }
    }
    out.push('\n');
    next(&mut out, plan, header, style);
    out
}

/// The checks, failed first, and those that could not run.
fn checks(out: &mut String, plan: &ExpandPlan, style: &Style) {
    let _ = writeln!(out, "\n{}", style.bold("── CHECKS"));
    let mut checks: Vec<_> = plan.checks.iter().collect();
    checks.sort_by_key(|c| c.ok);
    for c in checks {
        let mark = if c.ok {
            "ok".to_string()
        } else {
            style
                .paint_severity(crate::finding::Severity::Critical)
                .replace("CRITICAL", "FAILED")
        };
        out.push_str(&wrap_hanging(
            &format!("{:<6} {}: {}", mark, c.name, c.detail),
            style.width,
            "  ",
            "         ",
        ));
    }
    for s in &plan.skipped {
        out.push_str(&wrap_hanging(
            &format!(
                "{:<6} {}: {} could not be read ({})",
                "--", s.check, s.source, s.reason
            ),
            style.width,
            "  ",
            "         ",
        ));
    }
}

/// What happens next: blocked (and by what), nothing to do, or the steps.
fn next(out: &mut String, plan: &ExpandPlan, header: &Header, style: &Style) {
    if plan.blocked {
        let failed: Vec<&str> = plan
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.name.as_str())
            .collect();
        out.push_str(&wrap(
            &format!(
                "{} the expansion cannot go ahead: {} failed (above). Nothing was changed.",
                style
                    .paint_severity(crate::finding::Severity::Critical)
                    .replace("CRITICAL", "BLOCKED:"),
                failed.join(", ")
            ),
            style.width,
            "",
        ));
    } else if plan.steps.is_empty() {
        let _ = writeln!(out, "Nothing to do.");
    } else {
        let title = if header.applying {
            format!("{} step(s), carried out now", plan.steps.len())
        } else {
            format!(
                "{} step(s); run again with --apply to carry them out (nothing was changed)",
                plan.steps.len()
            )
        };
        let p = Plan {
            title,
            steps: plan.steps.clone(),
            notes: Vec::new(),
            destructive: false,
        };
        out.push_str(&p.render());
    }
}
