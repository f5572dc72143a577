//! `ephemeral-data-volume`: a StatefulSet with no volumeClaimTemplates keeps its data in an
//! `emptyDir` or `hostPath` volume. An emptyDir is deleted with the pod, so every reschedule,
//! eviction or node loss restarts that member empty; a hostPath stays on the old node, so a
//! member that moves comes up empty elsewhere and the old data is stranded. Either way the
//! StatefulSet's promise of storage that follows the member is not kept.

use super::Check;
use super::spread_missing::{pod_spec, template_change_note};
use super::storageclass_missing::{orphan_delete, recreate_manifest};
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::snapshot::Source;
use k8s_openapi::api::apps::v1::StatefulSet;
use serde_json::{Value, json};

pub const CHECK: Check = Check {
    id: "ephemeral-data-volume",
    needs: &[Source::StatefulSets],
    run,
};

/// Scratch locations that never hold a member's data.
const SCRATCH: &[&str] = &["/tmp", "/var/tmp", "/dev/shm", "/run", "/var/run"];

fn scratch(path: &str) -> bool {
    SCRATCH
        .iter()
        .any(|s| path == *s || path.strip_prefix(s).is_some_and(|r| r.starts_with('/')))
}

/// An ephemeral volume a container writes data to: (volume, kind, size hint, mount lines).
struct DataVolume {
    name: String,
    kind: &'static str,
    size_limit: Option<String>,
    mounts: Vec<String>,
}

fn data_volumes(sts: &StatefulSet) -> Vec<DataVolume> {
    let Some(spec) = pod_spec(sts) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for v in spec.volumes.iter().flatten() {
        let (kind, size_limit, detail) = if let Some(e) = &v.empty_dir {
            let medium = e
                .medium
                .as_deref()
                .filter(|m| !m.is_empty())
                .map(|m| format!(" (medium {m})"))
                .unwrap_or_default();
            (
                "emptyDir",
                e.size_limit.as_ref().map(|q| q.0.clone()),
                medium,
            )
        } else if let Some(h) = &v.host_path {
            ("hostPath", None, format!(" ({})", h.path))
        } else {
            continue;
        };
        let mounts: Vec<String> = spec
            .containers
            .iter()
            .flat_map(|c| {
                c.volume_mounts
                    .iter()
                    .flatten()
                    .filter(|m| m.name == v.name)
                    .filter(|m| m.read_only != Some(true) && !scratch(&m.mount_path))
                    .map(move |m| format!("{}:{}", c.name, m.mount_path))
            })
            .collect();
        if mounts.is_empty() {
            continue;
        }
        out.push(DataVolume {
            name: v.name.clone(),
            kind,
            size_limit,
            mounts: mounts.into_iter().map(|m| format!("{m}{detail}")).collect(),
        });
    }
    out
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        if !super::local_volume::template_names(sts).is_empty() {
            continue;
        }
        let persistent = pod_spec(sts).is_some_and(|s| {
            s.volumes
                .iter()
                .flatten()
                .any(|v| v.persistent_volume_claim.is_some() || v.ephemeral.is_some())
        });
        let vols = data_volumes(sts);
        if persistent || vols.is_empty() {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let n = k8s::replicas(sts);
        let kinds: Vec<&str> = {
            let mut k: Vec<&str> = vols.iter().map(|v| v.kind).collect();
            k.sort_unstable();
            k.dedup();
            k
        };
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{name} has no volumeClaimTemplates and writes to {}: a member that is rescheduled or loses its node starts empty",
                kinds.join(" and ")
            ),
        );
        f.evidence.push(
            "an emptyDir is deleted with its pod; a hostPath stays on the node the pod left. Neither follows the member, so every eviction, drain or node loss costs that member its data".to_string(),
        );
        for v in &vols {
            f.evidence.push(format!(
                "volume {} ({}) mounted at {}",
                v.name,
                v.kind,
                v.mounts.join(", ")
            ));
        }
        let names: Vec<String> = vols.iter().map(|v| v.name.clone()).collect();
        let guessed = vols.iter().any(|v| v.size_limit.is_none());
        let templates: Vec<Value> = vols
            .iter()
            .map(|v| {
                json!({
                    "metadata": {"name": v.name},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": v.size_limit.clone().unwrap_or_else(|| "10Gi".to_string())}},
                    },
                })
            })
            .collect();
        let m = recreate_manifest(sts, |v| {
            if let Some(vols) = v["spec"]["template"]["spec"]
                .get_mut("volumes")
                .and_then(Value::as_array_mut)
            {
                vols.retain(|x| {
                    !x["name"]
                        .as_str()
                        .is_some_and(|n| names.iter().any(|d| d == n))
                });
                if vols.is_empty()
                    && let Some(o) = v["spec"]["template"]["spec"].as_object_mut()
                {
                    o.remove("volumes");
                }
            }
            v["spec"]["volumeClaimTemplates"] = Value::Array(templates);
        });
        f.commands.push(orphan_delete(
            ctx,
            sts,
            "volumeClaimTemplates cannot be added to an existing StatefulSet. Step 1",
        ));
        let size_note = if guessed {
            " The 10Gi size is a placeholder: set it to the data size plus headroom before applying."
        } else {
            ""
        };
        let single = if n < 2 {
            format!(
                " With {n} replica there is no peer to re-sync from: copy the data out first (kubectl cp) and restore it into the new volume."
            )
        } else {
            String::new()
        };
        let host = if kinds.contains(&"hostPath") {
            " The hostPath data stays on the nodes: copy it in if the application cannot re-sync."
        } else {
            ""
        };
        f.commands.push(Remedy::with_stdin(
            format!(
                "Step 2: re-create {name} with a claim template (default StorageClass, ReadWriteOnce) in place of each ephemeral data volume; the mounts keep their names.{size_note} {}; each member comes back on an empty volume, to be re-synced from its peers.{single}{host}",
                template_change_note(sts)
            ),
            ctx.kubectl.argv(None, &["apply", "-f", "-"]),
            manifest::to_yaml(&m),
        ));
        f.commands.push(Remedy::run(
            "Follow the replacement, one member at a time; confirm each has re-synced before the next goes",
            ctx.kubectl
                .argv(Some(ns), &["rollout", "status", "statefulset", name]),
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn with_volumes(extra: serde_json::Value) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "redis", 3),
            json!({"spec": {"template": {"spec": extra}}}),
        ));
        s
    }

    #[test]
    fn empty_dir_data_fires_with_a_recreate_manifest() {
        let s = with_volumes(json!({
            "containers": [{"name": "redis", "image": "redis",
                "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "tmp", "mountPath": "/tmp"}]}],
            "volumes": [{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}]
        }));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e == "volume data (emptyDir) mounted at redis:/data")
        );
        assert!(!r[0].evidence.iter().any(|e| e.contains("volume tmp")));
        assert_eq!(
            r[0].commands[0].command,
            "kubectl -n shop delete statefulset redis --cascade=orphan"
        );
        let m = r[0].commands[1].stdin.as_deref().unwrap();
        assert!(
            m.contains("volumeClaimTemplates:") && m.contains("storage: 10Gi"),
            "{m}"
        );
        assert!(
            m.contains("name: tmp") && m.contains("emptyDir"),
            "the scratch volume stays: {m}"
        );
        assert!(r[0].commands[1].description.contains("placeholder"));
    }

    #[test]
    fn host_path_fires_and_claim_templates_or_scratch_only_are_quiet() {
        let s = with_volumes(json!({
            "containers": [{"name": "zk", "image": "zk", "volumeMounts": [{"name": "d", "mountPath": "/var/lib/zookeeper"}]}],
            "volumes": [{"name": "d", "hostPath": {"path": "/srv/zk"}}]
        }));
        assert_eq!(run_check(&s, super::CHECK).len(), 1);

        let s = with_volumes(json!({
            "containers": [{"name": "zk", "image": "zk", "volumeMounts": [{"name": "t", "mountPath": "/tmp/x"}]}],
            "volumes": [{"name": "t", "emptyDir": {"medium": "Memory"}}]
        }));
        assert!(run_check(&s, super::CHECK).is_empty());

        let mut s = snapshot();
        s.statefulsets.push(merged(
            &with_claim_template(&sts("shop", "db", 3), None),
            json!({"spec": {"template": {"spec": {
                "containers": [{"name": "db", "image": "x", "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]}],
                "volumes": [{"name": "cache", "emptyDir": {}}]}}}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
