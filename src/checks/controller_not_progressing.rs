//! `controller-not-progressing`: `status.observedGeneration` is behind
//! `metadata.generation` for more than five minutes: the StatefulSet controller (in
//! kube-controller-manager) has not processed the latest spec change, so nothing the spec
//! asks for happens and the status describes an older spec. Usually the controller-manager
//! is down, has lost its leader lease, or cannot reach the API server. The age of the change
//! comes from the newest `managedFields` entry touching `spec`; without managedFields the
//! lag is reported without a duration.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "controller-not-progressing",
    needs: &[Source::StatefulSets],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    let lagging = ctx
        .snap
        .statefulsets
        .iter()
        .filter(|s| sts::controller_lags(ctx, s))
        .count();
    let total = ctx.snap.statefulsets.len();
    for sts in &ctx.snap.statefulsets {
        if !sts::controller_lags(ctx, sts) {
            continue;
        }
        let Some((generation, observed)) = sts::lag(sts) else {
            continue;
        };
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let change = sts.last_spec_change();
        let since = change
            .map(|(t, _)| format!(" for {}", k8s::time::age(t, ctx.now)))
            .unwrap_or_default();
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "the StatefulSet controller has not processed {name}'s latest spec{since}: generation {generation}, observed {observed}"
            ),
        );
        f.evidence.push(format!(
            "metadata.generation {generation}, status.observedGeneration {observed}: the status (ready replicas, revisions) describes an older spec, and the latest change has not been acted on"
        ));
        match change {
            Some((t, who)) => f.evidence.push(format!(
                "newest spec change by {who}, {} ago (managedFields)",
                k8s::time::age(t, ctx.now)
            )),
            None => f.evidence.push(
                "how long it has lagged is unknown: the snapshot has no managedFields for its spec"
                    .to_string(),
            ),
        }
        if total > 1 {
            f.evidence.push(format!(
                "{lagging} of {total} StatefulSets in the snapshot lag the same way{}",
                if lagging > 1 {
                    ": points at kube-controller-manager rather than at this object"
                } else {
                    ""
                }
            ));
        }
        f.commands.push(Remedy::run(
            "Check the API server's own health checks (the controller-manager needs a healthy API server and etcd)",
            ctx.kubectl.argv(None, &["get", "--raw", "/readyz?verbose"]),
        ));
        f.commands.push(Remedy::run(
            "Check that a kube-controller-manager holds its leader lease: spec.renewTime should be seconds old",
            ctx.kubectl.argv(
                Some("kube-system"),
                &["get", "lease", "kube-controller-manager", "-o", "yaml"],
            ),
        ));
        f.commands.push(Remedy::run(
            "On a self-managed control plane, check the controller-manager pods (restarts, crash loops); on a managed service, the provider's control-plane status",
            ctx.kubectl.argv(
                Some("kube-system"),
                &["get", "pods", "-l", "component=kube-controller-manager", "-o", "wide"],
            ),
        ));
        f.commands.push(Remedy::run(
            format!("Read {name}'s events: errors the controller reported while processing it"),
            ctx.kubectl
                .argv(Some(ns), &["describe", "statefulset", name]),
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn lagging(change_at: Option<&str>) -> crate::model::StatefulSet {
        let mut patch = json!({"metadata": {"generation": 4}, "status": {"observedGeneration": 3}});
        if let Some(t) = change_at {
            patch["metadata"]["managedFields"] = json!([
                {"manager": "kubectl-patch", "operation": "Update", "time": t,
                 "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:template": {}}}}
            ]);
        }
        merged(&sts("shop", "db", 3), patch)
    }

    #[test]
    fn fires_with_the_age_of_the_spec_change() {
        let mut s = snapshot();
        s.statefulsets.push(lagging(Some("2026-11-22T02:40:00Z")));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].summary.contains("for 20m"), "{}", r[0].summary);
        assert!(
            r[0].commands
                .iter()
                .any(|c| c.command == "kubectl get --raw '/readyz?verbose'")
        );
    }

    #[test]
    fn without_managed_fields_the_lag_has_no_duration() {
        let mut s = snapshot();
        s.statefulsets.push(lagging(None));
        let r = run_check(&s, super::CHECK);
        assert!(!r[0].summary.contains(" for "), "{}", r[0].summary);
        assert!(r[0].evidence.iter().any(|e| e.contains("unknown")));
    }

    #[test]
    fn quiet_for_a_fresh_change_or_no_lag() {
        let mut s = snapshot();
        s.statefulsets.push(lagging(Some("2026-11-22T02:58:00Z")));
        s.statefulsets.push(sts("shop", "ok", 3));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
