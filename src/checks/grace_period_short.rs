//! `grace-period-short`: `terminationGracePeriodSeconds` of 30 or less (the API server
//! defaults an unset value to 30). A database or broker told to stop gets SIGTERM, then
//! SIGKILL when the period runs out: too short, and it dies before flushing, checkpointing
//! or handing leadership over, so every rollout or drain ends in crash recovery.
//!
//! Only where that is likely: the set keeps data in claim templates and runs a known data
//! store image (postgres, kafka, zookeeper, ...: `k8s::datastore`), or a member was already
//! SIGKILLed without an OOM kill (exit code 137), which is what a grace period running out
//! looks like. A web server with a cache volume at 30 s is not a finding.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;
use crate::sts::template::{pod_spec, template_change_note};
use serde_json::json;

pub const CHECK: Check = Check {
    id: "grace-period-short",
    needs: &[Source::StatefulSets],
    run,
};

/// At or below this a stateful member is likely to be killed mid-shutdown.
const SHORT_SECS: i64 = 30;
/// What the patch proposes: room for a flush, a checkpoint and a leadership hand-off.
const SUGGESTED_SECS: i64 = 120;

/// Why a short grace period hurts this set, one line per reason; empty when nothing says
/// it keeps state that a kill mid-shutdown would damage.
fn why_it_matters(ctx: &Ctx, sts: &StatefulSet) -> Vec<String> {
    let mut out = Vec::new();
    let templates = sts::claims::template_names(sts);
    if !templates.is_empty()
        && let Some(spec) = pod_spec(sts)
        && let Some((image, store)) = spec.containers.iter().find_map(|c| {
            Some((
                c.image.as_deref()?,
                k8s::datastore::store(c.image.as_deref()?)?,
            ))
        })
    {
        out.push(format!(
            "image {image} is {} ({}) and the set keeps data in claim templates ({}): it needs the time to shut down cleanly",
            store.what,
            store.name,
            templates.join(", ")
        ));
    }
    out.extend(sigkills(ctx, sts));
    out
}

/// Members whose container last ended with exit code 137 and no OOM kill: a SIGKILL, which
/// is what the kubelet sends when the grace period runs out.
fn sigkills(ctx: &Ctx, sts: &StatefulSet) -> Vec<String> {
    let ns = k8s::namespace(&sts.metadata);
    let mut out = Vec::new();
    for pod in ctx.idx.pods_of(ns, k8s::name(&sts.metadata)) {
        let statuses = pod
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.as_deref());
        for cs in statuses.unwrap_or_default() {
            let Some(t) = cs.last_state.as_ref().and_then(|l| l.terminated.as_ref()) else {
                continue;
            };
            if t.exit_code == 137 && t.reason.as_deref() != Some("OOMKilled") {
                out.push(format!(
                    "{} container {} last ended with exit code 137 ({}, no OOM kill): it was SIGKILLed, as happens when it is still running at the end of the grace period",
                    k8s::name(&pod.metadata),
                    cs.name,
                    t.reason.as_deref().unwrap_or("no reason")
                ));
            }
        }
    }
    out
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let Some(spec) = pod_spec(sts) else { continue };
        let set = spec.termination_grace_period_seconds;
        let secs = set.unwrap_or(30);
        if secs > SHORT_SECS {
            continue;
        }
        let reasons = why_it_matters(ctx, sts);
        if reasons.is_empty() {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{name}'s members get {secs}s to shut down before SIGKILL: too little to flush, checkpoint or hand over leadership, so rollouts and drains end in crash recovery"
            ),
        );
        f.evidence.push(match set {
            Some(s) => format!("spec.template.spec.terminationGracePeriodSeconds is {s}"),
            None => "terminationGracePeriodSeconds is not set: the API server uses 30".to_string(),
        });
        f.evidence.extend(reasons);
        let has_pre_stop = spec
            .containers
            .iter()
            .any(|c| c.lifecycle.as_ref().is_some_and(|l| l.pre_stop.is_some()));
        if has_pre_stop {
            f.evidence.push(
                "a preStop hook runs inside the same period, leaving even less for the process itself".to_string(),
            );
        }
        let patch = json!({"spec": {"template": {"spec": {"terminationGracePeriodSeconds": SUGGESTED_SECS}}}});
        f.commands.push(Remedy::run(
            format!(
                "Give members {SUGGESTED_SECS}s to stop cleanly (raise it if the application's clean shutdown takes longer; a member that exits sooner is not held back). {}",
                template_change_note(sts)
            ),
            ctx.kubectl.argv(
                Some(ns),
                &[
                    "patch",
                    "statefulset",
                    name,
                    "--type=merge",
                    "-p",
                    &patch.to_string(),
                ],
            ),
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    /// A 3-member set with a claim template running `image`.
    fn store(image: &str, grace: Option<i64>) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        let mut spec = json!({"containers": [{"name": "main", "image": image}]});
        if let Some(g) = grace {
            spec["terminationGracePeriodSeconds"] = json!(g);
        }
        s.statefulsets.push(merged(
            &with_claim_template(&sts("shop", "db", 3), None),
            json!({"spec": {"template": {"spec": spec}}}),
        ));
        s
    }

    #[test]
    fn a_database_with_claim_templates_at_the_default_fires_and_says_why() {
        let r = run_check(&store("postgres:16", None), super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].evidence[0].contains("not set"));
        assert!(
            r[0].evidence[1].starts_with("image postgres:16 is a database (postgres) and the set keeps data in claim templates"),
            "{:?}",
            r[0].evidence
        );
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl -n shop patch statefulset db --type=merge -p '{"spec":{"template":{"spec":{"terminationGracePeriodSeconds":120}}}}'"#
        );
        assert!(r[0].commands[0].description.contains("rolling restart"));
    }

    #[test]
    fn thirty_fires_and_thirty_one_is_quiet() {
        for (secs, fires) in [(10, true), (30, true), (31, false), (120, false)] {
            assert_eq!(
                run_check(
                    &store("confluentinc/cp-kafka:7.6.0", Some(secs)),
                    super::CHECK
                )
                .len(),
                usize::from(fires),
                "{secs}"
            );
        }
    }

    #[test]
    fn a_web_server_or_a_store_without_claims_is_quiet() {
        // The k8s docs `web` set: nginx with a claim template at the default 30 s.
        assert!(run_check(&store("registry.k8s.io/nginx-slim:0.7", None), super::CHECK).is_empty());
        // An exporter image is not the store.
        assert!(run_check(&store("prom/mysqld-exporter:v0.15.1", None), super::CHECK).is_empty());
        // A store image with no claim template keeps nothing across restarts.
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "cache", 3),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "redis", "image": "redis:7"}]}}}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn a_sigkill_without_oom_is_evidence_on_its_own() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        let killed = |reason: &str| {
            merged(
                &pod("shop", "db", 1, true),
                json!({"status": {"containerStatuses": [{"name": "db", "image": "x", "imageID": "", "ready": true,
                    "restartCount": 1, "lastState": {"terminated": {"exitCode": 137, "reason": reason}}}]}}),
            )
        };
        s.pods.push(killed("OOMKilled"));
        assert!(
            run_check(&s, super::CHECK).is_empty(),
            "an OOM kill is not the grace period"
        );
        s.pods[0] = killed("Error");
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].evidence[1].starts_with(
                "db-1 container db last ended with exit code 137 (Error, no OOM kill)"
            ),
            "{:?}",
            r[0].evidence
        );
    }
}
