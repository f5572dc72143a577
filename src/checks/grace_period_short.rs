//! `grace-period-short`: `terminationGracePeriodSeconds` of 30 or less (the API server
//! defaults an unset value to 30). A database or broker told to stop gets SIGTERM, then
//! SIGKILL when the period runs out: too short, and it dies before flushing, checkpointing
//! or handing leadership over, so every rollout or drain ends in crash recovery.

use super::Check;
use super::spread_missing::{pod_spec, template_change_note};
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
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

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let Some(spec) = pod_spec(sts) else { continue };
        let set = spec.termination_grace_period_seconds;
        let secs = set.unwrap_or(30);
        if secs > SHORT_SECS {
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

    #[test]
    fn unset_means_thirty_and_fires() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].evidence[0].contains("not set"));
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl -n shop patch statefulset db --type=merge -p '{"spec":{"template":{"spec":{"terminationGracePeriodSeconds":120}}}}'"#
        );
        assert!(r[0].commands[0].description.contains("rolling restart"));
    }

    #[test]
    fn thirty_fires_and_thirty_one_is_quiet() {
        for (secs, fires) in [(10, true), (30, true), (31, false), (120, false)] {
            let mut s = snapshot();
            s.statefulsets.push(merged(
                &sts("shop", "db", 3),
                json!({"spec": {"template": {"spec": {"terminationGracePeriodSeconds": secs}}}}),
            ));
            assert_eq!(
                run_check(&s, super::CHECK).len(),
                usize::from(fires),
                "{secs}"
            );
        }
    }
}
