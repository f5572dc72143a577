//! What to do about each orphan: a one-line summary and complete kubectl commands with the
//! real names. Deletions are marked destructive; the backing disk of a Retain volume is
//! named, because no kubectl command deletes it.

use super::Orphan;
use super::cost::money;
use super::find::{Match, Reason};
use crate::finding::Remedy;
use crate::k8s;
use crate::k8s::quantity::format_bytes;
use crate::kubectl::Kubectl;

fn size(o: &Orphan) -> String {
    format_bytes(o.capacity_bytes as f64)
}

pub fn summary(o: &Orphan) -> String {
    let cost = if o.billed {
        format!("about {} per month", money(o.monthly_cost))
    } else {
        "not billed yet".to_string()
    };
    let sts = o.statefulset.as_deref().unwrap_or("?");
    match o.reason {
        Reason::PvcScaledDown => format!(
            "{} was left behind when {sts} was scaled down: {} unused, {cost}",
            o.name,
            size(o)
        ),
        Reason::PvcStatefulSetDeleted => format!(
            "{} belonged to StatefulSet {sts}, which no longer exists: {} unused, {cost}",
            o.name,
            size(o)
        ),
        Reason::PvReleased => format!(
            "PV {} is Released (its claim is gone) and still holds {}: {cost}",
            o.name,
            size(o)
        ),
        Reason::PvUnclaimed => format!(
            "PV {} has been Available with no claim for over a day: {}, {cost}",
            o.name,
            size(o)
        ),
    }
}

/// Where the data lives after the PV object is gone, for a description.
fn disk_note(o: &Orphan) -> String {
    match (&o.backing_storage, &o.volume_handle) {
        (Some(kind), Some(h)) => format!(
            "its backing storage, {kind} {h}, is NOT deleted with it (reclaim policy Retain): delete that with your storage provider afterwards, or it stays billed"
        ),
        _ => "its backing storage is NOT deleted with it (reclaim policy Retain): delete that with your storage provider afterwards, or it stays billed".to_string(),
    }
}

pub fn commands(m: &Match, o: &Orphan, kubectl: &Kubectl) -> Vec<Remedy> {
    let mut out = Vec::new();
    match (o.reason, o.namespace.as_deref()) {
        (Reason::PvcScaledDown | Reason::PvcStatefulSetDeleted, Some(ns)) => {
            let then = match (&o.volume, o.leaves_disk()) {
                (Some(pv), true) => format!(
                    "; its PV {pv} has reclaim policy Retain and stays behind Released, with its disk: delete it next"
                ),
                (Some(pv), false) => format!("; its PV {pv} and the disk are deleted with it"),
                (None, _) => String::new(),
            };
            out.push(
                Remedy::run(
                    format!(
                        "Delete the claim, after backing up anything on it still needed (a volume snapshot){then}"
                    ),
                    kubectl.argv(Some(ns), &["delete", "pvc", o.name.as_str()]),
                )
                .destructive(),
            );
            if let Some(sd) = m.scaled_down {
                let start = k8s::ordinal_start(sd.sts);
                let current = k8s::replicas(sd.sts);
                if let Ok(ord) = i64::try_from(sd.ordinal)
                    && ord >= start
                {
                    let want = ord - start + 1;
                    let sts = k8s::name(&sd.sts.metadata);
                    out.push(Remedy::run(
                        format!(
                            "Or reuse it: scale {sts} back up to {want} replicas so pod {sts}-{ord} mounts it again (only if the application can take that member back)"
                        ),
                        kubectl.argv(
                            Some(ns),
                            &[
                                "scale".to_string(),
                                "statefulset".to_string(),
                                sts.to_string(),
                                format!("--current-replicas={current}"),
                                format!("--replicas={want}"),
                            ],
                        ),
                    ));
                }
            }
        }
        (Reason::PvReleased | Reason::PvUnclaimed, None) => {
            let disk = if o.leaves_disk() {
                format!("; {}", disk_note(o))
            } else {
                "; with reclaim policy Delete its provisioner deletes the disk too".to_string()
            };
            out.push(
                Remedy::run(
                    format!("Delete the PV, after backing up anything on it still needed{disk}"),
                    kubectl.argv(None, &["delete", "pv", o.name.as_str()]),
                )
                .destructive(),
            );
            if o.reason == Reason::PvReleased {
                out.push(Remedy::run(
                    format!(
                        "Or keep the data and re-bind it: clear its claimRef so it becomes Available, then create a claim with spec.volumeName: {}",
                        o.name
                    ),
                    kubectl.argv(
                        None,
                        &[
                            "patch",
                            "pv",
                            o.name.as_str(),
                            "--type=json",
                            "-p",
                            r#"[{"op":"remove","path":"/spec/claimRef"}]"#,
                        ],
                    ),
                ));
            } else {
                out.push(Remedy::run(
                    format!(
                        "Or use it: look at what it holds, then create a claim with spec.volumeName: {}",
                        o.name
                    ),
                    kubectl.argv(None, &["describe", "pv", o.name.as_str()]),
                ));
            }
        }
        _ => {}
    }
    out
}
