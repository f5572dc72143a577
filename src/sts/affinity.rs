//! A volume pinned by node affinity to a node the pod cannot use (gone, or not matching):
//! and how an application rebuilds a replica that lost its copy.

use crate::analysis::Ctx;
use crate::finding::Remedy;
use crate::k8s;
use crate::k8s::node as kn;
use crate::model::PersistentVolume;
use crate::model::PersistentVolumeClaim;
use crate::model::Pod;
use crate::snapshot::Source;
use k8s_openapi::api::core::v1::{Node, NodeSelector};

/// What `pv-node-affinity-conflict` needs to read: without it, nothing here explains a pod.
pub(crate) const NEEDS: &[Source] = &[
    Source::Pods,
    Source::PersistentVolumeClaims,
    Source::PersistentVolumes,
    Source::Nodes,
];

/// One claim of the pod whose volume cannot be used anywhere the pod could run now.
pub(crate) struct Conflict<'a> {
    pub claim: String,
    pub pvc: &'a PersistentVolumeClaim,
    pub pv: &'a PersistentVolume,
    pub affinity: &'a NodeSelector,
    /// Nodes the affinity selects (none of them usable), with why.
    pub matching: Vec<(&'a Node, String)>,
    /// Node names the affinity pins to that have no Node object.
    pub missing_hosts: Vec<&'a str>,
    /// Zones the affinity pins to, each with its node count.
    pub zones: Vec<(&'a str, usize)>,
}

impl Conflict<'_> {
    /// Where the volume is pinned, in a few words: `on node node-2`, `in zone eu-west-1b`.
    pub fn place(&self) -> String {
        let hosts = kn::pinned_hosts(self.affinity);
        if !hosts.is_empty() {
            return format!(
                "on node{} {}",
                if hosts.len() > 1 { "s" } else { "" },
                hosts.join(", ")
            );
        }
        let zones = kn::pinned_zones(self.affinity);
        if !zones.is_empty() {
            return format!(
                "in zone{} {}",
                if zones.len() > 1 { "s" } else { "" },
                zones.join(", ")
            );
        }
        format!("on nodes matching {}", kn::describe_selector(self.affinity))
    }

    /// Why none of those places can take the pod, in a few words.
    pub fn why(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for h in &self.missing_hosts {
            parts.push(format!("{h} no longer exists"));
        }
        for (n, why) in &self.matching {
            parts.push(format!("{} is {why}", k8s::name(&n.metadata)));
        }
        for (z, count) in &self.zones {
            if *count == 0 {
                parts.push(format!("zone {z} has no nodes"));
            }
        }
        if parts.is_empty() {
            "no node matches".to_string()
        } else {
            parts.join("; ")
        }
    }
}

/// A pod waiting for a node: Pending, not bound to a node, not being deleted.
pub(crate) fn is_unscheduled(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && k8s::pod::node_name(pod).is_none()
        && matches!(k8s::pod::phase(pod), "Pending" | "Unknown")
}

/// The claims of `pod` whose bound volume no usable node may mount. Empty when the pod is
/// not waiting for a node, or when a source this judgement needs was not read.
pub(crate) fn conflicts<'a>(ctx: &Ctx<'a>, pod: &'a Pod) -> Vec<Conflict<'a>> {
    if !NEEDS.iter().all(|s| ctx.readable(*s)) || !is_unscheduled(pod) {
        return Vec::new();
    }
    let ns = k8s::namespace(&pod.metadata);
    let tolerations = kn::tolerations(pod.spec.as_ref());
    let mut out = Vec::new();
    for (_, claim) in k8s::pod::claims(pod) {
        let Some(pvc) = ctx.idx.pvc.get(&(ns, claim.as_ref())).copied() else {
            continue;
        };
        let Some(pv) = pvc
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.as_deref())
            .and_then(|v| ctx.idx.pv.get(v).copied())
        else {
            continue;
        };
        let Some(affinity) = pv
            .spec
            .as_ref()
            .and_then(|s| s.node_affinity.as_ref())
            .and_then(|a| a.required.as_ref())
        else {
            continue;
        };
        let matching = ctx.idx.nodes_matching(affinity);
        if matching.iter().any(|n| kn::usable_for(n, tolerations)) {
            continue;
        }
        let missing_hosts = kn::pinned_hosts(affinity)
            .into_iter()
            .filter(|h| !ctx.idx.node.contains_key(h) && !ctx.idx.node_by_hostname.contains_key(h))
            .collect();
        let zones = kn::pinned_zones(affinity)
            .into_iter()
            .map(|z| (z, ctx.idx.nodes_in_zone.get(z).map_or(0, Vec::len)))
            .collect();
        let matching = matching
            .into_iter()
            .map(|n| {
                let why = kn::why_unusable(n, tolerations).unwrap_or_default();
                (n, why)
            })
            .collect();
        out.push(Conflict {
            claim: claim.into_owned(),
            pvc,
            pv,
            affinity,
            matching,
            missing_hosts,
            zones,
        });
    }
    out
}

/// Whether a bound volume pinned where `pod` cannot run explains why it is not scheduled
/// (`pv-node-affinity-conflict` reports it, so `pod-unschedulable` and `pvc-pending` stay
/// quiet about it).
pub(crate) fn pv_conflicts_with_node(ctx: &Ctx, pod: &Pod) -> bool {
    !conflicts(ctx, pod).is_empty()
}

/// What kind of volume a PV is, for the evidence: `local volume /mnt/disks/a`, `CSI
/// volume vol-0abc (ebs.csi.aws.com)`.
pub(crate) fn volume_source(pv: &PersistentVolume) -> String {
    let Some(s) = pv.spec.as_ref() else {
        return "volume".to_string();
    };
    if let Some(l) = &s.local {
        format!("local volume {}", l.path)
    } else if let Some(h) = &s.host_path {
        format!("hostPath volume {}", h.path)
    } else if let Some(c) = &s.csi {
        format!("CSI volume {} ({})", c.volume_handle, c.driver)
    } else if let Some(a) = &s.aws_elastic_block_store {
        format!("EBS volume {}", a.volume_id)
    } else if let Some(g) = &s.gce_persistent_disk {
        format!("GCE disk {}", g.pd_name)
    } else if let Some(a) = &s.azure_disk {
        format!("Azure disk {}", a.disk_name)
    } else {
        "volume".to_string()
    }
}

/// The data lives on one node's own disk: when the node is gone, so is this copy.
pub(crate) fn is_node_local(pv: &PersistentVolume) -> bool {
    pv.spec
        .as_ref()
        .is_some_and(|s| s.local.is_some() || s.host_path.is_some())
}

/// The main container and image of a pod.
pub(crate) fn main_container(pod: &Pod) -> Option<(&str, &str)> {
    let c = pod.spec.as_ref()?.containers.first()?;
    Some((c.name.as_str(), c.image.as_deref().unwrap_or("")))
}

/// Whether an image reference is Cassandra (`cassandra:5`, `bitnami/cassandra@sha256:…`).
pub(crate) fn is_cassandra(image: &str) -> bool {
    let repo = image.split(['@']).next().unwrap_or("");
    // The last path segment without its tag.
    let last = repo.rsplit('/').next().unwrap_or("");
    let name = last.split(':').next().unwrap_or("");
    name == "cassandra" || name.ends_with("-cassandra")
}

/// Steps after a replica came back on an empty volume: the application must copy the data
/// back from its peers. Concrete only when the application is recognisable from its image.
pub(crate) fn app_repair_steps(ctx: &Ctx, pod: &Pod, label: &str) -> Vec<Remedy> {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let Some((container, image)) = main_container(pod) else {
        return Vec::new();
    };
    if !is_cassandra(image) {
        return Vec::new();
    }
    let peer = k8s::pod::statefulset_of(pod).and_then(|sts| {
        ctx.idx
            .pods_of(ns, sts)
            .iter()
            .find(|p| k8s::name(&p.metadata) != name && k8s::pod::is_ready(p))
            .map(|p| k8s::name(&p.metadata).to_string())
    });
    let mut v = Vec::new();
    if let Some(peer) = peer {
        v.push(Remedy::run(
            format!(
                "{label}: when {name} runs again, check the ring from {peer}: an empty node must take over the dead one's place (replace_address_first_boot), or the dead host ID be removed with `nodetool removenode`; no DN entry may remain"
            ),
            ctx.kubectl.argv(
                Some(ns),
                &["exec", &peer, "-c", container, "--", "nodetool", "status"],
            ),
        ));
    }
    v.push(Remedy::run(
        format!("{label}: then stream {name}'s data back from its replicas (Cassandra repair)"),
        ctx.kubectl.argv(
            Some(ns),
            &[
                "exec", name, "-c", container, "--", "nodetool", "repair", "--full",
            ],
        ),
    ));
    v
}
