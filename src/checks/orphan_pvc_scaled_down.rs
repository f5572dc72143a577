//! `orphan-pvc-scaled-down`: a claim of a live StatefulSet whose ordinal it no longer runs (scaled down), mounted by no pod.
//! The matcher is shared with `kubectl sts orphans` (`crate::orphans::find`).

use super::Check;
use crate::analysis::Ctx;
use crate::finding::Finding;
use crate::orphans::{self, Reason, find};

pub const CHECK: Check = Check {
    id: "orphan-pvc-scaled-down",
    needs: &find::CLAIM_SOURCES,
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    orphans::findings(ctx, Reason::PvcScaledDown, out);
}
