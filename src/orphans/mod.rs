//! Orphaned PVCs and PVs: storage nothing uses and that is still billed every month.
//!
//! `find(snapshot, now, prices, kubectl) -> OrphanReport` is pure: the matcher in
//! [`find`](mod@find) decides what is an orphan and why, [`cost`] prices it, [`remedy`] builds
//! the commands. `kubectl sts orphans` renders the report; the `orphan-*` checks of
//! `diagnose` turn the same matches into info findings.

pub mod cost;
pub mod find;
pub mod recheck;
pub mod remedy;

use crate::analysis::Ctx;
use crate::analysis::index::Index;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::kubectl::Kubectl;
use crate::snapshot::{Skipped, Snapshot};
use cost::Prices;
pub use find::{Match, Reason};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// One orphan as `orphans -o json` shows it (field names are the output contract).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Orphan {
    pub runbook: &'static str,
    #[serde(skip)]
    pub reason: Reason,
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
    pub statefulset: Option<String>,
    pub storage_class: Option<String>,
    pub capacity_bytes: u64,
    /// Since the object was created; `None` when the snapshot does not say.
    pub age_seconds: Option<i64>,
    pub monthly_cost: f64,
    pub summary: String,
    pub evidence: Vec<String>,
    pub commands: Vec<Remedy>,
    /// What a deletion must still find (preconditions): anything else means the object
    /// changed since it was listed.
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    /// For a claim: its bound PV, counted here and not listed again.
    pub volume: Option<String>,
    /// For a PV (or a claim's PV): what deleting the PV object does to the disk.
    pub reclaim_policy: Option<String>,
    /// The disk behind the PV (CSI volume handle, EBS volume id, NFS export...), which a
    /// reclaim policy of Retain leaves in place when the PV object is deleted.
    pub volume_handle: Option<String>,
    /// What that identifier is: "CSI volume (driver ebs.csi.aws.com)", "NFS export", ...
    pub backing_storage: Option<String>,
    /// Whether anything is billed: a claim still Pending has no volume yet.
    #[serde(skip)]
    pub billed: bool,
}

impl Orphan {
    /// `pvc data/data-postgres-4`, `pv pvc-1234`.
    pub fn label(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("pvc {ns}/{}", self.name),
            None => format!("pv {}", self.name),
        }
    }

    pub fn object(&self) -> ObjectRef {
        match &self.namespace {
            Some(ns) => ObjectRef::namespaced(self.kind, ns, &self.name),
            None => ObjectRef::cluster(self.kind, &self.name),
        }
    }

    /// The backing disk survives deleting this object: a PV with reclaim policy Retain,
    /// or a claim whose PV has it (the PV stays, Released).
    pub fn leaves_disk(&self) -> bool {
        self.reclaim_policy.as_deref() == Some("Retain")
    }
}

/// `orphans -o json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrphanReport {
    pub orphans: Vec<Orphan>,
    pub total_capacity_bytes: u64,
    pub total_monthly_cost: f64,
    pub price_per_gib_month: f64,
    /// `--price CLASS=PRICE` overrides.
    pub class_prices: BTreeMap<String, f64>,
    /// Costs are estimates from the prices above, not a bill.
    pub cost_is_estimate: bool,
    pub skipped: Vec<Skipped>,
    /// Orphan kinds that were not looked for because a source they need was not read.
    pub not_checked: Vec<String>,
    /// Orphan PVs not shown because their claim was in another namespace (or none).
    pub pvs_outside_scope: usize,
}

impl OrphanReport {
    pub fn is_empty(&self) -> bool {
        self.orphans.is_empty()
    }
}

pub fn find(snap: &Snapshot, now: Timestamp, prices: &Prices, kubectl: &Kubectl) -> OrphanReport {
    let idx = Index::new(snap);
    let m = find::matches(snap, &idx, now);
    let mut orphans: Vec<Orphan> = m
        .items
        .iter()
        .map(|x| orphan(x, now, prices, kubectl))
        .collect();
    orphans.sort_by(|a, b| {
        b.monthly_cost
            .total_cmp(&a.monthly_cost)
            .then(b.capacity_bytes.cmp(&a.capacity_bytes))
            .then(a.namespace.cmp(&b.namespace))
            .then(a.name.cmp(&b.name))
    });
    OrphanReport {
        total_capacity_bytes: orphans.iter().map(|o| o.capacity_bytes).sum(),
        total_monthly_cost: cost::round_cents(orphans.iter().map(|o| o.monthly_cost).sum()),
        orphans,
        price_per_gib_month: prices.per_gib_month,
        class_prices: prices.per_class.clone(),
        cost_is_estimate: true,
        skipped: snap.skipped.clone(),
        not_checked: m
            .not_checked
            .iter()
            .map(|(what, missing)| {
                let names: Vec<&str> = missing.iter().map(|s| s.resource()).collect();
                format!("{what} (needs {})", names.join(", "))
            })
            .collect(),
        pvs_outside_scope: m.pvs_outside_scope,
    }
}

fn storage_bytes(q: Option<&str>) -> Option<u64> {
    let v = k8s::quantity::parse(q?)?;
    (v >= 0.0).then(|| v.round() as u64)
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|c| !c.is_empty()).map(str::to_string)
}

/// Prices a match and gives it its commands.
pub fn orphan(m: &Match, now: Timestamp, prices: &Prices, kubectl: &Kubectl) -> Orphan {
    let pv = m.pv();
    let pv_class = pv.and_then(|p| p.spec.as_ref()?.storage_class_name.as_deref());
    let (backing_storage, handle) = pv.and_then(find::backing).unzip();
    let reclaim = pv.map(|p| find::reclaim_policy(p).to_string());
    let (kind, namespace, meta, class, capacity, billed) = match m.object {
        find::Object::Claim(c) => {
            let spec = c.spec.as_ref();
            let status = c.status.as_ref();
            let capacity = storage_bytes(c.storage_capacity())
                .or_else(|| storage_bytes(c.storage_request()))
                .unwrap_or(0);
            // A claim that never got a volume (Pending) is clutter, not cost.
            let billed = pv.is_some()
                || status.and_then(|s| s.phase.as_deref()) == Some("Bound")
                || spec
                    .and_then(|s| s.volume_name.as_deref())
                    .is_some_and(|v| !v.is_empty());
            let class = non_empty(spec.and_then(|s| s.storage_class_name.as_deref()))
                .or(non_empty(pv_class));
            (
                "PersistentVolumeClaim",
                Some(k8s::namespace(&c.metadata).to_string()),
                &c.metadata,
                class,
                capacity,
                billed,
            )
        }
        find::Object::Volume(p) => {
            let capacity = storage_bytes(
                p.spec
                    .as_ref()
                    .and_then(|s| s.capacity.as_ref()?.get("storage"))
                    .map(|q| q.0.as_str()),
            )
            .unwrap_or(0);
            (
                "PersistentVolume",
                None,
                &p.metadata,
                non_empty(pv_class),
                capacity,
                true,
            )
        }
    };
    let monthly_cost = if billed {
        prices.monthly(capacity, class.as_deref())
    } else {
        0.0
    };
    let mut evidence = m.evidence.clone();
    if !billed {
        evidence.push("Pending: no volume was provisioned for it, so nothing is billed".into());
    }
    let mut o = Orphan {
        runbook: m.reason.runbook(),
        reason: m.reason,
        kind,
        namespace,
        name: k8s::name(meta).to_string(),
        statefulset: m.statefulset.clone(),
        storage_class: class,
        capacity_bytes: capacity,
        age_seconds: meta
            .creation_timestamp
            .as_ref()
            .map(|t| k8s::time::secs_since(t.0, now).max(0)),
        monthly_cost,
        summary: String::new(),
        evidence,
        commands: Vec::new(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        volume: m.bound_pv.map(|p| k8s::name(&p.metadata).to_string()),
        reclaim_policy: reclaim,
        volume_handle: handle,
        backing_storage,
        billed,
    };
    o.summary = remedy::summary(&o);
    o.commands = remedy::commands(m, &o, kubectl);
    o
}

/// The `orphan-*` checks of `diagnose`: the same matches, as info findings priced at the
/// default estimate.
pub fn findings(ctx: &Ctx, reason: Reason, out: &mut Vec<Finding>) {
    let prices = Prices::default();
    for m in find::matches(ctx.snap, &ctx.idx, ctx.now)
        .items
        .iter()
        .filter(|m| m.reason == reason)
    {
        let o = orphan(m, ctx.now, &prices, ctx.kubectl);
        let mut f = ctx.finding(
            reason.runbook(),
            o.object(),
            o.statefulset.as_deref(),
            o.summary.clone(),
        );
        f.evidence = o.evidence.clone();
        f.evidence.push(format!(
            "estimated {} per month at {} (kubectl sts orphans --price-per-gib / --price CLASS=PRICE for your prices)",
            cost::money(o.monthly_cost),
            prices.describe()
        ));
        f.commands = o.commands;
        out.push(f);
    }
}
