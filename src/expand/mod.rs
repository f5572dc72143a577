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
pub mod manifest;
pub mod progress;
pub mod quota;
pub mod size;
mod steps;

pub use quota::Quotas;
pub use size::Size;

use crate::act::Step;
use crate::k8s::{self, quantity};
use crate::kubectl::Kubectl;
use crate::model::Pod;
use crate::snapshot::{Snapshot, Source};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
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

fn storage_request(pvc: &PersistentVolumeClaim) -> Option<&str> {
    progress::request(pvc)
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
    let templates = sts
        .spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_deref())
        .unwrap_or_default();
    let names: Vec<&str> = templates.iter().map(|t| k8s::name(&t.metadata)).collect();
    let tpl = match (req.template, names.as_slice()) {
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
            return Err(format!(
                "statefulset {ns}/{name} has no volumeClaimTemplates: its pods have no claims to grow"
            ));
        }
        (Some(t), _) => templates
            .iter()
            .find(|x| k8s::name(&x.metadata) == t)
            .ok_or_else(|| {
                format!(
                    "statefulset {ns}/{name} has no claim template {t}; it has: {}",
                    names.join(", ")
                )
            })?,
        (None, [_]) => &templates[0],
        (None, many) => {
            return Err(format!(
                "statefulset {ns}/{name} has several claim templates ({}): choose one with --template",
                many.join(", ")
            ));
        }
    };
    let tpl_name = k8s::name(&tpl.metadata).to_string();
    let from = storage_request(tpl).unwrap_or("").to_string();

    // The members' claims, with what exists of them.
    let pvcs: HashMap<&str, &PersistentVolumeClaim> = snap
        .pvcs
        .iter()
        .filter(|p| k8s::namespace(&p.metadata) == ns)
        .map(|p| (k8s::name(&p.metadata), p))
        .collect();
    let pods: HashMap<&str, &Pod> = snap
        .pods
        .iter()
        .filter(|p| k8s::namespace(&p.metadata) == ns)
        .map(|p| (k8s::name(&p.metadata), p))
        .collect();
    let start = k8s::ordinal_start(sts);
    let replicas = i64::from(k8s::replicas(sts)).min(MAX_MEMBERS);
    let prefix = format!("{tpl_name}-{name}");

    let (to, size_basis) = match &req.target {
        Target::Size(s) => (s.clone(), None),
        Target::ToUsage(pct) => {
            let (s, basis) = to_usage(snap, ns, &prefix, start, replicas, &pvcs, *pct, None)?;
            (s, Some(basis))
        }
        Target::ToUsageFor {
            percent,
            secs,
            text,
        } => {
            let horizon = Some((*secs, text.as_str()));
            let (s, basis) =
                to_usage(snap, ns, &prefix, start, replicas, &pvcs, *percent, horizon)?;
            (s, Some(basis))
        }
    };

    let mut claims = Vec::new();
    for ord in start..start + replicas {
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
            Some(p) => match bytes(storage_request(p)) {
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
            request: pvc.and_then(storage_request).map(str::to_string),
            capacity: pvc.and_then(progress::capacity).map(str::to_string),
            storage_class: spec.and_then(|s| s.storage_class_name.clone()),
            phase: pvc
                .and_then(|p| p.status.as_ref())
                .and_then(|s| s.phase.clone()),
            volume_mode: spec
                .and_then(|s| s.volume_mode.clone())
                .or_else(|| tpl.spec.as_ref().and_then(|s| s.volume_mode.clone()))
                .unwrap_or_else(|| "Filesystem".into()),
            action,
            resource_version: pvc.and_then(|p| p.metadata.resource_version.clone()),
            pod_uid: pod.and_then(|p| p.metadata.uid.clone()),
            mounted,
            steps: ClaimSteps::default(),
        });
    }

    let tpl_bytes = bytes(Some(from.as_str()));
    let recreate = tpl_bytes.is_none_or(|b| b < to.bytes);
    let mut checks = Vec::new();
    let mut skipped = Vec::new();
    checks.push(check_not_deleting(sts));
    let mut instead = None;
    if let Some(o) = k8s::operators::owner_in(&sts.metadata, &snap.custom) {
        checks.push(check_no_operator(&o, ns, &to.text, kubectl));
        instead = o.storage_remedy(kubectl, ns, &to.text);
    }
    match check_class(snap, &claims) {
        Ok(c) => checks.push(c),
        Err(reason) => skipped.push(SkippedCheck {
            check: "storageclass-allows-expansion".into(),
            source: Source::StorageClasses.resource().into(),
            reason: format!(
                "{reason}; the server-side dry run of each claim's patch checks it instead"
            ),
        }),
    }
    checks.push(check_bound(&claims, &pvcs));
    checks.push(check_size(&from, tpl_bytes, &to, &claims, &pvcs));
    checks.push(check_volume_mode(&claims));
    checks.push(check_no_resize(&claims, &pvcs));
    match quotas {
        Quotas::NotRead(reason) => skipped.push(SkippedCheck {
            check: "quota-headroom".into(),
            source: "resourcequotas".into(),
            reason: reason.clone(),
        }),
        Quotas::Read(qs) => checks.push(check_quota(qs, ns, &to, &claims, &pvcs)),
    }
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

    let backup = req
        .backup_dir
        .join(manifest::backup_name(ns, name, now))
        .display()
        .to_string();
    let recreate_manifest = req
        .backup_dir
        .join(manifest::recreate_name(ns, name, now, &to.text))
        .display()
        .to_string();
    let live = serde_json::to_value(sts).unwrap_or(Value::Null);
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
        sts_generation: sts.metadata.generation,
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
            .and_then(|p| bytes(progress::capacity(p)).or_else(|| bytes(storage_request(p))))
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

fn check(name: &str, ok: bool, detail: String) -> CheckResult {
    CheckResult {
        name: name.to_string(),
        ok,
        detail,
    }
}

fn check_not_deleting(sts: &StatefulSet) -> CheckResult {
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

fn to_grow(claims: &[ClaimPlan]) -> impl Iterator<Item = &ClaimPlan> {
    claims
        .iter()
        .filter(|c| matches!(c.action, ClaimAction::Grow | ClaimAction::Finish))
}

/// Every class a claim to grow belongs to allows expansion. `Err` when classes could not
/// be read.
fn check_class(snap: &Snapshot, claims: &[ClaimPlan]) -> Result<CheckResult, String> {
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

fn check_bound(claims: &[ClaimPlan], pvcs: &HashMap<&str, &PersistentVolumeClaim>) -> CheckResult {
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

fn check_size(
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
        let req = bytes(storage_request(p));
        let cap = bytes(progress::capacity(p));
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

fn check_volume_mode(claims: &[ClaimPlan]) -> CheckResult {
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

fn check_no_resize(
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

fn check_quota(
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
            .and_then(|p| bytes(storage_request(p)))
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
fn managed_warning(m: &k8s::managed::Manager, template: &str, from: &str, to: &str) -> String {
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
fn notes_for(
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
fn check_no_operator(
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
    let caveat = match (&o.upstream, o.operator.caveat) {
        (Some(u), _) => format!(
            ". The {} is itself managed by the {}: make the change in {}, or it is reverted ({})",
            o.kind,
            u.kind,
            u.field,
            crate::finding::shell_join(&o.get_argv(kubectl, ns))
        ),
        (None, Some(c)) => format!(". Note: {c}"),
        (None, None) => String::new(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use k8s_openapi::api::core::v1::ResourceQuota;
    use serde_json::json;

    /// `shop/db`: 3 members, template `data` of class `standard` (expandable), each claim
    /// Bound at 10Gi, each pod Ready on a node.
    fn world() -> Snapshot {
        let mut s = snapshot();
        s.statefulsets
            .push(with_claim_template(&sts("shop", "db", 3), Some("standard")));
        s.storage_classes
            .push(storage_class_of("standard", "ebs.csi.aws.com", json!({})));
        for i in 0..3 {
            let mut c = bound_claim(
                "shop",
                &format!("data-db-{i}"),
                &format!("pv-{i}"),
                "standard",
            );
            c.metadata.resource_version = Some(format!("10{i}"));
            s.pvcs.push(c);
            s.pods.push(pod("shop", "db", i, true));
        }
        s
    }

    fn size(s: &str) -> Target {
        Target::Size(size::parse(s).unwrap())
    }

    fn request(target: Target) -> Request<'static> {
        Request {
            namespace: "shop",
            name: "db",
            template: None,
            target,
            backup_dir: Path::new("."),
            step_timeout: "10m",
        }
    }

    fn run(s: &Snapshot, q: &Quotas, target: Target) -> ExpandPlan {
        plan(s, q, &request(target), now(), &Kubectl::default()).unwrap()
    }

    fn no_quotas() -> Quotas {
        Quotas::Read(Vec::new())
    }

    fn failed(p: &ExpandPlan) -> Vec<&str> {
        p.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.name.as_str())
            .collect()
    }

    fn set_claim(s: &mut Snapshot, i: usize, patch: serde_json::Value) {
        s.pvcs[i] = merged(&s.pvcs[i], patch);
    }

    #[test]
    fn without_pods_there_is_no_plan_rather_than_one_missing_its_restarts() {
        let mut s = world();
        s.pods.clear();
        s.skip(Source::Pods, "forbidden: pods is forbidden");
        let e = plan(
            &s,
            &no_quotas(),
            &request(size("20Gi")),
            now(),
            &Kubectl::default(),
        )
        .unwrap_err();
        assert!(
            e.starts_with(
                "cannot plan the expansion: pods could not be read (forbidden: pods is forbidden); "
            ),
            "{e}"
        );
    }

    #[test]
    fn a_valid_expansion_lists_every_step_highest_ordinal_first() {
        let p = run(&world(), &no_quotas(), size("20Gi"));
        assert!(!p.blocked, "{:?}", p.checks);
        assert_eq!(
            (p.template.as_str(), p.from.as_str(), p.to.as_str()),
            ("data", "10Gi", "20Gi")
        );
        let names: Vec<&str> = p.checks.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "statefulset-not-deleting",
                "storageclass-allows-expansion",
                "claims-bound",
                "size-larger",
                "volume-mode",
                "no-resize-in-progress",
                "quota-headroom"
            ]
        );
        let order: Vec<&str> = p.work_order().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(order, ["data-db-2", "data-db-1", "data-db-0"]);
        // Per claim: patch, wait, restart if needed, Ready; then the template's five.
        assert_eq!(p.steps.len(), 3 * 4 + 5);
        assert_eq!(
            p.steps[0].command,
            r#"kubectl -n shop patch pvc data-db-2 --type=merge -p '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}'"#
        );
        assert_eq!(
            p.steps[1].command,
            "kubectl -n shop wait pvc/data-db-2 '--for=jsonpath={.status.capacity.storage}=20Gi' --timeout=10m"
        );
        assert!(p.steps[2].command.starts_with(
            "kubectl create --raw /api/v1/namespaces/shop/pods/db-2/eviction -f - <<'EOF'\n{\"apiVersion\":\"policy/v1\""
        ), "{}", p.steps[2].command);
        let ts = p.template_steps.unwrap();
        assert_eq!(
            p.steps[ts.save].command,
            "kubectl -n shop get statefulset db -o yaml > ./shop-db-20261122T030000Z.yaml"
        );
        assert_eq!(
            p.steps[ts.delete].command,
            "kubectl -n shop delete statefulset db --cascade=orphan"
        );
        assert!(
            p.steps[ts.create].command.contains("storage: 20Gi"),
            "{}",
            p.steps[ts.create].command
        );
        assert_eq!(p.claims[2].steps.patch, Some(0));
        assert_eq!(p.backup, "./shop-db-20261122T030000Z.yaml");
    }

    #[test]
    fn a_class_without_expansion_blocks_and_says_how_to_allow_it() {
        let mut s = world();
        s.storage_classes[0] = storage_class_of(
            "standard",
            "ebs.csi.aws.com",
            json!({"allowVolumeExpansion": null}),
        );
        let p = run(&s, &no_quotas(), size("20Gi"));
        assert!(p.blocked);
        assert!(p.steps.is_empty());
        assert_eq!(failed(&p), ["storageclass-allows-expansion"]);
        assert!(
            p.checks[1]
                .detail
                .contains("kubectl patch storageclass standard")
        );
    }

    #[test]
    fn local_missing_or_no_class_blocks() {
        for (class, want) in [
            (
                Some(storage_class_of(
                    "standard",
                    "kubernetes.io/no-provisioner",
                    json!({}),
                )),
                "node-local",
            ),
            (None, "does not exist"),
        ] {
            let mut s = world();
            s.storage_classes = class.into_iter().collect();
            let p = run(&s, &no_quotas(), size("20Gi"));
            assert!(p.checks[1].detail.contains(want), "{}", p.checks[1].detail);
            assert!(p.blocked);
        }
        let mut s = world();
        set_claim(&mut s, 1, json!({"spec": {"storageClassName": ""}}));
        assert!(
            run(&s, &no_quotas(), size("20Gi")).checks[1]
                .detail
                .starts_with("data-db-1 has no StorageClass")
        );
    }

    #[test]
    fn a_smaller_size_blocks() {
        let p = run(&world(), &no_quotas(), size("5Gi"));
        assert!(p.blocked);
        assert_eq!(failed(&p), ["size-larger"]);
        assert!(
            p.checks[3]
                .detail
                .contains("more than 5Gi: a volume cannot shrink"),
            "{}",
            p.checks[3].detail
        );
    }

    #[test]
    fn a_quota_too_small_blocks_and_an_unreadable_one_is_skipped() {
        let q: ResourceQuota = from_json(json!({
            "metadata": {"name": "storage", "namespace": "shop"},
            "spec": {"hard": {"requests.storage": "50Gi"}},
            "status": {"hard": {"requests.storage": "50Gi"}, "used": {"requests.storage": "30Gi"}}}));
        let p = run(&world(), &Quotas::Read(vec![q]), size("20Gi"));
        assert!(p.blocked);
        assert_eq!(failed(&p), ["quota-headroom"]);
        assert!(p.checks[6].detail.starts_with(
            "quota storage: requests.storage 50Gi hard, 30Gi used, 20Gi left; the expansion adds 30Gi: not enough"
        ), "{}", p.checks[6].detail);

        let p = run(
            &world(),
            &Quotas::NotRead("forbidden: no".into()),
            size("20Gi"),
        );
        assert!(!p.blocked);
        assert!(p.checks.iter().all(|c| c.name != "quota-headroom"));
        assert_eq!(p.skipped[0].check, "quota-headroom");
        assert_eq!(p.skipped[0].reason, "forbidden: no");
    }

    #[test]
    fn pending_lost_or_resizing_claims_block() {
        let mut s = world();
        set_claim(&mut s, 0, json!({"status": {"phase": "Pending"}}));
        assert_eq!(
            failed(&run(&s, &no_quotas(), size("20Gi"))),
            ["claims-bound"]
        );
        let mut s = world();
        set_claim(
            &mut s,
            2,
            json!({"status": {"conditions": [{"type": "Resizing", "status": "True"}]}}),
        );
        let p = run(&s, &no_quotas(), size("20Gi"));
        assert_eq!(failed(&p), ["no-resize-in-progress"]);
        assert!(p.checks[5].detail.starts_with("data-db-2: Resizing"));
    }

    #[test]
    fn a_second_run_skips_what_the_first_finished() {
        let mut s = world();
        // db-2 grew; db-1 was patched and waits for its filesystem; db-0 not reached.
        set_claim(
            &mut s,
            2,
            json!({"spec": {"resources": {"requests": {"storage": "20Gi"}}},
                                      "status": {"capacity": {"storage": "20Gi"}}}),
        );
        set_claim(
            &mut s,
            1,
            json!({"spec": {"resources": {"requests": {"storage": "20Gi"}}},
                                      "status": {"conditions": [{"type": "FileSystemResizePending", "status": "True"}]}}),
        );
        let p = run(&s, &no_quotas(), size("20Gi"));
        assert!(!p.blocked, "{:?}", p.checks);
        let actions: Vec<ClaimAction> = p.claims.iter().map(|c| c.action).collect();
        assert_eq!(
            actions,
            [ClaimAction::Grow, ClaimAction::Finish, ClaimAction::Done]
        );
        let patched: Vec<&str> = p
            .steps
            .iter()
            .filter(|s| s.command.contains(" patch pvc "))
            .map(|s| s.command.as_str())
            .collect();
        assert_eq!(patched.len(), 1);
        assert!(patched[0].contains("data-db-0"));
        assert!(
            p.checks[3]
                .detail
                .contains("data-db-1, data-db-2 already request 20Gi"),
            "{}",
            p.checks[3].detail
        );

        // Everything done, template included: nothing to do.
        let mut s = world();
        s.statefulsets[0] = with_claim_template(&s.statefulsets[0], Some("standard"));
        s.statefulsets[0] = merged(
            &s.statefulsets[0],
            json!({"spec": {"volumeClaimTemplates": [
            {"metadata": {"name": "data"}, "spec": {"storageClassName": "standard", "resources": {"requests": {"storage": "20Gi"}}}}]}}),
        );
        for i in 0..3 {
            set_claim(
                &mut s,
                i,
                json!({"spec": {"resources": {"requests": {"storage": "20Gi"}}},
                                          "status": {"capacity": {"storage": "20Gi"}}}),
            );
        }
        let p = run(&s, &no_quotas(), size("20Gi"));
        assert!(p.nothing_to_do());
        assert!(!p.recreate);
        assert!(p.notes.iter().any(|n| n.starts_with("nothing to do")));
    }

    #[test]
    fn templates_must_be_named_when_there_are_several() {
        let mut s = world();
        s.statefulsets[0] = merged(
            &s.statefulsets[0],
            json!({"spec": {"volumeClaimTemplates": [
            {"metadata": {"name": "data"}, "spec": {"resources": {"requests": {"storage": "10Gi"}}}},
            {"metadata": {"name": "wal"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}}]}}),
        );
        let e = plan(
            &s,
            &no_quotas(),
            &request(size("20Gi")),
            now(),
            &Kubectl::default(),
        )
        .unwrap_err();
        assert!(
            e.contains("several claim templates (data, wal): choose one with --template"),
            "{e}"
        );
        let mut r = request(size("20Gi"));
        r.template = Some("logs");
        let e = plan(&s, &no_quotas(), &r, now(), &Kubectl::default()).unwrap_err();
        assert!(
            e.contains("no claim template logs; it has: data, wal"),
            "{e}"
        );
        r.template = Some("wal");
        let p = plan(&s, &no_quotas(), &r, now(), &Kubectl::default()).unwrap();
        assert_eq!((p.template.as_str(), p.from.as_str()), ("wal", "1Gi"));
        assert!(p.claims.iter().all(|c| c.action == ClaimAction::Missing));
    }

    #[test]
    fn a_managed_statefulset_says_where_else_to_change_the_size() {
        let mut s = world();
        s.statefulsets[0].metadata.labels = Some(
            [(
                "app.kubernetes.io/managed-by".to_string(),
                "Helm".to_string(),
            )]
            .into(),
        );
        s.statefulsets[0].metadata.annotations = Some(
            [(
                "meta.helm.sh/release-name".to_string(),
                "orders".to_string(),
            )]
            .into(),
        );
        let p = run(&s, &no_quotas(), size("20G"));
        assert!(
            p.warnings[0].starts_with("size 20G: did you mean 20Gi? 20G is 20×10⁹ bytes"),
            "{:?}",
            p.warnings
        );
        assert!(p.warnings[1].contains("the chart value that sets the volumeClaimTemplates size (template data) for release orders to 20G"), "{}", p.warnings[1]);
        let mut s = world();
        s.statefulsets[0].metadata.labels = Some(
            [(
                "argocd.argoproj.io/instance".to_string(),
                "shop-db".to_string(),
            )]
            .into(),
        );
        assert!(
            run(&s, &no_quotas(), size("20Gi")).warnings[0]
                .starts_with("Argo CD application shop-db")
        );
    }

    #[test]
    fn to_usage_sizes_from_the_fullest_member_and_needs_stats() {
        let mut s = world();
        let e = plan(
            &s,
            &no_quotas(),
            &request(Target::ToUsage(70.0)),
            now(),
            &Kubectl::default(),
        )
        .unwrap_err();
        assert!(e.contains("needs the kubelet's volume stats"), "{e}");
        let gi = 1024u64 * 1024 * 1024;
        s.volume_stats = Some(
            (0..3)
                .map(|i| crate::snapshot::VolumeStat {
                    namespace: "shop".into(),
                    pod: format!("db-{i}"),
                    pvc: format!("data-db-{i}"),
                    node: format!("node-{i}"),
                    used_bytes: Some((5 + i as u64) * gi),
                    capacity_bytes: Some(10 * gi),
                    inodes_used: None,
                    inodes: None,
                })
                .collect(),
        );
        let p = run(&s, &no_quotas(), Target::ToUsage(50.0));
        assert_eq!(p.to, "14Gi");
        assert!(
            p.size_basis
                .as_deref()
                .unwrap()
                .starts_with("the fullest member, data-db-2, uses 7Gi of 10Gi")
        );
    }

    #[test]
    fn claims_of_scaled_down_members_are_named_in_a_note() {
        let mut s = world();
        s.pvcs
            .push(bound_claim("shop", "data-db-3", "pv-3", "standard"));
        let p = run(&s, &no_quotas(), size("20Gi"));
        assert_eq!(p.claims.len(), 3);
        assert!(
            p.notes[0].starts_with("data-db-3 belongs to no current member"),
            "{:?}",
            p.notes
        );
    }
}
