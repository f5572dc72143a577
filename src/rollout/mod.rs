//! `kubectl sts rollout`: where a StatefulSet's rollout stands and why (`status`), and the
//! guarded steps that move it (`actions`). Pure: a snapshot and `now` in, data out; the
//! command (`cmd::rollout`) does the reading, asking and sending.
//!
//! `kubectl rollout status` calls a rollout held by a forgotten partition a success, fails
//! on OnDelete, and never says which pod blocks it. Here the state is computed from the
//! controller's own rules, which the rollout checks already encode
//! (`crate::sts`), and the findings are those checks' findings.

pub mod actions;
mod ondelete;
pub mod replace;
pub mod status;
pub mod undo;

pub use actions::{Action, ActionPlan, Change, Refusal};
pub use status::{RolloutStatus, State, status};
