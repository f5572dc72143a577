//! Mutations, done the careful way: a plan as data shown before anything is sent, consent
//! (a prompt on a terminal, `--yes` otherwise, never a prompt into a pipe), a server-side
//! dry run of the whole batch, then one request at a time with preconditions so that a
//! concurrent change fails safely (409) instead of destroying data, and a tally at the end.
//! Nothing is retried blindly.
//!
//! Shared by every command that changes the cluster (`orphans --delete` today; rollout
//! steps and volume expansion reuse the same parts).

pub mod consent;
pub mod delete;
pub mod error;
pub mod evict;
pub mod outcome;
pub mod patch;
pub mod plan;

pub use consent::{Consent, decide};
pub use delete::{NoRecheck, Recheck, Target};
pub use error::{ApiError, send};
pub use outcome::{ItemResult, Outcome, Summary};
pub use plan::{Plan, Step};
