//! `kubectl sts pvc-expand STATEFULSET (--size SIZE | --to-usage PERCENT) [--template NAME]
//! [--apply [--yes]]`
//!
//! Reads the namespace's state (live or `--from-file`), plus its ResourceQuotas (one list,
//! for this command only) and, for `--to-usage`, the kubelets' volume stats; builds the plan
//! in `expand`; prints it; with `--apply` asks (or takes `--yes`) and carries it out.

use super::input::{self, Input};
use crate::act::{self, Consent};
use crate::cli::{FailOn, GlobalArgs, Output, PvcExpandArgs};
use crate::cmd::out::out;
use crate::error::Failure;
use crate::expand::{self, ExpandPlan, Quotas, Target, apply};
use crate::finding::shell_join;
use crate::render::{self, Style};
use crate::snapshot::{collect::list_all, extras};
use anyhow::Result;
use k8s_openapi::api::core::v1::ResourceQuota;
use kube::Api;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

#[derive(Serialize)]
struct Doc<'a> {
    #[serde(flatten)]
    plan: &'a ExpandPlan,
    evaluated_at: jiff::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    captured_at: Option<jiff::Timestamp>,
}

fn duration(flag: &str, s: &str) -> Result<Option<Duration>> {
    crate::cluster::parse_timeout(s).map_err(|e| Failure::usage(format!("--{flag}: {e}")).into())
}

pub async fn run(g: &GlobalArgs, args: &PvcExpandArgs) -> Result<i32> {
    if args.apply && !g.from_file.is_empty() {
        return Err(Failure::usage(
            "--apply changes the live cluster and --from-file reads a saved snapshot: plan from the file, then run --apply without --from-file",
        )
        .into());
    }
    // The size is checked before anything is read: a typo must not cost a cluster round trip.
    let prometheus = input::prometheus_endpoint(&args.prometheus)?;
    if args.grow_for.is_some() && prometheus.is_none() && g.from_file.is_empty() {
        return Err(Failure::usage(
            "--for needs the growth rate from Prometheus: give --prometheus URL or svc/NAMESPACE/NAME:PORT (or KUBECTL_STS_PROMETHEUS)",
        )
        .into());
    }
    let target = target_of(args)?;
    let Some(step_timeout) = duration("step-timeout", &args.step_timeout)? else {
        return Err(Failure::usage(
            "--step-timeout 0: every step of --apply needs a time limit (e.g. 10m)",
        )
        .into());
    };
    let online_resize_wait =
        duration("online-resize-wait", &args.online_resize_wait)?.unwrap_or(Duration::ZERO);
    let consent = if args.apply {
        let terminal = act::consent::terminal(g.no_interactive);
        Some(act::decide(terminal, args.yes, "--apply")?)
    } else {
        None
    };

    let mut input = input::load_live(g, "pvc-expand").await?;
    forget_quota_note(&mut input);
    input::print_notes(&input.snap);
    // A run that stopped between the delete and the re-create leaves the StatefulSet gone:
    // name its backups.
    let backups = backups_of(
        &args.backup_dir,
        input.namespace.as_deref(),
        &args.statefulset,
    );
    let hint = (!backups.is_empty()).then(|| {
        format!(
            "an earlier pvc-expand --apply saved it in {}: if it stopped after deleting the StatefulSet, re-create it from the newest of these with kubectl create -f",
            backups.join(", ")
        )
    });
    let (ns, _) = input::resolve_statefulset(&input, &args.statefulset, hint)?;
    let quotas = read_quotas(&input, g, &ns).await;
    if matches!(target, Target::ToUsage(_) | Target::ToUsageFor { .. }) {
        // Prometheus, when given, has the usage too: no nodes/proxy needed.
        match &prometheus {
            Some(endpoint) => {
                input::read_prometheus(&mut input, &args.prometheus, endpoint).await;
            }
            None => read_volume_stats(&mut input, &ns, &args.statefulset).await,
        }
    }
    let step_timeout_text = args.step_timeout.clone();
    let req = expand::Request {
        namespace: &ns,
        name: &args.statefulset,
        template: args.template.as_deref(),
        target,
        backup_dir: &args.backup_dir,
        step_timeout: &step_timeout_text,
    };
    let plan = expand::plan(&input.snap, &quotas, &req, input.now, &input.kubectl)
        .map_err(Failure::usage)?;

    let text = render_plan(g, &input, &plan, args.apply)?;
    out!("{text}");
    let blocked_code = if plan.blocked && g.fail_on != FailOn::Never {
        1
    } else {
        0
    };

    apply_plan(
        g,
        args,
        &input,
        &plan,
        consent,
        blocked_code,
        (step_timeout, online_resize_wait),
    )
    .await
}

/// The size asked for: `--size`, or `--to-usage` (with `--for` and a growth rate).
fn target_of(args: &PvcExpandArgs) -> Result<Target> {
    Ok(match (&args.size, args.to_usage, &args.grow_for) {
        (Some(s), _, _) => Target::Size(expand::size::parse(s).map_err(Failure::usage)?),
        (None, Some(p), Some((secs, text))) => Target::ToUsageFor {
            percent: p,
            secs: *secs as f64,
            text: text.clone(),
        },
        (None, Some(p), None) => Target::ToUsage(p),
        (None, None, _) => {
            return Err(Failure::usage(
                "give the new size with --size SIZE (e.g. --size 20Gi) or --to-usage PERCENT",
            )
            .into());
        }
    })
}

/// The plan, as a table or a machine document.
fn render_plan(g: &GlobalArgs, input: &Input, plan: &ExpandPlan, apply: bool) -> Result<String> {
    Ok(match g.output {
        Output::Table => render::expand::table(
            plan,
            &render::expand::Header {
                source: &input.source,
                now: input.now,
                applying: apply && !plan.blocked,
            },
            &Style::detect(g.no_color),
        ),
        other => render::machine(
            &Doc {
                plan,
                evaluated_at: input.now,
                captured_at: input.snap.captured_at,
            },
            other,
        )?,
    })
}

/// `--apply` after the plan was printed: refused when blocked, confirmed on a terminal,
/// then carried out step by step.
async fn apply_plan(
    g: &GlobalArgs,
    args: &PvcExpandArgs,
    input: &Input,
    plan: &ExpandPlan,
    consent: Option<Consent>,
    blocked_code: i32,
    (step_timeout, online_resize_wait): (Duration, Duration),
) -> Result<i32> {
    let Some(consent) = consent else {
        return Ok(blocked_code);
    };
    // With machine output, stdout holds the document only; the run talks on stderr.
    let table = g.output == Output::Table;
    let (mut out, terminal): (Box<dyn Write>, bool) = if table {
        (Box::new(std::io::stdout()), std::io::stdout().is_terminal())
    } else {
        (Box::new(std::io::stderr()), std::io::stderr().is_terminal())
    };
    if plan.blocked {
        writeln!(
            out,
            "\nNot applied: the plan is blocked; nothing was changed."
        )?;
        return Ok(blocked_code);
    }
    if plan.nothing_to_do() {
        writeln!(out, "\nNothing to apply.")?;
        return Ok(0);
    }
    let Some(client) = input.client.clone() else {
        return Err(Failure::usage("--apply needs the live cluster").into());
    };
    if consent == Consent::Prompt {
        let phrase = format!("expand {}", plan.statefulset.name);
        writeln!(out)?;
        out.flush()?;
        let question = format!(
            "Grow {} claim(s) of {}/{} to {}{}?",
            plan.work_order().len(),
            plan.statefulset.namespace,
            plan.statefulset.name,
            plan.to,
            if plan.recreate {
                ", then delete (orphaning its pods) and re-create the StatefulSet"
            } else {
                ""
            }
        );
        if !act::consent::confirm_typed(&question, &phrase)? {
            writeln!(out, "Not confirmed; nothing was changed.")?;
            return Ok(0);
        }
    }
    let settings = apply::Settings {
        request_timeout: input.timeout,
        step_timeout,
        online_resize_wait,
        poll: Duration::from_secs(2),
        terminal,
        resume: resume_command(input, plan, args),
        kubectl: input.kubectl.clone(),
    };
    match apply::run(&client, plan, &settings, &mut out).await {
        Ok(closing) => {
            writeln!(
                out,
                "\nDone: {}/{} claim template {} and its claims are at {}.",
                plan.statefulset.namespace, plan.statefulset.name, plan.template, plan.to
            )?;
            for l in closing {
                writeln!(out, "  {l}")?;
            }
            Ok(0)
        }
        Err(report) => {
            out.flush()?;
            Err(Failure::stopped(report.trim_end()).into())
        }
    }
}

/// The file loader calls ResourceQuotas an ignored kind; this command reads them itself.
fn forget_quota_note(input: &mut Input) {
    const IGNORED: &str = "ignored kinds the analysis does not use: ";
    for n in &mut input.snap.notes {
        if let Some(list) = n.strip_prefix(IGNORED) {
            let kept: Vec<&str> = list
                .split(", ")
                .filter(|k| !k.starts_with("ResourceQuota ("))
                .collect();
            *n = if kept.is_empty() {
                String::new()
            } else {
                format!("{IGNORED}{}", kept.join(", "))
            };
        }
    }
    input.snap.notes.retain(|n| !n.is_empty());
}

/// The same `--apply`, with the size fixed (a `--to-usage` run computed it).
fn resume_command(input: &Input, plan: &ExpandPlan, args: &PvcExpandArgs) -> String {
    let mut words = vec![
        "pvc-expand".to_string(),
        plan.statefulset.name.clone(),
        "--size".into(),
        plan.to.clone(),
        "--template".into(),
        plan.template.clone(),
        "--apply".into(),
    ];
    if args.backup_dir != Path::new(".") {
        words.push("--backup-dir".into());
        words.push(args.backup_dir.display().to_string());
    }
    shell_join(
        &input
            .kubectl
            .sts_argv(Some(&plan.statefulset.namespace), &words),
    )
}

/// Files `<ns>-<name>-*.yaml` in the backup directory, newest name last.
fn backups_of(dir: &Path, ns: Option<&str>, name: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let f = e.file_name().to_string_lossy().into_owned();
            let ok = f.ends_with(".yaml")
                && match ns {
                    Some(ns) => f.starts_with(&format!("{ns}-{name}-")),
                    None => f.contains(&format!("-{name}-")),
                };
            ok.then(|| dir.join(f).display().to_string())
        })
        .collect();
    out.sort();
    out
}

/// The namespace's ResourceQuotas: one list live (Forbidden or any failure: the check is
/// skipped and says why), or the ResourceQuota objects in the input files.
async fn read_quotas(input: &Input, g: &GlobalArgs, ns: &str) -> Quotas {
    if let Some(client) = &input.client {
        return match list_all(
            Api::<ResourceQuota>::namespaced(client.clone(), ns),
            input.timeout,
        )
        .await
        {
            Ok(items) => Quotas::Read(items),
            Err(e) => Quotas::NotRead(e.reason()),
        };
    }
    let mut all = Vec::new();
    for p in &g.from_file {
        if p == Path::new("-") {
            return Quotas::NotRead(
                "quotas are not read from standard input (it is read once, for the snapshot)"
                    .into(),
            );
        }
        let text = match std::fs::read_to_string(p) {
            Ok(t) => t,
            Err(e) => return Quotas::NotRead(format!("cannot read {}: {e}", p.display())),
        };
        match expand::quota::from_text(&text) {
            Ok(q) => all.extend(q),
            Err(e) => return Quotas::NotRead(format!("{}: {e:#}", p.display())),
        }
    }
    if all.is_empty() {
        Quotas::NotRead("no ResourceQuota objects in the input (not dumped, or none exist)".into())
    } else {
        Quotas::Read(all)
    }
}

/// `--to-usage`: the kubelets' volume stats of the nodes running the StatefulSet's pods
/// (bounded, as `diagnose --volume-stats`); a snapshot file brings its own.
async fn read_volume_stats(input: &mut Input, ns: &str, name: &str) {
    let Some(client) = input.client.clone() else {
        return;
    };
    let nodes = extras::stats_nodes(&input.snap, Some((ns, name)));
    if std::io::stderr().is_terminal() {
        eprintln!("reading volume stats from {} node(s) …", nodes.len());
    }
    extras::collect_volume_stats(&client, &mut input.snap, nodes, input.timeout).await;
}
