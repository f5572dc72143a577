//! What does not change while nodes are drained, computed once per run: the pods on the nodes
//! to drain, where each could run instead, which budgets select it, and the budgets' numbers.
//! Steps then only move pods between a few states (`step.rs`), so judging many orders
//! (`plan.rs`) stays cheap.

use crate::analysis::index::Index;
use crate::k8s;
use crate::kubectl::Kubectl;
use crate::model::PersistentVolume;
use crate::model::Pod;
use crate::model::StatefulSet;
use crate::snapshot::Snapshot;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use rustc_hash::FxHashMap as HashMap;

/// How `kubectl drain` treats a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handling {
    Evict,
    /// Controlled by a DaemonSet: skipped with `--ignore-daemonsets`.
    DaemonSet,
    /// A static pod's mirror: the kubelet owns it, drain skips it.
    Mirror,
}

/// A claim the pod mounts and the volume bound to it.
pub(crate) struct Volume<'a> {
    pub claim: &'a str,
    pub pv: Option<&'a PersistentVolume>,
}

pub(crate) struct PodFact<'a> {
    pub pod: &'a Pod,
    pub ns: &'a str,
    pub name: &'a str,
    /// Index of its node in [`World::nodes`].
    pub node: usize,
    pub handling: Handling,
    /// `Kind/name` of the controller.
    pub controller: Option<String>,
    pub sts: Option<&'a str>,
    /// Index into [`World::sets`] when the pod belongs to a StatefulSet of the snapshot.
    pub set: Option<usize>,
    /// Ready and not terminating: healthy as the disruption controller counts it.
    pub ready: bool,
    /// Pending, Succeeded, Failed or terminating: the eviction API ignores budgets.
    pub ignores_budget: bool,
    /// Succeeded or Failed.
    pub finished: bool,
    pub emptydir: Vec<&'a str>,
    /// Indexes into [`World::budgets`].
    pub budgets: Vec<usize>,
    /// Some Ready, schedulable node that is not drained in this run fits it.
    pub fits_outside: bool,
    /// Per node to drain: whether that node fits it.
    pub fits_plan: Vec<bool>,
    pub volumes: Vec<Volume<'a>>,
}

impl PodFact<'_> {
    pub fn bare(&self) -> bool {
        self.controller.is_none()
    }
}

/// A PodDisruptionBudget selecting at least one pod to evict.
pub(crate) struct BudgetFact<'a> {
    pub pdb: &'a PodDisruptionBudget,
    pub ns: &'a str,
    pub name: &'a str,
    pub desired: i32,
    /// Healthy pods when the snapshot was taken.
    pub current: i32,
    pub allowed: i32,
    /// The most disruptions the budget can allow: every expected pod healthy.
    pub max_allowed: i32,
    /// Neither minAvailable nor maxUnavailable: the controller allows no eviction however
    /// many pods come back healthy (`k8s::pdb::Budget::allowed_with`).
    pub allows_none: bool,
    /// The numbers come from `status`; else they were computed from the spec.
    pub from_status: bool,
    pub always_allow_unhealthy: bool,
    /// `status.observedGeneration < metadata.generation`: the eviction API refuses until the
    /// disruption controller catches up.
    pub generation_lag: bool,
}

/// A StatefulSet with a pod on a node to drain.
pub(crate) struct SetFact<'a> {
    pub sts: &'a StatefulSet,
    pub ns: &'a str,
    pub name: &'a str,
    pub replicas: i32,
    /// Ready pods of the set that are not on a node to drain.
    pub ready_elsewhere: i32,
    /// Its pods (indexes into [`World::pods`]) on nodes to drain.
    pub members: Vec<usize>,
    /// Its pods outside the nodes to drain that are not Ready, with their main problem.
    pub not_ready_elsewhere: Vec<(&'a str, String)>,
}

pub(crate) struct World<'a> {
    pub snap: &'a Snapshot,
    pub idx: Index<'a>,
    pub kubectl: &'a Kubectl,
    pub now: Timestamp,
    /// The nodes to drain, in the order given.
    pub nodes: Vec<&'a Node>,
    pub pods: Vec<PodFact<'a>>,
    /// Pod indexes per node to drain, sorted by namespace and name.
    pub on_node: Vec<Vec<usize>>,
    pub budgets: Vec<BudgetFact<'a>>,
    pub sets: Vec<SetFact<'a>>,
}

impl<'a> World<'a> {
    /// `nodes` must name nodes of the snapshot; names that do not are ignored (the command
    /// refuses them before this).
    pub fn new(snap: &'a Snapshot, nodes: &[String], now: Timestamp, kubectl: &'a Kubectl) -> Self {
        let idx = Index::new(snap);
        let mut seen = std::collections::HashSet::new();
        let plan: Vec<&'a Node> = nodes
            .iter()
            .filter(|n| seen.insert(n.as_str()))
            .filter_map(|n| idx.node.get(n.as_str()).copied())
            .collect();
        let mut w = World {
            snap,
            idx,
            kubectl,
            now,
            on_node: vec![Vec::new(); plan.len()],
            nodes: plan,
            pods: Vec::new(),
            budgets: Vec::new(),
            sets: Vec::new(),
        };
        w.collect_pods();
        w.collect_budgets();
        w.collect_sets();
        w
    }

    pub fn node_name(&self, i: usize) -> &'a str {
        k8s::name(&self.nodes[i].metadata)
    }

    pub fn plan_index(&self, name: &str) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| k8s::name(&n.metadata) == name)
    }

    fn collect_pods(&mut self) {
        for (ni, node) in self.nodes.clone().into_iter().enumerate() {
            let on: Vec<&'a Pod> = self
                .idx
                .pods_on_node
                .get(k8s::name(&node.metadata))
                .cloned()
                .unwrap_or_default();
            for pod in on {
                let fact = self.pod_fact(pod, ni);
                self.pods.push(fact);
                let i = self.pods.len() - 1;
                self.on_node[ni].push(i);
            }
        }
        for list in &mut self.on_node {
            list.sort_by(|a, b| {
                let (pa, pb) = (&self.pods[*a], &self.pods[*b]);
                (pa.ns, pa.name).cmp(&(pb.ns, pb.name))
            });
        }
    }

    fn pod_fact(&self, pod: &'a Pod, node: usize) -> PodFact<'a> {
        let meta = &pod.metadata;
        let owner = k8s::controller_of(meta);
        let mirror = meta
            .annotations
            .as_ref()
            .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"));
        let handling = if mirror {
            Handling::Mirror
        } else if owner.is_some_and(|o| o.kind == "DaemonSet") {
            Handling::DaemonSet
        } else {
            Handling::Evict
        };
        let terminating = meta.deletion_timestamp.is_some();
        let phase = k8s::pod::phase(pod);
        let finished = k8s::pod::is_terminal(pod);
        let spec = pod.spec.as_ref();
        let emptydir = spec
            .and_then(|s| s.volumes.as_deref())
            .unwrap_or_default()
            .iter()
            .filter(|v| v.empty_dir.is_some())
            .map(|v| v.name.as_str())
            .collect();
        let volumes: Vec<Volume<'a>> = spec
            .and_then(|s| s.volumes.as_deref())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.persistent_volume_claim.as_ref())
            .map(|c| {
                let claim = c.claim_name.as_str();
                let pv = self
                    .idx
                    .pvc
                    .get(&(k8s::namespace(meta), claim))
                    .and_then(|pvc| pvc.spec.as_ref()?.volume_name.as_deref())
                    .and_then(|pv| self.idx.pv.get(pv).copied());
                Volume { claim, pv }
            })
            .collect();
        let budgets: Vec<usize> = Vec::new();
        let sts = k8s::pod::statefulset_of(pod);
        let mut fact = PodFact {
            pod,
            ns: k8s::namespace(meta),
            name: k8s::name(meta),
            node,
            handling,
            controller: owner.map(|o| format!("{}/{}", o.kind, o.name)),
            sts,
            set: None,
            ready: k8s::pod::is_ready(pod) && !terminating,
            ignores_budget: terminating || matches!(phase, "Pending" | "Succeeded" | "Failed"),
            finished,
            emptydir,
            budgets,
            fits_outside: false,
            fits_plan: vec![false; self.nodes.len()],
            volumes,
        };
        if handling == Handling::Evict && owner.is_some() && !finished {
            self.place(&mut fact);
        }
        fact
    }

    /// Where else the pod could run: every node that fits it, split into nodes to drain and
    /// the rest (for the rest one is enough).
    fn place(&self, fact: &mut PodFact<'a>) {
        let plan_names: std::collections::HashSet<&str> =
            self.nodes.iter().map(|n| k8s::name(&n.metadata)).collect();
        for (i, n) in self.nodes.iter().enumerate() {
            fact.fits_plan[i] = i != fact.node && self.fits(fact, n);
        }
        fact.fits_outside = self
            .snap
            .nodes
            .iter()
            .filter(|n| !plan_names.contains(k8s::name(&n.metadata)))
            .any(|n| self.fits(fact, n));
    }

    /// Ready, schedulable for the pod, allowed by its placement rules and by the node
    /// affinity of every volume it mounts.
    pub fn fits(&self, fact: &PodFact, node: &Node) -> bool {
        // The same tests as `why_not`, without building the explanation: this runs for
        // every pod to evict against every node until one fits.
        let spec = fact.pod.spec.as_ref();
        k8s::node::usable_for(node, k8s::node::tolerations(spec))
            && k8s::node::pod_placement_allows(spec, node)
            && fact.volumes.iter().all(|v| {
                v.pv.and_then(|pv| pv.spec.as_ref()?.node_affinity.as_ref()?.required.as_ref())
                    .is_none_or(|sel| k8s::node::selector_matches(sel, node))
            })
    }

    /// Why `node` cannot run the pod, in a few words; `None` when it can.
    pub fn why_not(&self, fact: &PodFact, node: &Node) -> Option<String> {
        let spec = fact.pod.spec.as_ref();
        if let Some(why) = k8s::node::why_unusable(node, k8s::node::tolerations(spec)) {
            return Some(why);
        }
        if !k8s::node::pod_placement_allows(spec, node) {
            return Some("not allowed by the pod's nodeSelector or required node affinity".into());
        }
        for v in &fact.volumes {
            if let Some(sel) =
                v.pv.and_then(|pv| pv.spec.as_ref()?.node_affinity.as_ref()?.required.as_ref())
                && !k8s::node::selector_matches(sel, node)
            {
                return Some(format!(
                    "outside the node affinity of volume {} ({})",
                    v.pv.map(|p| k8s::name(&p.metadata)).unwrap_or_default(),
                    k8s::node::describe_selector(sel)
                ));
            }
        }
        None
    }

    fn collect_budgets(&mut self) {
        let mut by_name: HashMap<(&'a str, &'a str), usize> = HashMap::default();
        for i in 0..self.pods.len() {
            if self.pods[i].handling != Handling::Evict {
                continue;
            }
            let (ns, labels) = (self.pods[i].ns, self.pods[i].pod.metadata.labels.as_ref());
            let mut mine = Vec::new();
            for pdb in self.idx.pdbs_selecting(ns, labels) {
                let key = (k8s::namespace(&pdb.metadata), k8s::name(&pdb.metadata));
                let bi = match by_name.get(&key) {
                    Some(b) => *b,
                    None => {
                        self.budgets.push(self.budget_fact(pdb));
                        by_name.insert(key, self.budgets.len() - 1);
                        self.budgets.len() - 1
                    }
                };
                mine.push(bi);
            }
            self.pods[i].budgets = mine;
        }
    }

    fn budget_fact(&self, pdb: &'a PodDisruptionBudget) -> BudgetFact<'a> {
        let ns = k8s::namespace(&pdb.metadata);
        let cov = k8s::pdb::coverage(
            pdb,
            self.idx.statefulsets_in(ns),
            self.idx.deployments_in(ns),
        );
        let status = pdb.status.as_ref();
        let always_allow = pdb
            .spec
            .as_ref()
            .and_then(|s| s.unhealthy_pod_eviction_policy.as_deref())
            == Some("AlwaysAllow");
        let allows_none =
            k8s::pdb::evaluate(pdb, cov.expected).is_ok_and(|b| b.rule == k8s::pdb::Rule::Unset);
        let generation_lag = match (pdb.metadata.generation, status) {
            (Some(g), Some(s)) => s.observed_generation.is_some_and(|o| o < g),
            _ => false,
        };
        // A status the disruption controller wrote has `expectedPods`; a hand-written
        // snapshot may carry none, and then the numbers are computed from the spec.
        match status.filter(|s| s.expected_pods > 0 || s.desired_healthy > 0) {
            Some(s) => BudgetFact {
                pdb,
                ns,
                name: k8s::name(&pdb.metadata),
                desired: s.desired_healthy,
                current: s.current_healthy,
                allowed: s.disruptions_allowed,
                max_allowed: (s.expected_pods.max(cov.expected) - s.desired_healthy).max(0),
                from_status: true,
                allows_none,
                always_allow_unhealthy: always_allow,
                generation_lag,
            },
            None => {
                let healthy = self
                    .snap
                    .pods
                    .iter()
                    .filter(|p| {
                        k8s::namespace(&p.metadata) == ns
                            && p.metadata.deletion_timestamp.is_none()
                            && k8s::pod::is_ready(p)
                            && k8s::pdb::selects(pdb, p.metadata.labels.as_ref())
                    })
                    .count() as i32;
                // One rule for every caller (k8s::pdb): a budget with neither field set
                // allows nothing; an invalid one is treated as wanting every pod healthy.
                let (desired, allowed, max_allowed) = match k8s::pdb::evaluate(pdb, cov.expected) {
                    Ok(b) => (b.desired_healthy, b.allowed_with(healthy), b.allowed),
                    Err(_) => (cov.expected, (healthy - cov.expected).max(0), 0),
                };
                BudgetFact {
                    pdb,
                    ns,
                    name: k8s::name(&pdb.metadata),
                    desired,
                    current: healthy,
                    allowed,
                    max_allowed,
                    from_status: false,
                    allows_none,
                    always_allow_unhealthy: always_allow,
                    generation_lag: false,
                }
            }
        }
    }

    fn collect_sets(&mut self) {
        let mut by_name: HashMap<(&'a str, &'a str), usize> = HashMap::default();
        for i in 0..self.pods.len() {
            let (ns, Some(name)) = (self.pods[i].ns, self.pods[i].sts) else {
                continue;
            };
            if self.pods[i].handling != Handling::Evict {
                continue;
            }
            let si = match by_name.get(&(ns, name)) {
                Some(s) => *s,
                None => {
                    let Some(sts) = self.idx.statefulset.get(&(ns, name)).copied() else {
                        continue;
                    };
                    self.sets.push(SetFact {
                        sts,
                        ns,
                        name,
                        replicas: k8s::replicas(sts),
                        ready_elsewhere: 0,
                        members: Vec::new(),
                        not_ready_elsewhere: Vec::new(),
                    });
                    by_name.insert((ns, name), self.sets.len() - 1);
                    self.sets.len() - 1
                }
            };
            self.sets[si].members.push(i);
            self.pods[i].set = Some(si);
        }
        let plan: std::collections::HashSet<&str> =
            self.nodes.iter().map(|n| k8s::name(&n.metadata)).collect();
        for set in &mut self.sets {
            for p in self.idx.pods_of(set.ns, set.name) {
                if k8s::pod::node_name(p).is_some_and(|n| plan.contains(n)) {
                    continue;
                }
                if k8s::pod::is_ready(p) && p.metadata.deletion_timestamp.is_none() {
                    set.ready_elsewhere += 1;
                } else {
                    let node = k8s::pod::node_name(p).and_then(|n| self.idx.node.get(n).copied());
                    set.not_ready_elsewhere.push((
                        k8s::name(&p.metadata),
                        k8s::pod::main_problem(p, node, self.now),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn fits_and_why_not_agree_on_taints_placement_and_volumes() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 1));
        let mut p = pod("shop", "db", 0, true);
        p.spec.as_mut().unwrap().node_name = Some("node-a".into());
        with_claim(&mut p, "data-db-0");
        p = merged(
            &p,
            json!({"spec": {"nodeSelector": {"disk": "ssd"},
                "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"}]}}),
        );
        s.pods.push(p);
        s.pvcs
            .push(bound_claim("shop", "data-db-0", "pv-0", "standard"));
        s.pvs.push(zonal_pv("pv-0", "z1", "shop", "data-db-0"));
        let ssd = |n: &str, zone: &str| {
            merged(
                &node_in_zone(n, zone),
                json!({"metadata": {"labels": {"disk": "ssd"}}}),
            )
        };
        s.nodes.push(ssd("node-a", "z1"));
        // Fits: ssd, z1, tainted with what the pod tolerates.
        s.nodes.push(merged(
            &ssd("node-b", "z1"),
            json!({"spec": {"taints": [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]}}),
        ));
        // Does not fit: another zone; no ssd; an untolerated taint; cordoned; not Ready.
        s.nodes.push(ssd("node-c", "z2"));
        s.nodes.push(node_in_zone("node-d", "z1"));
        s.nodes.push(merged(
            &ssd("node-e", "z1"),
            json!({"spec": {"taints": [{"key": "gpu", "effect": "NoExecute"}]}}),
        ));
        s.nodes.push(merged(
            &ssd("node-f", "z1"),
            json!({"spec": {"unschedulable": true}}),
        ));
        s.nodes.push(merged(
            &ssd("node-g", "z1"),
            json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
        ));
        let k = Kubectl::default();
        let w = World::new(&s, &["node-a".into()], now(), &k);
        let fact = &w.pods[0];
        let verdicts: Vec<(&str, bool)> = s
            .nodes
            .iter()
            .skip(1)
            .map(|n| {
                assert_eq!(
                    w.fits(fact, n),
                    w.why_not(fact, n).is_none(),
                    "{:?}",
                    n.metadata.name
                );
                (k8s::name(&n.metadata), w.fits(fact, n))
            })
            .collect();
        assert_eq!(
            verdicts,
            vec![
                ("node-b", true),
                ("node-c", false),
                ("node-d", false),
                ("node-e", false),
                ("node-f", false),
                ("node-g", false),
            ]
        );
        assert!(fact.fits_outside);
        assert!(
            w.why_not(fact, &s.nodes[2])
                .unwrap()
                .contains("outside the node affinity of volume pv-0")
        );
    }
}
