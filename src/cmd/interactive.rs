//! The terminal-only parts of diagnose: picking a StatefulSet, and running one of the printed
//! commands after confirmation. Never used when stdin or stdout is not a terminal.

use crate::analysis::Report;
use crate::analysis::index::Index;
use crate::cmd::out::outln;
use crate::finding::Remedy;
use crate::finding::Severity;
use crate::k8s;
use crate::snapshot::{Snapshot, Source};
use anyhow::{Context, Result};
use dialoguer::{Confirm, FuzzySelect, Select, theme::ColorfulTheme};
use std::io::{IsTerminal, Write};
use std::process::Stdio;

/// Prompts are allowed only with a person on both ends.
pub fn allowed(no_interactive: bool) -> bool {
    !no_interactive && std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// One line per StatefulSet for the picker: name, ready/desired and a health mark. Ready is
/// counted as `replicas-unavailable` counts it (the pods when they were read, else the
/// controller's status), and the mark follows the same severity rule, so a set the findings
/// call critical is DOWN here too.
pub fn picker_items(snap: &Snapshot, ns: &str) -> Vec<(String, String)> {
    let idx = (snap.is_skipped(Source::Pods).is_none()).then(|| Index::new(snap));
    let mut items: Vec<(String, String)> = snap
        .statefulsets
        .iter()
        .filter(|s| k8s::namespace(&s.metadata) == ns)
        .map(|s| {
            let name = k8s::name(&s.metadata).to_string();
            let want = k8s::replicas(s);
            let ready = match &idx {
                Some(idx) => idx
                    .pods_of(ns, &name)
                    .iter()
                    .filter(|p| k8s::pod::is_ready(p))
                    .count() as i32,
                None => s
                    .status
                    .as_ref()
                    .and_then(|st| st.ready_replicas)
                    .unwrap_or(0),
            };
            (
                name.clone(),
                format!(
                    "{name:<32} {ready}/{want} ready  {}",
                    health_mark(ready, want)
                ),
            )
        })
        .collect();
    items.sort();
    items
}

/// The picker's word for `ready` of `want`, from the rule behind the findings' severity.
fn health_mark(ready: i32, want: i32) -> &'static str {
    match k8s::availability(ready, want) {
        None => "ok",
        Some(Severity::Critical) if ready > 0 => "DOWN (quorum lost)",
        Some(Severity::Critical) => "DOWN",
        Some(_) => "DEGRADED",
    }
}

/// Lets the user pick one StatefulSet, or all of them. `Ok(None)` means all.
pub fn pick_statefulset(snap: &Snapshot, ns: &str) -> Result<Option<String>> {
    let items = picker_items(snap, ns);
    if items.len() < 2 {
        return Ok(None);
    }
    let mut labels = vec![format!("(all {} StatefulSets in {ns})", items.len())];
    labels.extend(items.iter().map(|(_, l)| l.clone()));
    let choice = FuzzySelect::with_theme(&ColorfulTheme::default())
        .with_prompt("StatefulSet to diagnose (type to filter)")
        .items(&labels)
        .default(0)
        .interact_opt()
        .map_err(crate::act::consent::prompt_error)?;
    Ok(match choice {
        Some(i) if i > 0 => Some(items[i - 1].0.clone()),
        _ => None,
    })
}

/// After the findings: offer each printed command, confirm, and run it through kubectl as
/// an argument vector (no shell). Destructive commands always ask, whatever `--yes` says.
pub fn offer_commands(report: &Report, yes: bool) -> Result<()> {
    let remedies: Vec<(&str, &Remedy)> = report
        .findings
        .iter()
        .flat_map(|f| f.commands.iter().map(move |c| (f.runbook.as_str(), c)))
        .filter(|(_, c)| c.argv().first().map(String::as_str) == Some("kubectl"))
        .collect();
    if remedies.is_empty() {
        return Ok(());
    }
    let theme = ColorfulTheme::default();
    loop {
        let mut labels: Vec<String> = remedies
            .iter()
            .map(|(rb, c)| {
                let first = c.command.lines().next().unwrap_or_default();
                let warn = if c.destructive { "  [DESTRUCTIVE]" } else { "" };
                format!("{rb}: {}{warn}\n      {first}", c.description)
            })
            .collect();
        labels.push("quit".to_string());
        let choice = Select::with_theme(&theme)
            .with_prompt("Run one of these commands? (Esc or q to quit)")
            .items(&labels)
            .default(labels.len() - 1)
            .interact_opt()
            .map_err(crate::act::consent::prompt_error)?;
        let Some(i) = choice.filter(|i| *i < remedies.len()) else {
            return Ok(());
        };
        let remedy = remedies[i].1;
        outln!("\n{}\n", remedy.command);
        let ask = remedy.destructive || !yes;
        if remedy.destructive {
            outln!("WARNING: this is destructive and cannot be undone.");
        }
        if ask
            && !Confirm::with_theme(&theme)
                .with_prompt("Run it?")
                .default(false)
                .interact()
                .map_err(crate::act::consent::prompt_error)?
        {
            continue;
        }
        // A command that cannot start (no kubectl on PATH) is reported; the menu stays.
        if let Err(e) = run(remedy) {
            eprintln!("error: {e:#}\n");
        }
    }
}

fn run(remedy: &Remedy) -> Result<()> {
    let (argv, doc) = remedy.parts();
    let (prog, args) = argv.split_first().context("empty command")?;
    let mut cmd = std::process::Command::new(prog);
    cmd.args(args);
    if doc.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().with_context(|| format!("cannot run {prog}"))?;
    if let (Some(doc), Some(mut stdin)) = (doc, child.stdin.take()) {
        stdin
            .write_all(doc.as_bytes())
            .context("writing the manifest to kubectl")?;
    }
    let status = child.wait().context("waiting for kubectl")?;
    outln!("\n{prog} exited with {status}\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;

    fn mark_of(s: &crate::snapshot::Snapshot) -> String {
        super::picker_items(s, "shop")[0].1.clone()
    }

    #[test]
    fn the_picker_calls_a_set_down_when_its_finding_is_critical() {
        // 0 of 2 Ready: replicas-unavailable is critical, so "degraded" would contradict it.
        let mut s = snapshot();
        s.statefulsets.push(sts_with_ready("shop", "db", 2, 0));
        s.pods.push(pod("shop", "db", 0, false));
        s.pods.push(pod("shop", "db", 1, false));
        assert!(mark_of(&s).ends_with("0/2 ready  DOWN"), "{}", mark_of(&s));
        let report = crate::checks::analyze(&s, now(), &crate::kubectl::Kubectl::default());
        let f = report
            .findings
            .iter()
            .find(|f| f.runbook == "replicas-unavailable")
            .unwrap();
        assert_eq!(f.severity, crate::finding::Severity::Critical);

        let mut s = snapshot();
        s.statefulsets.push(sts_with_ready("shop", "zk", 3, 1));
        s.pods.push(pod("shop", "zk", 0, true));
        assert!(mark_of(&s).ends_with("1/3 ready  DOWN (quorum lost)"));

        let mut s = snapshot();
        s.statefulsets.push(sts_with_ready("shop", "zk", 3, 2));
        s.pods.push(pod("shop", "zk", 0, true));
        s.pods.push(pod("shop", "zk", 1, true));
        assert!(mark_of(&s).ends_with("2/3 ready  DEGRADED"));
    }

    #[test]
    fn the_picker_counts_ready_pods_over_a_lagging_status() {
        // The controller still says 2 Ready; both pods are not Ready any more.
        let mut s = snapshot();
        s.statefulsets.push(sts_with_ready("shop", "db", 2, 2));
        s.pods.push(pod("shop", "db", 0, false));
        s.pods.push(pod("shop", "db", 1, false));
        assert!(mark_of(&s).ends_with("0/2 ready  DOWN"), "{}", mark_of(&s));
    }
}
