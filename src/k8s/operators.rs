//! Operators that own StatefulSets, and how each wants a change made: through its custom
//! resource (CR), not by patching the StatefulSet, which the operator reverts at its next
//! reconcile or silently drops at the next change of the CR. The table is
//! `shared/spec/operators.md` (read from each operator's source); where that says
//! "unconfirmed", the entry here says so too and the advice stays conservative.

use crate::model::{CustomResource, CustomResources, Seen, resource_name};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

/// What a direct change to the StatefulSet becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drift {
    /// The live object is compared with the desired one on every pass: reverted now.
    Reverts,
    /// Only a hash of the CR's desired spec is compared: the patch stays, seemingly
    /// working, until the next change of the CR replaces the whole spec.
    HashOnly,
    /// Not read in the operator's source.
    Unconfirmed,
}

/// Growing the volumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expansion {
    /// Raising the size in the CR grows the claims (after `opt_in`, when there is one).
    ThroughCr { opt_in: Option<&'static str> },
    /// The operator does not grow claims; it documents this procedure.
    Procedure(&'static str),
    /// Not read in the operator's source.
    Unconfirmed,
}

/// The operator's PodDisruptionBudget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// It creates one; `field` sets or disables it.
    Creates {
        field: &'static str,
    },
    /// It creates one when `field` asks for it.
    OptIn {
        field: &'static str,
    },
    /// It creates none: a budget applied by hand is left alone.
    Never,
    Unconfirmed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub name: &'static str,
    /// The API group of its resources.
    pub group: &'static str,
    /// Its kinds that own StatefulSets.
    pub kinds: &'static [&'static str],
    /// Field paths in the CR (`[]` marks a list, e.g. one entry per node set). `{component}`
    /// stands for the StatefulSet's component where one operator runs several (Percona).
    pub replicas: Option<&'static str>,
    pub storage: Option<&'static str>,
    pub image: Option<&'static str>,
    pub resources: Option<&'static str>,
    /// Where the CR takes pod template settings (probes, affinity, grace period), if it
    /// has such a section.
    pub template: Option<&'static str>,
    pub expansion: Expansion,
    pub budget: Budget,
    /// How to pause its reconciliation, when it has a way.
    pub pause: Option<&'static str>,
    /// How to restart the pods the operator's way, when known.
    pub restart: Option<&'static str>,
    /// How it runs rollouts: what a partition or a step by hand would fight.
    pub rollout: &'static str,
    pub drift: Drift,
    /// Said with every piece of advice: where the CR itself has an owner (a chain), or a
    /// switch that looks like a pause and is not.
    pub caveat: Option<&'static str>,
}

pub static OPERATORS: &[Operator] = &[
    Operator {
        name: "Prometheus Operator",
        group: "monitoring.coreos.com",
        kinds: &[
            "Prometheus",
            "PrometheusAgent",
            "Alertmanager",
            "ThanosRuler",
        ],
        replicas: Some("spec.replicas"),
        storage: Some("spec.storage.volumeClaimTemplate.spec.resources.requests.storage"),
        image: Some("spec.image (or spec.version)"),
        resources: Some("spec.resources"),
        template: None,
        expansion: Expansion::Procedure(
            "set spec.paused: true together with the new size in the CR, patch each claim to the new size, delete the StatefulSet with kubectl delete statefulset -l operator.prometheus.io/name={cr} --cascade=orphan (its pods keep running), then set spec.paused: false. Changing the size without pausing makes the operator delete the StatefulSet with its pods and re-create it, and the claims are not grown",
        ),
        budget: Budget::Never,
        pause: Some("spec.paused: true"),
        restart: Some(
            "kubectl rollout restart statefulset is kept (the operator carries kubectl.kubernetes.io/* template annotations forward)",
        ),
        rollout: "it rewrites the whole StatefulSet on every reconcile, update strategy included (spec.updateStrategy in the CR holds only the type and maxUnavailable, no partition)",
        drift: Drift::Reverts,
        caveat: Some(
            "kube-prometheus-stack renders this resource from Helm values: change the values there, or the next helm upgrade puts the old resource back",
        ),
    },
    Operator {
        name: "ECK",
        group: "elasticsearch.k8s.elastic.co",
        kinds: &["Elasticsearch"],
        replicas: Some("spec.nodeSets[].count"),
        storage: Some(
            "spec.nodeSets[].volumeClaimTemplates[elasticsearch-data].spec.resources.requests.storage",
        ),
        image: Some("spec.version (or spec.image)"),
        resources: Some("spec.nodeSets[].podTemplate.spec.containers[elasticsearch].resources"),
        template: Some("spec.nodeSets[].podTemplate"),
        expansion: Expansion::ThroughCr { opt_in: None },
        budget: Budget::Creates {
            field: "spec.podDisruptionBudget ({} disables it)",
        },
        pause: Some("annotation eck.k8s.elastic.co/pause-orchestration=true (ECK 3.5+)"),
        restart: Some(
            "annotation eck.k8s.elastic.co/restart-trigger=<a new value> on the Elasticsearch (ECK 3.4+)",
        ),
        rollout: "the StatefulSet uses OnDelete and ECK deletes pods itself within spec.updateStrategy.changeBudget, gated by cluster health: a partition means nothing there",
        drift: Drift::HashOnly,
        caveat: None,
    },
    Operator {
        name: "RabbitMQ Cluster Operator",
        group: "rabbitmq.com",
        kinds: &["RabbitmqCluster"],
        replicas: Some("spec.replicas"),
        storage: Some("spec.persistence.storage"),
        image: Some("spec.image"),
        resources: Some("spec.resources"),
        template: Some("spec.override.statefulSet.spec.template"),
        expansion: Expansion::ThroughCr { opt_in: None },
        budget: Budget::Never,
        pause: Some("label rabbitmq.com/pauseReconciliation=true on the RabbitmqCluster"),
        restart: Some(
            "kubectl rollout restart statefulset is kept (the operator preserves template annotations)",
        ),
        rollout: "it forces RollingUpdate with partition 0 on every reconcile; only spec.override.statefulSet.spec.updateStrategy in the CR changes that",
        drift: Drift::Reverts,
        caveat: None,
    },
    Operator {
        name: "cass-operator",
        group: "cassandra.datastax.com",
        kinds: &["CassandraDatacenter"],
        replicas: Some("spec.size"),
        storage: Some("spec.storageConfig.cassandraDataVolumeClaimSpec.resources.requests.storage"),
        image: Some("spec.serverVersion (or spec.serverImage)"),
        resources: Some("spec.resources"),
        template: None,
        expansion: Expansion::ThroughCr {
            opt_in: Some(
                "annotation cassandra.datastax.com/allow-storage-changes=true on the CassandraDatacenter",
            ),
        },
        budget: Budget::Creates {
            field: "spec.maxUnavailable (the operator's <dc>-pdb; annotation cassandra.datastax.com/disable-pdb-creation turns it off)",
        },
        pause: None,
        restart: Some("a CassandraTask (control.k8ssandra.io/v1alpha1) with a restart job"),
        rollout: "spec.canaryUpgrade with spec.canaryUpgradeCount sets the partition, spec.maxUnavailable the pace; changes are pushed rack by rack",
        drift: Drift::HashOnly,
        caveat: Some(
            "if the CassandraDatacenter carries the labels k8ssandra.io/cluster-name and k8ssandra.io/cluster-namespace, k8ssandra-operator manages it from a K8ssandraCluster: make the change there, or it is reverted",
        ),
    },
    Operator {
        name: "Percona Operator for MySQL (XtraDB Cluster)",
        group: "pxc.percona.com",
        kinds: &["PerconaXtraDBCluster"],
        replicas: Some("spec.{component}.size"),
        storage: Some("spec.pxc.volumeSpec.persistentVolumeClaim.resources.requests.storage"),
        image: Some("spec.{component}.image"),
        resources: Some("spec.{component}.resources"),
        template: None,
        expansion: Expansion::ThroughCr {
            opt_in: Some("spec.enableVolumeExpansion: true (operator 1.16+)"),
        },
        budget: Budget::Creates {
            field: "spec.{component}.podDisruptionBudget",
        },
        pause: None,
        restart: None,
        rollout: "spec.updateStrategy: SmartUpdate (OnDelete, the operator deletes pods, primary last), RollingUpdate (it writes partition 0) or OnDelete",
        drift: Drift::Unconfirmed,
        caveat: Some(
            "spec.pause: true stops the database (its size goes to 0); it does not pause reconciliation",
        ),
    },
    Operator {
        name: "Zalando postgres-operator",
        group: "acid.zalan.do",
        kinds: &["postgresql"],
        replicas: Some("spec.numberOfInstances"),
        storage: Some("spec.volume.size"),
        image: Some("spec.dockerImage (or spec.postgresql.version)"),
        resources: Some("spec.resources"),
        template: None,
        expansion: Expansion::ThroughCr { opt_in: None },
        budget: Budget::Creates {
            field: "the operator's configuration (enable_pod_disruption_budget), not the CR",
        },
        pause: None,
        restart: None,
        rollout: "the StatefulSet uses OnDelete and the operator re-creates pods itself (replicas first, then a switchover)",
        drift: Drift::Unconfirmed,
        caveat: Some(
            "the operator's own configuration (OperatorConfiguration or its ConfigMap) overrides some CR fields (instance limits, budget, resize mode)",
        ),
    },
    Operator {
        name: "Crunchy PGO",
        group: "postgres-operator.crunchydata.com",
        kinds: &["PostgresCluster"],
        replicas: Some("spec.instances[].replicas"),
        storage: Some("spec.instances[].dataVolumeClaimSpec.resources.requests.storage"),
        image: Some("spec.postgresVersion (or spec.image)"),
        resources: Some("spec.instances[].resources"),
        template: None,
        expansion: Expansion::ThroughCr { opt_in: None },
        budget: Budget::Creates {
            field: "spec.instances[].minAvailable",
        },
        pause: Some("spec.paused: true"),
        restart: Some("change any value under spec.metadata.annotations (e.g. restarted: <date>)"),
        rollout: "each StatefulSet holds one instance and PGO deletes pods itself across the cluster (OnDelete)",
        drift: Drift::Reverts,
        caveat: None,
    },
    Operator {
        name: "Altinity clickhouse-operator",
        group: "clickhouse.altinity.com",
        kinds: &["ClickHouseInstallation"],
        replicas: Some("spec.configuration.clusters[].layout.replicasCount"),
        storage: Some("spec.templates.volumeClaimTemplates[].spec.resources.requests.storage"),
        image: Some("spec.templates.podTemplates[].spec.containers[clickhouse].image"),
        resources: Some("spec.templates.podTemplates[].spec.containers[clickhouse].resources"),
        template: Some("spec.templates.podTemplates[]"),
        expansion: Expansion::ThroughCr { opt_in: None },
        budget: Budget::Creates {
            field: "spec.configuration.clusters[].pdbMaxUnavailable",
        },
        pause: Some("spec.suspend: \"yes\""),
        restart: Some("spec.restart: \"RollingUpdate\""),
        rollout: "one StatefulSet per host and the operator sequences the hosts itself: a partition is pointless",
        drift: Drift::Unconfirmed,
        caveat: None,
    },
    Operator {
        name: "pravega zookeeper-operator",
        group: "zookeeper.pravega.io",
        kinds: &["ZookeeperCluster"],
        replicas: Some("spec.replicas"),
        storage: Some("spec.persistence.spec.resources.requests.storage"),
        image: Some("spec.image.repository / spec.image.tag"),
        resources: Some("spec.pod.resources"),
        template: None,
        expansion: Expansion::Unconfirmed,
        budget: Budget::Creates {
            field: "spec.maxUnavailableReplicas",
        },
        pause: None,
        restart: Some("spec.triggerRollingRestart: true"),
        rollout: "it copies spec.template and spec.updateStrategy over the StatefulSet on every reconcile",
        drift: Drift::Reverts,
        caveat: None,
    },
    Operator {
        name: "Apache Solr operator",
        group: "solr.apache.org",
        kinds: &["SolrCloud"],
        replicas: Some("spec.replicas"),
        storage: Some("spec.dataStorage.persistent.pvcTemplate.spec.resources.requests.storage"),
        image: Some("spec.solrImage.repository / spec.solrImage.tag"),
        resources: Some("spec.customSolrKubeOptions.podOptions.resources"),
        template: None,
        expansion: Expansion::Unconfirmed,
        budget: Budget::Creates {
            field: "spec.availability.podDisruptionBudget",
        },
        pause: None,
        restart: Some("spec.updateStrategy.restartSchedule"),
        rollout: "unless spec.updateStrategy.method is StatefulSet, the StatefulSet uses OnDelete and the operator picks the pods to restart",
        drift: Drift::Unconfirmed,
        caveat: None,
    },
    Operator {
        name: "MongoDB Community Operator",
        group: "mongodbcommunity.mongodb.com",
        kinds: &["MongoDBCommunity"],
        replicas: Some("spec.members"),
        storage: Some(
            "spec.statefulSet.spec.volumeClaimTemplates[data-volume].spec.resources.requests.storage",
        ),
        image: Some("spec.version"),
        resources: Some("spec.statefulSet.spec.template.spec.containers[mongod].resources"),
        template: Some("spec.statefulSet.spec.template"),
        expansion: Expansion::Procedure(
            "patch each claim to the new size, scale the operator to 0, delete the StatefulSet and the MongoDBCommunity with --cascade=orphan, then re-apply the CR with the new size (the operator's docs/mongodbcommunity/resize-pvc.md)",
        ),
        budget: Budget::Never,
        pause: None,
        restart: Some(
            "kubectl rollout restart statefulset (the operator applies its changes on top of the live StatefulSet)",
        ),
        rollout: "it sets the update strategy itself (RollingUpdate, or OnDelete during a version change)",
        drift: Drift::Unconfirmed,
        caveat: None,
    },
    Operator {
        name: "OT-CONTAINER-KIT redis-operator",
        group: "redis.redis.opstreelabs.in",
        kinds: &["RedisCluster", "Redis", "RedisReplication", "RedisSentinel"],
        replicas: Some("spec.clusterSize"),
        storage: Some("spec.storage.volumeClaimTemplate.spec.resources.requests.storage"),
        image: Some("spec.kubernetesConfig.image"),
        resources: Some("spec.kubernetesConfig.resources"),
        template: None,
        expansion: Expansion::ThroughCr { opt_in: None },
        budget: Budget::OptIn {
            field: "spec.redisLeader.pdb / spec.redisFollower.pdb",
        },
        pause: Some(
            "annotation <kind>.opstreelabs.in/skip-reconcile=true (e.g. rediscluster.opstreelabs.in/skip-reconcile)",
        ),
        restart: None,
        rollout: "it takes the update strategy, partition included, from spec.kubernetesConfig.updateStrategy: set a partition there",
        drift: Drift::Unconfirmed,
        caveat: None,
    },
    Operator {
        name: "Spotahome redis-operator",
        group: "databases.spotahome.com",
        kinds: &["RedisFailover"],
        replicas: Some("spec.redis.replicas"),
        storage: Some("spec.redis.storage.persistentVolumeClaim.spec.resources.requests.storage"),
        image: Some("spec.redis.image"),
        resources: Some("spec.redis.resources"),
        template: None,
        expansion: Expansion::ThroughCr { opt_in: None },
        budget: Budget::Creates {
            field: "nothing: the operator's budget is fixed",
        },
        pause: None,
        restart: None,
        rollout: "the StatefulSet uses OnDelete and the operator rolls the pods itself",
        drift: Drift::Unconfirmed,
        caveat: None,
    },
    Operator {
        name: "VictoriaMetrics operator",
        group: "operator.victoriametrics.com",
        kinds: &["VMCluster", "VMAlertmanager"],
        replicas: None,
        storage: None,
        image: None,
        resources: None,
        template: None,
        expansion: Expansion::Unconfirmed,
        budget: Budget::Unconfirmed,
        pause: Some("spec.paused: true"),
        restart: None,
        rollout: "by default the StatefulSet uses OnDelete and the operator rolls the pods itself",
        drift: Drift::Unconfirmed,
        caveat: None,
    },
    Operator {
        name: "OpenSearch operator",
        group: "opensearch.org",
        kinds: &["OpenSearchCluster"],
        replicas: Some("spec.nodePools[].replicas"),
        storage: Some("spec.nodePools[].diskSize"),
        image: Some("spec.general.version"),
        resources: Some("spec.nodePools[].resources"),
        template: None,
        expansion: Expansion::ThroughCr { opt_in: None },
        budget: Budget::OptIn {
            field: "spec.nodePools[].pdb",
        },
        pause: None,
        restart: None,
        rollout: "the StatefulSet uses OnDelete and the operator restarts the pods itself",
        drift: Drift::Unconfirmed,
        caveat: None,
    },
    Operator {
        name: "MinIO operator",
        group: "minio.min.io",
        kinds: &["Tenant"],
        replicas: Some("spec.pools[].servers"),
        storage: Some("spec.pools[].volumeClaimTemplate.spec.resources.requests.storage"),
        image: Some("spec.image"),
        resources: Some("spec.pools[].resources"),
        template: None,
        expansion: Expansion::Unconfirmed,
        budget: Budget::Unconfirmed,
        pause: None,
        restart: None,
        rollout: "unconfirmed",
        drift: Drift::Unconfirmed,
        caveat: None,
    },
];

/// The operator behind a StatefulSet and the custom resource that describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub operator: &'static Operator,
    pub kind: String,
    /// The resource name kubectl takes, `kind.group` (unambiguous where short names clash).
    pub resource: String,
    pub name: String,
    /// Which of the operator's StatefulSets this is, where it runs several (`pxc`,
    /// `haproxy`, `proxysql`).
    pub component: Option<String>,
    /// Why we think so: the ownerReference, or the labels where the operator sets none.
    pub evidence: String,
    /// Which entry of the CR's lists (`[]` in a field path) is this StatefulSet's: ECK's
    /// node set, Crunchy's instance set, OpenSearch's node pool, MinIO's pool.
    pub entry: Option<String>,
    /// What was read of the custom resource itself.
    pub cr: CrState,
    /// Who owns the custom resource in turn, where a known chain goes on.
    pub upstream: Option<Upstream>,
}

/// What is known of the custom resource itself.
#[derive(Debug, Clone, PartialEq)]
pub enum CrState {
    Read(Box<CustomResource>),
    /// Its kind was listed and it was not there.
    Missing,
    /// Its kind could not be listed, for this reason.
    Unread(String),
    /// Nothing was read about its kind (a saved snapshot without it).
    NotInInput,
}

/// The resource that manages the operator's custom resource: a K8ssandraCluster over a
/// CassandraDatacenter. Changes go there, or they are reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    pub kind: &'static str,
    pub resource: &'static str,
    pub operator: &'static str,
    pub namespace: String,
    pub name: String,
    /// Where in it the downstream resource is described.
    pub field: String,
    pub evidence: String,
}

/// A field of the custom resource located in what was read: its value (if set), its JSON
/// pointer, and for each list entry passed through, the test that it is still the entry
/// meant (a JSON patch fails instead of changing another entry after a reorder).
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub value: Option<serde_json::Value>,
    pub pointer: String,
    pub tests: Vec<(String, serde_json::Value)>,
}

/// The JSON merge patch that sets the dotted field `path` to `value`, when `path` names one
/// field: a path through a list (`[]`, or `[name]` for one entry) cannot be reached by a
/// merge patch (it replaces whole lists), nor can prose.
pub fn merge_patch(path: &str, value: serde_json::Value) -> Option<serde_json::Value> {
    let plain = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !path.starts_with("spec.") || !path.split('.').all(plain) {
        return None;
    }
    Some(
        path.split('.')
            .rev()
            .fold(value, |v, key| serde_json::json!({ key: v })),
    )
}

/// A patch of a custom resource: a merge patch where the field is one value, a JSON patch
/// (with `test`s of the list entries it goes through and of the old value) where it sits in
/// an entry of a list, which a merge patch would replace whole.
#[derive(Debug, Clone, PartialEq)]
pub struct CrPatch {
    pub json: bool,
    pub body: Value,
}

impl Owner {
    /// The patch that sets the CR's storage size to `size`, when the operator grows claims
    /// from that field: a merge patch of a single field, or, where the field is in an entry
    /// of a list and the CR was read, a JSON patch of that entry. `None` where the change
    /// belongs to the resource above the CR (a K8ssandraCluster).
    pub fn storage_patch(&self, size: &str) -> Option<CrPatch> {
        if !matches!(self.operator.expansion, Expansion::ThroughCr { .. })
            || self.upstream.is_some()
        {
            return None;
        }
        let path = self.field(self.operator.storage?);
        if let Some(body) = merge_patch(&path, json!(size)) {
            return Some(CrPatch { json: false, body });
        }
        let CrState::Read(cr) = &self.cr else {
            return None;
        };
        let at = locate(&cr.spec, &path, self.entry.as_deref())?;
        let old = at.value?;
        let mut ops: Vec<Value> = at
            .tests
            .iter()
            .map(|(p, v)| json!({"op": "test", "path": p, "value": v}))
            .collect();
        ops.push(json!({"op": "test", "path": at.pointer, "value": old}));
        ops.push(json!({"op": "replace", "path": at.pointer, "value": size}));
        Some(CrPatch {
            json: true,
            body: Value::Array(ops),
        })
    }

    /// The growth made in the CR, where the operator grows claims from one field: the
    /// patch, with the opt-in it needs said first.
    pub fn storage_remedy(
        &self,
        kubectl: &crate::kubectl::Kubectl,
        ns: &str,
        size: &str,
    ) -> Option<crate::finding::Remedy> {
        let patch = self.storage_patch(size)?;
        let entry = if patch.json {
            " (a JSON patch: its tests make it fail, changing nothing, if the entry or the size changed since this was read)"
        } else {
            ""
        };
        Some(crate::finding::Remedy::run(
            format!(
                "Raise the size in the {} {} to {size}: {} grows the claims itself{}{entry}",
                self.kind,
                self.name,
                self.operator.name,
                self.opt_in_text()
            ),
            self.patch_argv(kubectl, ns, &patch),
        ))
    }

    /// `kubectl patch` of this CR.
    pub fn patch_argv(
        &self,
        kubectl: &crate::kubectl::Kubectl,
        ns: &str,
        patch: &CrPatch,
    ) -> Vec<String> {
        kubectl.argv(
            Some(ns),
            &[
                "patch",
                self.resource.as_str(),
                self.name.as_str(),
                if patch.json {
                    "--type=json"
                } else {
                    "--type=merge"
                },
                "-p",
                &patch.body.to_string(),
            ],
        )
    }

    /// The resource a change is made in: the CR, or the one above it in a chain. As
    /// (kind, `kind.group`, namespace, name).
    pub fn change_target<'a>(&'a self, ns: &'a str) -> (&'a str, &'a str, &'a str, &'a str) {
        match &self.upstream {
            Some(u) => (u.kind, u.resource, u.namespace.as_str(), u.name.as_str()),
            None => (
                self.kind.as_str(),
                self.resource.as_str(),
                ns,
                self.name.as_str(),
            ),
        }
    }

    /// `kubectl get` of the resource a change is made in, to see it as it is.
    pub fn get_argv(&self, kubectl: &crate::kubectl::Kubectl, ns: &str) -> Vec<String> {
        let (_, resource, ns, name) = self.change_target(ns);
        kubectl.argv(Some(ns), &["get", resource, name, "-o", "yaml"])
    }

    /// A field of the CR as read.
    fn locate(&self, path: &str) -> Option<Located> {
        let CrState::Read(cr) = &self.cr else {
            return None;
        };
        locate(&cr.spec, &self.field(path), self.entry.as_deref())
    }

    /// A field's value in the CR as read, shown as JSON text (`"50Gi"` as `50Gi`).
    fn value(&self, path: &str) -> Option<String> {
        let v = self.locate(path)?.value?;
        Some(match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }

    /// Why the operator is not reconciling the CR now, as read from it.
    pub fn paused(&self) -> Option<String> {
        let CrState::Read(cr) = &self.cr else {
            return None;
        };
        let ann = |k: &str| {
            cr.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(k))
                .map(String::as_str)
        };
        let truthy = |p: &str| {
            cr.spec.pointer(p) == Some(&json!(true))
                || matches!(
                    cr.spec.pointer(p).and_then(Value::as_str),
                    Some("yes" | "true")
                )
        };
        match self.operator.group {
            "monitoring.coreos.com" | "postgres-operator.crunchydata.com" if truthy("/paused") => {
                Some("spec.paused: true".into())
            }
            "elasticsearch.k8s.elastic.co" => {
                if ann("eck.k8s.elastic.co/managed") == Some("false") {
                    Some(
                        "annotation eck.k8s.elastic.co/managed=false (nothing is reconciled)"
                            .into(),
                    )
                } else if ann("eck.k8s.elastic.co/pause-orchestration") == Some("true") {
                    Some("annotation eck.k8s.elastic.co/pause-orchestration=true".into())
                } else {
                    None
                }
            }
            "rabbitmq.com"
                if label(&cr.metadata, "rabbitmq.com/pauseReconciliation") == Some("true") =>
            {
                Some("label rabbitmq.com/pauseReconciliation=true".into())
            }
            "clickhouse.altinity.com" if truthy("/suspend") => Some("spec.suspend: \"yes\"".into()),
            _ => None,
        }
    }

    /// Whether the CR already has the opt-in volume growth needs, where one is needed and
    /// the CR was read.
    pub fn expansion_opted_in(&self) -> Option<bool> {
        let CrState::Read(cr) = &self.cr else {
            return None;
        };
        match self.operator.group {
            "cassandra.datastax.com" => Some(
                cr.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("cassandra.datastax.com/allow-storage-changes"))
                    .is_some_and(|v| v == "true"),
            ),
            "pxc.percona.com" => {
                Some(cr.spec.pointer("/enableVolumeExpansion") == Some(&json!(true)))
            }
            _ => None,
        }
    }

    /// The opt-in volume growth needs, said with what the CR as read shows of it: "" where
    /// there is none.
    pub fn opt_in_text(&self) -> String {
        let Expansion::ThroughCr { opt_in: Some(o) } = self.operator.expansion else {
            return String::new();
        };
        match self.expansion_opted_in() {
            Some(true) => format!(" (it needs {o}, which the {} has)", self.kind),
            Some(false) => format!(
                " (it needs {o} first: the {} as read does not have it)",
                self.kind
            ),
            None => format!(" (it needs {o} first)"),
        }
    }

    /// What was read of the custom resource, for the evidence: its values for the fields
    /// the advice names, a paused reconciliation, a member count the StatefulSet does not
    /// have; or what could not be confirmed. `None` when nothing was read about its kind.
    pub fn cr_evidence(&self, ns: &str, sts_replicas: Option<i32>) -> Option<String> {
        let who = format!("the {} {ns}/{}", self.kind, self.name);
        match &self.cr {
            CrState::NotInInput => None,
            CrState::Unread(reason) => Some(format!(
                "{who} itself could not be read ({reason}): its current values and whether its reconciliation is paused are not confirmed"
            )),
            CrState::Missing => Some(format!(
                "{who} was not found although its kind was read: the StatefulSet outlives its custom resource, so nothing may be reconciling it; find out why before changing anything"
            )),
            CrState::Read(_) => {
                let op = self.operator;
                let fields = [
                    ("replicas", op.replicas),
                    ("storage", op.storage),
                    ("image", op.image),
                ];
                let paths: Vec<(&str, &str)> = fields
                    .iter()
                    .filter_map(|(what, path)| {
                        Some((*what, path.filter(|p| p.starts_with("spec."))?))
                    })
                    .collect();
                let values: Vec<String> = paths
                    .iter()
                    .filter_map(|(what, path)| {
                        let shown = self.field(path);
                        let shown = shown.split_whitespace().next().unwrap_or_default();
                        Some(format!("{what} {} ({shown})", self.value(path)?))
                    })
                    .collect();
                let located = paths.iter().any(|(_, p)| self.locate(p).is_some());
                let mut text = if !values.is_empty() {
                    format!("{who} as read: {}", values.join(", "))
                } else if located {
                    format!(
                        "{who} as read: none of the fields the advice names is set (the operator's defaults apply)"
                    )
                } else {
                    format!(
                        "{who} was read, but the fields the advice names sit in list entries not matched to this StatefulSet"
                    )
                };
                if let Some(p) = self.paused() {
                    text.push_str(&format!(
                        "; its reconciliation is paused ({p}): the operator applies nothing, old or new, until it is resumed"
                    ));
                }
                let wanted = op
                    .replicas
                    .filter(|_| same_count(op))
                    .and_then(|p| self.value(p))
                    .and_then(|v| v.parse::<i64>().ok());
                if let (Some(w), Some(have)) = (wanted, sts_replicas)
                    && w != i64::from(have)
                {
                    text.push_str(&format!(
                        "; it asks for {w} members and the StatefulSet has {have}: the operator has not applied its spec (paused, failing, or mid-change)"
                    ));
                }
                if let Some(u) = &self.upstream {
                    text.push_str(&format!(
                        "; {}, so {} {}/{} ({}) manages it",
                        u.evidence, u.kind, u.namespace, u.name, u.operator
                    ));
                }
                Some(text)
            }
        }
    }

    /// A CR field path or procedure, with the component and the resource's name filled in.
    pub fn field(&self, path: &str) -> String {
        path.replace("{component}", self.component.as_deref().unwrap_or("pxc"))
            .replace("{cr}", &self.name)
    }

    /// "Prometheus monitoring/k8s (Prometheus Operator)", and the resource above it where
    /// a chain goes on.
    pub fn describe(&self, ns: &str) -> String {
        let own = format!("{} {ns}/{} ({})", self.kind, self.name, self.operator.name);
        match &self.upstream {
            Some(u) => format!(
                "{own}, itself managed by {} {}/{} ({})",
                u.kind, u.namespace, u.name, u.operator
            ),
            None => own,
        }
    }

    /// What happens to a change made to the StatefulSet directly.
    pub fn drift_text(&self) -> &'static str {
        match self.operator.drift {
            Drift::Reverts => {
                "a change made to the StatefulSet directly is reverted at its next reconcile"
            }
            Drift::HashOnly => {
                "a change made to the StatefulSet directly is not seen by the operator and seems to stay, until the next change of the custom resource replaces the whole spec and drops it"
            }
            Drift::Unconfirmed => {
                "a change made to the StatefulSet directly may be reverted at its next reconcile or dropped at the next change of the custom resource"
            }
        }
    }
}

/// Operators whose member-count field is this StatefulSet's replicas (not a total split over
/// several sets, nor one set per instance).
fn same_count(op: &Operator) -> bool {
    matches!(
        op.group,
        "monitoring.coreos.com"
            | "rabbitmq.com"
            | "acid.zalan.do"
            | "elasticsearch.k8s.elastic.co"
            | "pxc.percona.com"
            | "zookeeper.pravega.io"
    )
}

fn label<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a str> {
    meta.labels
        .as_ref()?
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn find(group: &str, kind: &str) -> Option<&'static Operator> {
    OPERATORS
        .iter()
        .find(|o| o.group == group && o.kinds.contains(&kind))
        // OpenSearch still serves its deprecated group.
        .or_else(|| {
            (group == "opensearch.opster.io")
                .then(|| find("opensearch.org", kind))
                .flatten()
        })
}

/// Whether objects of this kind are an operator's custom resources, kept when read from
/// files.
pub fn is_custom_kind(group: &str, kind: &str) -> bool {
    find(group, kind).is_some()
}

/// The operator that owns a StatefulSet: its controller ownerReference, else the labels of
/// operators that set none (Zalando by default, ClickHouse after a CR deleted without
/// purge).
pub fn owner(meta: &ObjectMeta) -> Option<Owner> {
    let component = label(meta, "app.kubernetes.io/component").map(str::to_string);
    let controller = meta
        .owner_references
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|r| r.controller == Some(true));
    if let Some(r) = controller {
        let group = r.api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
        if let Some(op) = find(group, &r.kind) {
            return Some(Owner {
                operator: op,
                kind: r.kind.clone(),
                resource: resource_name(&r.kind, group),
                name: r.name.clone(),
                entry: entry_of(meta, group, &r.name),
                component,
                evidence: format!(
                    "ownerReference (controller) {} {} ({})",
                    r.kind, r.name, r.api_version
                ),
                cr: CrState::NotInInput,
                upstream: None,
            });
        }
        return None;
    }
    let by_labels = |group: &str, kind: &str, name: &str, marks: &str| {
        Some(Owner {
            operator: find(group, kind)?,
            kind: kind.to_string(),
            resource: resource_name(kind, group),
            name: name.to_string(),
            component: component.clone(),
            evidence: format!("labels {marks} (the operator sets no ownerReference here)"),
            entry: None,
            cr: CrState::NotInInput,
            upstream: None,
        })
    };
    if label(meta, "application") == Some("spilo")
        && let Some(cluster) = label(meta, "cluster-name")
    {
        return by_labels(
            "acid.zalan.do",
            "postgresql",
            cluster,
            &format!("application=spilo, cluster-name={cluster}"),
        );
    }
    if label(meta, "clickhouse.altinity.com/app") == Some("chop")
        && let Some(chi) = label(meta, "clickhouse.altinity.com/chi")
    {
        return by_labels(
            "clickhouse.altinity.com",
            "ClickHouseInstallation",
            chi,
            &format!("clickhouse.altinity.com/chi={chi}"),
        );
    }
    None
}

/// Which entry of the custom resource's lists a StatefulSet stands for, from the names and
/// labels each operator gives it (shared/spec/operators.md).
fn entry_of(meta: &ObjectMeta, group: &str, cr: &str) -> Option<String> {
    let name = meta.name.as_deref().unwrap_or_default();
    match group {
        // `<es>-es-<nodeSet>`
        "elasticsearch.k8s.elastic.co" => name
            .strip_prefix(&format!("{cr}-es-"))
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        "postgres-operator.crunchydata.com" => {
            label(meta, "postgres-operator.crunchydata.com/instance-set").map(str::to_string)
        }
        "opensearch.org" | "opensearch.opster.io" => {
            label(meta, "opensearch.org/opensearch-nodepool").map(str::to_string)
        }
        "minio.min.io" => label(meta, "v1.min.io/pool").map(str::to_string),
        _ => None,
    }
}

/// [`owner`], with what was read of its custom resource, and the owner of that resource
/// where a known chain goes on (a CassandraDatacenter that k8ssandra-operator manages).
pub fn owner_in(meta: &ObjectMeta, crs: &CustomResources) -> Option<Owner> {
    let mut o = owner(meta)?;
    let ns = meta.namespace.as_deref().unwrap_or_default();
    o.cr = match crs.find(&o.resource, ns, &o.name) {
        Seen::Read(c) => CrState::Read(Box::new(c.clone())),
        Seen::Missing => CrState::Missing,
        Seen::Unread(reason) => CrState::Unread(reason.to_string()),
        Seen::NotInInput => CrState::NotInInput,
    };
    if let CrState::Read(cr) = &o.cr {
        o.upstream = upstream_of(&o, cr);
    }
    Some(o)
}

/// k8ssandra-operator labels the CassandraDatacenters it writes with its K8ssandraCluster
/// (and sets no ownerReference across namespaces): that is where a change must be made.
fn upstream_of(o: &Owner, cr: &CustomResource) -> Option<Upstream> {
    if o.operator.group != "cassandra.datastax.com" {
        return None;
    }
    let cluster = label(&cr.metadata, "k8ssandra.io/cluster-name")?;
    let namespace = label(&cr.metadata, "k8ssandra.io/cluster-namespace")
        .or(cr.metadata.namespace.as_deref())
        .unwrap_or_default();
    Some(Upstream {
        kind: "K8ssandraCluster",
        resource: "k8ssandracluster.k8ssandra.io",
        operator: "k8ssandra-operator",
        namespace: namespace.to_string(),
        name: cluster.to_string(),
        field: format!(
            "its spec.cassandra.datacenters entry with metadata.name {} (or spec.cassandra for every datacenter)",
            o.name
        ),
        evidence: format!(
            "the CassandraDatacenter carries k8ssandra.io/cluster-name={cluster}, k8ssandra.io/cluster-namespace={namespace}"
        ),
    })
}

/// The field at dotted `path` (`[]` takes the entry named `entry`, `[x]` the one named
/// `x`; an entry is named by `name`, `metadata.name` or, for OpenSearch, `component`) in a
/// custom resource's spec. `None` when the path is prose, or a list or entry is not there.
pub fn locate(spec: &Value, path: &str, entry: Option<&str>) -> Option<Located> {
    let first = path.split_whitespace().next()?;
    let rest = first.strip_prefix("spec.")?;
    let mut cur = Some(spec);
    let mut pointer = String::from("/spec");
    let mut tests = Vec::new();
    for seg in rest.split('.') {
        if let Some((key, sel)) = seg.strip_suffix(']').and_then(|s| s.split_once('[')) {
            let want = if sel.is_empty() { entry? } else { sel };
            let list = cur?.get(key)?.as_array()?;
            let (i, by) = list.iter().enumerate().find_map(|(i, e)| {
                [
                    ("name", "/name"),
                    ("metadata", "/metadata/name"),
                    ("component", "/component"),
                ]
                .iter()
                .find(|(_, p)| e.pointer(p).and_then(Value::as_str) == Some(want))
                .map(|(_, p)| (i, *p))
            })?;
            pointer = format!("{pointer}/{}/{i}", escape(key));
            tests.push((format!("{pointer}{by}"), json!(want)));
            cur = Some(&list[i]);
        } else {
            pointer = format!("{pointer}/{}", escape(seg));
            cur = cur.and_then(|v| v.get(seg));
        }
    }
    Some(Located {
        value: cur.filter(|v| !v.is_null()).cloned(),
        pointer,
        tests,
    })
}

/// A JSON pointer segment.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Pods an operator runs without any StatefulSet: `kubectl sts` has nothing to say about
/// them but where to go instead.
pub fn pod_controller_without_statefulset(meta: &ObjectMeta) -> Option<(&'static str, String)> {
    let r = meta
        .owner_references
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|r| r.controller == Some(true))?;
    let group = r.api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
    let operator = match (group, r.kind.as_str()) {
        ("core.strimzi.io", "StrimziPodSet") => "Strimzi",
        ("postgresql.cnpg.io", "Cluster") => "CloudNativePG",
        _ => return None,
    };
    Some((operator, format!("{} {}", r.kind, r.name)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn merge_patches_reach_single_fields_only() {
        use serde_json::json;
        assert_eq!(
            super::merge_patch("spec.volume.size", json!("20Gi")),
            Some(json!({"spec": {"volume": {"size": "20Gi"}}}))
        );
        assert_eq!(super::merge_patch("spec.nodeSets[].count", json!(3)), None);
        assert_eq!(
            super::merge_patch(
                "spec.statefulSet.spec.volumeClaimTemplates[data-volume].spec.resources.requests.storage",
                json!("1Gi")
            ),
            None
        );
        assert_eq!(
            super::merge_patch("the operator's configuration", json!(1)),
            None
        );
        assert_eq!(super::merge_patch("metadata.labels", json!({})), None);
    }

    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    fn owned(api_version: &str, kind: &str, name: &str, controller: bool) -> ObjectMeta {
        ObjectMeta {
            owner_references: Some(vec![OwnerReference {
                api_version: api_version.into(),
                kind: kind.into(),
                name: name.into(),
                uid: "u".into(),
                controller: Some(controller),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn the_controller_reference_names_the_operator_and_its_resource() {
        let o = owner(&owned(
            "monitoring.coreos.com/v1",
            "Prometheus",
            "k8s",
            true,
        ))
        .unwrap();
        assert_eq!(o.operator.name, "Prometheus Operator");
        assert_eq!(o.resource, "prometheus.monitoring.coreos.com");
        assert_eq!(
            o.describe("monitoring"),
            "Prometheus monitoring/k8s (Prometheus Operator)"
        );
        // A reference that is not the controller, or to a kind no operator here owns.
        assert!(
            owner(&owned(
                "monitoring.coreos.com/v1",
                "Prometheus",
                "k8s",
                false
            ))
            .is_none()
        );
        assert!(owner(&owned("apps/v1", "Deployment", "x", true)).is_none());
        let o = owner(&owned(
            "opensearch.opster.io/v1",
            "OpenSearchCluster",
            "logs",
            true,
        ))
        .unwrap();
        assert_eq!(o.operator.name, "OpenSearch operator");
    }

    #[test]
    fn operators_without_owner_references_are_known_by_their_labels() {
        let meta = |kv: &[(&str, &str)]| ObjectMeta {
            labels: Some(
                kv.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Default::default()
        };
        let o = owner(&meta(&[
            ("application", "spilo"),
            ("cluster-name", "acid-main"),
        ]))
        .unwrap();
        assert_eq!(
            (o.kind.as_str(), o.name.as_str()),
            ("postgresql", "acid-main")
        );
        assert!(o.evidence.contains("no ownerReference"));
        assert!(owner(&meta(&[("application", "spilo")])).is_none());
        let o = owner(&meta(&[
            ("clickhouse.altinity.com/app", "chop"),
            ("clickhouse.altinity.com/chi", "events"),
        ]))
        .unwrap();
        assert_eq!(o.kind, "ClickHouseInstallation");
    }

    #[test]
    fn percona_fields_follow_the_component() {
        let mut m = owned("pxc.percona.com/v1", "PerconaXtraDBCluster", "db", true);
        m.labels = Some(
            [(
                "app.kubernetes.io/component".to_string(),
                "haproxy".to_string(),
            )]
            .into(),
        );
        let o = owner(&m).unwrap();
        assert_eq!(o.field(o.operator.replicas.unwrap()), "spec.haproxy.size");
    }

    #[test]
    fn pods_without_a_statefulset_name_their_operator() {
        let m = owned("core.strimzi.io/v1", "StrimziPodSet", "kafka-pool-a", true);
        assert_eq!(
            pod_controller_without_statefulset(&m),
            Some(("Strimzi", "StrimziPodSet kafka-pool-a".to_string()))
        );
        let m = owned("postgresql.cnpg.io/v1", "Cluster", "pg", true);
        assert_eq!(
            pod_controller_without_statefulset(&m).unwrap().0,
            "CloudNativePG"
        );
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;
    use crate::kubectl::Kubectl;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    fn sts_meta(name: &str, api_version: &str, kind: &str, owner: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: Some("ns".into()),
            owner_references: Some(vec![OwnerReference {
                api_version: api_version.into(),
                kind: kind.into(),
                name: owner.into(),
                uid: "u".into(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        }
    }

    fn cr(api_version: &str, kind: &str, name: &str, meta: Value, spec: Value) -> CustomResource {
        let mut metadata: ObjectMeta = serde_json::from_value(meta).unwrap();
        metadata.name = Some(name.into());
        metadata.namespace = Some("ns".into());
        CustomResource {
            api_version: api_version.into(),
            kind: kind.into(),
            metadata,
            spec,
        }
    }

    fn read(items: Vec<CustomResource>) -> CustomResources {
        let kinds = items.iter().map(|c| (c.resource(), None)).collect();
        CustomResources { items, kinds }
    }

    /// The second node set's storage: found by the entry name ECK puts in the StatefulSet's
    /// name, and by the claim template's name, with a test for each and for the old value.
    #[test]
    fn a_size_inside_a_list_entry_is_a_json_patch_with_tests() {
        let es = cr(
            "elasticsearch.k8s.elastic.co/v1",
            "Elasticsearch",
            "quickstart",
            json!({}),
            json!({"nodeSets": [
                {"name": "masters", "count": 3},
                {"name": "data", "count": 4, "volumeClaimTemplates": [
                    {"metadata": {"name": "elasticsearch-data"},
                     "spec": {"resources": {"requests": {"storage": "100Gi"}}}}]}
            ]}),
        );
        let meta = sts_meta(
            "quickstart-es-data",
            "elasticsearch.k8s.elastic.co/v1",
            "Elasticsearch",
            "quickstart",
        );
        let o = owner_in(&meta, &read(vec![es])).unwrap();
        assert_eq!(o.entry.as_deref(), Some("data"));
        let p = o.storage_patch("200Gi").unwrap();
        assert!(p.json);
        assert_eq!(
            p.body,
            json!([
                {"op": "test", "path": "/spec/nodeSets/1/name", "value": "data"},
                {"op": "test", "path": "/spec/nodeSets/1/volumeClaimTemplates/0/metadata/name", "value": "elasticsearch-data"},
                {"op": "test", "path": "/spec/nodeSets/1/volumeClaimTemplates/0/spec/resources/requests/storage", "value": "100Gi"},
                {"op": "replace", "path": "/spec/nodeSets/1/volumeClaimTemplates/0/spec/resources/requests/storage", "value": "200Gi"},
            ])
        );
        let argv = o.patch_argv(&Kubectl::default(), "ns", &p);
        assert_eq!(
            argv[..6],
            [
                "kubectl",
                "-n",
                "ns",
                "patch",
                "elasticsearch.elasticsearch.k8s.elastic.co",
                "quickstart"
            ]
        );
        assert_eq!(argv[6], "--type=json");
        let e = o.cr_evidence("ns", Some(4)).unwrap();
        assert!(
            e.starts_with("the Elasticsearch ns/quickstart as read: replicas 4 (spec.nodeSets[].count), storage 100Gi"),
            "{e}"
        );
        // Not read: the entry cannot be located, so nothing is printed.
        let o = owner(&meta).unwrap();
        assert_eq!(o.storage_patch("200Gi"), None);
        assert_eq!(o.cr_evidence("ns", Some(4)), None);
    }

    #[test]
    fn a_paused_cr_and_a_member_count_not_applied_are_said() {
        let p = cr(
            "monitoring.coreos.com/v1",
            "Prometheus",
            "k8s",
            json!({}),
            json!({"paused": true, "replicas": 3, "storage": {"volumeClaimTemplate": {"spec": {"resources": {"requests": {"storage": "50Gi"}}}}}}),
        );
        let meta = sts_meta(
            "prometheus-k8s",
            "monitoring.coreos.com/v1",
            "Prometheus",
            "k8s",
        );
        let o = owner_in(&meta, &read(vec![p])).unwrap();
        let e = o.cr_evidence("ns", Some(2)).unwrap();
        assert!(
            e.contains("replicas 3 (spec.replicas), storage 50Gi"),
            "{e}"
        );
        assert!(e.contains("paused (spec.paused: true)"), "{e}");
        assert!(
            e.contains("asks for 3 members and the StatefulSet has 2"),
            "{e}"
        );
        let rabbit = cr(
            "rabbitmq.com/v1beta1",
            "RabbitmqCluster",
            "hello",
            json!({"labels": {"rabbitmq.com/pauseReconciliation": "true"}}),
            json!({"replicas": 3}),
        );
        let meta = sts_meta(
            "hello-server",
            "rabbitmq.com/v1beta1",
            "RabbitmqCluster",
            "hello",
        );
        let o = owner_in(&meta, &read(vec![rabbit])).unwrap();
        assert_eq!(
            o.paused().as_deref(),
            Some("label rabbitmq.com/pauseReconciliation=true")
        );
        assert!(!o.cr_evidence("ns", Some(3)).unwrap().contains("asks for"));
    }

    #[test]
    fn a_cr_not_found_or_not_readable_is_said_so() {
        let meta = sts_meta(
            "prometheus-k8s",
            "monitoring.coreos.com/v1",
            "Prometheus",
            "k8s",
        );
        let mut crs = CustomResources::default();
        crs.kinds
            .insert("prometheus.monitoring.coreos.com".into(), None);
        let e = owner_in(&meta, &crs)
            .unwrap()
            .cr_evidence("ns", None)
            .unwrap();
        assert!(
            e.contains("was not found although its kind was read"),
            "{e}"
        );
        crs.kinds.insert(
            "prometheus.monitoring.coreos.com".into(),
            Some("forbidden: nope".into()),
        );
        let e = owner_in(&meta, &crs)
            .unwrap()
            .cr_evidence("ns", None)
            .unwrap();
        assert!(
            e.contains("could not be read (forbidden: nope): its current values and whether its reconciliation is paused are not confirmed"),
            "{e}"
        );
    }

    /// A CassandraDatacenter written by k8ssandra-operator: the change goes to the
    /// K8ssandraCluster, and no patch of the datacenter is printed.
    #[test]
    fn the_k8ssandra_chain_is_followed_from_the_datacenters_labels() {
        let dc = cr(
            "cassandra.datastax.com/v1beta1",
            "CassandraDatacenter",
            "dc1",
            json!({"labels": {"k8ssandra.io/cluster-name": "demo", "k8ssandra.io/cluster-namespace": "k8ssandra"},
                   "annotations": {"cassandra.datastax.com/allow-storage-changes": "true"}}),
            json!({"size": 3, "storageConfig": {"cassandraDataVolumeClaimSpec": {"resources": {"requests": {"storage": "5Gi"}}}}}),
        );
        let meta = sts_meta(
            "demo-dc1-rack1-sts",
            "cassandra.datastax.com/v1beta1",
            "CassandraDatacenter",
            "dc1",
        );
        let o = owner_in(&meta, &read(vec![dc])).unwrap();
        assert_eq!(
            o.describe("ns"),
            "CassandraDatacenter ns/dc1 (cass-operator), itself managed by K8ssandraCluster k8ssandra/demo (k8ssandra-operator)"
        );
        assert_eq!(o.storage_patch("10Gi"), None);
        assert_eq!(
            o.get_argv(&Kubectl::default(), "ns"),
            [
                "kubectl",
                "-n",
                "k8ssandra",
                "get",
                "k8ssandracluster.k8ssandra.io",
                "demo",
                "-o",
                "yaml"
            ]
        );
        assert!(
            o.opt_in_text()
                .contains("which the CassandraDatacenter has")
        );
    }

    #[test]
    fn locate_follows_names_components_and_reports_absent_leaves() {
        let spec = json!({"nodePools": [{"component": "masters", "diskSize": "30Gi"}]});
        let at = locate(&spec, "spec.nodePools[].diskSize", Some("masters")).unwrap();
        assert_eq!(at.pointer, "/spec/nodePools/0/diskSize");
        assert_eq!(at.value, Some(json!("30Gi")));
        assert_eq!(
            at.tests,
            [("/spec/nodePools/0/component".to_string(), json!("masters"))]
        );
        assert!(locate(&spec, "spec.nodePools[].diskSize", Some("data")).is_none());
        assert!(locate(&spec, "spec.nodePools[].diskSize", None).is_none());
        let at = locate(&spec, "spec.general.version (and image fields)", None).unwrap();
        assert_eq!(
            (at.pointer.as_str(), at.value),
            ("/spec/general/version", None)
        );
        assert!(locate(&spec, "the operator's configuration", None).is_none());
    }
}
