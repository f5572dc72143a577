//! `replicas-unavailable`: fewer Ready replicas than desired. Names each missing or
//! not-Ready member with its main problem and says whether quorum still holds.

use super::Check;
use crate::analysis::Ctx;
use crate::analysis::index::MAX_MEMBERS;
use crate::finding::{Finding, ObjectRef, Remedy, Severity};
use crate::k8s;
use crate::model::StatefulSet;
use crate::snapshot::Source;

/// Members named one by one in the evidence; the rest are counted.
const MAX_LISTED: usize = 50;

pub const CHECK: Check = Check {
    id: "replicas-unavailable",
    needs: &[Source::StatefulSets],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let n = k8s::replicas(sts);
        if n == 0 {
            continue;
        }
        let status_ready = sts
            .status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0);
        // Trust the pods over the controller's status when we have them: the status lags.
        let pods_read = ctx.readable(Source::Pods);
        let pods = ctx.idx.pods_of(ns, name);
        let ready = if pods_read {
            pods.iter().filter(|p| k8s::pod::is_ready(p)).count() as i32
        } else {
            status_ready
        };
        if ready >= n {
            continue;
        }
        let severity = k8s::availability(ready, n).unwrap_or(Severity::Warning);
        let quorum_text = quorum_text(ready, n);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!("{ready} of {n} replicas Ready; {quorum_text}"),
        );
        f.severity = severity;
        if ready == 0 && n < 3 {
            f.evidence
                .push("severity raised to critical: no replica is Ready".to_string());
        }
        let (not_ready, missing) = if pods_read {
            members(ctx, sts, &mut f.evidence)
        } else {
            f.evidence.push(format!(
                "status.readyReplicas is {status_ready}; pods could not be read, so the not-Ready members are unknown"
            ));
            (Vec::new(), 0)
        };
        if status_ready != ready && pods_read {
            f.evidence.push(format!(
                "the controller's status says {status_ready} Ready (it lags the pods)"
            ));
        }
        let selector = sts
            .spec
            .as_ref()
            .map(|s| k8s::labels::to_kubectl(&s.selector))
            .filter(|s| !s.is_empty());
        if let Some(sel) = selector {
            f.commands.push(Remedy::run(
                "See every member, where it runs and since when",
                ctx.kubectl
                    .argv(Some(ns), &["get", "pods", "-l", &sel, "-o", "wide"]),
            ));
        }
        for pod in not_ready.iter().take(3) {
            f.commands.push(Remedy::run(
                format!("Read {pod}'s conditions and recent events"),
                ctx.kubectl.argv(Some(ns), &["describe", "pod", pod]),
            ));
        }
        if missing > 0 {
            f.commands.push(Remedy::run(
                format!("Read {name}'s events: why the missing pods were not created"),
                ctx.kubectl
                    .argv(Some(ns), &["describe", "statefulset", name]),
            ));
        }
        f.commands.push(Remedy::run(
            "Find the root cause per pod (the per-pod findings say what to fix)",
            ctx.kubectl.sts_argv(Some(ns), &["diagnose", name]),
        ));
        out.push(f);
    }
}

/// How close the set is to losing (or how far past) its quorum.
fn quorum_text(ready: i32, n: i32) -> String {
    let q = k8s::quorum(n);
    let quorum_lost = ready < q;
    if n >= 3 {
        if quorum_lost {
            format!("quorum ({q} of {n}) is LOST")
        } else {
            match ready - q {
                0 => format!("quorum ({q} of {n}) still holds, but one more loss breaks it"),
                spare => format!("quorum ({q} of {n}) still holds; {spare} more can fail"),
            }
        }
    } else if ready == 0 {
        "no replica is serving".to_string()
    } else {
        format!("{} of {n} serving, no redundancy left", ready)
    }
}

/// Each member missing or not Ready, with its main problem (a bounded number of them);
/// returns the not-Ready members' names and how many are missing.
fn members(ctx: &Ctx, sts: &StatefulSet, evidence: &mut Vec<String>) -> (Vec<String>, usize) {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let n = k8s::replicas(sts);
    let mut not_ready: Vec<String> = Vec::new();
    let mut missing = 0;
    // Bounded: `replicas` can be 2^31-1, and a line per member past a few dozen
    // helps nobody.
    let start = k8s::ordinal_start(sts);
    let examined = i64::from(n).min(MAX_MEMBERS);
    let mut unlisted = 0;
    for ordinal in start..start + examined {
        let pod_name = format!("{name}-{ordinal}");
        let line = match ctx.idx.pod.get(&(ns, pod_name.as_str())) {
            None => {
                missing += 1;
                format!(
                    "{pod_name}: does not exist (not created yet, or waiting on a lower ordinal)"
                )
            }
            Some(pod) if !k8s::pod::is_ready(pod) => {
                let node = k8s::pod::node_name(pod).and_then(|nn| ctx.idx.node.get(nn).copied());
                let line = format!("{pod_name}: {}", k8s::pod::main_problem(pod, node, ctx.now));
                not_ready.push(pod_name);
                line
            }
            Some(_) => continue,
        };
        if missing + not_ready.len() <= MAX_LISTED {
            evidence.push(line);
        } else {
            unlisted += 1;
        }
    }
    if unlisted > 0 {
        evidence.push(format!(
            "… and {unlisted} more member(s) missing or not Ready"
        ));
    }
    if i64::from(n) > examined {
        evidence.push(format!(
            "members beyond the first {examined} of {n} were not examined"
        ));
    }
    (not_ready, missing)
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testutil::*;

    #[test]
    fn quorum_lost_is_critical_and_names_each_member() {
        let mut s = snapshot();
        s.statefulsets.push(sts_with_ready("shop", "db", 3, 1));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, false));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].severity, Severity::Critical);
        assert!(r[0].summary.contains("LOST"), "{}", r[0].summary);
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.starts_with("db-1: running but not Ready")),
            "{:?}",
            r[0].evidence
        );
        assert!(
            r[0].evidence
                .iter()
                .any(|e| e.starts_with("db-2: does not exist"))
        );
        assert!(
            r[0].commands
                .iter()
                .any(|c| c.command == "kubectl -n shop get pods -l app=db -o wide")
        );
    }

    #[test]
    fn the_largest_replicas_are_examined_up_to_a_bound_and_listed_up_to_a_few() {
        // replicas 2^31-1 once walked every ordinal, pushing a line each: hours and gigabytes.
        let mut s = snapshot();
        s.statefulsets
            .push(sts_with_ready("shop", "db", i32::MAX, 1));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, false));
        let r = run_check(&s, super::CHECK);
        let ev = &r[0].evidence;
        assert_eq!(ev.len(), super::MAX_LISTED + 2, "{:?}", &ev[..3]);
        assert!(
            ev[0].starts_with("db-1: running but not Ready"),
            "{}",
            ev[0]
        );
        assert!(ev[1].starts_with("db-2: does not exist"), "{}", ev[1]);
        assert_eq!(
            ev[super::MAX_LISTED],
            format!(
                "… and {} more member(s) missing or not Ready",
                crate::analysis::index::MAX_MEMBERS as usize - 1 - super::MAX_LISTED
            )
        );
        assert_eq!(
            ev[super::MAX_LISTED + 1],
            "members beyond the first 100000 of 2147483647 were not examined"
        );
    }

    #[test]
    fn one_down_of_three_is_a_warning_with_quorum_holding() {
        let mut s = snapshot();
        s.statefulsets.push(sts_with_ready("shop", "db", 3, 2));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, true));
        s.pods.push(pod("shop", "db", 2, false));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r[0].severity, Severity::Warning);
        assert!(r[0].summary.contains("still holds"));
    }

    #[test]
    fn single_replica_down_is_raised_to_critical() {
        let mut s = snapshot();
        s.statefulsets.push(sts_with_ready("shop", "db", 1, 0));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r[0].severity, Severity::Critical);
    }

    #[test]
    fn quiet_when_all_ready() {
        let mut s = snapshot();
        s.statefulsets.push(sts_with_ready("shop", "db", 2, 2));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, true));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
