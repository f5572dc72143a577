//! `volume-filling-up`: a claim at ≥ 80 % (critical ≥ 90 %) of its bytes or inodes, or
//! one that fills within a day at the rate it grows. Usage comes from the kubelet's volume
//! stats (`--volume-stats`) or from Prometheus (`--prometheus`); the growth only from
//! Prometheus. With both, the kubelet says how full it is now and Prometheus how fast it
//! grows.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::snapshot::{Source, VolumeStat, VolumeTrend};
use std::collections::BTreeMap;

pub const CHECK: Check = Check {
    id: "volume-filling-up",
    needs: &[Source::VolumeStats, Source::Pods],
    run,
};

const WARN: f64 = 0.80;
const CRIT: f64 = 0.90;
/// The suggested size brings usage back to this fraction.
const TARGET: f64 = 0.70;
/// Full sooner than this is critical: about the time a resize takes end to end when it
/// does not go smoothly (the claim grows, the filesystem is grown online or the pod is
/// restarted for it, the claim template is replaced), with someone woken up to do it.
pub const RESIZE_SECS: f64 = 3600.0;
/// Full sooner than this is a warning, even below 80 %: it fills before the next day.
pub const HORIZON_SECS: f64 = 86_400.0;
/// A slope fitted on fewer samples than this is noise, not a trend.
pub const MIN_SAMPLES: u64 = 10;
/// With a trend, the suggested size also leaves room for this long at the current rate.
const ROOM_SECS: f64 = 7.0 * 86_400.0;

fn ratio(used: Option<u64>, total: Option<u64>) -> Option<f64> {
    match (used, total) {
        (Some(u), Some(t)) if t > 0 => Some(u as f64 / t as f64),
        _ => None,
    }
}

fn gib(b: u64) -> String {
    format!("{:.1}Gi", b as f64 / 1024f64.powi(3))
}

/// A growth rate per hour, in the unit that reads best.
fn per_hour(bytes_per_second: f64) -> String {
    let h = bytes_per_second * 3600.0;
    let gi = 1024f64.powi(3);
    let mi = 1024f64.powi(2);
    if h >= gi {
        format!("{:.1} GiB/h", h / gi)
    } else if h >= mi {
        format!("{:.0} MiB/h", h / mi)
    } else {
        format!("{:.0} KiB/h", h / 1024.0)
    }
}

/// "2 h 10 m", "35 m", "3 d 4 h".
pub fn duration(secs: f64) -> String {
    let m = (secs / 60.0).round().max(0.0) as u64;
    let (d, h, m) = (m / 1440, (m % 1440) / 60, m % 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m} m"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} m"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// One claim as the check sees it: usage now, from the kubelet if it was read, else from
/// Prometheus, and the trend from Prometheus.
struct Volume<'a> {
    namespace: &'a str,
    pvc: &'a str,
    kubelet: Option<&'a VolumeStat>,
    trend: Option<&'a VolumeTrend>,
    used_bytes: Option<u64>,
    capacity_bytes: Option<u64>,
    inodes_used: Option<u64>,
    inodes: Option<u64>,
}

/// A resource (bytes or inodes) growing towards full: the rate and when it is full.
#[derive(Clone, Copy)]
struct Growth {
    per_second: f64,
    full_in: f64,
}

fn growth(used: Option<u64>, total: Option<u64>, rate: Option<f64>) -> Option<Growth> {
    let (u, t, r) = (used?, total?, rate?);
    if r <= 0.0 || t == 0 {
        return None;
    }
    Some(Growth {
        per_second: r,
        full_in: (t.saturating_sub(u)) as f64 / r,
    })
}

fn volumes<'a>(ctx: &Ctx<'a>) -> Vec<Volume<'a>> {
    let mut by_claim: BTreeMap<(&'a str, &'a str), Volume<'a>> = BTreeMap::new();
    let snap = ctx.snap;
    for t in snap.volume_trends.iter().flatten() {
        by_claim.insert(
            (t.namespace.as_str(), t.pvc.as_str()),
            Volume {
                namespace: &t.namespace,
                pvc: &t.pvc,
                kubelet: None,
                trend: Some(t),
                used_bytes: t.used_bytes,
                capacity_bytes: t.capacity_bytes,
                inodes_used: t.inodes_used,
                inodes: t.inodes,
            },
        );
    }
    for v in snap.volume_stats.iter().flatten() {
        let e = by_claim
            .entry((v.namespace.as_str(), v.pvc.as_str()))
            .or_insert(Volume {
                namespace: &v.namespace,
                pvc: &v.pvc,
                kubelet: None,
                trend: None,
                used_bytes: None,
                capacity_bytes: None,
                inodes_used: None,
                inodes: None,
            });
        // The kubelet answered just now: it says how full the volume is.
        e.kubelet = Some(v);
        e.used_bytes = v.used_bytes.or(e.used_bytes);
        e.capacity_bytes = v.capacity_bytes.or(e.capacity_bytes);
        e.inodes_used = v.inodes_used.or(e.inodes_used);
        e.inodes = v.inodes.or(e.inodes);
    }
    by_claim.into_values().collect()
}

/// Where the usage comes from, said only when Prometheus was read too.
fn source_text(v: &Volume) -> &'static str {
    match (v.kubelet.is_some(), v.trend.is_some()) {
        (true, true) => ", now, from the kubelet",
        (false, true) => ", from Prometheus",
        _ => "",
    }
}

/// A class that does not allow expansion: say so, and allow it first (no patch of a claim
/// can grow it until then).
fn allow_expansion_first(ctx: &Ctx, f: &mut Finding, v: &Volume) {
    let class = ctx
        .idx
        .pvc
        .get(&(v.namespace, v.pvc))
        .and_then(|p| p.spec.as_ref()?.storage_class_name.as_deref())
        .and_then(|c| ctx.idx.storage_class.get(c).copied());
    let expandable = class.map(|c| c.allow_volume_expansion == Some(true));
    if let (Some(false), Some(c)) = (expandable, class) {
        let name = k8s::name(&c.metadata);
        f.evidence.push(format!(
            "StorageClass {name} does not allow volume expansion: growing needs `allowVolumeExpansion: true` first"
        ));
        // What works first: without expansion, no patch of a claim can grow it.
        f.commands.push(Remedy::run(
            format!(
                "First allow expansion on {name} (this field may be changed on an existing class; it only helps if the {} driver supports expansion; if it does not, the data has to be copied to a new, larger volume)",
                c.provisioner
            ),
            ctx.kubectl.argv(
                None,
                &[
                    "patch",
                    "storageclass",
                    name,
                    "--type=merge",
                    "-p",
                    r#"{"allowVolumeExpansion":true}"#,
                ],
            ),
        ));
    }
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for v in volumes(ctx) {
        let bytes = ratio(v.used_bytes, v.capacity_bytes);
        let inodes = ratio(v.inodes_used, v.inodes);
        let worst = bytes.unwrap_or(0.0).max(inodes.unwrap_or(0.0));
        let trusted = v.trend.filter(|t| t.samples >= MIN_SAMPLES);
        let byte_growth = growth(
            v.used_bytes,
            v.capacity_bytes,
            trusted.and_then(|t| t.bytes_per_second),
        );
        let inode_growth = growth(
            v.inodes_used,
            v.inodes,
            trusted.and_then(|t| t.inodes_per_second),
        );
        let soonest = [byte_growth, inode_growth]
            .into_iter()
            .flatten()
            .map(|g| g.full_in)
            .fold(f64::INFINITY, f64::min);
        if worst < WARN && soonest >= HORIZON_SECS {
            continue;
        }
        let (pod, node) = where_mounted(ctx, &v);
        let sts = statefulset_of(ctx, v.namespace, v.pvc, pod.as_deref());
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("PersistentVolumeClaim", v.namespace, v.pvc),
            sts.as_deref(),
            summary(&v, bytes, inodes, byte_growth, inode_growth),
        );
        f.severity = if worst >= CRIT || soonest < RESIZE_SECS {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let from = source_text(&v);
        if let (Some(u), Some(c)) = (v.used_bytes, v.capacity_bytes) {
            let mounted = match (&pod, &node) {
                (Some(p), Some(n)) => format!(", mounted by {p} on {n}"),
                (Some(p), None) => format!(", mounted by {p}"),
                _ => String::new(),
            };
            f.evidence.push(format!(
                "bytes: {} used of {} ({:.0} %){mounted}{from}",
                gib(u),
                gib(c),
                bytes.unwrap_or(0.0) * 100.0,
            ));
        }
        if let (Some(u), Some(t)) = (v.inodes_used, v.inodes) {
            f.evidence.push(format!(
                "inodes: {u} used of {t} ({:.0} %)",
                inodes.unwrap_or(0.0) * 100.0
            ));
        }
        if let Some(t) = v.trend {
            f.evidence
                .push(trend_evidence(t, byte_growth, inode_growth));
        }
        allow_expansion_first(ctx, &mut f, &v);
        let suggested = suggested_size(&v, bytes, byte_growth, inode_growth);
        let why = if byte_growth.is_some() || inode_growth.is_some() {
            "usage back to ≤ 70 %, and room for 7 days at the current rate"
        } else {
            "usage back to ≤ 70 %"
        };
        let patch = |size: &str| {
            ctx.kubectl.argv(
                Some(v.namespace),
                &[
                    "patch",
                    "pvc",
                    v.pvc,
                    "--type=merge",
                    "-p",
                    &serde_json::json!({"spec": {"resources": {"requests": {"storage": size}}}})
                        .to_string(),
                ],
            )
        };
        match (&sts, &suggested) {
            (Some(name), Some(size)) => {
                f.commands.push(Remedy::run(
                    format!("Grow every volume of {name} to {size} ({why}); shows the plan first"),
                    ctx.kubectl
                        .sts_argv(Some(v.namespace), &["pvc-expand", name, "--size", size]),
                ));
                // pvc-expand also fixes the claim template; this is the one-claim stopgap.
                f.commands.push(Remedy::run(
                    "Or grow only this claim now (the claim template keeps the old size)",
                    patch(size),
                ));
            }
            (None, Some(size)) => f.commands.push(Remedy::run(
                format!("Grow this claim to {size} ({why})"),
                patch(size),
            )),
            _ => {}
        }
        if let Some(p) = &pod
            && let Some((container, path)) = mount_of(ctx, v.namespace, p, v.pvc)
        {
            let script = format!(
                "df -h {path}; df -i {path}; du -xh {path} 2>/dev/null | sort -rh | head -20"
            );
            f.commands.push(Remedy::run(
                format!("See what takes the space under {path} (largest directories first)"),
                ctx.kubectl.argv(
                    Some(v.namespace),
                    &["exec", p, "-c", &container, "--", "sh", "-c", &script],
                ),
            ));
        }
        out.push(f);
    }
}

fn trend_evidence(t: &VolumeTrend, bytes: Option<Growth>, inodes: Option<Growth>) -> String {
    let basis = format!(
        "Prometheus, deriv(kubelet_volume_stats_*[{}]) over {} sample(s)",
        t.window, t.samples
    );
    if t.samples < MIN_SAMPLES {
        return format!("{basis}: too few to call it a trend (at least {MIN_SAMPLES} are needed)");
    }
    let mut parts = Vec::new();
    match (bytes, t.bytes_per_second) {
        (Some(g), _) => parts.push(format!(
            "bytes grow {}, full in about {}",
            per_hour(g.per_second),
            duration(g.full_in)
        )),
        (None, Some(r)) if r < 0.0 => parts.push(format!("bytes shrink {}", per_hour(-r))),
        (None, Some(_)) => parts.push("bytes are not growing".to_string()),
        (None, None) => {}
    }
    if let Some(g) = inodes {
        parts.push(format!(
            "inodes grow {:.0}/h, exhausted in about {}",
            g.per_second * 3600.0,
            duration(g.full_in)
        ));
    }
    if parts.is_empty() {
        basis
    } else {
        format!("{basis}: {}", parts.join("; "))
    }
}

fn summary(
    v: &Volume,
    bytes: Option<f64>,
    inodes: Option<f64>,
    byte_growth: Option<Growth>,
    inode_growth: Option<Growth>,
) -> String {
    let b = bytes.unwrap_or(0.0);
    let i = inodes.unwrap_or(0.0);
    // What runs out first speaks: a fast-filling inode table beats a slowly filling disk.
    let inodes_first = match (byte_growth, inode_growth) {
        (Some(bg), Some(ig)) => ig.full_in < bg.full_in,
        (None, Some(ig)) => ig.full_in < HORIZON_SECS || i > b,
        (Some(_), None) => false,
        (None, None) => i >= WARN && i > b,
    };
    if inodes_first {
        match inode_growth {
            Some(g) => format!(
                "{} has used {:.0} % of its inodes and uses {:.0} more an hour: out of inodes in about {} (new files will fail before the bytes run out)",
                v.pvc,
                i * 100.0,
                g.per_second * 3600.0,
                duration(g.full_in)
            ),
            None => format!(
                "{} has used {:.0} % of its inodes: new files will fail before the bytes run out",
                v.pvc,
                i * 100.0
            ),
        }
    } else {
        match byte_growth {
            Some(g) => format!(
                "{} is {:.0} % full and grows {}: full in about {}",
                v.pvc,
                b * 100.0,
                per_hour(g.per_second),
                duration(g.full_in)
            ),
            None => format!(
                "{} is {:.0} % full: writes fail when it reaches 100 %",
                v.pvc,
                b * 100.0
            ),
        }
    }
}

/// The smallest whole-Gi size that brings byte usage to at most 70 %; for inode pressure,
/// the size that brings inode usage there, assuming inodes grow with the size; with a
/// trend, also the size at which 7 more days at the current rate stay under 90 %.
fn suggested_size(
    v: &Volume,
    bytes: Option<f64>,
    growth: Option<Growth>,
    inode_growth: Option<Growth>,
) -> Option<String> {
    let cap = v.capacity_bytes? as f64;
    let by_bytes = bytes.map(|r| cap * r / TARGET).unwrap_or(0.0);
    let by_inodes = ratio(v.inodes_used, v.inodes)
        .map(|r| cap * r / TARGET)
        .unwrap_or(0.0);
    let by_trend = match (growth, v.used_bytes) {
        (Some(g), Some(u)) => (u as f64 + g.per_second * ROOM_SECS) / CRIT,
        _ => 0.0,
    };
    let by_inode_trend = match (inode_growth, v.inodes_used, v.inodes) {
        (Some(g), Some(u), Some(t)) if t > 0 => {
            cap * (u as f64 + g.per_second * ROOM_SECS) / (t as f64 * CRIT)
        }
        _ => 0.0,
    };
    let want = by_bytes
        .max(by_inodes)
        .max(by_trend)
        .max(by_inode_trend)
        .max(cap * 1.1);
    Some(k8s::quantity::format_gib_ceil(want))
}

/// The pod that mounts the claim and its node: as the kubelet reported it, else from the
/// pods in the snapshot.
fn where_mounted(ctx: &Ctx, v: &Volume) -> (Option<String>, Option<String>) {
    if let Some(k) = v.kubelet {
        return (Some(k.pod.clone()), Some(k.node.clone()));
    }
    match ctx.idx.pods_of_claim(v.namespace, v.pvc).first() {
        Some(p) => (
            Some(k8s::name(&p.metadata).to_string()),
            k8s::pod::node_name(p).map(str::to_string),
        ),
        None => (None, None),
    }
}

/// The container and path where the pod mounts the claim.
fn mount_of(ctx: &Ctx, ns: &str, pod: &str, pvc: &str) -> Option<(String, String)> {
    let pod = ctx.idx.pod.get(&(ns, pod))?;
    let spec = pod.spec.as_ref()?;
    let vol = spec.volumes.as_deref()?.iter().find(|vol| {
        vol.persistent_volume_claim
            .as_ref()
            .is_some_and(|c| c.claim_name == pvc)
    })?;
    spec.containers.iter().find_map(|c| {
        c.volume_mounts
            .as_deref()?
            .iter()
            .find(|m| m.name == vol.name)
            .map(|m| (c.name.clone(), m.mount_path.clone()))
    })
}

/// The StatefulSet whose pod mounts the claim, else the one whose claim template names it
/// (`<template>-<statefulset>-<ordinal>`, when only one does).
fn statefulset_of(ctx: &Ctx, ns: &str, pvc: &str, pod: Option<&str>) -> Option<String> {
    if let Some(pod) = pod.and_then(|p| ctx.idx.pod.get(&(ns, p))) {
        let owner = k8s::controller_of(&pod.metadata)?;
        return (owner.kind == "StatefulSet").then(|| owner.name.clone());
    }
    let (prefix, ordinal) = pvc.rsplit_once('-')?;
    ordinal.parse::<u64>().ok()?;
    match ctx.idx.claim_prefix_owners(ns, prefix) {
        [(sts, _)] => Some(k8s::name(&sts.metadata).to_string()),
        _ => None,
    }
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

    fn trend(used: u64, cap: u64, per_hour: f64, samples: u64) -> crate::snapshot::VolumeTrend {
        crate::snapshot::VolumeTrend {
            namespace: "shop".into(),
            pvc: "data-db-0".into(),
            used_bytes: Some(used),
            capacity_bytes: Some(cap),
            inodes_used: Some(10),
            inodes: Some(1000),
            bytes_per_second: Some(per_hour / 3600.0),
            inodes_per_second: Some(0.0),
            samples,
            window: "6h".into(),
            last_sample: None,
        }
    }

    #[test]
    fn time_to_full_sets_the_severity() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, true));
        // 91 % full, 4.1 GiB/h: critical by both rules, the summary says when.
        let g = GI as f64;
        s.volume_trends = Some(vec![trend(91 * GI, 100 * GI, 4.1 * g, 720)]);
        let r = run_check(&s, super::CHECK);
        assert_eq!(r[0].severity, Severity::Critical);
        assert_eq!(
            r[0].summary,
            "data-db-0 is 91 % full and grows 4.1 GiB/h: full in about 2 h 12 m"
        );
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.contains("[6h]) over 720 sample(s)"))
        );
        // 50 % full but full in 10 h: a warning, though below 80 %.
        s.volume_trends = Some(vec![trend(50 * GI, 100 * GI, 5.0 * g, 720)]);
        let r = run_check(&s, super::CHECK);
        assert_eq!(r[0].severity, Severity::Warning);
        assert!(
            r[0].summary.ends_with("full in about 10 h"),
            "{}",
            r[0].summary
        );
        // 60 % and full in 40 m: critical, sooner than a resize takes.
        s.volume_trends = Some(vec![trend(60 * GI, 100 * GI, 60.0 * g, 720)]);
        assert_eq!(run_check(&s, super::CHECK)[0].severity, Severity::Critical);
        // Flat, shrinking, or slow below 80 %: nothing to report.
        for rate in [0.0, -g, 0.5 * g] {
            s.volume_trends = Some(vec![trend(70 * GI, 100 * GI, rate, 720)]);
            assert!(run_check(&s, super::CHECK).is_empty(), "{rate}");
        }
        // Too few samples: no trend, judged on usage alone.
        s.volume_trends = Some(vec![trend(50 * GI, 100 * GI, 60.0 * g, 3)]);
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn kubelet_for_now_prometheus_for_the_trend() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, true));
        s.volume_stats = Some(vec![stat(95 * GI, 100 * GI, 10, 1000)]);
        s.volume_trends = Some(vec![trend(90 * GI, 100 * GI, GI as f64, 720)]);
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].summary
                .starts_with("data-db-0 is 95 % full and grows 1.0 GiB/h: full in about 5 h"),
            "{}",
            r[0].summary
        );
        assert!(
            r[0].evidence[0].ends_with("now, from the kubelet"),
            "{:?}",
            r[0].evidence
        );
    }

    #[test]
    fn failed_prometheus_is_named_not_the_opt_in() {
        let mut s = snapshot();
        s.skip(crate::snapshot::Source::Prometheus, "http://p: unreachable");
        let rep = crate::checks::analyze_with(&s, now(), &Default::default(), &[super::CHECK]);
        assert_eq!(
            rep.not_checked[0].missing,
            [crate::snapshot::Source::Prometheus]
        );
        assert!(!rep.not_checked[0].opt_in_only());
    }

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(super::duration(45.0 * 60.0), "45 m");
        assert_eq!(super::duration(7800.0), "2 h 10 m");
        assert_eq!(super::duration(7200.0), "2 h");
        assert_eq!(
            super::duration(3.0 * 86400.0 + 4.0 * 3600.0 + 60.0),
            "3 d 4 h"
        );
    }

    #[test]
    fn without_volume_stats_it_is_not_checked() {
        let s = snapshot();
        let rep = crate::checks::analyze_with(&s, now(), &Default::default(), &[super::CHECK]);
        assert_eq!(rep.not_checked.len(), 1);
        assert!(rep.not_checked[0].opt_in_only());
    }
}
