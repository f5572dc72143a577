//! `ephemeral-data-volume`: a StatefulSet with no volumeClaimTemplates keeps its data in an
//! `emptyDir` or `hostPath` volume. An emptyDir is deleted with the pod, so every reschedule,
//! eviction or node loss restarts that member empty; a hostPath stays on the old node, so a
//! member that moves comes up empty elsewhere and the old data is stranded. Either way the
//! StatefulSet's promise of storage that follows the member is not kept.
//!
//! The volume's role decides, not its kind: it is data when mounted where data stores keep
//! data (`/var/lib/postgresql`, `/data`, `/bitnami/...`), when a data directory variable
//! (`PGDATA`) points into it, or when it is the pod's only writable volume that is neither
//! scratch (`/tmp`, a home directory, caches, logs) nor configuration (`/etc/...`, `conf`).
//! A set with volumeClaimTemplates keeps its state in them and is not judged at all.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::model::{Container, PodSpec, StatefulSet, Volume};
use crate::snapshot::Source;
use crate::sts;
use crate::sts::classes::{orphan_delete, recreate_manifest};
use crate::sts::template::{pod_spec, template_change_note};
use serde_json::{Value, json};

pub const CHECK: Check = Check {
    id: "ephemeral-data-volume",
    needs: &[Source::StatefulSets],
    run,
};

/// Scratch locations that never hold a member's data.
const SCRATCH: &[&str] = &[
    "/tmp", "/var/tmp", "/dev/shm", "/run", "/var/run", "/var/log", "/root", "/home",
];

/// Node paths a hostPath volume reads for the node's own state, never a member's data.
const NODE_PATHS: &[&str] = &[
    "/sys",
    "/proc",
    "/dev",
    "/run",
    "/var/run",
    "/var/log",
    "/etc",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/lib/modules",
    "/usr/src",
];

fn under(path: &str, prefixes: &[&str]) -> bool {
    let path = path.trim_end_matches('/');
    prefixes
        .iter()
        .any(|s| path == *s || path.strip_prefix(s).is_some_and(|r| r.starts_with('/')))
}

/// What a writable mount of an ephemeral volume is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    /// The application's data, and why that is known.
    Data(String),
    /// Scratch, configuration, a home directory, caches or logs: losing it costs nothing.
    Disposable,
    /// Nothing says either way.
    Unknown,
}

/// Configuration locations by path component (`/etc/mysql/conf.d`,
/// `/opt/bitnami/postgresql/conf`, `/bitnami/postgresql/conf`).
fn configuration(path: &str) -> bool {
    under(path, &["/etc"])
        || path.split('/').any(|c| {
            matches!(
                c,
                "conf"
                    | "conf.d"
                    | "config"
                    | "configs"
                    | "certs"
                    | "tls"
                    | "secrets"
                    | "scripts"
                    | "plugins"
            )
        })
}

/// Scratch, cache or log locations (`/tmp`, `/home/app`, `/var/cache/nginx`,
/// `/usr/share/elasticsearch/logs`, `/opt/bitnami/postgresql/tmp`).
fn scratch(path: &str) -> bool {
    under(path, SCRATCH)
        || path
            .split('/')
            .any(|c| matches!(c, "cache" | ".cache" | "log" | "logs" | "tmp" | "run"))
}

/// The role of `path` in container `c`: data when the data directory variable of a known
/// image (`PGDATA`, ...) points into it or it is where data stores keep their data.
fn mount_role(c: &Container, path: &str) -> Role {
    let dir = path.trim_end_matches('/');
    for e in c.env.iter().flatten() {
        let Some(v) = e.value.as_deref() else {
            continue;
        };
        if k8s::datastore::DATA_DIR_ENV.contains(&e.name.as_str())
            && (v.trim_end_matches('/') == dir
                || v.strip_prefix(dir).is_some_and(|r| r.starts_with('/')))
        {
            return Role::Data(format!("{}={v} points into it", e.name));
        }
    }
    if configuration(path) {
        return Role::Disposable;
    }
    if k8s::datastore::is_data_path(path) {
        return Role::Data("where data stores keep their data".to_string());
    }
    if scratch(path) {
        Role::Disposable
    } else {
        Role::Unknown
    }
}

/// An ephemeral volume a container writes data to: (volume, kind, size hint, mount lines).
struct DataVolume {
    name: String,
    kind: &'static str,
    size_limit: Option<String>,
    mounts: Vec<String>,
    why: String,
}

/// A writable mount of an emptyDir or hostPath volume that is not disposable.
struct Candidate<'a> {
    volume: &'a Volume,
    kind: &'static str,
    detail: String,
    mount: String,
    role: Role,
}

fn candidates(spec: &PodSpec) -> Vec<Candidate<'_>> {
    let mut out = Vec::new();
    for v in spec.volumes.iter().flatten() {
        let (kind, detail) = if let Some(e) = &v.empty_dir {
            let medium = e
                .medium
                .as_deref()
                .filter(|m| !m.is_empty())
                .map(|m| format!(" (medium {m})"))
                .unwrap_or_default();
            ("emptyDir", medium)
        } else if let Some(h) = &v.host_path {
            if under(&h.path, NODE_PATHS) {
                continue;
            }
            ("hostPath", format!(" ({})", h.path))
        } else {
            continue;
        };
        for c in &spec.containers {
            for m in c.volume_mounts.iter().flatten() {
                if m.name != v.name || m.read_only == Some(true) {
                    continue;
                }
                let role = mount_role(c, &m.mount_path);
                if role == Role::Disposable {
                    continue;
                }
                out.push(Candidate {
                    volume: v,
                    kind,
                    detail: detail.clone(),
                    mount: format!("{}:{}", c.name, m.mount_path),
                    role,
                });
            }
        }
    }
    out
}

/// The emptyDir and hostPath volumes that hold the application's data: mounted where data
/// lives (known paths, a data directory variable), or, when nothing says so, the one
/// writable volume that is neither scratch nor configuration.
fn data_volumes(sts: &StatefulSet) -> Vec<DataVolume> {
    let Some(spec) = pod_spec(sts) else {
        return Vec::new();
    };
    let cands = candidates(spec);
    let mut names: Vec<&str> = cands.iter().map(|c| c.volume.name.as_str()).collect();
    names.dedup();
    let known = cands.iter().any(|c| matches!(c.role, Role::Data(_)));
    let mut out: Vec<DataVolume> = Vec::new();
    for c in &cands {
        let why = match &c.role {
            Role::Data(why) => why.clone(),
            Role::Unknown if !known && names.len() == 1 => {
                "the pod's only writable volume that is not scratch or configuration".to_string()
            }
            _ => continue,
        };
        let mount = format!("{}{}", c.mount, c.detail);
        match out.iter_mut().find(|d| d.name == c.volume.name) {
            Some(d) => d.mounts.push(mount),
            None => out.push(DataVolume {
                name: c.volume.name.clone(),
                kind: c.kind,
                size_limit: c
                    .volume
                    .empty_dir
                    .as_ref()
                    .and_then(|e| e.size_limit.as_ref())
                    .map(|q| q.0.clone()),
                mounts: vec![mount],
                why,
            }),
        }
    }
    out
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        if !sts::claims::template_names(sts).is_empty() {
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
                "volume {} ({}) mounted at {}: {}",
                v.name,
                v.kind,
                v.mounts.join(", "),
                v.why
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
        assert!(r[0].evidence.iter().any(|e| e
            == "volume data (emptyDir) mounted at redis:/data: where data stores keep their data"));
        assert!(!r[0].evidence.iter().any(|e| e.contains("volume tmp")));
        assert_eq!(
            r[0].commands[0].command,
            "kubectl -n shop delete statefulset redis --cascade=orphan"
        );
        let m = r[0].commands[1].stdin().unwrap();
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

    fn roles(extra: serde_json::Value) -> Vec<String> {
        let r = run_check(&with_volumes(extra), super::CHECK);
        r.iter()
            .flat_map(|f| f.evidence.iter().skip(1).cloned())
            .collect()
    }

    #[test]
    fn config_home_and_scratch_volumes_are_not_data() {
        // The mysql docs example's conf emptyDir, a home directory, a cache and the
        // bitnami conf/tmp subPaths: nothing there is a member's data.
        assert!(roles(json!({
            "containers": [{"name": "mysql", "image": "mysql:5.7", "volumeMounts": [
                {"name": "conf", "mountPath": "/etc/mysql/conf.d"},
                {"name": "home", "mountPath": "/home/app"},
                {"name": "empty-dir", "mountPath": "/opt/bitnami/memcached/conf", "subPath": "app-conf-dir"},
                {"name": "empty-dir", "mountPath": "/opt/bitnami/memcached/tmp", "subPath": "app-tmp-dir"},
                {"name": "cache", "mountPath": "/var/cache/nginx"}]}],
            "volumes": [{"name": "conf", "emptyDir": {}}, {"name": "home", "emptyDir": {}},
                        {"name": "empty-dir", "emptyDir": {}}, {"name": "cache", "emptyDir": {}}]
        }))
        .is_empty());
        // A log shipper's node paths are the node's, not the set's.
        assert!(roles(json!({
            "containers": [{"name": "fluent-bit", "image": "fluent/fluent-bit:3.1", "volumeMounts": [
                {"name": "varlog", "mountPath": "/var/log"}]}],
            "volumes": [{"name": "varlog", "hostPath": {"path": "/var/log"}}]
        }))
        .is_empty());
    }

    #[test]
    fn data_is_found_by_path_by_variable_or_as_the_only_writable_volume() {
        // ECK-style Elasticsearch: the data volume is named, logs and config are not data.
        let r = roles(json!({
            "containers": [{"name": "elasticsearch", "image": "docker.elastic.co/elasticsearch/elasticsearch:8.14.1",
                "volumeMounts": [
                    {"name": "elasticsearch-data", "mountPath": "/usr/share/elasticsearch/data"},
                    {"name": "elasticsearch-logs", "mountPath": "/usr/share/elasticsearch/logs"},
                    {"name": "elastic-internal-elasticsearch-config-local", "mountPath": "/usr/share/elasticsearch/config"}]}],
            "volumes": [{"name": "elasticsearch-data", "emptyDir": {}}, {"name": "elasticsearch-logs", "emptyDir": {}},
                        {"name": "elastic-internal-elasticsearch-config-local", "emptyDir": {}}]
        }));
        assert_eq!(
            r,
            vec![
                "volume elasticsearch-data (emptyDir) mounted at elasticsearch:/usr/share/elasticsearch/data: where data stores keep their data"
            ]
        );
        // PGDATA points into an unusual mount path.
        let r = roles(json!({
            "containers": [{"name": "pg", "image": "postgres:16", "env": [{"name": "PGDATA", "value": "/pgdata/16/main"}],
                "volumeMounts": [{"name": "pgdata", "mountPath": "/pgdata"}, {"name": "run", "mountPath": "/var/run/postgresql"}]}],
            "volumes": [{"name": "pgdata", "emptyDir": {}}, {"name": "run", "emptyDir": {}}]
        }));
        assert_eq!(
            r,
            vec![
                "volume pgdata (emptyDir) mounted at pg:/pgdata: PGDATA=/pgdata/16/main points into it"
            ]
        );
        // Nothing says where the data is, but one writable volume is all there is.
        let r = roles(json!({
            "containers": [{"name": "app", "image": "example/ledger:2", "volumeMounts": [
                {"name": "state", "mountPath": "/srv/ledger"}, {"name": "tmp", "mountPath": "/tmp"}]}],
            "volumes": [{"name": "state", "hostPath": {"path": "/mnt/ledger"}}, {"name": "tmp", "emptyDir": {}}]
        }));
        assert_eq!(r.len(), 1);
        assert!(
            r[0].ends_with("the pod's only writable volume that is not scratch or configuration"),
            "{r:?}"
        );
        // Two unexplained volumes: no guess.
        assert!(
            roles(json!({
                "containers": [{"name": "app", "image": "example/app:1", "volumeMounts": [
                    {"name": "a", "mountPath": "/srv/a"}, {"name": "b", "mountPath": "/srv/b"}]}],
                "volumes": [{"name": "a", "emptyDir": {}}, {"name": "b", "emptyDir": {}}]
            }))
            .is_empty()
        );
    }
}
