//! `orphan-pv-released`: a PV in phase Released: its claim is gone, the disk is still billed and still holds the data.
//! The matcher is shared with `kubectl sts orphans` (`crate::orphans::find`).

use super::Check;
use crate::analysis::Ctx;
use crate::finding::Finding;
use crate::orphans::{self, Reason, find};

pub const CHECK: Check = Check {
    id: "orphan-pv-released",
    needs: &find::VOLUME_SOURCES,
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    orphans::findings(ctx, Reason::PvReleased, out);
}
