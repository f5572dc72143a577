//! `rollout` for people: the state line, one row per pod, what blocks the rollout, who else
//! manages the StatefulSet, and the findings as `diagnose` prints them; the lines a watch
//! prints when something changes; refusals and action results.

use super::{Style, wrap, wrap_hanging};
use crate::rollout::status::{PodRow, RolloutStatus, State};
use crate::rollout::{ActionPlan, Refusal};
use comfy_table::{ContentArrangement, Table, presets};
use std::fmt::Write;

pub struct Header<'a> {
    pub source: &'a str,
    pub now: jiff::Timestamp,
}

fn paint_state(state: State, style: &Style) -> String {
    let word = state.as_str().to_uppercase();
    if !style.color {
        return word;
    }
    use owo_colors::OwoColorize;
    match state {
        State::Complete => word.green().bold().to_string(),
        State::Stuck => word.red().bold().to_string(),
        State::Progressing => word.blue().bold().to_string(),
        State::Partitioned | State::PausedOndelete => word.yellow().bold().to_string(),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn age(secs: Option<i64>) -> String {
    secs.map(crate::k8s::time::short)
        .unwrap_or_else(|| "-".to_string())
}

fn pods_table(st: &RolloutStatus) -> String {
    let mut t = Table::new();
    // Names and revision hashes are never wrapped: a broken hash cannot be copied.
    t.load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(vec![
            "ORDINAL", "POD", "REVISION", "UPDATED", "READY", "RESTARTS", "NODE", "AGE",
        ]);
    for p in &st.pods {
        let mut ready = yes_no(p.ready).to_string();
        if p.terminating {
            ready = "terminating".to_string();
        }
        let mut name = p.name.clone();
        if p.surplus {
            name.push_str(" (surplus)");
        }
        t.add_row(vec![
            p.ordinal.to_string(),
            name,
            p.revision.clone().unwrap_or_else(|| "-".to_string()),
            yes_no(p.updated).to_string(),
            ready,
            p.restarts.to_string(),
            p.node.clone().unwrap_or_else(|| "-".to_string()),
            age(p.age_seconds),
        ]);
    }
    let last = t.column_count().saturating_sub(1);
    for (i, c) in t.column_iter_mut().enumerate() {
        c.set_padding((0, if i == last { 0 } else { 2 }));
    }
    super::table_text(&t, "")
}

/// The whole status for people.
pub fn table(st: &RolloutStatus, header: &Header, style: &Style) -> String {
    let mut out = String::new();
    let line = format!(
        "{} · statefulset {}/{} · evaluated at {}",
        header.source,
        st.statefulset.namespace,
        st.statefulset.name,
        header.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    );
    out.push_str(&style.dim(&wrap(&line, style.width, "")));
    let strategy = if st.strategy == "OnDelete" {
        "OnDelete".to_string()
    } else {
        format!("RollingUpdate, partition {}", st.partition)
    };
    let _ = writeln!(
        out,
        "{}: {strategy}, {}, {} replica(s)",
        style.bold(&format!(
            "StatefulSet {}/{}",
            st.statefulset.namespace, st.statefulset.name
        )),
        st.pod_management_policy,
        st.replicas
    );
    let rev = |r: &Option<String>| r.clone().unwrap_or_else(|| "unknown".to_string());
    let _ = writeln!(
        out,
        "revisions: current {}, update {}",
        rev(&st.current_revision),
        rev(&st.update_revision)
    );
    let _ = writeln!(out, "\nstate: {}", paint_state(st.state, style));
    out.push_str(&wrap(&st.detail, style.width, "  "));
    if let Some(b) = &st.blocking {
        let who = b.pod.as_deref().unwrap_or("the controller");
        out.push_str(&wrap_hanging(
            &format!("blocked by {who}: {}", b.cause),
            style.width,
            "  ",
            "    ",
        ));
    }
    out.push('\n');
    if st.pods.is_empty() {
        let _ = writeln!(out, "No pods.");
    } else {
        out.push_str(&pods_table(st));
    }
    if !st.missing.is_empty() {
        out.push_str(&wrap(
            &format!("not created: {}", st.missing.join(", ")),
            style.width,
            "",
        ));
    }
    let blocking = st.blocking.as_ref().and_then(|b| b.pod.as_deref());
    for p in st
        .pods
        .iter()
        .filter(|p| !p.ready && Some(p.name.as_str()) != blocking)
    {
        if let Some(why) = &p.problem {
            out.push_str(&wrap_hanging(
                &format!("{} not Ready: {why}", p.name),
                style.width,
                "",
                "  ",
            ));
        }
    }
    if let Some(m) = &st.managed_by {
        out.push('\n');
        out.push_str(&wrap_hanging(
            &format!("managed by {} {}: {}", m.tool, m.name, m.hint),
            style.width,
            "",
            "  ",
        ));
    }
    if !st.findings.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.bold(&format!("── FINDINGS ({})", st.findings.len()))
        );
        for f in &st.findings {
            out.push('\n');
            out.push_str(&super::diagnose::finding(f, style));
        }
    }
    if !st.skipped.is_empty() {
        out.push('\n');
        for s in &st.skipped {
            out.push_str(&wrap(
                &format!("skipped: {} ({})", s.source, s.reason),
                style.width,
                "",
            ));
        }
    }
    out.push_str(&super::diagnose::not_checked(&st.not_checked, style));
    out
}

fn pod_changes(name: &str, before: Option<&PodRow>, after: Option<&PodRow>) -> Vec<String> {
    let mut v = Vec::new();
    match (before, after) {
        (None, None) => {}
        (Some(_), None) => v.push(format!("{name}: gone")),
        (None, Some(a)) => v.push(format!(
            "{name}: created on {}, revision {}, {}",
            a.node.as_deref().unwrap_or("no node yet"),
            a.revision.as_deref().unwrap_or("unknown"),
            if a.ready { "Ready" } else { "not Ready" }
        )),
        (Some(b), Some(a)) => {
            if b.revision != a.revision {
                v.push(format!(
                    "{name}: revision {} → {}",
                    b.revision.as_deref().unwrap_or("unknown"),
                    a.revision.as_deref().unwrap_or("unknown")
                ));
            }
            if !b.terminating && a.terminating {
                v.push(format!("{name}: terminating"));
            }
            if b.ready != a.ready {
                v.push(if a.ready {
                    format!("{name}: Ready")
                } else {
                    format!(
                        "{name}: not Ready{}",
                        a.problem
                            .as_deref()
                            .map(|p| format!(" ({p})"))
                            .unwrap_or_default()
                    )
                });
            }
            if b.restarts < a.restarts {
                v.push(format!("{name}: restarted ({} restarts)", a.restarts));
            }
        }
    }
    v
}

/// What changed between two reads, one line each; empty when nothing did.
pub fn changes(before: &RolloutStatus, after: &RolloutStatus) -> Vec<String> {
    let mut names: Vec<(u64, &str)> = before
        .pods
        .iter()
        .chain(&after.pods)
        .map(|p| (p.ordinal, p.name.as_str()))
        .collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for (_, name) in names {
        let b = before.pods.iter().find(|p| p.name == name);
        let a = after.pods.iter().find(|p| p.name == name);
        out.extend(pod_changes(name, b, a));
    }
    if before.update_revision != after.update_revision {
        out.push(format!(
            "update revision {} → {}",
            before.update_revision.as_deref().unwrap_or("unknown"),
            after.update_revision.as_deref().unwrap_or("unknown")
        ));
    }
    if before.partition != after.partition {
        out.push(format!(
            "partition {} → {}",
            before.partition, after.partition
        ));
    }
    if before.state != after.state || before.detail != after.detail {
        out.push(format!("state {}: {}", after.state.as_str(), after.detail));
    }
    out
}

/// The one-line progress shown (and overwritten) on a terminal while watching or waiting.
pub fn progress(st: &RolloutStatus, elapsed_secs: i64, limit_secs: i64) -> String {
    let n = st.replicas.max(0);
    let updated = st.pods.iter().filter(|p| p.updated && !p.surplus).count();
    let ready = st.pods.iter().filter(|p| p.ready && !p.surplus).count();
    format!(
        "{}: {updated}/{n} updated, {ready}/{n} Ready · {} of {}",
        st.state.as_str(),
        crate::k8s::time::short(elapsed_secs),
        crate::k8s::time::short(limit_secs)
    )
}

/// A refused action: why, one reason per line.
pub fn refusal(r: &Refusal, style: &Style) -> String {
    let mut out = format!("{} refused; nothing was changed:\n", style.bold(r.action));
    for reason in &r.reasons {
        out.push_str(&wrap_hanging(
            &format!("- {reason}"),
            style.width,
            "  ",
            "    ",
        ));
    }
    out
}

/// The plan of an action, before anything is sent.
pub fn plan(p: &ActionPlan) -> String {
    p.plan.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubectl::Kubectl;
    use crate::rollout::status::status;
    use crate::testutil::*;
    use serde_json::json;

    fn partitioned() -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}},
                   "status": {"updateRevision": "db-rev2"}}),
        ));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, true));
        s.pods.push(merged(
            &pod("shop", "db", 2, true),
            json!({"metadata": {"labels": {"controller-revision-hash": "db-rev2"}}}),
        ));
        s
    }

    #[test]
    fn the_table_has_the_state_the_rows_and_the_findings_within_80_columns() {
        let s = partitioned();
        let st = status(&s, "shop", "db", now(), &Kubectl::default()).unwrap();
        let text = table(
            &st,
            &Header {
                source: "snapshot x.yaml",
                now: now(),
            },
            &Style::plain(),
        );
        assert!(text.contains("state: PARTITIONED"), "{text}");
        assert!(text.contains("\nORDINAL  POD   REVISION"), "{text}");
        assert!(text.contains("rollout-partition-held"), "{text}");
        for l in text.lines() {
            if !l.trim_start().starts_with("kubectl ") {
                assert!(l.chars().count() <= 80, "{l:?}");
            }
        }
    }

    #[test]
    fn a_watch_prints_only_what_changed() {
        let s = partitioned();
        let k = Kubectl::default();
        let before = status(&s, "shop", "db", now(), &k).unwrap();
        assert!(changes(&before, &before).is_empty());
        let mut s2 = s.clone();
        s2.statefulsets[0] = merged(
            &s2.statefulsets[0],
            json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}}}}),
        );
        s2.pods[1] = merged(
            &pod("shop", "db", 1, false),
            json!({"metadata": {"labels": {"controller-revision-hash": "db-rev2"}}}),
        );
        let after = status(&s2, "shop", "db", now(), &k).unwrap();
        let c = changes(&before, &after);
        assert_eq!(c[0], "db-1: revision db-rev1 → db-rev2");
        assert!(c[1].starts_with("db-1: not Ready"), "{c:?}");
        assert_eq!(c[2], "partition 2 → 1");
        assert!(
            c[3].starts_with("state stuck: the controller waits on db-1"),
            "{c:?}"
        );
    }
}
