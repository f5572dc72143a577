//! `pvc-expand`: growing a StatefulSet's volumes end to end, as a plan built from a snapshot.
//!
//! The plan holds the checks that decide whether the expansion can go ahead (class allows
//! it, claims Bound, size larger, no resize already under way, quota headroom), one entry per
//! member claim with what happens to it, and the steps with their kubectl equivalents: grow
//! each claim (highest ordinal first) and wait for it, restart a pod by eviction when its
//! filesystem can only grow at start, then replace the StatefulSet object around its running
//! pods (orphan delete, re-create with the new claim template size), because the template is
//! immutable. Everything here is pure; `apply` carries the plan out.
//!
//! Re-running is safe: a claim that already requests the new size is not patched again (it
//! is only waited for), a claim that has grown is left alone, and a template already at the
//! new size is not re-created.

pub mod apply;
mod checks;
pub mod manifest;
pub mod progress;
pub mod quota;
pub mod size;
mod steps;
#[cfg(test)]
mod tests;

use crate::model::PersistentVolumeClaim;
use crate::model::PersistentVolumeClaim as ClaimTemplate;
use checks::*;
pub use quota::Quotas;
pub use size::Size;

use crate::act::Step;
use crate::k8s::{self, quantity};
use crate::kubectl::Kubectl;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::{Snapshot, Source};
use k8s_openapi::api::storage::v1::StorageClass;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Members beyond this are not enumerated: a hostile `replicas` must not allocate forever.
const MAX_MEMBERS: i64 = 10_000;

/// How the new size is given.
#[derive(Debug, Clone)]
pub enum Target {
    /// `--size`.
    Size(Size),
    /// `--to-usage PERCENT`: computed from the kubelet's volume stats, or Prometheus's.
    ToUsage(f64),
    /// `--to-usage PERCENT --for DURATION`: the same, for the usage DURATION from now at
    /// the current growth rate (Prometheus's trend).
    ToUsageFor {
        percent: f64,
        secs: f64,
        text: String,
    },
}

/// What was asked.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub template: Option<&'a str>,
    pub target: Target,
    /// Where `--apply` writes the backup and the re-create manifest.
    pub backup_dir: &'a Path,
    /// The per-step timeout as typed (`10m`), for the printed `kubectl wait` commands.
    pub step_timeout: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StsRef {
    pub namespace: String,
    pub name: String,
}

/// One check, passed or failed, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// A check that could not run, and why (the data it needs could not be read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedCheck {
    pub check: String,
    pub source: String,
    pub reason: String,
}

/// What happens to one member's claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimAction {
    /// Patch its request, then wait for it.
    Grow,
    /// Already requests the new size (an earlier run): only wait for it to finish.
    Finish,
    /// Already at the new size: nothing to do.
    Done,
    /// Does not exist (yet): the re-created template creates it at the new size.
    Missing,
    /// Already larger than the new size: volumes cannot shrink (the plan is blocked).
    Larger,
}

/// Where one claim's steps are in the plan's step list (for saying where a run stopped).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClaimSteps {
    pub patch: Option<usize>,
    pub wait: Option<usize>,
    pub restart: Option<usize>,
    pub ready: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimPlan {
    pub name: String,
    pub ordinal: i64,
    pub pod: String,
    pub request: Option<String>,
    pub capacity: Option<String>,
    pub storage_class: Option<String>,
    pub phase: Option<String>,
    pub volume_mode: String,
    pub action: ClaimAction,
    #[serde(skip)]
    pub resource_version: Option<String>,
    #[serde(skip)]
    pub pod_uid: Option<String>,
    /// The pod runs on a node, so the volume is mounted and its filesystem may need the pod
    /// restarted to grow.
    #[serde(skip)]
    pub mounted: bool,
    #[serde(skip)]
    pub steps: ClaimSteps,
}

impl ClaimPlan {
    pub fn filesystem(&self) -> bool {
        self.volume_mode != "Block"
    }
}

/// Where the template's steps are in the plan's step list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateSteps {
    pub save: usize,
    pub delete: usize,
    pub gone: usize,
    pub create: usize,
    pub verify: usize,
}

/// The plan: the contract's fields first (`statefulset` … `steps`), then the details.
#[derive(Debug, Clone, Serialize)]
pub struct ExpandPlan {
    pub statefulset: StsRef,
    pub template: String,
    pub from: String,
    pub to: String,
    pub checks: Vec<CheckResult>,
    pub blocked: bool,
    pub steps: Vec<Step>,
    pub claims: Vec<ClaimPlan>,
    /// Whether the StatefulSet is replaced to change its claim template.
    pub recreate: bool,
    pub skipped: Vec<SkippedCheck>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_basis: Option<String>,
    /// The command to run instead, where an operator owns the set and grows its claims from
    /// a field of its custom resource: the patch of that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instead: Option<crate::finding::Remedy>,
    /// Where `--apply` saves the StatefulSet before deleting it.
    pub backup: String,
    /// Where `--apply` saves the manifest it re-creates the StatefulSet from.
    pub recreate_manifest: String,
    #[serde(skip)]
    pub to_bytes: f64,
    #[serde(skip)]
    pub sts_uid: Option<String>,
    #[serde(skip)]
    pub sts_generation: Option<i64>,
    /// The pods' selector in kubectl syntax.
    #[serde(skip)]
    pub selector: String,
    #[serde(skip)]
    pub template_steps: Option<TemplateSteps>,
    /// The manifest shown in the plan (from the snapshot; `--apply` rebuilds it from the
    /// object read right before the delete).
    #[serde(skip)]
    pub manifest: Value,
}

impl ExpandPlan {
    /// The claims in the order they are grown: highest ordinal first, as the StatefulSet
    /// controller rolls, so member 0 (often the one others bootstrap from) comes last.
    pub fn work_order(&self) -> Vec<&ClaimPlan> {
        let mut v: Vec<&ClaimPlan> = self
            .claims
            .iter()
            .filter(|c| matches!(c.action, ClaimAction::Grow | ClaimAction::Finish))
            .collect();
        v.sort_by_key(|c| std::cmp::Reverse(c.ordinal));
        v
    }

    /// Nothing left: every claim and the template are at the new size.
    pub fn nothing_to_do(&self) -> bool {
        !self.blocked && self.steps.is_empty()
    }
}

/// A claim template's storage request, as written.
fn template_request(tpl: &ClaimTemplate) -> Option<&str> {
    tpl.spec
        .as_ref()?
        .resources
        .as_ref()?
        .requests
        .as_ref()?
        .get("storage")
        .map(|q| q.0.as_str())
}

fn bytes(q: Option<&str>) -> Option<f64> {
    q.and_then(quantity::parse)
}

const DEFAULT_ANNOTATIONS: [&str; 2] = [
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
];

fn is_default(sc: &StorageClass) -> bool {
    sc.metadata.annotations.as_ref().is_some_and(|a| {
        DEFAULT_ANNOTATIONS
            .iter()
            .any(|k| a.get(*k).is_some_and(|v| v == "true"))
    })
}

/// Builds the plan. `Err` is a message for people when the request cannot be planned at
/// all (unknown template, claims unreadable, no volume stats for `--to-usage`).
pub fn plan(
    snap: &Snapshot,
    quotas: &Quotas,
    req: &Request,
    now: jiff::Timestamp,
    kubectl: &Kubectl,
) -> Result<ExpandPlan, String> {
    let ns = req.namespace;
    let name = req.name;
    let sts = readable_set(snap, req)?;
    let tpl = template(snap, sts, req, kubectl)?;
    let tpl_name = k8s::name(&tpl.metadata).to_string();
    let from = template_request(tpl).unwrap_or("").to_string();

    // The members' claims, with what exists of them.
    let pvcs = by_name(&snap.pvcs, ns);
    let pods = by_name(&snap.pods, ns);
    let start = k8s::ordinal_start(sts);
    let replicas = i64::from(k8s::replicas(sts)).min(MAX_MEMBERS);
    let prefix = format!("{tpl_name}-{name}");

    let (to, size_basis) = target_size(snap, req, &prefix, start..start + replicas, &pvcs)?;

    let claims = member_claims(
        name,
        &prefix,
        start..start + replicas,
        &pvcs,
        &pods,
        tpl,
        &to,
    );

    let tpl_bytes = bytes(Some(from.as_str()));
    let recreate = tpl_bytes.is_none_or(|b| b < to.bytes);
    let sizes = Sizes {
        from: &from,
        template_bytes: tpl_bytes,
        to: &to,
    };
    let (checks, skipped, instead) =
        plan_checks(snap, quotas, sts, kubectl, &sizes, &claims, &pvcs);
    let blocked = checks.iter().any(|c| !c.ok);

    let mut warnings = Vec::new();
    if let Some(h) = &to.hint {
        warnings.push(format!("size {}: {h}", to.text));
    }
    if let Some(m) = k8s::managed::managed_by(&sts.metadata) {
        warnings.push(managed_warning(&m, &tpl_name, &from, &to.text));
    }

    let mut notes = Vec::new();
    notes_for(
        &mut notes, snap, ns, &prefix, start, replicas, &claims, &from,
    );

    let (backup, recreate_manifest) = backup_files(req, now, &to.text);
    let live = sts.object();
    let new_manifest = manifest::recreate(&live, &tpl_name, &to.text).unwrap_or(Value::Null);
    let selector = sts
        .spec
        .as_ref()
        .map(|s| k8s::labels::to_kubectl(&s.selector))
        .unwrap_or_default();

    let mut plan = ExpandPlan {
        statefulset: StsRef {
            namespace: ns.to_string(),
            name: name.to_string(),
        },
        template: tpl_name,
        from,
        to: to.text.clone(),
        checks,
        blocked,
        steps: Vec::new(),
        claims,
        recreate,
        skipped,
        warnings,
        notes,
        size_basis,
        instead,
        backup,
        recreate_manifest,
        to_bytes: to.bytes,
        sts_uid: sts.metadata.uid.clone(),
        sts_generation: sts.metadata.generation(),
        selector,
        template_steps: None,
        manifest: new_manifest,
    };
    if !blocked {
        steps::build(&mut plan, kubectl, req.step_timeout);
        if plan.steps.is_empty() {
            plan.notes.push(format!(
                "nothing to do: the claim template and every claim already ask for {}",
                plan.to
            ));
        }
    }
    Ok(plan)
}

/// The StatefulSet to expand, once what the plan reads is known to be there.
fn readable_set<'a>(snap: &'a Snapshot, req: &Request) -> Result<&'a StatefulSet, String> {
    let (ns, name) = (req.namespace, req.name);
    let sts = snap
        .statefulsets
        .iter()
        .find(|s| k8s::namespace(&s.metadata) == ns && k8s::name(&s.metadata) == name)
        .ok_or_else(|| format!("statefulset {name} not found in namespace {ns}"))?;
    if let Some(s) = snap.is_skipped(Source::PersistentVolumeClaims) {
        return Err(format!(
            "cannot plan the expansion: persistentvolumeclaims could not be read ({})",
            s.reason
        ));
    }
    // Which claims are mounted, and which pod restarts to grow a filesystem, comes from
    // the pods: without them the plan would leave those steps out and look complete.
    if let Some(s) = snap.is_skipped(Source::Pods) {
        return Err(format!(
            "cannot plan the expansion: pods could not be read ({}); the plan needs them to know which claims are mounted and which pods restart to grow their filesystems",
            s.reason
        ));
    }
    Ok(sts)
}

/// Where `--apply` saves the StatefulSet before deleting it, and the manifest it re-creates
/// it from.
fn backup_files(req: &Request, now: jiff::Timestamp, to: &str) -> (String, String) {
    let (ns, name) = (req.namespace, req.name);
    let at = |file: String| req.backup_dir.join(file).display().to_string();
    (
        at(manifest::backup_name(ns, name, now)),
        at(manifest::recreate_name(ns, name, now, to)),
    )
}

/// The objects of namespace `ns` by name.
fn by_name<'a, T: crate::snapshot::Object>(items: &'a [T], ns: &str) -> HashMap<&'a str, &'a T> {
    items
        .iter()
        .filter(|o| o.namespace().unwrap_or_default() == ns)
        .map(|o| (o.name().unwrap_or_default(), o))
        .collect()
}

/// The new size: given, or computed from the usage (and its trend), with how.
fn target_size(
    snap: &Snapshot,
    req: &Request,
    prefix: &str,
    ordinals: std::ops::Range<i64>,
    pvcs: &HashMap<&str, &PersistentVolumeClaim>,
) -> Result<(Size, Option<String>), String> {
    let (ns, start, replicas) = (req.namespace, ordinals.start, ordinals.end - ordinals.start);
    Ok(match &req.target {
        Target::Size(s) => (s.clone(), None),
        Target::ToUsage(pct) => {
            let (s, basis) = to_usage(snap, ns, prefix, start, replicas, pvcs, *pct, None)?;
            (s, Some(basis))
        }
        Target::ToUsageFor {
            percent,
            secs,
            text,
        } => {
            let horizon = Some((*secs, text.as_str()));
            let (s, basis) = to_usage(snap, ns, prefix, start, replicas, pvcs, *percent, horizon)?;
            (s, Some(basis))
        }
    })
}

/// The sizes a plan compares: the template's now, and the new one.
struct Sizes<'a> {
    from: &'a str,
    template_bytes: Option<f64>,
    to: &'a Size,
}

/// The checks that decide whether the expansion may go ahead, those that could not run,
/// and what to run instead where an operator grows the claims.
fn plan_checks(
    snap: &Snapshot,
    quotas: &Quotas,
    sts: &StatefulSet,
    kubectl: &Kubectl,
    sizes: &Sizes,
    claims: &[ClaimPlan],
    pvcs: &HashMap<&str, &PersistentVolumeClaim>,
) -> (
    Vec<CheckResult>,
    Vec<SkippedCheck>,
    Option<crate::finding::Remedy>,
) {
    let ns = k8s::namespace(&sts.metadata);
    let to = sizes.to;
    let mut checks = Vec::new();
    let mut skipped = Vec::new();
    checks.push(check_not_deleting(sts));
    let mut instead = None;
    if let Some(o) = k8s::operators::owner_in(&sts.metadata, &snap.custom) {
        checks.push(check_no_operator(&o, ns, &to.text, kubectl));
        instead = o.storage_remedy(kubectl, ns, &to.text);
    }
    match check_class(snap, claims) {
        Ok(c) => checks.push(c),
        Err(reason) => skipped.push(SkippedCheck {
            check: "storageclass-allows-expansion".into(),
            source: Source::StorageClasses.resource().into(),
            reason: format!(
                "{reason}; the server-side dry run of each claim's patch checks it instead"
            ),
        }),
    }
    checks.push(check_bound(claims, pvcs));
    checks.push(check_size(
        sizes.from,
        sizes.template_bytes,
        sizes.to,
        claims,
        pvcs,
    ));
    checks.push(check_volume_mode(claims));
    checks.push(check_no_resize(claims, pvcs));
    match quotas {
        Quotas::NotRead(reason) => skipped.push(SkippedCheck {
            check: "quota-headroom".into(),
            source: "resourcequotas".into(),
            reason: reason.clone(),
        }),
        Quotas::Read(qs) => checks.push(check_quota(qs, ns, to, claims, pvcs)),
    }
    (checks, skipped, instead)
}

/// The claim template to grow: `--template`, or the only one. An operator that makes the
/// claims itself (no template) is named with its way to grow them.
fn template<'s>(
    snap: &Snapshot,
    sts: &'s StatefulSet,
    req: &Request,
    kubectl: &Kubectl,
) -> Result<&'s ClaimTemplate, String> {
    let (ns, name) = (req.namespace, req.name);
    let templates = sts
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_deref())
        .unwrap_or_default();
    let names: Vec<&str> = templates.iter().map(|t| k8s::name(&t.metadata)).collect();
    match (req.template, names.as_slice()) {
        (_, []) => {
            // Some operators make the claims themselves (Crunchy PGO): their CR says how
            // to grow them.
            if let Some(o) = k8s::operators::owner_in(&sts.metadata, &snap.custom) {
                let how = match &req.target {
                    Target::Size(size) => o
                        .storage_remedy(kubectl, ns, &size.text)
                        .map(|r| format!("{}: {}", r.description, r.command)),
                    _ => None,
                }
                .or_else(|| {
                    o.operator
                        .storage
                        .map(|f| format!("raise {} in the {}", o.field(f), o.kind))
                })
                .unwrap_or_else(|| format!("see how the {} sets its volume size", o.kind));
                return Err(format!(
                    "statefulset {ns}/{name} has no volumeClaimTemplates: {} makes its claims itself. {how}",
                    o.describe(ns)
                ));
            }
            Err(format!(
                "statefulset {ns}/{name} has no volumeClaimTemplates: its pods have no claims to grow"
            ))
        }
        (Some(t), _) => templates
            .iter()
            .find(|x| k8s::name(&x.metadata) == t)
            .ok_or_else(|| {
                format!(
                    "statefulset {ns}/{name} has no claim template {t}; it has: {}",
                    names.join(", ")
                )
            }),
        (None, [_]) => Ok(&templates[0]),
        (None, many) => Err(format!(
            "statefulset {ns}/{name} has several claim templates ({}): choose one with --template",
            many.join(", ")
        )),
    }
}

/// One entry per member claim (`<template>-<set>-<ordinal>`), with what exists of it and
/// what the expansion does to it.
fn member_claims(
    name: &str,
    prefix: &str,
    ordinals: std::ops::Range<i64>,
    pvcs: &HashMap<&str, &PersistentVolumeClaim>,
    pods: &HashMap<&str, &Pod>,
    tpl: &ClaimTemplate,
    to: &Size,
) -> Vec<ClaimPlan> {
    let mut claims = Vec::new();
    for ord in ordinals {
        let claim = format!("{prefix}-{ord}");
        let pod_name = format!("{name}-{ord}");
        let pvc = pvcs.get(claim.as_str()).copied();
        let pod = pods.get(pod_name.as_str()).copied();
        let mounted = pod.is_some_and(|p| {
            k8s::pod::node_name(p).is_some()
                && !k8s::pod::is_terminal(p)
                && p.metadata.deletion_timestamp.is_none()
        });
        let action = match pvc {
            None => ClaimAction::Missing,
            Some(p) => match bytes(p.storage_request()) {
                Some(b) if b > to.bytes => ClaimAction::Larger,
                Some(b) if b == to.bytes => {
                    if progress::resize(p, to.bytes) == progress::Resize::Grown {
                        ClaimAction::Done
                    } else {
                        ClaimAction::Finish
                    }
                }
                _ => ClaimAction::Grow,
            },
        };
        let spec = pvc.and_then(|p| p.spec.as_ref());
        claims.push(ClaimPlan {
            name: claim,
            ordinal: ord,
            pod: pod_name,
            request: pvc.and_then(|p| p.storage_request()).map(str::to_string),
            capacity: pvc.and_then(|p| p.storage_capacity()).map(str::to_string),
            storage_class: spec.and_then(|s| s.storage_class_name.as_deref().map(str::to_string)),
            phase: pvc
                .and_then(|p| p.status.as_ref())
                .and_then(|s| s.phase.as_deref().map(str::to_string)),
            volume_mode: spec
                .and_then(|s| s.volume_mode.as_deref().map(str::to_string))
                .or_else(|| {
                    tpl.spec
                        .as_ref()
                        .and_then(|s| s.volume_mode.as_deref().map(str::to_string))
                })
                .unwrap_or_else(|| "Filesystem".into()),
            action,
            resource_version: pvc.and_then(|p| p.metadata.resource_version.clone()),
            pod_uid: pod.and_then(|p| p.metadata.uid.clone()),
            mounted,
            steps: ClaimSteps::default(),
        });
    }
    claims
}

/// The size at which the fullest member's usage lands at `pct` % (after `horizon` at the
/// current rate, when given): usage from the kubelet's volume stats when they were read,
/// else from Prometheus, and the growth from Prometheus.
#[allow(clippy::too_many_arguments)]
fn to_usage(
    snap: &Snapshot,
    ns: &str,
    prefix: &str,
    start: i64,
    replicas: i64,
    pvcs: &HashMap<&str, &PersistentVolumeClaim>,
    pct: f64,
    horizon: Option<(f64, &str)>,
) -> Result<(Size, String), String> {
    if let Some(s) = snap.is_skipped(Source::Prometheus) {
        return Err(format!(
            "--to-usage: Prometheus could not be read ({})",
            s.reason
        ));
    }
    if horizon.is_some() && snap.volume_trends.is_none() {
        return Err(
            "--for needs the growth rate from Prometheus: give --prometheus URL (or svc/NAMESPACE/NAME:PORT), or a snapshot taken with it".to_string(),
        );
    }
    if snap.volume_stats.is_none() && snap.volume_trends.is_none() {
        return Err(
            "--to-usage needs the kubelet's volume stats: run it against the live cluster (it reads them through the node proxy, which needs the nodes/proxy permission), or with a snapshot taken with --volume-stats; or give --prometheus to read usage from Prometheus instead".to_string(),
        );
    }
    let members: BTreeSet<String> = (start..start + replicas)
        .map(|o| format!("{prefix}-{o}"))
        .collect();
    let volume_bytes = |claim: &str| {
        pvcs.get(claim)
            .and_then(|p| bytes(p.storage_capacity()).or_else(|| bytes(p.storage_request())))
    };
    let mut usages: BTreeMap<String, size::Usage> = BTreeMap::new();
    for t in snap.volume_trends.iter().flatten() {
        if t.namespace != ns || !members.contains(&t.pvc) {
            continue;
        }
        let Some(used) = t.used_bytes else { continue };
        usages.insert(
            t.pvc.clone(),
            size::Usage {
                claim: t.pvc.clone(),
                used_bytes: used,
                fs_bytes: t.capacity_bytes,
                volume_bytes: volume_bytes(&t.pvc),
                per_second: t.bytes_per_second.unwrap_or(0.0).max(0.0),
            },
        );
    }
    // The kubelet answered just now: its usage wins, the trend stays.
    for v in snap.volume_stats.iter().flatten() {
        if v.namespace != ns || !members.contains(&v.pvc) {
            continue;
        }
        let Some(used) = v.used_bytes else { continue };
        let per_second = usages.get(&v.pvc).map_or(0.0, |u| u.per_second);
        usages.insert(
            v.pvc.clone(),
            size::Usage {
                claim: v.pvc.clone(),
                used_bytes: used,
                fs_bytes: v.capacity_bytes,
                volume_bytes: volume_bytes(&v.pvc),
                per_second,
            },
        );
    }
    let usages: Vec<size::Usage> = usages.into_values().collect();
    let failed: Vec<String> = snap
        .partial
        .iter()
        .filter(|p| p.source == "volume-stats")
        .map(|p| format!("{}: {}", p.object, p.reason))
        .collect();
    size::for_usage_after(&usages, pct, horizon).ok_or_else(|| {
        let mut m = format!(
            "--to-usage: no volume usage for the claims {prefix}-N (no member pod is running, or the kubelets or Prometheus had none)"
        );
        if !failed.is_empty() {
            m.push_str(&format!(": {}", failed.join("; ")));
        }
        m
    })
}
