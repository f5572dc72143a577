//! Lookups built once per analysis so every check joins in constant time: by
//! namespace/name, by owner, by node, by involved object. Nothing here is quadratic.

use crate::k8s;
use crate::model::ControllerRevision;
use crate::model::EndpointSlice;
use crate::model::Event;
use crate::model::Labels;
use crate::model::PersistentVolume;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::model::Service;
use crate::model::StatefulSet;
use crate::model::VolumeAttachment;
use crate::snapshot::Snapshot;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::storage::v1::StorageClass;
use std::borrow::Cow;
// FxHash: the keys are names from one snapshot, not attacker-chosen at scale; SipHash
// made the index the larger part of the analysis time.
type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;

type NsName<'a> = (&'a str, &'a str);

/// A live StatefulSet and the name of one of its volumeClaimTemplates.
pub type ClaimOwner<'a> = (&'a StatefulSet, &'a str);

/// One claim a current member of a StatefulSet uses, `<template>-<sts>-<ordinal>`, and what
/// exists of it.
pub struct MemberClaim<'a> {
    pub template: &'a str,
    pub ordinal: i64,
    pub name: String,
    pub pvc: Option<&'a PersistentVolumeClaim>,
    pub pv: Option<&'a PersistentVolume>,
}

/// Members beyond this are not enumerated (a hostile `replicas` must not allocate forever).
/// Code that walks a StatefulSet's ordinals bounds the walk by it.
pub const MAX_MEMBERS: i64 = 100_000;

#[derive(Default)]
pub struct Index<'a> {
    /// Every StatefulSet's member claims, built once: several checks need them and building
    /// the names is the costly part.
    member_claims: HashMap<NsName<'a>, Vec<MemberClaim<'a>>>,
    pub statefulset: HashMap<NsName<'a>, &'a StatefulSet>,
    /// Pods whose controller is the StatefulSet, keyed by its namespace/name.
    pub pods_of: HashMap<NsName<'a>, Vec<&'a Pod>>,
    pub pod: HashMap<NsName<'a>, &'a Pod>,
    pub pods_on_node: HashMap<&'a str, Vec<&'a Pod>>,
    pub pvc: HashMap<NsName<'a>, &'a PersistentVolumeClaim>,
    pub pv: HashMap<&'a str, &'a PersistentVolume>,
    pub node: HashMap<&'a str, &'a Node>,
    pub service: HashMap<NsName<'a>, &'a Service>,
    pub slices_of: HashMap<NsName<'a>, Vec<&'a EndpointSlice>>,
    pub pdbs_in: HashMap<&'a str, Vec<&'a PodDisruptionBudget>>,
    /// PDBs with matchLabels, under their first (namespace, key, value): a pod can only be
    /// selected by PDBs found under one of its own labels.
    pdb_by_label: HashMap<(&'a str, &'a str, &'a str), Vec<&'a PodDisruptionBudget>>,
    /// PDBs without matchLabels (empty or expression-only selectors), checked one by one.
    pdb_unindexed: HashMap<&'a str, Vec<&'a PodDisruptionBudget>>,
    /// Events by (kind, namespace, name) of the involved object, newest first.
    pub events_of: HashMap<(&'a str, &'a str, &'a str), Vec<&'a Event>>,
    pub storage_class: HashMap<&'a str, &'a StorageClass>,
    pub default_storage_class: Option<&'a StorageClass>,
    pub attachments_of_pv: HashMap<&'a str, Vec<&'a VolumeAttachment>>,
    /// Whether any VolumeAttachment reports an attach error (lets per-pod checks skip).
    pub any_attach_error: bool,
    /// ControllerRevisions by namespace/name (a StatefulSet's revisions are named in its status).
    pub controller_revision: HashMap<NsName<'a>, &'a ControllerRevision>,
    /// StatefulSets by namespace, in snapshot order.
    pub statefulsets_in: HashMap<&'a str, Vec<&'a StatefulSet>>,
    /// Deployments by namespace, in snapshot order.
    pub deployments_in: HashMap<&'a str, Vec<&'a Deployment>>,
    /// Pods that mount a claim (`persistentVolumeClaim` and generic ephemeral volumes), by
    /// namespace, then claim name.
    pub pods_of_claim: HashMap<&'a str, HashMap<Cow<'a, str>, Vec<&'a Pod>>>,
    /// PersistentVolumes by the namespace/name in their `claimRef`.
    pub pvs_claimed_by: HashMap<NsName<'a>, Vec<&'a PersistentVolume>>,
    /// Nodes by their zone label.
    pub nodes_in_zone: HashMap<&'a str, Vec<&'a Node>>,
    /// Nodes by their `kubernetes.io/hostname` label (not always the node name).
    pub node_by_hostname: HashMap<&'a str, &'a Node>,
    /// PersistentVolumes in phase Available, by storage class (`""` for none): what a
    /// claim may still bind to.
    pub available_pvs_of_class: HashMap<&'a str, Vec<&'a PersistentVolume>>,
    /// Live StatefulSets' claim-name prefixes `<template>-<statefulset>` by namespace and
    /// prefix, with the StatefulSet and template name: a claim `<prefix>-<ordinal>` is one of
    /// theirs. More than one entry when names overlap (`data` + `web-db`, `data-web` + `db`).
    pub claim_prefixes: HashMap<&'a str, HashMap<String, Vec<ClaimOwner<'a>>>>,
}

/// An empty list with room for one: most claims have one pod and one volume, most
/// volumes one attachment, most Services one slice. A list's first push otherwise
/// reserves four, three of them never used (0.7 MB of the indexes at 10k pods).
fn one<T>() -> Vec<T> {
    Vec::with_capacity(1)
}

impl<'a> Index<'a> {
    /// Builds every index. The event, claim and node indexes are independent of the
    /// others and are built on a second thread: on a 10k-pod snapshot they are half the
    /// work.
    pub fn new(s: &'a Snapshot) -> Self {
        let (mut ix, side) = std::thread::scope(|scope| {
            let side = scope.spawn(|| {
                let mut b = Index::default();
                b.index_events(s);
                b.index_volumes_and_nodes(s);
                b.index_claim_templates(s);
                b
            });
            let a = Index::index_objects(s);
            // A panic while indexing is a bug; re-raise it here.
            (
                a,
                side.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            )
        });
        ix.events_of = side.events_of;
        ix.pods_of_claim = side.pods_of_claim;
        ix.pvs_claimed_by = side.pvs_claimed_by;
        ix.available_pvs_of_class = side.available_pvs_of_class;
        ix.nodes_in_zone = side.nodes_in_zone;
        ix.node_by_hostname = side.node_by_hostname;
        ix.claim_prefixes = side.claim_prefixes;
        ix
    }

    fn index_events(&mut self, s: &'a Snapshot) {
        let ix = self;
        // The keys are the objects events are about: mostly pods, with a few events each,
        // so the pod count is a close guess (room for every event made the table twice the
        // size it needs at 10k pods, 2.4 MB instead of 1.2); more keys grow it once.
        ix.events_of.reserve(s.events.len().min(s.pods.len()));
        for ev in &s.events {
            let o = &ev.involved_object;
            let key = (
                o.kind.as_deref().unwrap_or(""),
                o.namespace
                    .as_deref()
                    .or(ev.metadata.namespace.as_deref())
                    .unwrap_or(""),
                o.name.as_deref().unwrap_or(""),
            );
            ix.events_of.entry(key).or_default().push(ev);
        }
        for evs in ix.events_of.values_mut() {
            evs.sort_by_key(|e| std::cmp::Reverse(event_time(e)));
        }
    }

    /// An empty index with room for `s`'s objects in the maps [`Index::index_objects`] fills.
    fn sized_for(s: &Snapshot) -> Self {
        let mut ix = Index::default();
        // Growing a map rehashes every key it holds, at each doubling.
        ix.statefulset.reserve(s.statefulsets.len());
        ix.member_claims.reserve(s.statefulsets.len());
        ix.pods_of.reserve(s.statefulsets.len());
        ix.controller_revision.reserve(s.controller_revisions.len());
        ix.pod.reserve(s.pods.len());
        ix.pods_on_node.reserve(s.nodes.len());
        ix.pvc.reserve(s.pvcs.len());
        ix.pv.reserve(s.pvs.len());
        ix.node.reserve(s.nodes.len());
        ix.service.reserve(s.services.len());
        ix.slices_of.reserve(s.services.len());
        ix.attachments_of_pv.reserve(s.volume_attachments.len());
        ix
    }

    fn index_objects(s: &'a Snapshot) -> Self {
        let mut ix = Index::sized_for(s);
        for sts in &s.statefulsets {
            ix.statefulset.insert(
                (k8s::namespace(&sts.metadata), k8s::name(&sts.metadata)),
                sts,
            );
            ix.statefulsets_in
                .entry(k8s::namespace(&sts.metadata))
                .or_default()
                .push(sts);
        }
        for rev in &s.controller_revisions {
            ix.controller_revision.insert(
                (k8s::namespace(&rev.metadata), k8s::name(&rev.metadata)),
                rev,
            );
        }
        for d in &s.deployments {
            ix.deployments_in
                .entry(k8s::namespace(&d.metadata))
                .or_default()
                .push(d);
        }
        for pod in &s.pods {
            let ns = k8s::namespace(&pod.metadata);
            ix.pod.insert((ns, k8s::name(&pod.metadata)), pod);
            if let Some(owner) = k8s::controller_of(&pod.metadata)
                && owner.kind == "StatefulSet"
            {
                ix.pods_of
                    .entry((ns, owner.name.as_str()))
                    .or_default()
                    .push(pod);
            }
            if let Some(node) = k8s::pod::node_name(pod) {
                ix.pods_on_node.entry(node).or_default().push(pod);
            }
        }
        for pods in ix.pods_of.values_mut() {
            pods.sort_by(|a, b| k8s::name(&a.metadata).cmp(k8s::name(&b.metadata)));
        }
        for pvc in &s.pvcs {
            ix.pvc.insert(
                (k8s::namespace(&pvc.metadata), k8s::name(&pvc.metadata)),
                pvc,
            );
        }
        for pv in &s.pvs {
            ix.pv.insert(k8s::name(&pv.metadata), pv);
        }
        for node in &s.nodes {
            ix.node.insert(k8s::name(&node.metadata), node);
        }
        for svc in &s.services {
            ix.service.insert(
                (k8s::namespace(&svc.metadata), k8s::name(&svc.metadata)),
                svc,
            );
        }
        for slice in &s.endpoint_slices {
            if let Some(svc) = slice
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("kubernetes.io/service-name"))
            {
                ix.slices_of
                    .entry((k8s::namespace(&slice.metadata), svc.as_str()))
                    .or_insert_with(one)
                    .push(slice);
            }
        }
        for pdb in &s.pdbs {
            let ns = k8s::namespace(&pdb.metadata);
            ix.pdbs_in.entry(ns).or_default().push(pdb);
            let first = pdb
                .spec
                .as_ref()
                .and_then(|sp| sp.selector.as_ref())
                .and_then(|sel| sel.match_labels.as_ref())
                .and_then(|ml| ml.iter().next());
            match first {
                Some((k, v)) => ix
                    .pdb_by_label
                    .entry((ns, k.as_str(), v.as_str()))
                    .or_default()
                    .push(pdb),
                None => ix.pdb_unindexed.entry(ns).or_default().push(pdb),
            }
        }
        for sc in &s.storage_classes {
            ix.storage_class.insert(k8s::name(&sc.metadata), sc);
            let default = sc.metadata.annotations.as_ref().is_some_and(|a| {
                a.get("storageclass.kubernetes.io/is-default-class")
                    .map(String::as_str)
                    == Some("true")
            });
            if default {
                ix.default_storage_class = Some(sc);
            }
        }
        for va in &s.volume_attachments {
            ix.any_attach_error |= va.status.as_ref().is_some_and(|s| s.attach_error.is_some());
            if let Some(pv) = va.spec.source.persistent_volume_name.as_deref() {
                ix.attachments_of_pv.entry(pv).or_insert_with(one).push(va);
            }
        }
        for sts in &s.statefulsets {
            let claims = ix.build_member_claims(sts);
            ix.member_claims.insert(
                (k8s::namespace(&sts.metadata), k8s::name(&sts.metadata)),
                claims,
            );
        }
        ix
    }

    /// Claims to their pods and volumes, nodes by zone and hostname.
    fn index_volumes_and_nodes(&mut self, s: &'a Snapshot) {
        self.pvs_claimed_by.reserve(s.pvs.len());
        for pod in &s.pods {
            let ns = k8s::namespace(&pod.metadata);
            for (_, claim) in k8s::pod::claims(pod) {
                self.pods_of_claim
                    .entry(ns)
                    .or_default()
                    .entry(claim)
                    .or_insert_with(one)
                    .push(pod);
            }
        }
        for pv in &s.pvs {
            if let Some(c) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref())
                && let (Some(ns), Some(name)) = (c.namespace.as_deref(), c.name.as_deref())
            {
                self.pvs_claimed_by
                    .entry((ns, name))
                    .or_insert_with(one)
                    .push(pv);
            }
            if pv.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Available") {
                let class = pv
                    .spec
                    .as_ref()
                    .and_then(|s| s.storage_class_name.as_deref())
                    .unwrap_or("");
                self.available_pvs_of_class
                    .entry(class)
                    .or_default()
                    .push(pv);
            }
        }
        for node in &s.nodes {
            if let Some(z) = k8s::node::zone(node) {
                self.nodes_in_zone.entry(z).or_default().push(node);
            }
            if let Some(h) = k8s::node::label(node, k8s::node::HOSTNAME_LABEL) {
                self.node_by_hostname.insert(h, node);
            }
        }
    }

    /// Claim-name prefixes of every StatefulSet's volumeClaimTemplates.
    fn index_claim_templates(&mut self, s: &'a Snapshot) {
        for sts in &s.statefulsets {
            let ns = k8s::namespace(&sts.metadata);
            let name = k8s::name(&sts.metadata);
            let templates = sts
                .spec
                .as_ref()
                .and_then(|sp| sp.volume_claim_templates.as_deref())
                .unwrap_or_default();
            for t in templates {
                let tpl = k8s::name(&t.metadata);
                self.claim_prefixes
                    .entry(ns)
                    .or_default()
                    .entry(format!("{tpl}-{name}"))
                    .or_default()
                    .push((sts, tpl));
            }
        }
    }

    /// The live StatefulSets (with the template) whose claims are named `<prefix>-<ordinal>`.
    pub fn claim_prefix_owners(&self, ns: &str, prefix: &str) -> &[ClaimOwner<'a>] {
        self.claim_prefixes
            .get(ns)
            .and_then(|m| m.get(prefix))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn pods_of<'s>(&'s self, ns: &'s str, sts: &'s str) -> &'s [&'a Pod] {
        self.pods_of
            .get(&(ns, sts))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The claims of the current members (`[start, start+replicas)`) of `sts`, per template,
    /// with the PVC and its bound PV when they exist.
    pub fn member_claims<'s>(&'s self, sts: &'s StatefulSet) -> &'s [MemberClaim<'a>] {
        self.member_claims
            .get(&(k8s::namespace(&sts.metadata), k8s::name(&sts.metadata)))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn build_member_claims(&self, sts: &'a StatefulSet) -> Vec<MemberClaim<'a>> {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let start = k8s::ordinal_start(sts);
        let n = i64::from(k8s::replicas(sts)).min(MAX_MEMBERS);
        let templates = sts
            .spec
            .as_ref()
            .and_then(|s| s.volume_claim_templates.as_deref())
            .unwrap_or_default();
        let mut out = Vec::new();
        for tpl in templates
            .iter()
            .map(|t| k8s::name(&t.metadata))
            .filter(|n| !n.is_empty())
        {
            for ordinal in start..start + n {
                let claim = format!("{tpl}-{name}-{ordinal}");
                let pvc = self.pvc.get(&(ns, claim.as_str())).copied();
                let pv = pvc
                    .and_then(|p| p.spec.as_ref())
                    .and_then(|s| s.volume_name.as_deref())
                    .and_then(|v| self.pv.get(v).copied());
                out.push(MemberClaim {
                    template: tpl,
                    ordinal,
                    name: claim,
                    pvc,
                    pv,
                });
            }
        }
        out
    }

    /// The PodDisruptionBudgets (policy/v1 semantics) in `ns` that select pods with `labels`,
    /// without scanning every budget of the namespace.
    pub fn pdbs_selecting<'l>(
        &self,
        ns: &str,
        labels: impl Into<Labels<'l>>,
    ) -> Vec<&'a PodDisruptionBudget> {
        let labels = labels.into();
        let mut out: Vec<&'a PodDisruptionBudget> = Vec::new();
        let selects = |p: &PodDisruptionBudget| {
            p.spec
                .as_ref()
                .and_then(|s| s.selector.as_ref())
                .is_some_and(|sel| k8s::labels::matches(sel, labels))
        };
        for (k, v) in labels.iter() {
            if let Some(c) = self.pdb_by_label.get(&(ns, k, v)) {
                out.extend(c.iter().copied().filter(|p| selects(p)));
            }
        }
        if let Some(c) = self.pdb_unindexed.get(ns) {
            out.extend(c.iter().copied().filter(|p| selects(p)));
        }
        out.sort_by_key(|p| k8s::name(&p.metadata));
        out
    }

    pub fn statefulsets_in<'s>(&'s self, ns: &'s str) -> &'s [&'a StatefulSet] {
        self.statefulsets_in
            .get(ns)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn deployments_in<'s>(&'s self, ns: &'s str) -> &'s [&'a Deployment] {
        self.deployments_in
            .get(ns)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn pdbs_in<'s>(&'s self, ns: &'s str) -> &'s [&'a PodDisruptionBudget] {
        self.pdbs_in.get(ns).map(Vec::as_slice).unwrap_or_default()
    }

    /// Pods that mount claim `ns/name`.
    pub fn pods_of_claim(&self, ns: &str, name: &str) -> &[&'a Pod] {
        self.pods_of_claim
            .get(ns)
            .and_then(|m| m.get(name))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The Nodes a node selector selects. A term that names nodes (`kubernetes.io/hostname
    /// In`, `metadata.name In`) or zones (`topology.kubernetes.io/zone In`) is looked up
    /// directly; only a term with neither scans every node.
    pub fn nodes_matching(&self, sel: &k8s_openapi::api::core::v1::NodeSelector) -> Vec<&'a Node> {
        use k8s::node::{HOSTNAME_LABEL, LEGACY_ZONE_LABEL, ZONE_LABEL};
        let mut out: Vec<&'a Node> = Vec::new();
        let mut seen: std::collections::HashSet<&'a str> = std::collections::HashSet::new();
        for term in &sel.node_selector_terms {
            let reqs = term
                .match_expressions
                .iter()
                .flatten()
                .map(|r| (r, false))
                .chain(term.match_fields.iter().flatten().map(|r| (r, true)));
            let mut candidates: Option<Vec<&'a Node>> = None;
            for (r, field) in reqs {
                if r.operator != "In" {
                    continue;
                }
                let values = r.values.iter().flatten();
                let found: Vec<&'a Node> = if field && r.key == "metadata.name" {
                    values
                        .filter_map(|v| self.node.get(v.as_str()).copied())
                        .collect()
                } else if !field && r.key == HOSTNAME_LABEL {
                    values
                        .filter_map(|v| self.node_by_hostname.get(v.as_str()).copied())
                        .collect()
                } else if !field && (r.key == ZONE_LABEL || r.key == LEGACY_ZONE_LABEL) {
                    values
                        .flat_map(|v| self.nodes_in_zone.get(v.as_str()).into_iter().flatten())
                        .copied()
                        .collect()
                } else {
                    continue;
                };
                candidates = Some(found);
                break;
            }
            let pool: Vec<&'a Node> =
                candidates.unwrap_or_else(|| self.node.values().copied().collect());
            for n in pool {
                if k8s::node::term_matches(term, n) && seen.insert(k8s::name(&n.metadata)) {
                    out.push(n);
                }
            }
        }
        out.sort_by(|a, b| k8s::name(&a.metadata).cmp(k8s::name(&b.metadata)));
        out
    }

    pub fn events<'s>(&'s self, kind: &'s str, ns: &'s str, name: &'s str) -> &'s [&'a Event] {
        self.events_of
            .get(&(kind, ns, name))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

pub use crate::k8s::time::event_time;
