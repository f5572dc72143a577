//! Operators that own StatefulSets, and how each wants a change made: through its custom
//! resource (CR), not by patching the StatefulSet, which the operator reverts at its next
//! reconcile or silently drops at the next change of the CR. The table is
//! `shared/spec/operators.md` (read from each operator's source); where that says
//! "unconfirmed", the entry here says so too and the advice stays conservative.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

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
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl Owner {
    /// The merge patch that sets the CR's storage size to `size`, when the operator grows
    /// claims from that field and the field is one value (not an entry of a list).
    pub fn storage_patch(&self, size: &str) -> Option<serde_json::Value> {
        if !matches!(self.operator.expansion, Expansion::ThroughCr { .. }) {
            return None;
        }
        merge_patch(&self.field(self.operator.storage?), serde_json::json!(size))
    }

    /// `kubectl patch` of this CR with a merge patch.
    pub fn patch_argv(
        &self,
        kubectl: &crate::kubectl::Kubectl,
        ns: &str,
        patch: &serde_json::Value,
    ) -> Vec<String> {
        kubectl.argv(
            Some(ns),
            &[
                "patch",
                self.resource.as_str(),
                self.name.as_str(),
                "--type=merge",
                "-p",
                &patch.to_string(),
            ],
        )
    }

    /// A CR field path or procedure, with the component and the resource's name filled in.
    pub fn field(&self, path: &str) -> String {
        path.replace("{component}", self.component.as_deref().unwrap_or("pxc"))
            .replace("{cr}", &self.name)
    }

    /// "Prometheus monitoring/k8s (Prometheus Operator)".
    pub fn describe(&self, ns: &str) -> String {
        format!("{} {ns}/{} ({})", self.kind, self.name, self.operator.name)
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
                resource: format!("{}.{group}", r.kind.to_lowercase()),
                name: r.name.clone(),
                component,
                evidence: format!(
                    "ownerReference (controller) {} {} ({})",
                    r.kind, r.name, r.api_version
                ),
            });
        }
        return None;
    }
    let by_labels = |group: &str, kind: &str, name: &str, marks: &str| {
        Some(Owner {
            operator: find(group, kind)?,
            kind: kind.to_string(),
            resource: format!("{}.{group}", kind.to_lowercase()),
            name: name.to_string(),
            component: component.clone(),
            evidence: format!("labels {marks} (the operator sets no ownerReference here)"),
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
