//! `orphan-pv-unclaimed`: a PV Available for more than a day with no claim.
//! The matcher is shared with `kubectl sts orphans` (`crate::orphans::find`).

use super::Check;
use crate::analysis::Ctx;
use crate::finding::Finding;
use crate::orphans::{self, Reason, find};

pub const CHECK: Check = Check {
    id: "orphan-pv-unclaimed",
    needs: &find::VOLUME_SOURCES,
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    orphans::findings(ctx, Reason::PvUnclaimed, out);
}
