//! What happened to each item of a mutation, and the tally people read at the end.

use super::error::ApiError;
use serde::Serialize;
use std::fmt;

/// The result of one request (dry run or real) for one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// Sent and accepted. `detail` says what remains ("held by a finalizer until ...").
    Done { detail: Option<String> },
    /// The server-side dry run accepted it; nothing changed.
    DryRunOk,
    /// Deliberately not done, safely: the object changed or vanished since it was listed
    /// (409 Conflict from a precondition, 404), or a re-check found it in use.
    Skipped { reason: String },
    /// The server refused for another reason (403, 422, 5xx, timeout): nothing retried.
    Failed { error: String },
}

impl Outcome {
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Done { .. } => "done",
            Outcome::DryRunOk => "dry-run ok",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed { .. } => "FAILED",
        }
    }

    /// What a failed request means for this item. A conflict or a missing object is the
    /// safe outcome the preconditions exist for; anything else is a failure.
    pub fn from_error(e: &ApiError) -> Outcome {
        match e {
            ApiError::Conflict { message } => Outcome::Skipped {
                reason: format!("changed since it was listed (409 Conflict: {message})"),
            },
            ApiError::NotFound { .. } => Outcome::Skipped {
                reason: "already gone: deleted since it was listed (404 Not Found)".to_string(),
            },
            ApiError::Refused { .. } | ApiError::Transport(_) => {
                Outcome::Failed { error: e.answer() }
            }
            ApiError::Timeout(t) => Outcome::Failed {
                error: format!(
                    "no answer within {}s; it may or may not have been deleted: check before retrying",
                    t.as_secs_f64()
                ),
            },
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Done { detail: Some(d) } => write!(f, "done: {d}"),
            Outcome::Skipped { reason } => write!(f, "skipped: {reason}"),
            Outcome::Failed { error } => write!(f, "FAILED: {error}"),
            other => f.write_str(other.word()),
        }
    }
}

/// One item's outcome, labelled the way the plan named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemResult {
    pub item: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub done: usize,
    pub dry_run_ok: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Items never reached (after an interruption or an aborted batch).
    pub not_attempted: usize,
}

impl Summary {
    pub fn of(results: &[ItemResult], total: usize) -> Self {
        let mut s = Summary::default();
        for r in results {
            match r.outcome {
                Outcome::Done { .. } => s.done += 1,
                Outcome::DryRunOk => s.dry_run_ok += 1,
                Outcome::Skipped { .. } => s.skipped += 1,
                Outcome::Failed { .. } => s.failed += 1,
            }
        }
        s.not_attempted = total.saturating_sub(results.len());
        s
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = vec![format!("{} done", self.done)];
        if self.dry_run_ok > 0 {
            parts.push(format!("{} dry-run ok", self.dry_run_ok));
        }
        parts.push(format!("{} skipped", self.skipped));
        parts.push(format!("{} failed", self.failed));
        if self.not_attempted > 0 {
            parts.push(format!("{} not attempted", self.not_attempted));
        }
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, reason: &str, message: &str) -> ApiError {
        ApiError::from_kube(kube::Error::Api(
            kube::core::Status::failure(message, reason)
                .with_code(code)
                .boxed(),
        ))
    }

    #[test]
    fn conflicts_and_not_found_are_skips_everything_else_fails() {
        assert!(matches!(
            Outcome::from_error(&api(409, "Conflict", "the UID in the precondition ...")),
            Outcome::Skipped { reason } if reason.starts_with("changed since it was listed")
        ));
        assert!(matches!(
            Outcome::from_error(&api(404, "NotFound", "x not found")),
            Outcome::Skipped { .. }
        ));
        assert!(matches!(
            Outcome::from_error(&api(403, "Forbidden", "no")),
            Outcome::Failed { error } if error == "403 Forbidden: no"
        ));
    }

    #[test]
    fn the_summary_counts_every_item() {
        let r = vec![
            ItemResult {
                item: "a".into(),
                outcome: Outcome::Done { detail: None },
            },
            ItemResult {
                item: "b".into(),
                outcome: Outcome::Skipped { reason: "x".into() },
            },
        ];
        let s = Summary::of(&r, 3);
        assert_eq!(
            s.to_string(),
            "1 done, 1 skipped, 0 failed, 1 not attempted"
        );
    }
}
