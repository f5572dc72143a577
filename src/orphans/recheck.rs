//! The last look before a claim is deleted: the same matcher, run again on pods and
//! StatefulSets read just now, so a claim that a pod started mounting, or that a scale-up
//! brought back into range, since the listing is left alone.

use super::find::{self, Reason};
use crate::analysis::index::Index;
use crate::k8s;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::{Scope, Snapshot};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// What the fresh look says about one listed claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Still an orphan, for this reason.
    Orphan(Reason),
    /// Pods mount it now.
    Mounted(Vec<String>),
    /// No longer an orphan for another reason (a StatefulSet now runs its ordinal, or was
    /// re-created).
    InUse,
}

impl Verdict {
    /// Why not to delete, or `None` to go ahead.
    pub fn skip_reason(&self) -> Option<String> {
        match self {
            Verdict::Orphan(_) => None,
            Verdict::Mounted(pods) => Some(format!(
                "now mounted by pod {} (since it was listed)",
                pods.join(", ")
            )),
            Verdict::InUse => Some(
                "no longer an orphan: a StatefulSet changed since it was listed (scaled up or re-created)"
                    .to_string(),
            ),
        }
    }
}

/// Judges `claims` (as listed, all in `ns`) against the fresh `pods` and `statefulsets` of
/// that namespace.
pub fn judge(
    ns: &str,
    claims: &[PersistentVolumeClaim],
    pods: Vec<Pod>,
    statefulsets: Vec<StatefulSet>,
    now: Timestamp,
) -> BTreeMap<String, Verdict> {
    let snap = Snapshot {
        captured_at: Some(now),
        scope: Scope::namespace(ns),
        statefulsets,
        pods,
        pvcs: claims
            .iter()
            .filter(|c| k8s::namespace(&c.metadata) == ns)
            .cloned()
            .collect(),
        ..Default::default()
    };
    let idx = Index::new(&snap);
    let orphans: BTreeMap<&str, Reason> = find::matches(&snap, &idx, now)
        .items
        .iter()
        .map(|m| (m.name(), m.reason))
        .collect();
    snap.pvcs
        .iter()
        .map(|c| {
            let name = k8s::name(&c.metadata);
            let mounted: Vec<String> = idx
                .pods_of_claim(ns, name)
                .iter()
                .map(|p| k8s::name(&p.metadata).to_string())
                .collect();
            let v = if !mounted.is_empty() {
                Verdict::Mounted(mounted)
            } else if let Some(r) = orphans.get(name) {
                Verdict::Orphan(*r)
            } else {
                Verdict::InUse
            };
            (name.to_string(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;

    #[test]
    fn a_new_mount_or_a_scale_up_saves_the_claim() {
        let claims = vec![
            bound_claim("data", "data-pg-2", "pv-2", "gp3"),
            bound_claim("data", "data-pg-3", "pv-3", "gp3"),
            bound_claim("data", "data-pg-4", "pv-4", "gp3"),
        ];
        // Scaled from 2 to 3 since the listing, and a job mounts data-pg-4.
        let sts = with_claim_template(&sts("data", "pg", 3), Some("gp3"));
        let mut job: Pod = from_json(serde_json::json!({
            "metadata": {"name": "copy-x", "namespace": "data"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}
        }));
        with_claim(&mut job, "data-pg-4");
        let v = judge("data", &claims, vec![job], vec![sts], now());
        assert_eq!(v["data-pg-2"], Verdict::InUse);
        assert_eq!(v["data-pg-3"], Verdict::Orphan(Reason::PvcScaledDown));
        assert_eq!(v["data-pg-4"], Verdict::Mounted(vec!["copy-x".into()]));
        assert!(v["data-pg-4"].skip_reason().unwrap().contains("copy-x"));
    }
}
