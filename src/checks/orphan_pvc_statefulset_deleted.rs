//! `orphan-pvc-statefulset-deleted`: a claim left by a StatefulSet that no longer exists (ownerReference, or claim-template name and labels), mounted by no pod.
//! The matcher is shared with `kubectl sts orphans` (`crate::orphans::find`).

use super::Check;
use crate::analysis::Ctx;
use crate::finding::Finding;
use crate::orphans::{self, Reason, find};

pub const CHECK: Check = Check {
    id: "orphan-pvc-statefulset-deleted",
    needs: &find::CLAIM_SOURCES,
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    orphans::findings(ctx, Reason::PvcStatefulSetDeleted, out);
}
