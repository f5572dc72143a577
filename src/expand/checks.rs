//! The checks that decide whether an expansion can go ahead, each with the detail people
//! read; and the warnings and notes that go with the plan.

use super::{CheckResult, ClaimAction, ClaimPlan, Size, bytes, is_default, progress, quota};
use crate::k8s::{self};
use crate::kubectl::Kubectl;
use crate::model::PersistentVolumeClaim;
use crate::model::StatefulSet;
use crate::snapshot::Snapshot;
use crate::snapshot::Source;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(super) fn check(name: &str, ok: bool, detail: String) -> CheckResult {
    CheckResult {
        name: name.to_string(),
        ok,
        detail,
    }
}

pub(super) fn check_not_deleting(sts: &StatefulSet) -> CheckResult {
    match &sts.metadata.deletion_timestamp {
        Some(t) => check(
            "statefulset-not-deleting",
            false,
            format!(
                "the StatefulSet is being deleted (since {}): nothing to re-create it from safely",
                t.0
            ),
        ),
        None => check(
            "statefulset-not-deleting",
            true,
            "the StatefulSet is not being deleted".into(),
        ),
    }
}

pub(super) fn to_grow(claims: &[ClaimPlan]) -> impl Iterator<Item = &ClaimPlan> {
    claims
        .iter()
        .filter(|c| matches!(c.action, ClaimAction::Grow | ClaimAction::Finish))
}

/// Every class a claim to grow belongs to allows expansion. `Err` when classes could not
/// be read.
pub(super) fn check_class(snap: &Snapshot, claims: &[ClaimPlan]) -> Result<CheckResult, String> {
    const NAME: &str = "storageclass-allows-expansion";
    let by_class: BTreeMap<Option<&str>, Vec<&str>> =
        to_grow(claims).fold(BTreeMap::new(), |mut m, c| {
            m.entry(c.storage_class.as_deref().filter(|s| !s.is_empty()))
                .or_insert_with(Vec::new)
                .push(c.name.as_str());
            m
        });
    if by_class.is_empty() {
        return Ok(check(NAME, true, "no claim needs to grow".into()));
    }
    if let Some(s) = snap.is_skipped(Source::StorageClasses) {
        return Err(format!("storageclasses could not be read ({})", s.reason));
    }
    let mut ok = true;
    let mut lines = Vec::new();
    for (class, names) in &by_class {
        let Some(class) = class else {
            ok = false;
            lines.push(format!(
                "{} ha{} no StorageClass: only claims provisioned from a class that allows expansion can grow",
                names.join(", "),
                if names.len() == 1 { "s" } else { "ve" }
            ));
            continue;
        };
        let sc = snap
            .storage_classes
            .iter()
            .find(|s| k8s::name(&s.metadata) == *class);
        match sc {
            None => {
                ok = false;
                lines.push(format!(
                    "StorageClass {class} does not exist (deleted?): the API server refuses to grow its claims"
                ));
            }
            Some(sc) if sc.provisioner == "kubernetes.io/no-provisioner" => {
                ok = false;
                lines.push(format!(
                    "StorageClass {class} holds node-local volumes (kubernetes.io/no-provisioner): they cannot grow; move the data to a bigger volume instead"
                ));
            }
            Some(sc) if sc.allow_volume_expansion != Some(true) => {
                ok = false;
                lines.push(format!(
                    "StorageClass {class} ({}) does not allow volume expansion; if its driver supports it: kubectl patch storageclass {class} --type=merge -p '{{\"allowVolumeExpansion\":true}}'",
                    sc.provisioner
                ));
            }
            Some(sc) => lines.push(format!(
                "StorageClass {class} ({}) allows volume expansion{}",
                sc.provisioner,
                if is_default(sc) {
                    "; it is the default class"
                } else {
                    ""
                }
            )),
        }
    }
    Ok(check(NAME, ok, lines.join("; ")))
}

pub(super) fn check_bound(
    claims: &[ClaimPlan],
    pvcs: &HashMap<&str, &PersistentVolumeClaim>,
) -> CheckResult {
    const NAME: &str = "claims-bound";
    let mut bad = Vec::new();
    let mut bound = 0;
    for c in to_grow(claims) {
        let deleting = pvcs
            .get(c.name.as_str())
            .is_some_and(|p| p.metadata.deletion_timestamp.is_some());
        if deleting {
            bad.push(format!("{} is being deleted", c.name));
        } else if c.phase.as_deref() != Some("Bound") {
            bad.push(format!(
                "{} is {}",
                c.name,
                c.phase.as_deref().unwrap_or("in no phase")
            ));
        } else {
            bound += 1;
        }
    }
    let missing: Vec<&str> = claims
        .iter()
        .filter(|c| c.action == ClaimAction::Missing)
        .map(|c| c.name.as_str())
        .collect();
    let mut detail = if bad.is_empty() && bound == 0 {
        "no claim needs to grow".to_string()
    } else if bad.is_empty() {
        format!("{bound} claim(s) to grow, all Bound")
    } else {
        format!("{}: only a Bound claim can grow", bad.join("; "))
    };
    if !missing.is_empty() {
        detail.push_str(&format!(
            "; {} do{} not exist yet (created at the new size once the template is changed)",
            missing.join(", "),
            if missing.len() == 1 { "es" } else { "" }
        ));
    }
    check(NAME, bad.is_empty(), detail)
}

pub(super) fn check_size(
    from: &str,
    tpl_bytes: Option<f64>,
    to: &Size,
    claims: &[ClaimPlan],
    pvcs: &HashMap<&str, &PersistentVolumeClaim>,
) -> CheckResult {
    const NAME: &str = "size-larger";
    let mut bad = Vec::new();
    if let Some(t) = tpl_bytes
        && t > to.bytes
    {
        bad.push(format!(
            "the claim template already asks for {from}, more than {}",
            to.text
        ));
    }
    let mut done = Vec::new();
    for c in claims {
        let Some(p) = pvcs.get(c.name.as_str()) else {
            continue;
        };
        let req = bytes(p.storage_request());
        let cap = bytes(p.storage_capacity());
        if req.is_some_and(|r| r > to.bytes) {
            bad.push(format!(
                "{} already requests {}, more than {}",
                c.name,
                c.request.as_deref().unwrap_or("?"),
                to.text
            ));
        } else if cap.is_some_and(|x| x > to.bytes) {
            bad.push(format!(
                "{} already has {}, more than {}",
                c.name,
                c.capacity.as_deref().unwrap_or("?"),
                to.text
            ));
        } else if req.is_some_and(|r| r == to.bytes) {
            done.push(c.name.as_str());
        }
    }
    if !bad.is_empty() {
        return check(
            NAME,
            false,
            format!("{}: a volume cannot shrink", bad.join("; ")),
        );
    }
    let grow: Vec<&str> = claims
        .iter()
        .filter(|c| c.action == ClaimAction::Grow)
        .filter_map(|c| c.request.as_deref())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut detail = if grow.is_empty() {
        format!("no claim asks for less than {}", to.text)
    } else {
        format!("{} is larger than {}", to.text, grow.join(", "))
    };
    if tpl_bytes.is_some_and(|t| t == to.bytes) {
        detail.push_str("; the claim template already asks for it");
    }
    if !done.is_empty() {
        detail.push_str(&format!(
            "; {} already request{} {} (an earlier run): not patched again",
            done.join(", "),
            if done.len() == 1 { "s" } else { "" },
            to.text
        ));
    }
    check(NAME, true, detail)
}

pub(super) fn check_volume_mode(claims: &[ClaimPlan]) -> CheckResult {
    let modes: BTreeSet<&str> = to_grow(claims).map(|c| c.volume_mode.as_str()).collect();
    let detail = if modes.is_empty() {
        "no claim needs to grow".to_string()
    } else {
        modes
            .iter()
            .map(|m| match *m {
                "Block" => "Block: the raw device grows; there is no filesystem to grow, so the application must pick up the new size itself".to_string(),
                "Filesystem" => "Filesystem: once the volume grows, the kubelet grows the filesystem, online if the driver can, else when the pod restarts (done here by eviction)".to_string(),
                other => format!("{other}: an unknown volume mode"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let known = modes.iter().all(|m| matches!(*m, "Block" | "Filesystem"));
    check("volume-mode", known, detail)
}

pub(super) fn check_no_resize(
    claims: &[ClaimPlan],
    pvcs: &HashMap<&str, &PersistentVolumeClaim>,
) -> CheckResult {
    const NAME: &str = "no-resize-in-progress";
    let mut bad = Vec::new();
    let mut ours = Vec::new();
    for c in to_grow(claims) {
        let Some(p) = pvcs.get(c.name.as_str()) else {
            continue;
        };
        match c.action {
            ClaimAction::Grow => {
                if let Some(r) = progress::pending_resize(p) {
                    bad.push(format!("{}: {r}", c.name));
                }
            }
            _ => match progress::resize_failed(p) {
                Some(f) => bad.push(format!("{}: {f}", c.name)),
                None => ours.push(c.name.as_str()),
            },
        }
    }
    if !bad.is_empty() {
        return check(
            NAME,
            false,
            format!(
                "{}: let that resize finish or fix it first (kubectl sts diagnose shows why)",
                bad.join("; ")
            ),
        );
    }
    let mut detail = "no claim is resizing or failed to resize".to_string();
    if !ours.is_empty() {
        detail = format!(
            "{detail}, except {}, still finishing the size asked by an earlier run",
            ours.join(", ")
        );
    }
    check(NAME, true, detail)
}

pub(super) fn check_quota(
    quotas: &[k8s_openapi::api::core::v1::ResourceQuota],
    ns: &str,
    to: &Size,
    claims: &[ClaimPlan],
    pvcs: &HashMap<&str, &PersistentVolumeClaim>,
) -> CheckResult {
    const NAME: &str = "quota-headroom";
    let mut growth = quota::Growth::default();
    for c in claims.iter().filter(|c| c.action == ClaimAction::Grow) {
        let cur = pvcs
            .get(c.name.as_str())
            .and_then(|p| bytes(p.storage_request()))
            .unwrap_or(0.0);
        let add = (to.bytes - cur).max(0.0);
        growth.total += add;
        if let Some(class) = c.storage_class.as_deref().filter(|s| !s.is_empty()) {
            *growth.by_class.entry(class.to_string()).or_default() += add;
        }
    }
    let rooms = quota::headroom(quotas, ns, &growth);
    if rooms.is_empty() {
        return check(
            NAME,
            true,
            format!("no ResourceQuota in {ns} limits the storage the expansion adds"),
        );
    }
    let ok = rooms.iter().all(quota::Headroom::fits);
    let mut detail: Vec<String> = rooms.iter().map(quota::Headroom::describe).collect();
    if !ok {
        detail.push(format!(
            "raise the quota first (kubectl -n {ns} describe resourcequota) or choose a smaller size"
        ));
    }
    check(NAME, ok, detail.join("; "))
}

/// What to tell people when another tool owns the StatefulSet.
pub(super) fn managed_warning(
    m: &k8s::managed::Manager,
    template: &str,
    from: &str,
    to: &str,
) -> String {
    match m.tool {
        "Helm" => format!(
            "Helm release {} manages this StatefulSet: change the chart value that sets the volumeClaimTemplates size (template {template}) for release {} to {to} as well; otherwise the next helm upgrade renders {from} again and fails on the immutable claim template, or puts {from} back on a re-install",
            m.name, m.name
        ),
        "Argo CD" => format!(
            "Argo CD application {} manages this StatefulSet: change the size of claim template {template} to {to} in Git first, and turn off auto-sync (self-heal) for {} until this is done; otherwise a sync while the StatefulSet is deleted re-creates it at {from}, and later syncs fight the re-created object over the immutable claim template",
            m.name, m.name
        ),
        _ => format!(
            "{} (claim template {template}: change its size to {to} in the source too, or the next reconciliation fights the re-created object or puts {from} back)",
            m.hint
        ),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn notes_for(
    notes: &mut Vec<String>,
    snap: &Snapshot,
    ns: &str,
    prefix: &str,
    start: i64,
    replicas: i64,
    claims: &[ClaimPlan],
    from: &str,
) {
    let mut beyond: Vec<(u64, &str)> = snap
        .pvcs
        .iter()
        .filter(|p| k8s::namespace(&p.metadata) == ns)
        .filter_map(|p| {
            let n = k8s::name(&p.metadata);
            let o = k8s::ordinal_suffix(n, prefix)?;
            let member = i64::try_from(o).is_ok_and(|o| o >= start && o < start + replicas);
            (!member).then_some((o, n))
        })
        .collect();
    beyond.sort();
    if !beyond.is_empty() {
        let names: Vec<&str> = beyond.iter().map(|(_, n)| *n).collect();
        notes.push(format!(
            "{} belong{} to no current member (scaled down) and {} not grown: a scale-up brings {} back at {}",
            names.join(", "),
            if names.len() == 1 { "s" } else { "" },
            if names.len() == 1 { "is" } else { "are" },
            if names.len() == 1 { "it" } else { "them" },
            from
        ));
    }
    let unmounted: Vec<&str> = to_grow(claims)
        .filter(|c| !c.mounted && c.filesystem())
        .map(|c| c.name.as_str())
        .collect();
    if !unmounted.is_empty() {
        notes.push(format!(
            "{}: no running pod mounts {}, so the filesystem grows when the pod next starts",
            unmounted.join(", "),
            if unmounted.len() == 1 { "it" } else { "them" }
        ));
    }
    if to_grow(claims).any(|c| c.mounted && c.filesystem()) {
        notes.push(
            "a pod is restarted only when its claim's filesystem cannot grow while mounted (FileSystemResizePending): by eviction, so its PodDisruptionBudget is respected, one at a time, each back Ready before the next".to_string(),
        );
    }
}

/// An operator's StatefulSet is never deleted and re-created from here: the operator would
/// re-create it from its own resource meanwhile, or (Prometheus Operator) delete it with its
/// pods. The way to grow its volumes is the operator's.
pub(super) fn check_no_operator(
    o: &k8s::operators::Owner,
    ns: &str,
    size: &str,
    kubectl: &Kubectl,
) -> CheckResult {
    use k8s::operators::Expansion;
    let how = match o.operator.expansion {
        Expansion::ThroughCr { .. } => format!(
            "raise {} in the {} and the operator grows the claims itself{}{}",
            o.operator
                .storage
                .map(|f| o.field(f))
                .unwrap_or_else(|| "the storage size".into()),
            o.kind,
            o.opt_in_text(),
            o.storage_patch(size)
                .map(|p| format!(
                    ": {}",
                    crate::finding::shell_join(&o.patch_argv(kubectl, ns, &p))
                ))
                .unwrap_or_default()
        ),
        Expansion::Procedure(p) => format!("follow the operator's procedure: {}", o.field(p)),
        Expansion::Unconfirmed => format!(
            "whether the operator grows claims from {} is unconfirmed: see its documentation",
            o.operator
                .storage
                .map(|f| o.field(f))
                .unwrap_or_else(|| "its storage field".into())
        ),
    };
    let caveat = match (o.note(), &o.upstream) {
        (Some(n), Some(_)) => format!(
            ". {n} ({})",
            crate::finding::shell_join(&o.get_argv(kubectl, ns))
        ),
        (Some(n), None) => format!(". {n}"),
        (None, _) => String::new(),
    };
    let read = o
        .cr_evidence(ns, None)
        .map(|e| format!(". {}{}", e[..1].to_uppercase(), &e[1..]))
        .unwrap_or_default();
    CheckResult {
        name: "no-operator-owner".into(),
        ok: false,
        detail: format!("managed by {}: {how}{caveat}{read}", o.describe(ns)),
    }
}
