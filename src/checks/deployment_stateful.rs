//! `deployment-stateful`: a Deployment keeps state on a ReadWriteOnce claim, with more than
//! one replica or with the RollingUpdate strategy. A Deployment's pods are interchangeable:
//! new random names on every restart, every replica mounting the same claim, and a rolling
//! update that starts the new pod before the old one has let go of the volume (Multi-Attach
//! on another node, on every rollout). Identity-bound state (broker ids, replica-set
//! members, quorum voters) in a Deployment is how the classic Kafka split-brain happens:
//! replacement pods register as unknown members while the old identities still hold
//! partitions. It belongs in a StatefulSet.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::PersistentVolumeClaim;
use crate::snapshot::Source;
use k8s_openapi::api::apps::v1::Deployment;
use serde_json::json;

pub const CHECK: Check = Check {
    id: "deployment-stateful",
    needs: &[Source::Deployments, Source::PersistentVolumeClaims],
    run,
};

/// How a claim can be shared, judged from its access modes.
enum Sharing {
    /// ReadWriteOnce / ReadWriteOncePod only: one node (or one pod) at a time.
    Once(String),
    /// ReadWriteMany or ReadOnlyMany: made to be shared.
    Many,
    /// The claim is not in the snapshot.
    Unknown,
}

fn sharing(pvc: Option<&PersistentVolumeClaim>) -> Sharing {
    let Some(pvc) = pvc else {
        return Sharing::Unknown;
    };
    let modes: Vec<&str> = pvc
        .spec
        .as_ref()
        .and_then(|s| s.access_modes.as_deref())
        .or_else(|| pvc.status.as_ref().and_then(|s| s.access_modes.as_deref()))
        .unwrap_or_default()
        .iter()
        .map(|m| m.as_str())
        .collect();
    if modes
        .iter()
        .any(|m| *m == "ReadWriteMany" || *m == "ReadOnlyMany")
        || modes.is_empty()
    {
        return Sharing::Many;
    }
    Sharing::Once(modes.join(","))
}

fn strategy(d: &Deployment) -> &str {
    d.spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.type_.as_deref())
        .unwrap_or("RollingUpdate")
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for d in &ctx.snap.deployments {
        let Some(spec) = d.spec.as_ref() else {
            continue;
        };
        let replicas = spec.replicas.unwrap_or(1);
        if replicas < 1 {
            continue;
        }
        let ns = k8s::namespace(&d.metadata);
        let name = k8s::name(&d.metadata);
        let rolling = strategy(d) == "RollingUpdate";
        let mut claims: Vec<(&str, String)> = Vec::new();
        for v in spec
            .template
            .spec
            .as_ref()
            .and_then(|s| s.volumes.as_deref())
            .unwrap_or_default()
        {
            let Some(c) = v.persistent_volume_claim.as_ref() else {
                continue;
            };
            let claim = c.claim_name.as_str();
            match sharing(ctx.idx.pvc.get(&(ns, claim)).copied()) {
                Sharing::Many => {}
                Sharing::Once(modes) => {
                    claims.push((claim, format!("claim {claim}: accessModes {modes}")))
                }
                Sharing::Unknown => claims.push((
                    claim,
                    format!(
                        "claim {claim}: not in the snapshot, so its access mode is unknown (judged by the claim name alone; most classes provision ReadWriteOnce)"
                    ),
                )),
            }
        }
        if claims.is_empty() || !(replicas > 1 || rolling) {
            continue;
        }
        let names: Vec<&str> = claims.iter().map(|(c, _)| *c).collect();
        let why = match (replicas > 1, rolling) {
            (true, true) => format!("{replicas} replicas and a RollingUpdate strategy"),
            (true, false) => format!("{replicas} replicas"),
            _ => "a RollingUpdate strategy".to_string(),
        };
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("Deployment", ns, name),
            None,
            format!(
                "Deployment {name} keeps state on single-node claim {} with {why}: no stable identity, and rollouts hit Multi-Attach",
                names.join(", ")
            ),
        );
        f.evidence.push(
            "a Deployment's pods are interchangeable: new names on every restart, one claim shared by all replicas; state tied to a member's identity (broker id, replica, quorum voter) is how the classic Kafka split-brain happened: replacements joined as unknown members while the old ids still led partitions".to_string(),
        );
        f.evidence.extend(claims.iter().map(|(_, e)| e.clone()));
        if replicas > 1 {
            f.evidence.push(format!(
                "replicas {replicas}: all mount the same claim; a ReadWriteOnce volume attaches to one node, so replicas elsewhere stay ContainerCreating (Multi-Attach) and replicas on that node write the same files"
            ));
        }
        if rolling {
            f.evidence.push(
                "strategy RollingUpdate: each rollout starts the new pod while the old one still holds the volume; on another node it waits on Multi-Attach until the old pod is gone".to_string(),
            );
            let patch = json!({"spec": {"strategy": {"type": "Recreate", "rollingUpdate": null}}});
            f.commands.push(Remedy::run(
                format!(
                    "Stop the Multi-Attach on every rollout until {name} is migrated: Recreate stops the old pod before starting the new one (a short outage per rollout). The strategy is not part of the pod template: nothing restarts now"
                ),
                ctx.kubectl.argv(
                    Some(ns),
                    &[
                        "patch",
                        "deployment",
                        name,
                        "--type=merge",
                        "-p",
                        &patch.to_string(),
                    ],
                ),
            ));
        }
        f.commands.push(Remedy::run(
            format!(
                "Migrate {name} to a StatefulSet: same pod template, a headless Service as serviceName, the claim turned into volumeClaimTemplates (one volume per member), members deriving their id from the ordinal. Copy the data into the new member's claim and scale the Deployment to 0 before starting the StatefulSet, so two copies never run on the same data. Start from its current manifest"
            ),
            ctx.kubectl
                .argv(Some(ns), &["get", "deployment", name, "-o", "yaml"]),
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn deployment(
        replicas: i32,
        strategy: &str,
        claim: &str,
    ) -> k8s_openapi::api::apps::v1::Deployment {
        from_json(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "kafka", "namespace": "shop"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "kafka"}},
                     "strategy": {"type": strategy},
                     "template": {"metadata": {"labels": {"app": "kafka"}},
                                  "spec": {"containers": [{"name": "kafka", "image": "kafka"}],
                                           "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]}}}
        }))
    }

    fn pvc_modes(modes: serde_json::Value) -> crate::model::PersistentVolumeClaim {
        let p = pvc_of(
            "shop",
            "kafka-data",
            "kafka",
            "pv-1",
            None,
            "2026-11-01T00:00:00Z",
        );
        merged(&p, json!({"spec": {"accessModes": modes}}))
    }

    #[test]
    fn replicas_on_an_rwo_claim_fire_with_recreate_patch() {
        let mut s = snapshot();
        s.deployments
            .push(deployment(3, "RollingUpdate", "kafka-data"));
        s.pvcs.push(pvc_modes(json!(["ReadWriteOnce"])));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].object.kind, "Deployment");
        assert_eq!(r[0].statefulset, None);
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl -n shop patch deployment kafka --type=merge -p '{"spec":{"strategy":{"rollingUpdate":null,"type":"Recreate"}}}'"#
        );
    }

    #[test]
    fn one_replica_with_recreate_or_an_rwx_claim_is_quiet() {
        let mut s = snapshot();
        s.deployments.push(deployment(1, "Recreate", "kafka-data"));
        s.pvcs.push(pvc_modes(json!(["ReadWriteOnce"])));
        assert!(run_check(&s, super::CHECK).is_empty());
        let mut s = snapshot();
        s.deployments
            .push(deployment(3, "RollingUpdate", "kafka-data"));
        s.pvcs.push(pvc_modes(json!(["ReadWriteMany"])));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn an_unknown_claim_falls_back_to_its_name_and_says_so() {
        let mut s = snapshot();
        s.deployments
            .push(deployment(1, "RollingUpdate", "kafka-data"));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.contains("not in the snapshot"))
        );
    }
}
