//! A mutation as data: the steps, each with the kubectl command that does the same, shown
//! before anything is sent. Testable without a cluster.

use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub description: String,
    /// The kubectl equivalent, complete, so a person can do the step by hand instead.
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// "Delete 3 orphaned volumes (150 GiB, about 15.00 per month)".
    pub title: String,
    pub steps: Vec<Step>,
    /// Facts to read before agreeing (what is not undone, what stays behind).
    pub notes: Vec<String>,
    /// Loses data that re-running the tool cannot bring back: asks for a typed
    /// confirmation, not a yes/no.
    pub destructive: bool,
}

impl Plan {
    /// The plan for people: numbered steps, each with its command on its own line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Plan: {}", self.title);
        for (i, s) in self.steps.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", i + 1, s.description);
            let _ = writeln!(out, "     {}", s.command);
        }
        for n in &self.notes {
            let _ = writeln!(out, "  note: {n}");
        }
        if self.destructive {
            let _ = writeln!(out, "  This cannot be undone.");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_with_their_commands() {
        let p = Plan {
            title: "Delete 1 orphaned volume".into(),
            steps: vec![Step {
                description: "delete pvc shop/data-db-3".into(),
                command: "kubectl -n shop delete pvc data-db-3".into(),
            }],
            notes: vec!["the disk of PV x stays".into()],
            destructive: true,
        };
        assert_eq!(
            p.render(),
            "Plan: Delete 1 orphaned volume\n  1. delete pvc shop/data-db-3\n     kubectl -n shop delete pvc data-db-3\n  note: the disk of PV x stays\n  This cannot be undone.\n"
        );
    }
}
