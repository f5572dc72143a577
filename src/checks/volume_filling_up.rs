//! `volume-filling-up`: a claim at ≥ 80 % (critical ≥ 90 %) of its bytes or inodes, from
//! the kubelet's volume stats (`--volume-stats`).

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::snapshot::{Source, VolumeStat};

pub const CHECK: Check = Check {
    id: "volume-filling-up",
    needs: &[Source::VolumeStats, Source::Pods],
    run,
};

const WARN: f64 = 0.80;
const CRIT: f64 = 0.90;
/// The suggested size brings usage back to this fraction.
const TARGET: f64 = 0.70;

fn ratio(used: Option<u64>, total: Option<u64>) -> Option<f64> {
    match (used, total) {
        (Some(u), Some(t)) if t > 0 => Some(u as f64 / t as f64),
        _ => None,
    }
}

fn gib(b: u64) -> String {
    format!("{:.1}Gi", b as f64 / 1024f64.powi(3))
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(stats) = ctx.snap.volume_stats.as_ref() else {
        return;
    };
    for v in stats {
        let bytes = ratio(v.used_bytes, v.capacity_bytes);
        let inodes = ratio(v.inodes_used, v.inodes);
        let worst = bytes.unwrap_or(0.0).max(inodes.unwrap_or(0.0));
        if worst < WARN {
            continue;
        }
        let sts = statefulset_of(ctx, v);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("PersistentVolumeClaim", &v.namespace, &v.pvc),
            sts.as_deref(),
            summary(v, bytes, inodes),
        );
        f.severity = if worst >= CRIT {
            Severity::Critical
        } else {
            Severity::Warning
        };
        if let (Some(u), Some(c)) = (v.used_bytes, v.capacity_bytes) {
            f.evidence.push(format!(
                "bytes: {} used of {} ({:.0} %), mounted by {} on {}",
                gib(u),
                gib(c),
                bytes.unwrap_or(0.0) * 100.0,
                v.pod,
                v.node
            ));
        }
        if let (Some(u), Some(t)) = (v.inodes_used, v.inodes) {
            f.evidence.push(format!(
                "inodes: {u} used of {t} ({:.0} %)",
                inodes.unwrap_or(0.0) * 100.0
            ));
        }
        let class = ctx
            .idx
            .pvc
            .get(&(v.namespace.as_str(), v.pvc.as_str()))
            .and_then(|p| p.spec.as_ref()?.storage_class_name.as_deref())
            .and_then(|c| ctx.idx.storage_class.get(c).copied());
        let expandable = class.map(|c| c.allow_volume_expansion == Some(true));
        if let Some(false) = expandable {
            f.evidence.push(format!(
                "StorageClass {} does not allow volume expansion: growing needs `allowVolumeExpansion: true` first",
                class.map(|c| k8s::name(&c.metadata)).unwrap_or_default()
            ));
        }
        let suggested = suggested_size(v, bytes);
        match (&sts, &suggested) {
            (Some(name), Some(size)) => f.commands.push(Remedy::run(
                format!("Grow every volume of {name} to {size} (usage back to ≤ 70 %); shows the plan first"),
                ctx.kubectl.sts_argv(Some(&v.namespace), &["pvc-expand", name, "--size", size]),
            )),
            (None, Some(size)) => f.commands.push(Remedy::run(
                format!("Grow this claim to {size} (usage back to ≤ 70 %)"),
                ctx.kubectl.argv(
                    Some(&v.namespace),
                    &[
                        "patch",
                        "pvc",
                        &v.pvc,
                        "--type=merge",
                        "-p",
                        &serde_json::json!({"spec": {"resources": {"requests": {"storage": size}}}}).to_string(),
                    ],
                ),
            )),
            _ => {}
        }
        if let (Some(_), Some(size)) = (&sts, &suggested) {
            // pvc-expand also fixes the claim template; this is the one-claim stopgap.
            f.commands.push(Remedy::run(
                "Or grow only this claim now (the claim template keeps the old size)",
                ctx.kubectl.argv(
                    Some(&v.namespace),
                    &[
                        "patch",
                        "pvc",
                        &v.pvc,
                        "--type=merge",
                        "-p",
                        &serde_json::json!({"spec": {"resources": {"requests": {"storage": size}}}}).to_string(),
                    ],
                ),
            ));
        }
        if let Some((container, path)) = mount_of(ctx, v) {
            let script = format!(
                "df -h {path}; df -i {path}; du -xh {path} 2>/dev/null | sort -rh | head -20"
            );
            f.commands.push(Remedy::run(
                format!("See what takes the space under {path} (largest directories first)"),
                ctx.kubectl.argv(
                    Some(&v.namespace),
                    &["exec", &v.pod, "-c", &container, "--", "sh", "-c", &script],
                ),
            ));
        }
        out.push(f);
    }
}

fn summary(v: &VolumeStat, bytes: Option<f64>, inodes: Option<f64>) -> String {
    let b = bytes.unwrap_or(0.0);
    let i = inodes.unwrap_or(0.0);
    if i >= WARN && i > b {
        format!(
            "{} has used {:.0} % of its inodes: new files will fail before the bytes run out",
            v.pvc,
            i * 100.0
        )
    } else {
        format!(
            "{} is {:.0} % full: writes fail when it reaches 100 %",
            v.pvc,
            b * 100.0
        )
    }
}

/// The smallest whole-Gi size that brings byte usage to at most 70 %; for inode pressure,
/// the size that brings inode usage there, assuming inodes grow with the size.
fn suggested_size(v: &VolumeStat, bytes: Option<f64>) -> Option<String> {
    let cap = v.capacity_bytes? as f64;
    let by_bytes = bytes.map(|r| cap * r / TARGET).unwrap_or(0.0);
    let by_inodes = ratio(v.inodes_used, v.inodes)
        .map(|r| cap * r / TARGET)
        .unwrap_or(0.0);
    let want = by_bytes.max(by_inodes).max(cap * 1.1);
    Some(k8s::quantity::format_gib_ceil(want))
}

/// The container and path where the pod mounts the claim.
fn mount_of(ctx: &Ctx, v: &VolumeStat) -> Option<(String, String)> {
    let pod = ctx.idx.pod.get(&(v.namespace.as_str(), v.pod.as_str()))?;
    let spec = pod.spec.as_ref()?;
    let vol = spec.volumes.as_deref()?.iter().find(|vol| {
        vol.persistent_volume_claim
            .as_ref()
            .is_some_and(|c| c.claim_name == v.pvc)
    })?;
    spec.containers.iter().find_map(|c| {
        c.volume_mounts
            .as_deref()?
            .iter()
            .find(|m| m.name == vol.name)
            .map(|m| (c.name.clone(), m.mount_path.clone()))
    })
}

/// The StatefulSet whose pod mounts the claim.
fn statefulset_of(ctx: &Ctx, v: &VolumeStat) -> Option<String> {
    let pod = ctx.idx.pod.get(&(v.namespace.as_str(), v.pod.as_str()))?;
    let owner = k8s::controller_of(&pod.metadata)?;
    (owner.kind == "StatefulSet").then(|| owner.name.clone())
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::snapshot::VolumeStat;
    use crate::testutil::*;

    fn stat(used: u64, cap: u64, inodes_used: u64, inodes: u64) -> VolumeStat {
        VolumeStat {
            namespace: "shop".into(),
            pod: "db-0".into(),
            pvc: "data-db-0".into(),
            node: "node-0".into(),
            used_bytes: Some(used),
            capacity_bytes: Some(cap),
            inodes_used: Some(inodes_used),
            inodes: Some(inodes),
        }
    }

    const GI: u64 = 1024 * 1024 * 1024;

    #[test]
    fn thresholds_and_suggested_size() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, true));
        s.volume_stats = Some(vec![stat(92 * GI / 10, 10 * GI, 10, 1000)]);
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].severity, Severity::Critical);
        // 9.2Gi / 0.7 = 13.14Gi → 14Gi
        assert_eq!(
            r[0].commands[0].command,
            "kubectl sts pvc-expand db --size 14Gi -n shop"
        );

        s.volume_stats = Some(vec![stat(8 * GI, 10 * GI, 10, 1000)]);
        assert_eq!(run_check(&s, super::CHECK)[0].severity, Severity::Warning);

        s.volume_stats = Some(vec![stat(7 * GI, 10 * GI, 10, 1000)]);
        assert!(run_check(&s, super::CHECK).is_empty(), "70 % stays quiet");
    }

    #[test]
    fn inode_exhaustion_counts() {
        let mut s = snapshot();
        s.volume_stats = Some(vec![stat(GI, 10 * GI, 950, 1000)]);
        let r = run_check(&s, super::CHECK);
        assert_eq!(r[0].severity, Severity::Critical);
        assert!(r[0].summary.contains("inodes"));
    }

    #[test]
    fn without_volume_stats_it_is_not_checked() {
        let s = snapshot();
        let rep = crate::checks::analyze_with(&s, now(), &Default::default(), &[super::CHECK]);
        assert_eq!(rep.not_checked.len(), 1);
        assert!(rep.not_checked[0].opt_in_only());
    }
}
