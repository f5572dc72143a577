//! `orderedready-blocked`: under OrderedReady, a member exists and is not Ready and the
//! members above it do not exist: the controller creates member k+1 only when 0..k are all
//! Running and Ready, so the set cannot grow past the broken member. When the governing
//! Service does not publish not-ready addresses, the waiting member has no DNS record
//! either: a member that needs its peers before it reports Ready (a quorum that must form
//! first) then waits forever, which is a bootstrap deadlock.
//!
//! The deadlock remedies (publishNotReadyAddresses, re-creating the set with `Parallel`) fit
//! only a member that runs and is not Ready. A member that does not run at all (Pending,
//! ContainerCreating on a missing ConfigMap, CrashLoopBackOff, ImagePullBackOff...) has a
//! problem of its own: the finding then points at the pod's own finding (its runbook id, set
//! by the analysis as for `replicas-unavailable`) and offers no StatefulSet deletion.
//!
//! Precedence: when the blocking pod runs an old revision, `rollout-broken-pod-trap`
//! reports it (deleting it is the fix) and this check stays quiet, as it does when the pod's
//! node is down (`node-not-ready`); `rollout-stuck` stays
//! quiet for a pod this check reports, since nothing at all progresses until it is Ready;
//! `service-missing-endpoints` stays quiet when this finding already advises
//! `publishNotReadyAddresses` for the same Service, or reports a member that does not run.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::model::StatefulSet;
use crate::snapshot::Source;
use crate::sts;
use serde_json::{Value, json};

pub const CHECK: Check = Check {
    id: "orderedready-blocked",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        if let Some(b) = sts::blocked(ctx, sts) {
            out.push(finding(ctx, sts, &b));
        }
    }
}

/// The StatefulSet as a manifest to re-create it with `podManagementPolicy: Parallel`:
/// server-set fields and status removed, everything else as it is.
fn parallel_manifest(sts: &StatefulSet) -> Value {
    let mut v = sts.object();
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            meta.remove(k);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove(crate::model::LAST_APPLIED);
        }
    }
    if let Some(vcts) = v
        .pointer_mut("/spec/volumeClaimTemplates")
        .and_then(Value::as_array_mut)
    {
        for t in vcts {
            if let Some(o) = t.as_object_mut() {
                o.remove("status");
            }
        }
    }
    if let Some(spec) = v.get_mut("spec").and_then(Value::as_object_mut) {
        spec.insert("podManagementPolicy".into(), json!("Parallel"));
    }
    v["apiVersion"] = json!("apps/v1");
    v["kind"] = json!("StatefulSet");
    v
}

fn finding(ctx: &Ctx, sts: &StatefulSet, b: &sts::Blocked) -> Finding {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let pod_name = k8s::name(&b.pod.metadata);
    let deadlock = b.running && sts::publish_would_help(ctx, sts, b.pod);
    let missing = b.missing.join(", ");
    let summary = if !b.running {
        format!(
            "{pod_name} is not running, so OrderedReady does not create {missing}: fix {pod_name} first"
        )
    } else if deadlock {
        format!(
            "{pod_name} is not Ready, so OrderedReady does not create {missing}: possible bootstrap deadlock"
        )
    } else {
        format!("{pod_name} is not Ready, so OrderedReady does not create {missing}")
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("StatefulSet", ns, name),
        Some(name),
        summary,
    );
    if b.running {
        f.evidence.push(format!(
            "{pod_name} ({}): {}",
            sts::not_ready_for(ctx, b.pod),
            sts::problem(ctx, b.pod)
        ));
    } else {
        // `pod: problem`, the member-line shape the analysis replaces with the pod's own
        // finding and its runbook id.
        f.evidence
            .push(format!("{pod_name}: {}", sts::problem(ctx, b.pod)));
    }
    f.evidence.extend(sts::pod_event_lines(ctx, b.pod, 2));
    f.evidence.push(format!(
        "not created: {missing} (podManagementPolicy OrderedReady creates a member only when every lower one is Running and Ready)"
    ));
    if b.running {
        service_evidence(ctx, sts, pod_name, &mut f);
    } else {
        f.evidence.push(format!(
            "{pod_name} ({}) does not run at all: no bootstrap deadlock, so neither publishing not-ready addresses nor starting members in parallel fixes it (the members above share its template and would fail the same way); once it runs and is Ready, OrderedReady creates {missing}",
            sts::not_ready_for(ctx, b.pod)
        ));
        if ctx.readable(Source::Services) && sts::governing_service(ctx, sts).is_none() {
            f.evidence.push(missing_service_line(service_name(sts)));
        }
    }
    if let (Some(u), Some(c)) = (sts::update_revision(sts), sts::current_revision(sts))
        && u != c
    {
        f.evidence.push(format!(
            "a rollout to {u} is also pending; it continues only once every member is Ready"
        ));
    }
    f.commands.push(Remedy::run(
        format!(
            "Fix {pod_name} first: read why it is not Ready (its own findings say what to fix)"
        ),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", pod_name]),
    ));
    if let Some((c, _)) = sts::failing_container(b.pod).filter(|(_, r)| *r == "CrashLoopBackOff") {
        f.commands.push(Remedy::run(
            format!("Read the crashed run of {c}"),
            ctx.kubectl.argv(
                Some(ns),
                &["logs", pod_name, "-c", c, "--previous", "--tail=50"],
            ),
        ));
    }
    if b.running {
        deadlock_remedies(ctx, sts, deadlock, &mut f);
    }
    f
}

fn service_name(sts: &StatefulSet) -> &str {
    sts::spec(sts)
        .and_then(|s| s.service_name.as_deref())
        .unwrap_or("")
}

/// What the governing Service means for a running member that is not Ready.
fn service_evidence(ctx: &Ctx, sts: &StatefulSet, pod_name: &str, f: &mut Finding) {
    if !ctx.readable(Source::Services) {
        return;
    }
    let svc_name = service_name(sts);
    match sts::governing_service(ctx, sts) {
        Some(s) if !sts::publishes_not_ready(s) => f.evidence.push(format!(
            "governing Service {svc_name} has publishNotReadyAddresses: false: {pod_name} has no DNS record while it is not Ready, so peers cannot reach it; if it waits for peers before reporting Ready, nothing moves (possible bootstrap deadlock)"
        )),
        Some(_) => f.evidence.push(format!(
            "governing Service {svc_name} publishes not-ready addresses, so peers can resolve {pod_name}: the problem is in the pod itself"
        )),
        None => f.evidence.push(missing_service_line(svc_name)),
    }
}

/// Why no member has a DNS name: no serviceName at all, or one naming no Service.
fn missing_service_line(svc_name: &str) -> String {
    if svc_name.is_empty() {
        "spec.serviceName is empty (see statefulset-service-name-missing): no member has a DNS name"
            .to_string()
    } else {
        format!(
            "governing Service {svc_name} does not exist (see headless-service-missing): no member has a DNS name"
        )
    }
}

/// For a member that runs but waits: publish not-ready addresses, or start members in
/// parallel (an immutable field: delete the object only, re-create it).
fn deadlock_remedies(ctx: &Ctx, sts: &StatefulSet, deadlock: bool, f: &mut Finding) {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let svc_name = service_name(sts);
    if deadlock {
        let patch = json!({"spec": {"publishNotReadyAddresses": true}}).to_string();
        f.commands.push(Remedy::run(
            format!(
                "Let members resolve each other before they are Ready, so peers can reach a member that is still joining or forming a quorum: the usual setting for the headless Service of a quorum system (clients that also use Service {svc_name} would then see not-ready members). It does not by itself create the missing members"
            ),
            ctx.kubectl.argv(
                Some(ns),
                &["patch", "service", svc_name, "--type=merge", "-p", patch.as_str()],
            ),
        ));
    }
    if let Some(owner) = k8s::controller_of(&sts.metadata) {
        f.evidence.push(format!(
            "{name} is managed by {} {}: to start members in parallel, change podManagementPolicy through it",
            owner.kind, owner.name
        ));
    } else {
        f.commands.push(
            Remedy::run(
                "If the application needs several members running before any of them is Ready (a quorum that must form first), it needs podManagementPolicy: Parallel, which is immutable: delete only the StatefulSet object; --cascade=orphan leaves its pods and volumes running",
                ctx.kubectl.argv(
                    Some(ns),
                    &["delete", "statefulset", name, "--cascade=orphan"],
                ),
            )
            .destructive(),
        );
        f.commands.push(Remedy::with_stdin(
            format!(
                "Then re-create {name} with podManagementPolicy: Parallel (its spec as read, so the template is unchanged and the running pods are adopted without a restart). If Helm or GitOps manages it, make the same change there, or the next sync reverts it"
            ),
            ctx.kubectl.argv(None, &["apply", "-f", "-"]),
            manifest::to_yaml(&parallel_manifest(sts)),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::*;
    use serde_json::json;

    fn stuck(p: crate::model::Pod) -> crate::model::Pod {
        merged(
            &p,
            json!({"status": {"conditions": [{"type": "Ready", "status": "False",
                "lastTransitionTime": "2026-11-22T02:30:00Z"}]}}),
        )
    }

    #[test]
    fn pod_zero_waiting_without_published_addresses_is_a_possible_deadlock() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "zk", 3));
        s.services.push(service("shop", "zk", None));
        s.pods.push(stuck(pod("shop", "zk", 0, false)));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.kind, "StatefulSet");
        assert!(
            f.summary.ends_with("possible bootstrap deadlock"),
            "{}",
            f.summary
        );
        assert!(f.summary.contains("zk-1, zk-2"));
        let cmds: Vec<&str> = f.commands.iter().map(|c| c.command.as_str()).collect();
        assert!(cmds.contains(
            &r#"kubectl -n shop patch service zk --type=merge -p '{"spec":{"publishNotReadyAddresses":true}}'"#
        ));
        let del = f
            .commands
            .iter()
            .find(|c| c.command.contains("--cascade=orphan"))
            .unwrap();
        assert!(del.destructive);
        let apply = f.commands.last().unwrap();
        let doc = apply.stdin().unwrap();
        assert!(doc.contains("podManagementPolicy: Parallel"), "{doc}");
        assert!(
            !doc.contains("uid:") && !doc.contains("readyReplicas"),
            "{doc}"
        );
    }

    /// The set is re-created from what was read, not from the checks' view of it: a
    /// config volume, the DNS policy, a container's pull policy and security context (none
    /// of which the view keeps) survive, and the `creationTimestamp: null` of a
    /// `kubectl get -o yaml` template does not appear.
    #[test]
    fn the_recreated_set_keeps_every_field_it_was_read_with() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "zk", 3),
            json!({"spec": {"template": {
                "metadata": {"creationTimestamp": null},
                "spec": {"dnsPolicy": "ClusterFirstWithHostNet",
                         "volumes": [{"name": "conf", "configMap": {"name": "zk-conf"}}],
                         "containers": [{"name": "zk", "image": "zookeeper:3.9",
                                         "imagePullPolicy": "Always",
                                         "securityContext": {"runAsUser": 1000},
                                         "volumeMounts": [{"name": "conf", "mountPath": "/conf"}]}]}}}}),
        ));
        s.services.push(service("shop", "zk", None));
        s.pods.push(stuck(pod("shop", "zk", 0, false)));
        let r = run_check(&s, super::CHECK);
        let doc = r[0].commands.last().unwrap().stdin().unwrap();
        for kept in [
            "configMap:",
            "name: zk-conf",
            "dnsPolicy: ClusterFirstWithHostNet",
            "imagePullPolicy: Always",
            "runAsUser: 1000",
            "podManagementPolicy: Parallel",
        ] {
            assert!(doc.contains(kept), "{kept} missing from:\n{doc}");
        }
        assert!(!doc.contains("creationTimestamp"), "{doc}");
    }

    #[test]
    fn a_member_that_does_not_run_gets_no_deadlock_remedy() {
        // zk-0 crash-loops (and between back-offs is briefly "running"), or cannot pull
        // its image: its own problem, whatever the Service publishes.
        for status in [
            json!({"phase": "Running", "containerStatuses": [{"name": "zk", "image": "zk", "imageID": "",
                "ready": false, "restartCount": 7, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T02:58:00Z"}}}]}),
            json!({"phase": "Running", "containerStatuses": [{"name": "zk", "image": "zk", "imageID": "",
                "ready": false, "restartCount": 7, "state": {"running": {"startedAt": "2026-11-22T02:59:30Z"}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T02:59:29Z"}}}]}),
            json!({"phase": "Pending", "containerStatuses": [{"name": "zk", "image": "zk:3.9.9", "imageID": "",
                "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}),
        ] {
            let mut s = snapshot();
            s.statefulsets.push(sts("shop", "zk", 3));
            s.services.push(service("shop", "zk", None));
            s.pods.push(merged(
                &stuck(pod("shop", "zk", 0, false)),
                json!({ "status": status }),
            ));
            let r = run_check(&s, super::CHECK);
            assert_eq!(r.len(), 1, "{status}");
            let f = &r[0];
            assert!(
                f.summary
                    .starts_with("zk-0 is not running, so OrderedReady does not create zk-1, zk-2"),
                "{}",
                f.summary
            );
            assert!(
                f.commands.iter().all(|c| !c.destructive
                    && !c.command.contains("delete statefulset")
                    && !c.command.contains("patch service")
                    && c.stdin().is_none()),
                "{:#?}",
                f.commands
            );
            assert!(f.evidence[0].starts_with("zk-0: "), "{}", f.evidence[0]);
            // Nor does service-missing-endpoints advise publishing for it.
            assert!(
                run_check(&s, crate::checks::by_id("service-missing-endpoints")).is_empty(),
                "{status}"
            );
        }
    }

    #[test]
    fn the_analysis_points_a_not_running_member_at_its_own_finding() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "zk", 3));
        s.services.push(service("shop", "zk", None));
        s.pods.push(merged(
            &stuck(pod("shop", "zk", 0, false)),
            json!({"status": {"containerStatuses": [{"name": "zk", "image": "zk", "imageID": "",
                "ready": false, "restartCount": 7, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2026-11-22T02:58:00Z"}}}]}}),
        ));
        let report = crate::checks::analyze(&s, now(), &crate::kubectl::Kubectl::default());
        let f = report
            .findings
            .iter()
            .find(|f| f.runbook == "orderedready-blocked")
            .unwrap();
        assert!(
            f.summary.ends_with("(see container-crashloop on zk-0)"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence[0].starts_with("zk-0: ")
                && f.evidence[0].ends_with("(see container-crashloop)"),
            "{}",
            f.evidence[0]
        );
    }

    #[test]
    fn published_addresses_mean_no_deadlock_wording() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "zk", 3));
        s.services.push(merged(
            &service("shop", "zk", None),
            json!({"spec": {"publishNotReadyAddresses": true}}),
        ));
        s.pods.push(pod("shop", "zk", 0, true));
        s.pods.push(stuck(pod("shop", "zk", 1, false)));
        let r = run_check(&s, super::CHECK);
        assert!(!r[0].summary.contains("deadlock"));
        assert!(
            !r[0]
                .commands
                .iter()
                .any(|c| c.command.contains("patch service"))
        );
    }

    #[test]
    fn quiet_when_the_blocking_pod_is_trapped_on_an_old_revision() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "zk", 3));
        s.pods.push(merged(
            &stuck(pod("shop", "zk", 0, false)),
            json!({"metadata": {"labels": {"controller-revision-hash": "zk-rev0"}}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
        assert_eq!(
            run_check(&s, crate::checks::by_id("rollout-broken-pod-trap")).len(),
            1
        );
    }

    #[test]
    fn quiet_when_starting_parallel_complete_or_filling_a_gap() {
        // Just created: still starting.
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "zk", 3));
        s.pods.push(merged(
            &pod("shop", "zk", 0, false),
            json!({"status": {"conditions": [{"type": "Ready", "status": "False",
                "lastTransitionTime": "2026-11-22T02:59:00Z"}]}}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
        // Parallel.
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "zk", 3),
            json!({"spec": {"podManagementPolicy": "Parallel"}}),
        ));
        s.pods.push(stuck(pod("shop", "zk", 0, false)));
        assert!(run_check(&s, super::CHECK).is_empty());
        // Nothing missing above.
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "zk", 2));
        s.pods.push(pod("shop", "zk", 0, true));
        s.pods.push(stuck(pod("shop", "zk", 1, false)));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
