//! What loading does to the snapshot's lists once every input is read: duplicates
//! resolved, and `-n` applied to saved state.

use crate::snapshot::Object;
use crate::snapshot::Snapshot;

/// The same object in two files (or twice in one): the last copy wins, in the first
/// one's place, as if the files were applied in order. Done once the input is read, over
/// borrowed names, so loading holds no index of its own.
pub(super) fn dedupe_all(s: &mut Snapshot) -> usize {
    dedupe(&mut s.statefulsets)
        + dedupe(&mut s.pods)
        + dedupe(&mut s.pvcs)
        + dedupe(&mut s.pvs)
        + dedupe(&mut s.nodes)
        + dedupe(&mut s.pdbs)
        + dedupe(&mut s.services)
        + dedupe(&mut s.endpoint_slices)
        + dedupe(&mut s.events)
        + dedupe(&mut s.storage_classes)
        + dedupe(&mut s.volume_attachments)
        + dedupe(&mut s.controller_revisions)
        + dedupe(&mut s.deployments)
}

/// [`drop_duplicates`], then the room the list's growth left is given back: the list is
/// final now, and doubling leaves up to half of it empty.
fn dedupe<T: Object>(v: &mut Vec<T>) -> usize {
    let n = drop_duplicates(v);
    v.shrink_to_fit();
    n
}

fn drop_duplicates<T: Object>(v: &mut Vec<T>) -> usize {
    // (first copy, later copy), in input order.
    let mut later = Vec::new();
    {
        let mut first: rustc_hash::FxHashMap<(&str, &str), usize> = Default::default();
        for (j, o) in v.iter().enumerate() {
            let name = o.name().unwrap_or("");
            if name.is_empty() {
                continue;
            }
            let key = (o.namespace().unwrap_or(""), name);
            match first.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => later.push((*e.get(), j)),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(j);
                }
            }
        }
    }
    if later.is_empty() {
        return 0;
    }
    let mut gone = vec![false; v.len()];
    for &(i, j) in &later {
        v.swap(i, j);
        gone[j] = true;
    }
    let mut k = 0;
    v.retain(|_| {
        k += 1;
        !gone[k - 1]
    });
    later.len()
}

pub(super) fn filter_namespace(s: &mut Snapshot, ns: &str) {
    fn keep<T: Object>(v: &mut Vec<T>, ns: &str) {
        v.retain(|o| o.namespace() == Some(ns));
    }
    keep(&mut s.statefulsets, ns);
    keep(&mut s.pods, ns);
    keep(&mut s.pvcs, ns);
    keep(&mut s.pdbs, ns);
    keep(&mut s.services, ns);
    keep(&mut s.endpoint_slices, ns);
    keep(&mut s.events, ns);
    keep(&mut s.controller_revisions, ns);
    keep(&mut s.deployments, ns);
    s.custom
        .items
        .retain(|c| c.metadata.namespace.as_deref() == Some(ns));
    if let Some(v) = s.volume_stats.as_mut() {
        v.retain(|x| x.namespace == ns);
    }
    if let Some(v) = s.volume_trends.as_mut() {
        v.retain(|x| x.namespace == ns);
    }
    if let Some(v) = s.container_logs.as_mut() {
        v.retain(|x| x.namespace == ns);
    }
}
