//! The registry of checks: one check per runbook id, each declaring the sources it needs so
//! that an unreadable source turns into "not checked" instead of a false all-clear.

mod headless_service_missing;
mod pdb_missing;
mod replicas_unavailable;
mod volume_filling_up;

use crate::analysis::Ctx;
use crate::finding::Finding;
use crate::snapshot::Source;

pub struct Check {
    pub id: &'static str,
    /// Without these the check cannot tell healthy from unknown, so it does not run.
    pub needs: &'static [Source],
    pub run: fn(&Ctx, &mut Vec<Finding>),
}

pub static CHECKS: &[Check] = &[
    headless_service_missing::CHECK,
    pdb_missing::CHECK,
    replicas_unavailable::CHECK,
    volume_filling_up::CHECK,
];
