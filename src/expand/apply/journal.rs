//! Where the run stands (each claim, the StatefulSet), and what to tell the user when it
//! stops: which step, the state left behind, and the command that resumes or restores.

use super::super::ExpandPlan;
use crate::finding::shell_join;
use std::path::{Path, PathBuf};

use super::*;

/// Where the StatefulSet object stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Phase {
    Untouched,
    BackedUp,
    /// The real DELETE was sent and its answer is not known.
    DeleteSent,
    /// Deleted (or terminating, its pods orphaned); not re-created.
    Deleted,
    /// The real POST was sent and its answer is not known.
    CreateSent,
    Recreated(String),
}

/// What the run has done so far, to say where it stopped. Printed from `Drop` when the run
/// is interrupted (Ctrl-C drops the future), or turned into the error when a step fails.
pub(super) struct Journal<'p> {
    pub(super) plan: &'p ExpandPlan,
    pub(super) settings: &'p Settings,
    pub(super) step: Option<usize>,
    pub(super) doing: String,
    pub(super) grown: Vec<String>,
    pub(super) restarted: Vec<String>,
    pub(super) phase: Phase,
    pub(super) backup: Option<PathBuf>,
    pub(super) recreate_file: Option<PathBuf>,
    pub(super) finished: bool,
}

impl<'p> Journal<'p> {
    pub(super) fn at(&mut self, step: Option<usize>, doing: impl Into<String>) {
        self.step = step;
        self.doing = doing.into();
    }

    pub(super) fn kubectl_create(&self, file: &Path) -> String {
        let ns = &self.plan.statefulset.namespace;
        shell_join(
            &self
                .settings
                .kubectl
                .argv(Some(ns), &["create", "-f", &file.display().to_string()]),
        )
    }

    /// The whole story: which step, why, what is done, what state things are in, and what
    /// to run next.
    pub(super) fn report(&self, why: &str) -> String {
        let p = self.plan;
        let (ns, name) = (&p.statefulset.namespace, &p.statefulset.name);
        let mut out = String::new();
        let step = match self.step {
            Some(i) => format!(
                "step {} of {} ({})",
                i + 1,
                p.steps.len(),
                p.steps.get(i).map(|s| s.description.as_str()).unwrap_or("")
            ),
            None => self.doing.clone(),
        };
        out.push_str(&format!("stopped at {step}: {why}\n"));
        if self.step.is_some() && !self.doing.is_empty() {
            out.push_str(&format!("  while: {}\n", self.doing));
        }
        let mut done = Vec::new();
        if !self.grown.is_empty() {
            done.push(format!(
                "claims asked to grow to {}: {}",
                p.to,
                self.grown.join(", ")
            ));
        }
        if !self.restarted.is_empty() {
            done.push(format!("pods restarted: {}", self.restarted.join(", ")));
        }
        if done.is_empty() && self.phase == Phase::Untouched {
            out.push_str("  nothing was changed\n");
        } else {
            for d in done {
                out.push_str(&format!("  done: {d}\n"));
            }
        }
        let create_new = self
            .recreate_file
            .as_deref()
            .map(|f| self.kubectl_create(f));
        let restore = self.backup.as_deref().map(|f| self.kubectl_create(f));
        let backup = self
            .backup
            .as_deref()
            .map(|b| b.display().to_string())
            .unwrap_or_default();
        match &self.phase {
            Phase::Untouched | Phase::BackedUp => {
                out.push_str(&format!(
                    "  the StatefulSet {ns}/{name} is unchanged (claim template {} still at {}){}\n",
                    p.template,
                    p.from,
                    if self.phase == Phase::BackedUp {
                        format!("; its backup is in {backup}")
                    } else {
                        String::new()
                    }
                ));
                if !(done_nothing(self)) {
                    out.push_str(&format!(
                        "  to go on, run the same command again (claims already asking for {} are not patched again):\n    {}\n",
                        p.to, self.settings.resume
                    ));
                } else {
                    out.push_str(&format!("  to try again:\n    {}\n", self.settings.resume));
                }
            }
            Phase::DeleteSent => {
                out.push_str(&format!(
                    "  the delete of the StatefulSet {ns}/{name} was sent without an answer: it may be gone or terminating (its pods and claims keep running); check with:\n    {}\n",
                    shell_join(&self.settings.kubectl.argv(Some(ns), &["get", "statefulset", name]))
                ));
                if let (Some(c), Some(r)) = (&create_new, &restore) {
                    out.push_str(&format!(
                        "  if it is gone, re-create it with the claim template at {}:\n    {c}\n  or as it was (backup {backup}):\n    {r}\n  if it is still there, unchanged, run the same command again:\n    {}\n",
                        p.to, self.settings.resume
                    ));
                }
            }
            Phase::Deleted | Phase::CreateSent => {
                if self.phase == Phase::CreateSent {
                    out.push_str(&format!(
                        "  the StatefulSet {ns}/{name} was deleted and its re-create got no clear answer: it may or may not exist again; check with:\n    {}\n  its pods and claims keep running, but until it is back nothing replaces a pod that fails\n  if it is not there:\n",
                        shell_join(&self.settings.kubectl.argv(Some(ns), &["get", "statefulset", name]))
                    ));
                } else {
                    out.push_str(&format!(
                        "  the StatefulSet {ns}/{name} is deleted; its pods and claims keep running, but nothing replaces a pod that fails until it is re-created\n"
                    ));
                }
                if let (Some(c), Some(r)) = (&create_new, &restore) {
                    out.push_str(&format!(
                        "  re-create it with the claim template at {}:\n    {c}\n  or restore it as it was from the backup {backup}:\n    {r}\n",
                        p.to
                    ));
                }
            }
            Phase::Recreated(uid) => {
                let mut args = vec!["get".to_string(), "pods".to_string()];
                if !p.selector.is_empty() {
                    args.push("-l".into());
                    args.push(p.selector.clone());
                }
                args.push("-o".into());
                args.push("custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type==\"Ready\")].status,OWNER:.metadata.ownerReferences[0].uid".into());
                out.push_str(&format!(
                    "  the StatefulSet {ns}/{name} was re-created (uid {uid}) with claim template {} at {}; the backup of the old object is {backup}\n  check its pods (OWNER should be {uid}):\n    {}\n",
                    p.template,
                    p.to,
                    shell_join(&self.settings.kubectl.argv(Some(ns), &args))
                ));
            }
        }
        out
    }
}

pub(super) fn done_nothing(j: &Journal) -> bool {
    j.grown.is_empty() && j.restarted.is_empty()
}

impl Drop for Journal<'_> {
    fn drop(&mut self) {
        if !self.finished {
            eprintln!("\n{}", self.report("interrupted"));
        }
    }
}
