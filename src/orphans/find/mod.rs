//! The pure matcher: which PVCs and PVs are orphans, why, and which StatefulSet they came
//! from. No client, no clock, no printing; `orphans` and the `orphan-*` checks of
//! `diagnose` both use it, so they can never disagree.
//!
//! What it knows about StatefulSets:
//! - The controller names claims `<template>-<statefulset>-<ordinal>` and adopts any claim
//!   with that name, whoever created it; so a claim is in use by a live StatefulSet exactly
//!   when its name reads that way for an ordinal in `[start, start+replicas)`
//!   (`spec.ordinals.start`, default 0).
//! - Claims carry the selector's `matchLabels` (the controller copies them in), and with a
//!   `persistentVolumeClaimRetentionPolicy` of Delete an ownerReference to the StatefulSet.
//! - A claim any pod mounts (Jobs, CronJobs, generic ephemeral volumes, in any phase) is
//!   never an orphan, whatever its name says.

use crate::analysis::index::Index;
use crate::k8s;
use crate::model::PersistentVolume;
use crate::model::StatefulSet;
use crate::model::{MetaView, PersistentVolumeClaim};
use crate::snapshot::{Snapshot, Source};
use jiff::Timestamp;
use serde::Serialize;

/// An unclaimed PV counts as an orphan only after this long: a freshly provisioned or
/// freshly released-and-cleared PV is usually about to be claimed.
pub const UNCLAIMED_AFTER_SECS: i64 = 86_400;

/// Why something is an orphan; each reason is one runbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Reason {
    PvcScaledDown,
    PvcStatefulSetDeleted,
    PvReleased,
    PvUnclaimed,
}

impl<'a> Match<'a> {
    pub fn pvc(&self) -> Option<&'a PersistentVolumeClaim> {
        match self.object {
            Object::Claim(c) => Some(c),
            Object::Volume(_) => None,
        }
    }

    /// The PV itself, or the claim's bound PV.
    pub fn pv(&self) -> Option<&'a PersistentVolume> {
        match self.object {
            Object::Claim(_) => self.bound_pv,
            Object::Volume(p) => Some(p),
        }
    }

    pub fn name(&self) -> &'a str {
        match self.object {
            Object::Claim(c) => k8s::name(&c.metadata),
            Object::Volume(p) => k8s::name(&p.metadata),
        }
    }
}

impl Reason {
    pub const ALL: [Reason; 4] = [
        Reason::PvcScaledDown,
        Reason::PvcStatefulSetDeleted,
        Reason::PvReleased,
        Reason::PvUnclaimed,
    ];

    pub fn runbook(self) -> &'static str {
        match self {
            Reason::PvcScaledDown => "orphan-pvc-scaled-down",
            Reason::PvcStatefulSetDeleted => "orphan-pvc-statefulset-deleted",
            Reason::PvReleased => "orphan-pv-released",
            Reason::PvUnclaimed => "orphan-pv-unclaimed",
        }
    }

    /// The words of the table's REASON column.
    pub fn short(self) -> &'static str {
        match self {
            Reason::PvcScaledDown => "scaled-down",
            Reason::PvcStatefulSetDeleted => "sts-deleted",
            Reason::PvReleased => "pv-released",
            Reason::PvUnclaimed => "pv-unclaimed",
        }
    }

    pub fn is_claim(self) -> bool {
        matches!(self, Reason::PvcScaledDown | Reason::PvcStatefulSetDeleted)
    }
}

/// A claim left behind by a scale-down: the live StatefulSet and the claim's ordinal.
#[derive(Debug, Clone, Copy)]
pub struct ScaledDown<'a> {
    pub sts: &'a StatefulSet,
    pub ordinal: u64,
}

/// The orphaned object.
#[derive(Debug, Clone, Copy)]
pub enum Object<'a> {
    Claim(&'a PersistentVolumeClaim),
    Volume(&'a PersistentVolume),
}

/// One orphan as the matcher found it, with the facts that made it one.
#[derive(Debug, Clone)]
pub struct Match<'a> {
    pub reason: Reason,
    pub object: Object<'a>,
    /// For a claim, the PV bound to it: counted with the claim, never listed twice.
    pub bound_pv: Option<&'a PersistentVolume>,
    pub statefulset: Option<String>,
    pub scaled_down: Option<ScaledDown<'a>>,
    pub evidence: Vec<String>,
}

/// Everything the matcher found, and what it could not look at.
#[derive(Debug, Clone, Default)]
pub struct Matches<'a> {
    pub items: Vec<Match<'a>>,
    /// Orphan kinds that were not looked for, with the sources they lacked.
    pub not_checked: Vec<(&'static str, Vec<Source>)>,
    /// Orphan PVs left out because their claim (if any) lies outside a namespaced scope.
    pub pvs_outside_scope: usize,
}

/// Sources the claim rules need: without pods every claim looks unmounted, without
/// StatefulSets every claim looks like a deleted StatefulSet's.
pub const CLAIM_SOURCES: [Source; 3] = [
    Source::PersistentVolumeClaims,
    Source::Pods,
    Source::StatefulSets,
];
pub const VOLUME_SOURCES: [Source; 1] = [Source::PersistentVolumes];

pub fn matches<'a>(snap: &'a Snapshot, idx: &Index<'a>, now: Timestamp) -> Matches<'a> {
    let mut out = Matches::default();
    let missing = |sources: &[Source]| -> Vec<Source> {
        sources
            .iter()
            .copied()
            .filter(|s| snap.is_skipped(*s).is_some())
            .collect()
    };
    let claim_missing = missing(&CLAIM_SOURCES);
    if claim_missing.is_empty() {
        for pvc in &snap.pvcs {
            if let Some(m) = claim(pvc, idx) {
                out.items.push(m);
            }
        }
    } else {
        out.not_checked.push(("orphaned PVCs", claim_missing));
    }
    let volume_missing = missing(&VOLUME_SOURCES);
    if volume_missing.is_empty() {
        // An Available PV reserved (claimRef) for a claim is waste only if that claim does
        // not exist, which only the claims can tell: unread, it must not look deleted.
        let claims_read = snap.is_skipped(Source::PersistentVolumeClaims).is_none();
        let mut reserved_unjudged = false;
        for pv in &snap.pvs {
            let Some(m) = volume(pv, idx, now) else {
                continue;
            };
            if !claims_read && m.reason == Reason::PvUnclaimed && claim_ref(pv).is_some() {
                reserved_unjudged = true;
                continue;
            }
            if in_scope(snap, pv) {
                out.items.push(m);
            } else {
                out.pvs_outside_scope += 1;
            }
        }
        if reserved_unjudged {
            out.not_checked.push((
                "Available PVs reserved for a claim",
                vec![Source::PersistentVolumeClaims],
            ));
        }
    } else {
        out.not_checked.push(("orphaned PVs", volume_missing));
    }
    out
}

/// PVs are cluster-scoped; a namespaced run shows those whose claim was in its namespace.
fn in_scope(snap: &Snapshot, pv: &PersistentVolume) -> bool {
    match &snap.scope.namespace {
        None => true,
        Some(ns) => claim_ref(pv).is_some_and(|(cns, _, _)| cns == ns),
    }
}

fn claim_ref(pv: &PersistentVolume) -> Option<(&str, &str, Option<&str>)> {
    let c = pv.spec.as_ref()?.claim_ref.as_ref()?;
    Some((
        c.namespace.as_deref()?,
        c.name.as_deref()?,
        c.uid.as_deref().filter(|u| !u.is_empty()),
    ))
}

/// Splits `<prefix>-<ordinal>`.
fn split_ordinal(name: &str) -> Option<(&str, u64)> {
    let (prefix, _) = name.rsplit_once('-')?;
    Some((prefix, k8s::ordinal_suffix(name, prefix)?))
}

/// Whether the StatefulSet runs (or will run) ordinal `ord`: `[start, start+replicas)`.
pub fn in_range(sts: &StatefulSet, ord: u64) -> bool {
    let start = k8s::ordinal_start(sts);
    let end = start + i64::from(k8s::replicas(sts));
    i64::try_from(ord).is_ok_and(|o| o >= start && o < end)
}

/// "ordinals 0..2 (replicas 3)", "ordinals 1..3 (replicas 3, ordinals.start 1)",
/// "no ordinals (replicas 0)".
fn ordinals_text(sts: &StatefulSet) -> String {
    let start = k8s::ordinal_start(sts);
    let n = k8s::replicas(sts);
    let start_note = if start != 0 {
        format!(", ordinals.start {start}")
    } else {
        String::new()
    };
    if n == 0 {
        return format!("no pods (replicas 0{start_note})");
    }
    format!(
        "ordinals {start}..{} (replicas {n}{start_note})",
        start + i64::from(n) - 1
    )
}

fn owner_statefulset(pvc: &PersistentVolumeClaim) -> Option<(&str, &str)> {
    pvc.metadata
        .owner_references
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|o| o.kind == "StatefulSet")
        .map(|o| (o.name.as_str(), o.uid.as_str()))
}

fn uid<M: MetaView + ?Sized>(meta: &M) -> &str {
    meta.uid().unwrap_or("")
}

fn selector_selects(sts: &StatefulSet, pvc: &PersistentVolumeClaim) -> bool {
    sts.spec.as_ref().is_some_and(|s| {
        // An empty selector is refused by the API for StatefulSets; do not let one match.
        let sel = &s.selector;
        (sel.match_labels.as_ref().is_some_and(|m| !m.is_empty())
            || sel
                .match_expressions
                .as_ref()
                .is_some_and(|m| !m.is_empty()))
            && k8s::labels::matches(sel, pvc.metadata.labels.as_ref())
    })
}

/// A claim's orphan reason, if it has one.
fn claim<'a>(pvc: &'a PersistentVolumeClaim, idx: &Index<'a>) -> Option<Match<'a>> {
    let ns = k8s::namespace(&pvc.metadata);
    let name = k8s::name(&pvc.metadata);
    if pvc.metadata.deletion_timestamp.is_some() {
        // Already being deleted: `pvc-stuck-terminating` is about it, not waste.
        return None;
    }
    if !idx.pods_of_claim(ns, name).is_empty() {
        return None;
    }
    let (prefix, ordinal) = split_ordinal(name)?;
    let bound = pvc
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .filter(|v| !v.is_empty())
        .and_then(|v| idx.pv.get(v).copied());
    let owners = idx.claim_prefix_owners(ns, prefix);
    let mut m = if !owners.is_empty() {
        scaled_down(pvc, ordinal, owners)?
    } else {
        statefulset_deleted(pvc, prefix, ordinal, idx)?
    };
    m.evidence
        .push(format!("no pod in namespace {ns} mounts it"));
    if let Some(pv) = bound {
        m.evidence.push(bound_volume_note(pv));
    }
    m.bound_pv = bound;
    Some(m)
}

/// What happens to the claim's PV when the claim is deleted.
fn bound_volume_note(pv: &PersistentVolume) -> String {
    let name = k8s::name(&pv.metadata);
    match reclaim_policy(pv) {
        "Retain" => format!(
            "bound to PV {name} with reclaim policy Retain: deleting the claim leaves the PV Released and its disk in place (delete it afterwards too)"
        ),
        policy => format!(
            "bound to PV {name} with reclaim policy {policy}: deleting the claim deletes the volume and its data"
        ),
    }
}

pub fn reclaim_policy(pv: &PersistentVolume) -> &str {
    pv.spec
        .as_ref()
        .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
        .unwrap_or("Retain")
}

/// The name matches a live StatefulSet's claim template. An orphan only when no such
/// StatefulSet runs that ordinal: each of them would adopt the claim by name.
fn scaled_down<'a>(
    pvc: &'a PersistentVolumeClaim,
    ordinal: u64,
    owners: &[(&'a StatefulSet, &'a str)],
) -> Option<Match<'a>> {
    if owners.iter().any(|(sts, _)| in_range(sts, ordinal)) {
        return None;
    }
    let owner_ref = owner_statefulset(pvc);
    // Prefer the ownerReference, then the selector's labels, then the longest name.
    let by_owner = owners
        .iter()
        .find(|(s, _)| owner_ref.is_some_and(|(n, _)| n == k8s::name(&s.metadata)));
    let by_labels = || {
        owners
            .iter()
            .filter(|(s, _)| selector_selects(s, pvc))
            .max_by_key(|(s, _)| k8s::name(&s.metadata).len())
    };
    let longest = || {
        owners
            .iter()
            .max_by_key(|(s, _)| k8s::name(&s.metadata).len())
    };
    let (chosen, why) = match by_owner {
        Some(c) => (c, "its ownerReference names it"),
        None => match by_labels() {
            Some(c) => (c, "its labels match that StatefulSet's selector"),
            None => (
                longest()?,
                "it is the longest StatefulSet name the claim name allows",
            ),
        },
    };
    let (sts, tpl) = *chosen;
    let sts_name = k8s::name(&sts.metadata);
    let mut evidence = vec![
        format!(
            "named {tpl}-{sts_name}-{ordinal}: claim template {tpl} of StatefulSet {sts_name}, ordinal {ordinal}"
        ),
        format!(
            "{sts_name} runs {}: ordinal {ordinal} is outside",
            ordinals_text(sts)
        ),
    ];
    if i64::try_from(ordinal).is_ok_and(|o| o < k8s::ordinal_start(sts)) {
        evidence.push(format!(
            "ordinal {ordinal} is below ordinals.start {}: scaling up does not bring it back",
            k8s::ordinal_start(sts)
        ));
    }
    if owners.len() > 1 {
        let others: Vec<String> = owners
            .iter()
            .filter(|(s, t)| !(std::ptr::eq(*s, sts) && *t == tpl))
            .map(|(s, t)| format!("template {t} of {}", k8s::name(&s.metadata)))
            .collect();
        evidence.push(format!(
            "the name also reads as {}; attributed to {sts_name} because {why}",
            others.join(", ")
        ));
    }
    if let Some((owner, owner_uid)) = owner_ref
        && owner == sts_name
        && !owner_uid.is_empty()
        && owner_uid != uid(&sts.metadata)
    {
        evidence.push(format!(
            "its ownerReference points to an earlier StatefulSet {owner} (uid {owner_uid}); the current one would still adopt it by name"
        ));
    }
    Some(Match {
        reason: Reason::PvcScaledDown,
        object: Object::Claim(pvc),
        bound_pv: None,
        statefulset: Some(sts_name.to_string()),
        scaled_down: Some(ScaledDown { sts, ordinal }),
        evidence,
    })
}

/// The claim belongs to no live StatefulSet's template. It is a deleted StatefulSet's when
/// an ownerReference says so, or when its name reads `<template>-<sts>-<ordinal>` with a
/// StatefulSet name its own labels name (the controller copies the selector's labels into
/// every claim). A claim with neither sign is left alone: nothing says a StatefulSet made it.
fn statefulset_deleted<'a>(
    pvc: &'a PersistentVolumeClaim,
    prefix: &str,
    ordinal: u64,
    idx: &Index<'a>,
) -> Option<Match<'a>> {
    let ns = k8s::namespace(&pvc.metadata);
    let mut evidence = Vec::new();
    let sts_name = if let Some((owner, owner_uid)) = owner_statefulset(pvc) {
        match idx.statefulset.get(&(ns, owner)) {
            // Owned by a live StatefulSet under a name none of its templates produce:
            // someone made it by hand for that set; not ours to call waste.
            Some(live) if owner_uid.is_empty() || uid(&live.metadata) == owner_uid => {
                return None;
            }
            Some(live) => evidence.push(format!(
                "its ownerReference names StatefulSet {owner} (uid {owner_uid}), which no longer exists; the StatefulSet {owner} there now (uid {}) has no claim template that produces this name",
                uid(&live.metadata)
            )),
            None => evidence.push(format!(
                "its ownerReference names StatefulSet {owner} (uid {owner_uid}), which no longer exists (a persistentVolumeClaimRetentionPolicy of Delete sets it; the garbage collector removes such claims unless something blocks it)"
            )),
        }
        owner.to_string()
    } else {
        let (sts, tpl, label, alternatives) = infer_from_labels(pvc, prefix, idx)?;
        evidence.push(format!(
            "named {tpl}-{sts}-{ordinal}: the claim-template pattern of a StatefulSet {sts}, and its label {label} names {sts}"
        ));
        match idx.statefulset.get(&(ns, sts.as_str())) {
            Some(_) => evidence.push(format!(
                "StatefulSet {sts} exists but has no claim template {tpl}: it was re-created without it"
            )),
            None => evidence.push(format!("no StatefulSet {sts} exists in namespace {ns}")),
        }
        if !alternatives.is_empty() {
            evidence.push(format!(
                "the name also reads as {}; {sts} is the longest StatefulSet name the name and labels allow",
                alternatives.join(", ")
            ));
        }
        sts
    };
    Some(Match {
        reason: Reason::PvcStatefulSetDeleted,
        object: Object::Claim(pvc),
        bound_pv: None,
        statefulset: Some(sts_name),
        scaled_down: None,
        evidence,
    })
}

/// Reads `<template>-<sts>` so that the StatefulSet name contains one of the claim's label
/// values as whole dash-separated words; the longest such name wins (template names are
/// short words like `data` far more often than StatefulSet names are). A live StatefulSet
/// is a candidate only if its selector selects the claim. Returns the StatefulSet, the
/// template, the label that named it, and the other readings.
fn infer_from_labels(
    pvc: &PersistentVolumeClaim,
    prefix: &str,
    idx: &Index,
) -> Option<(String, String, String, Vec<String>)> {
    let ns = k8s::namespace(&pvc.metadata);
    let labels = pvc.metadata.labels.as_ref()?;
    let mut readings = Vec::new();
    for (i, _) in prefix.match_indices('-') {
        let (tpl, sts) = (&prefix[..i], &prefix[i + 1..]);
        if tpl.is_empty() || sts.is_empty() {
            continue;
        }
        let label = labels
            .iter()
            .filter(|(_, v)| !v.is_empty() && contains_words(sts, v))
            .max_by_key(|(_, v)| v.len());
        let Some((k, v)) = label else {
            continue;
        };
        if let Some(live) = idx.statefulset.get(&(ns, sts))
            && !selector_selects(live, pvc)
        {
            continue;
        }
        readings.push((sts, tpl, format!("{k}={v}")));
    }
    // Splits come shortest template first, so the first reading has the longest name.
    let (sts, tpl, label) = readings.first()?.clone();
    let alternatives = readings[1..]
        .iter()
        .map(|(s, t, _)| format!("template {t} of {s}"))
        .collect();
    Some((sts.to_string(), tpl.to_string(), label, alternatives))
}

/// Whether `needle` is a run of whole dash-separated words of `hay`.
fn contains_words(hay: &str, needle: &str) -> bool {
    hay == needle
        || hay.starts_with(&format!("{needle}-"))
        || hay.ends_with(&format!("-{needle}"))
        || hay.contains(&format!("-{needle}-"))
}

fn phase(pv: &PersistentVolume) -> &str {
    pv.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

/// When the PV entered its current phase: `status.lastPhaseTransitionTime` (Kubernetes
/// 1.31+), else its creation.
fn phase_since(pv: &PersistentVolume) -> Option<Timestamp> {
    pv.status
        .as_ref()
        .and_then(|s| s.last_phase_transition_time.as_ref())
        .or(pv.metadata.creation_timestamp.as_ref())
        .map(|t| t.0)
}

/// A PV's orphan reason, if it has one.
fn volume<'a>(pv: &'a PersistentVolume, idx: &Index<'a>, now: Timestamp) -> Option<Match<'a>> {
    if pv.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let claim = claim_ref(pv);
    let since = phase_since(pv).map(|t| k8s::time::secs_since(t, now));
    let mut evidence = Vec::new();
    let reason = match phase(pv) {
        "Released" => {
            let for_how_long = since
                .map(|s| format!(" for {}", k8s::time::short(s)))
                .unwrap_or_default();
            match claim {
                Some((ns, name, claim_uid)) => {
                    evidence.push(format!(
                        "phase Released{for_how_long}: its claim {ns}/{name} was deleted"
                    ));
                    if let Some(now_pvc) = idx.pvc.get(&(ns, name))
                        && claim_uid.is_some_and(|u| u != uid(&now_pvc.metadata))
                    {
                        evidence.push(format!(
                            "a new claim {ns}/{name} exists (another uid) and uses another volume: this PV holds the old claim's data"
                        ));
                    }
                }
                None => evidence.push(format!("phase Released{for_how_long}")),
            }
            match reclaim_policy(pv) {
                "Delete" => evidence.push(
                    "reclaim policy Delete: its provisioner should have deleted it with its disk; still here means that failed (see kubectl describe pv)".to_string(),
                ),
                policy => evidence.push(format!(
                    "reclaim policy {policy}: nothing deletes it or its disk, which is still billed and still holds the data"
                )),
            }
            Reason::PvReleased
        }
        "Available" => {
            let secs = since?;
            if secs <= UNCLAIMED_AFTER_SECS {
                return None;
            }
            if let Some((ns, name, _)) = claim {
                // Reserved for a claim that exists: binding is pending, not waste.
                if idx.pvc.contains_key(&(ns, name)) {
                    return None;
                }
                evidence.push(format!(
                    "Available for {} and reserved (claimRef) for claim {ns}/{name}, which does not exist",
                    k8s::time::short(secs)
                ));
            } else {
                evidence.push(format!(
                    "Available for {}: no claim has bound it",
                    k8s::time::short(secs)
                ));
            }
            Reason::PvUnclaimed
        }
        _ => return None,
    };
    if let Some((kind, handle)) = backing(pv) {
        evidence.push(format!("backing storage: {kind} {handle}"));
    }
    let statefulset = claim.and_then(|(ns, name, _)| {
        let (prefix, ord) = split_ordinal(name)?;
        let owners = idx.claim_prefix_owners(ns, prefix);
        let (sts, _) = owners
            .iter()
            .max_by_key(|(s, _)| k8s::name(&s.metadata).len())?;
        let sts_name = k8s::name(&sts.metadata);
        evidence.push(format!(
            "its claim {name} is named like ordinal {ord} of StatefulSet {sts_name}'s claims"
        ));
        Some(sts_name.to_string())
    });
    Some(Match {
        reason,
        object: Object::Volume(pv),
        bound_pv: None,
        statefulset,
        scaled_down: None,
        evidence,
    })
}

/// What holds the data behind a PV, as (what, identifier): the CSI volume handle and
/// driver, or the in-tree source. Deleting a PV with reclaim policy Retain leaves this.
pub fn backing(pv: &PersistentVolume) -> Option<(String, String)> {
    let s = pv.spec.as_ref()?;
    if let Some(c) = &s.csi {
        return Some((
            format!("CSI volume (driver {})", c.driver),
            c.volume_handle.clone(),
        ));
    }
    if let Some(a) = &s.aws_elastic_block_store {
        return Some(("AWS EBS volume".into(), a.volume_id.clone()));
    }
    if let Some(g) = &s.gce_persistent_disk {
        return Some(("GCE persistent disk".into(), g.pd_name.clone()));
    }
    if let Some(a) = &s.azure_disk {
        return Some(("Azure disk".into(), a.disk_uri.clone()));
    }
    if let Some(n) = &s.nfs {
        return Some(("NFS export".into(), format!("{}:{}", n.server, n.path)));
    }
    if let Some(l) = &s.local {
        return Some(("local path".into(), l.path.clone()));
    }
    if let Some(h) = &s.host_path {
        return Some(("host path".into(), h.path.clone()));
    }
    None
}

#[cfg(test)]
mod tests;
