//! `kubectl sts rollout [status|canary|step|promote|pause|undo] STATEFULSET ...`
//!
//! `status` reads the snapshot (live or `--from-file`) and prints the pure core's verdict;
//! `--watch` re-reads the StatefulSet and its namespace's pods every 2 s, printing only what
//! changed, until the rollout settles or `--timeout` passes.
//!
//! Every action goes through `act`: the StatefulSet is read again right before acting (its
//! resourceVersion becomes the patch's precondition) together with the namespace's pods (the
//! guard judges them, and a precondition on the StatefulSet says nothing about its pods),
//! the guard decides, the plan is shown with its kubectl equivalent, the server dry-runs the
//! change, a person confirms (or `--yes`), and the change is sent once: a 409 is reported,
//! never retried.

mod act;
mod live;
mod watch;

use super::input::{self, Input};
use crate::act::{self as act_mod, Consent};
use crate::cli::{FailOn, GlobalArgs, Output, RolloutAction, RolloutArgs, RolloutStatusArgs};
use crate::cmd::out::{out, outln};
use crate::error::Failure;
use crate::render::{self, Style};
use crate::rollout::status::NoStatus;
use crate::rollout::{self, Action, RolloutStatus, State};
use crate::snapshot::Snapshot;
use anyhow::Result;
use jiff::Timestamp;
use serde::Serialize;
use std::time::Duration;

pub async fn run(g: &GlobalArgs, args: &RolloutArgs) -> Result<i32> {
    // `rollout db step`: the StatefulSet goes after the action, not before it.
    if let (Some(name), Some(_)) = (&args.status.statefulset, &args.action) {
        return Err(Failure::usage(format!(
            "the StatefulSet goes after the action: kubectl sts rollout ACTION {name}"
        ))
        .into());
    }
    match &args.action {
        None => status(g, &args.status, true).await,
        Some(RolloutAction::Status(s)) => status(g, s, false).await,
        Some(RolloutAction::Canary(a)) => {
            let action = Action::Canary {
                replicas: a.replicas,
                image: a.image.clone(),
            };
            act::act_on(g, &a.act, action, "10m").await
        }
        Some(RolloutAction::Step(a)) => act::act_on(g, &a.act, Action::Step, &a.timeout).await,
        Some(RolloutAction::Promote(a)) => {
            act::act_on(g, &a.act, Action::Promote { force: a.force }, "10m").await
        }
        Some(RolloutAction::Pause(a)) => act::act_on(g, a, Action::Pause, "10m").await,
        Some(RolloutAction::Undo(a)) => {
            let action = Action::Undo {
                to_revision: a.to_revision,
            };
            act::act_on(g, &a.act, action, &a.timeout).await
        }
    }
}

/// A `--timeout` value: a positive duration (a watch or a wait always ends).
pub(super) fn parse_limit(s: &str) -> Result<Duration> {
    match crate::cluster::parse_timeout(s).map_err(Failure::usage)? {
        Some(d) => Ok(d),
        None => Err(Failure::usage(format!(
            "invalid --timeout {s:?}: it must be above 0 (a watch or a wait always ends)"
        ))
        .into()),
    }
}

/// The status document: the contract's fields, plus when it was evaluated.
#[derive(Serialize)]
pub(super) struct Doc<'a> {
    #[serde(flatten)]
    pub status: &'a RolloutStatus,
    pub evaluated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<Timestamp>,
}

/// 1 when stuck, or when a finding is at or above `--fail-on`; `--fail-on never`: 0.
pub fn exit_code(st: &RolloutStatus, fail_on: FailOn) -> i32 {
    let Some(t) = fail_on.threshold() else {
        return 0;
    };
    if st.state == State::Stuck || st.worst().is_some_and(|w| w >= t) {
        1
    } else {
        0
    }
}

pub(super) fn compute(
    snap: &Snapshot,
    ns: &str,
    name: &str,
    now: Timestamp,
    input: &Input,
) -> Result<RolloutStatus> {
    rollout::status(snap, ns, name, now, &input.kubectl).map_err(|e| {
        match e {
            NoStatus::NotFound => Failure::usage(format!("statefulset {ns}/{name} not found")),
            NoStatus::Unreadable(source, reason) => Failure::usage(format!(
                "cannot tell the rollout state of {ns}/{name}: {source} could not be read ({reason})"
            )),
        }
        .into()
    })
}

async fn status(g: &GlobalArgs, a: &RolloutStatusArgs, menu: bool) -> Result<i32> {
    let Some(wanted) = a.statefulset.as_deref() else {
        return Err(Failure::usage("name the StatefulSet: kubectl sts rollout STATEFULSET").into());
    };
    let limit = parse_limit(&a.timeout)?;
    if a.watch && !g.from_file.is_empty() {
        return Err(Failure::usage(
            "--watch follows the live cluster and --from-file reads a saved snapshot: drop one of them",
        )
        .into());
    }
    let input = input::load_live(g, "rollout").await?;
    input::print_notes(&input.snap);
    let (ns, name) = crate::cmd::input::resolve_statefulset(&input, wanted, None)?;
    let st = compute(&input.snap, &ns, &name, input.now, &input)?;
    let style = Style::detect(g.no_color);
    if a.watch {
        return watch::watch(g, &input, &ns, &name, st, limit, &style).await;
    }
    print_status(g, &input, &st, input.now, &style)?;
    let code = exit_code(&st, g.fail_on);
    if menu
        && g.output == Output::Table
        && input.client.is_some()
        && act_mod::consent::terminal(g.no_interactive)
        && let Some(action) = pick(&input, &ns, &name)?
    {
        outln!();
        return act::perform(g, &input, &ns, &name, action, Consent::Prompt, limit).await;
    }
    Ok(code)
}

pub(super) fn print_status(
    g: &GlobalArgs,
    input: &Input,
    st: &RolloutStatus,
    now: Timestamp,
    style: &Style,
) -> Result<()> {
    let text = match g.output {
        Output::Table => render::rollout::table(
            st,
            &render::rollout::Header {
                source: &input.source,
                now,
            },
            style,
        ),
        other => render::machine(
            &Doc {
                status: st,
                evaluated_at: now,
                captured_at: input.snap.captured_at,
            },
            other,
        )?,
    };
    out!("{text}");
    Ok(())
}

/// The menu of the actions whose guard passes on the snapshot (the chosen one is judged
/// again on a fresh read before anything is sent). `None`: quit.
fn pick(input: &Input, ns: &str, name: &str) -> Result<Option<Action>> {
    use dialoguer::{Select, theme::ColorfulTheme};
    let items = rollout::actions::available(&input.snap, ns, name, input.now, &input.kubectl);
    if items.is_empty() {
        outln!("\nNo rollout action passes its guard right now.");
        return Ok(None);
    }
    let mut labels: Vec<String> = items.iter().map(|(_, title)| title.clone()).collect();
    labels.push("quit (change nothing)".to_string());
    outln!();
    let choice = Select::with_theme(&ColorfulTheme::default())
        .with_prompt("Act on the rollout? (the plan and a dry run come before any change)")
        .items(&labels)
        .default(labels.len() - 1)
        .interact_opt()
        .map_err(prompt_error)?;
    Ok(choice.and_then(|i| items.get(i)).map(|(a, _)| a.clone()))
}

fn prompt_error(e: dialoguer::Error) -> anyhow::Error {
    let dialoguer::Error::IO(io) = &e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        Failure::interrupted().into()
    } else {
        anyhow::Error::new(e).context("reading the choice")
    }
}

pub(super) fn clock(t: Timestamp) -> String {
    t.strftime("%H:%M:%S").to_string()
}
