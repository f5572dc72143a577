//! `kubectl sts orphans [-n NS | -A] [--price-per-gib P] [--price CLASS=P]... [--delete [--yes]]`
//!
//! Lists orphaned PVCs and PVs with their estimated monthly cost (live or `--from-file`).
//! `--delete` (live only) goes through `act`: choose, plan, server-side dry run, typed
//! confirmation, then one deletion at a time with preconditions and a re-check of mounts.

use super::input::{self, Input};
use crate::act::{self, Consent, ItemResult, Outcome, Plan, Step, Target};
use crate::cli::{GlobalArgs, OrphansArgs, Output};
use crate::cmd::out::out;
use crate::error::Failure;
use crate::k8s;
use crate::model::{LivePersistentVolume, LivePersistentVolumeClaim, LivePod};
use crate::orphans::cost::{self, Prices};
use crate::orphans::recheck::{self, Verdict};
use crate::orphans::{self, Orphan, OrphanReport};
use crate::render::{self, Style};
use crate::snapshot::collect::list_all;
use anyhow::Result;
use k8s_openapi::api::apps::v1::StatefulSet;
use kube::Api;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(flatten)]
    report: &'a OrphanReport,
    evaluated_at: jiff::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    captured_at: Option<jiff::Timestamp>,
}

pub async fn run(g: &GlobalArgs, args: &OrphansArgs) -> Result<i32> {
    // Refused before anything is read: neither case can end in a deletion.
    if args.delete && !g.from_file.is_empty() {
        return Err(Failure::usage(
            "--delete acts on the live cluster and --from-file reads a saved snapshot: list from the file, then run --delete without --from-file",
        )
        .into());
    }
    let consent = if args.delete {
        let terminal = act::consent::terminal(g.no_interactive);
        Some(act::decide(terminal, args.yes, "--delete")?)
    } else {
        None
    };
    let input = input::load_live(g, "orphans").await?;
    input::print_notes(&input.snap);
    let prices = Prices::new(args.price_per_gib, &args.prices);
    let report = orphans::find(&input.snap, input.now, &prices, &input.kubectl);
    let text = match g.output {
        Output::Table => {
            let header = render::orphans::Header {
                source: &input.source,
                scope: input.snap.scope.to_string(),
                namespaced: input.snap.scope.namespace.is_some(),
                now: input.now,
            };
            render::orphans::table(&report, &header, &Style::detect(g.no_color))
        }
        other => render::machine(
            &Doc {
                report: &report,
                evaluated_at: input.now,
                captured_at: input.snap.captured_at,
            },
            other,
        )?,
    };
    out!("{text}");
    let Some(consent) = consent else {
        return Ok(exit_code(&report, g.fail_on.threshold()));
    };
    // With machine output, stdout holds the document only; the deletion talks on stderr.
    let mut out: Box<dyn Write> = if g.output == Output::Table {
        Box::new(std::io::stdout())
    } else {
        Box::new(std::io::stderr())
    };
    delete(&input, &report, consent, &mut out).await
}

/// Orphans are info findings: exit 1 only with `--fail-on info`.
fn exit_code(report: &OrphanReport, threshold: Option<crate::finding::Severity>) -> i32 {
    match threshold {
        Some(crate::finding::Severity::Info) if !report.is_empty() => 1,
        _ => 0,
    }
}

/// One line per orphan for the picker, labels padded to the longest.
fn pick_label(o: &Orphan, width: usize) -> String {
    format!(
        "{:<width$}  {:>6}  {:>7}/month  {}{}",
        o.label(),
        k8s::quantity::format_bytes(o.capacity_bytes as f64),
        cost::money(o.monthly_cost),
        o.reason.short(),
        o.statefulset
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default()
    )
}

fn totals(items: &[&Orphan]) -> (u64, f64) {
    (
        items.iter().map(|o| o.capacity_bytes).sum(),
        cost::round_cents(items.iter().map(|o| o.monthly_cost).sum()),
    )
}

fn target(o: &Orphan) -> Target {
    let command = o
        .commands
        .iter()
        .find(|c| c.destructive)
        .map(|c| c.command.clone())
        .unwrap_or_default();
    let meta = kube::core::ObjectMeta {
        name: Some(o.name.clone()),
        namespace: o.namespace.clone(),
        uid: o.uid.clone(),
        resource_version: o.resource_version.clone(),
        ..Default::default()
    };
    if o.namespace.is_some() {
        Target::of::<LivePersistentVolumeClaim>(&meta, o.label(), command)
    } else {
        Target::of::<LivePersistentVolume>(&meta, o.label(), command)
    }
}

/// What stays behind after deleting `o`, for the plan's notes.
fn leftover_note(o: &Orphan) -> Option<String> {
    if !o.leaves_disk() {
        return None;
    }
    Some(match (&o.namespace, &o.volume) {
        (Some(_), Some(pv)) => format!(
            "{}: its PV {pv} has reclaim policy Retain; it stays behind Released with its disk (run orphans again to delete it)",
            o.label()
        ),
        _ => format!(
            "{}: reclaim policy Retain: deleting the PV object does not delete the backing disk {}; delete that with your storage provider",
            o.label(),
            o.volume_handle
                .as_deref()
                .unwrap_or("(no volume handle recorded)")
        ),
    })
}

pub fn plan(items: &[&Orphan]) -> Plan {
    let (bytes, monthly) = totals(items);
    Plan {
        title: format!(
            "delete {} orphaned object(s): {}, about {} per month",
            items.len(),
            cost::gib(bytes),
            cost::money(monthly)
        ),
        steps: items
            .iter()
            .map(|o| {
                let t = target(o);
                Step {
                    description: format!(
                        "delete {} ({}, {}{})",
                        o.label(),
                        k8s::quantity::format_bytes(o.capacity_bytes as f64),
                        o.reason.short(),
                        o.statefulset
                            .as_deref()
                            .map(|s| format!(" from {s}"))
                            .unwrap_or_default()
                    ),
                    command: t.command,
                }
            })
            .collect(),
        notes: items.iter().filter_map(|o| leftover_note(o)).collect(),
        destructive: true,
    }
}

/// Claims first, namespace by namespace (one re-check read per namespace), then volumes.
fn order(mut items: Vec<&Orphan>) -> Vec<&Orphan> {
    items.sort_by(|a, b| {
        (a.namespace.is_none(), &a.namespace, &a.name).cmp(&(
            b.namespace.is_none(),
            &b.namespace,
            &b.name,
        ))
    });
    items
}

async fn delete(
    input: &Input,
    report: &OrphanReport,
    consent: Consent,
    out: &mut dyn Write,
) -> Result<i32> {
    let Some(client) = input.client.clone() else {
        return Err(Failure::usage("--delete needs the live cluster").into());
    };
    writeln!(out)?;
    if report.is_empty() {
        writeln!(out, "Nothing to delete.")?;
        return Ok(0);
    }
    let chosen = choose(report, consent)?;
    if chosen.is_empty() {
        writeln!(out, "Nothing chosen; nothing deleted.")?;
        return Ok(0);
    }
    let chosen = order(chosen);
    write!(out, "{}", plan(&chosen).render())?;
    let targets: Vec<Target> = chosen.iter().map(|o| target(o)).collect();

    writeln!(out, "\nServer-side dry run (nothing changes):")?;
    let dry = act::delete::dry_run_all(&client, &targets, input.timeout, out).await;
    let failed: Vec<&ItemResult> = dry
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
        .collect();
    if let Some(first) = failed.first() {
        return Err(Failure::usage(format!(
            "the dry run was refused for {} of {} item(s) (first: {}: {}); nothing was deleted",
            failed.len(),
            dry.len(),
            first.item,
            first.outcome
        ))
        .into());
    }
    // Items that changed since the listing (409) or vanished (404) are reported above and
    // left out; the rest go on.
    let go: Vec<(&Orphan, Target)> = chosen
        .iter()
        .zip(targets)
        .zip(&dry)
        .filter(|(_, r)| r.outcome == Outcome::DryRunOk)
        .map(|((o, t), _)| (*o, t))
        .collect();
    if go.is_empty() {
        writeln!(
            out,
            "Nothing left to delete: every item changed since it was listed."
        )?;
        return Ok(0);
    }
    let go_orphans: Vec<&Orphan> = go.iter().map(|(o, _)| *o).collect();
    let (bytes, monthly) = totals(&go_orphans);
    if consent == Consent::Prompt {
        let phrase = act::consent::typed_phrase("delete", go.len());
        writeln!(out)?;
        let question = format!(
            "Delete {} object(s), {}, about {} per month? This cannot be undone.",
            go.len(),
            cost::gib(bytes),
            cost::money(monthly)
        );
        out.flush()?;
        if !act::consent::confirm_typed(&question, &phrase)? {
            writeln!(out, "Not confirmed; nothing was deleted.")?;
            return Ok(0);
        }
    }

    writeln!(out, "\nDeleting, one at a time:")?;
    let go_targets: Vec<Target> = go.iter().map(|(_, t)| t.clone()).collect();
    let mut check = MountRecheck {
        input,
        client: client.clone(),
        seen: BTreeMap::new(),
    };
    let results =
        act::delete::delete_each(&client, &go_targets, input.timeout, &mut check, out).await;

    let s = summarise(
        &go_orphans,
        &results,
        dry.len() - go.len(),
        chosen.len(),
        out,
    )?;
    Ok(if s.failed > 0 { 1 } else { 0 })
}

/// The orphans to delete: all of them with --yes, else those ticked on the terminal.
fn choose(report: &OrphanReport, consent: Consent) -> Result<Vec<&Orphan>> {
    Ok(match consent {
        Consent::Proceed => report.orphans.iter().collect(),
        Consent::Prompt => {
            let width = report
                .orphans
                .iter()
                .map(|o| o.label().chars().count())
                .max()
                .unwrap_or(0);
            let labels: Vec<String> = report
                .orphans
                .iter()
                .map(|o| pick_label(o, width))
                .collect();
            act::consent::choose(
                "Which to delete? (space ticks, enter goes on; nothing is deleted yet)",
                &labels,
            )?
            .into_iter()
            .filter_map(|i| report.orphans.get(i))
            .collect()
        }
    })
}

/// What is still there after the deletions, and the totals: deleted, skipped (changed
/// since listed, `skipped_before` of them at the dry run) and failed.
fn summarise(
    go: &[&Orphan],
    results: &[ItemResult],
    skipped_before: usize,
    chosen: usize,
    out: &mut dyn Write,
) -> Result<act::Summary> {
    let done: Vec<&Orphan> = go
        .iter()
        .zip(results)
        .filter(|(_, r)| matches!(r.outcome, Outcome::Done { .. }))
        .map(|(o, _)| *o)
        .collect();
    let leftovers: Vec<String> = done.iter().filter_map(|o| leftover_note(o)).collect();
    if !leftovers.is_empty() {
        writeln!(out, "\nStill there:")?;
        for l in leftovers {
            writeln!(out, "  {l}")?;
        }
    }
    let (done_bytes, done_monthly) = totals(&done);
    let s = act::Summary::of(results, go.len());
    writeln!(
        out,
        "\nDeleted {} of {} chosen ({}, about {} per month); {} skipped as changed since listed or in use; {} failed{}.",
        s.done,
        chosen,
        cost::gib(done_bytes),
        cost::money(done_monthly),
        s.skipped + skipped_before,
        s.failed,
        if s.not_attempted > 0 {
            format!(
                "; {} not attempted: the run stopped at the failure and retried nothing (run orphans --delete again once the cause is fixed)",
                s.not_attempted
            )
        } else {
            String::new()
        }
    )?;
    Ok(s)
}

/// Reads the pods and StatefulSets of a namespace right before its first claim is
/// deleted, and judges every listed claim there again.
///
/// Why this extra read is worth it: the listing may be minutes old (a person read the
/// table and chose), and in that time a pod (a CronJob run, a scale-up) may have started
/// mounting a claim. Preconditions do not catch that: mounting a claim does not change the
/// claim's resourceVersion. And `kubernetes.io/pvc-protection` only postpones the deletion
/// until that pod ends, then deletes the data from under whoever needed it. So: one pod
/// list and one StatefulSet list per namespace (not per claim), no selectors because a
/// mount can come from any pod.
struct MountRecheck<'a> {
    input: &'a Input,
    client: kube::Client,
    seen: BTreeMap<String, Result<BTreeMap<String, Verdict>, String>>,
}

impl MountRecheck<'_> {
    async fn judge(&self, ns: &str) -> Result<BTreeMap<String, Verdict>, String> {
        let timeout = self.input.timeout;
        let pods = list_all(Api::<LivePod>::namespaced(self.client.clone(), ns), timeout)
            .await
            .map_err(|e| format!("listing pods in {ns}: {}", e.reason()))?;
        let pods = pods.into_iter().map(Into::into).collect();
        let sets = list_all(
            Api::<StatefulSet>::namespaced(self.client.clone(), ns),
            timeout,
        )
        .await
        .map_err(|e| format!("listing statefulsets in {ns}: {}", e.reason()))?;
        Ok(recheck::judge(
            ns,
            &self.input.snap.pvcs,
            pods,
            sets.into_iter().map(Into::into).collect(),
            self.input.now,
        ))
    }
}

impl act::Recheck for MountRecheck<'_> {
    async fn before(&mut self, target: &Target) -> Option<Outcome> {
        // Volumes are not mounted by pods directly; their preconditions cover re-binding.
        let ns = target.namespace.clone()?;
        if !self.seen.contains_key(&ns) {
            let v = self.judge(&ns).await;
            self.seen.insert(ns.clone(), v);
        }
        match self.seen.get(&ns)? {
            Err(e) => Some(Outcome::Failed {
                error: format!("could not re-check that no pod mounts it ({e}); not deleted"),
            }),
            Ok(verdicts) => match verdicts.get(&target.name) {
                Some(v) => v.skip_reason().map(|reason| Outcome::Skipped { reason }),
                None => Some(Outcome::Failed {
                    error: "not found in the listing to re-check; not deleted".into(),
                }),
            },
        }
    }
}
