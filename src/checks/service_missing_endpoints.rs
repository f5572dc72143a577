//! `service-missing-endpoints`: the StatefulSet has pods, but the EndpointSlices of its
//! governing Service (label `kubernetes.io/service-name`) publish none of them as ready, and
//! the Service does not publish not-ready addresses: no member has a DNS record. Members
//! that discover each other by DNS (quorum formation, replication, gossip seeds) cannot
//! find anyone, and a cluster that is down cannot come back up by itself.
//!
//! Quiet when `service-selector-mismatch` explains it (the Service selects other labels)
//! and when `orderedready-blocked` already advises `publishNotReadyAddresses` for this set
//! or reports the member the set waits on as not running at all.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::Endpoint;
use crate::snapshot::Source;
use crate::sts;
use serde_json::json;
use std::collections::HashMap;

pub const CHECK: Check = Check {
    id: "service-missing-endpoints",
    needs: &[
        Source::StatefulSets,
        Source::Pods,
        Source::Services,
        Source::EndpointSlices,
    ],
    run,
};

/// An endpoint DNS publishes: `conditions.ready` unset counts as ready, as the API says.
fn dns_visible(e: &Endpoint) -> bool {
    e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true)
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let Some(svc) = sts::governing_service(ctx, sts) else {
            continue;
        };
        if sts::publishes_not_ready(svc) || sts::services::selector_misses_pods(ctx, sts) {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let pods = ctx.idx.pods_of(ns, name);
        // A serving member keeps the Service useful: the common case, decided before
        // reading the slices.
        if pods.is_empty() || pods.iter().any(|p| sts::serving(p)) {
            continue;
        }
        let svc_name = k8s::name(&svc.metadata);
        // Endpoints of this Service, by the pod they point at.
        let mut listed: HashMap<&str, bool> = HashMap::new();
        for slice in ctx
            .idx
            .slices_of
            .get(&(ns, svc_name))
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            for e in &slice.endpoints {
                let Some(target) = e
                    .target_ref
                    .as_ref()
                    .filter(|t| t.kind.as_deref().is_none_or(|k| k == "Pod"))
                    .and_then(|t| t.name.as_deref())
                else {
                    continue;
                };
                *listed.entry(target).or_insert(false) |= dns_visible(e);
            }
        }
        // Ready pods missing from the slices mean a lagging EndpointSlice controller, not
        // this runbook's case.
        if pods
            .iter()
            .any(|p| sts::serving(p) || listed.get(k8s::name(&p.metadata)) == Some(&true))
        {
            continue;
        }
        // Publishing not-ready addresses only helps pods that have one.
        let addressable = pods.iter().any(|p| {
            listed.contains_key(k8s::name(&p.metadata))
                || p.status
                    .as_ref()
                    .and_then(|s| s.pod_ip.as_deref())
                    .is_some_and(|ip| !ip.is_empty())
        });
        if !addressable || sts::explains_unpublished_members(ctx, sts) {
            continue;
        }
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("Service", ns, svc_name),
            Some(name),
            format!(
                "Service {svc_name} publishes none of {name}'s {} pods: no member has a DNS record, so peers cannot find each other",
                pods.len()
            ),
        );
        f.evidence.push(format!(
            "publishNotReadyAddresses is false: only Ready pods get DNS records under {svc_name}"
        ));
        for p in pods.iter().take(10) {
            let pod_name = k8s::name(&p.metadata);
            let state = match listed.get(pod_name) {
                Some(_) => "listed as not ready",
                None => "not listed",
            };
            f.evidence
                .push(format!("{pod_name}: {state}; {}", sts::problem(ctx, p)));
        }
        let patch = json!({"spec": {"publishNotReadyAddresses": true}}).to_string();
        f.commands.push(Remedy::run(
            format!(
                "Option A (peer discovery): publish members before they are Ready, so they can find each other while they form a quorum or recover; the usual setting for a StatefulSet's headless Service (clients that also use {svc_name} would then see not-ready members)"
            ),
            ctx.kubectl.argv(
                Some(ns),
                &["patch", "service", svc_name, "--type=merge", "-p", patch.as_str()],
            ),
        ));
        f.commands.push(Remedy::run(
            "Option B (readiness): make the pods Ready; the per-pod findings say why they are not",
            ctx.kubectl.sts_argv(Some(ns), &["diagnose", name]),
        ));
        f.commands.push(Remedy::run(
            "See what the EndpointSlices list, with each endpoint's ready condition",
            ctx.kubectl.argv(
                Some(ns),
                &[
                    "get",
                    "endpointslices",
                    "-l",
                    &format!("kubernetes.io/service-name={svc_name}"),
                    "-o",
                    "yaml",
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

    fn slice(ready: Option<bool>) -> crate::model::EndpointSlice {
        let mut ep = json!({"addresses": ["10.0.0.5"], "targetRef": {"kind": "Pod", "name": "db-0", "namespace": "shop"}});
        if let Some(r) = ready {
            ep["conditions"] = json!({"ready": r});
        }
        from_json(json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": "db-abc", "namespace": "shop", "labels": {"kubernetes.io/service-name": "db"}},
            "endpoints": [ep]
        }))
    }

    #[test]
    fn not_ready_pods_without_published_addresses_have_no_dns() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 2));
        s.services.push(service("shop", "db", None));
        s.pods.push(pod("shop", "db", 0, false));
        s.pods.push(pod("shop", "db", 1, false));
        s.endpoint_slices.push(slice(Some(false)));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.kind, "Service");
        assert!(
            f.evidence
                .iter()
                .any(|e| e.starts_with("db-0: listed as not ready"))
        );
        assert!(f.evidence.iter().any(|e| e.starts_with("db-1: not listed")));
        assert_eq!(
            f.commands[0].command,
            r#"kubectl -n shop patch service db --type=merge -p '{"spec":{"publishNotReadyAddresses":true}}'"#
        );
    }

    #[test]
    fn quiet_when_one_member_resolves_or_not_ready_addresses_are_published() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 2));
        s.services.push(service("shop", "db", None));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pod("shop", "db", 1, false));
        s.endpoint_slices.push(slice(None));
        assert!(run_check(&s, super::CHECK).is_empty());

        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 2));
        s.services.push(merged(
            &service("shop", "db", None),
            json!({"spec": {"publishNotReadyAddresses": true}}),
        ));
        s.pods.push(pod("shop", "db", 0, false));
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn quiet_when_orderedready_blocked_already_advises_publishing() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.services.push(service("shop", "db", None));
        s.pods.push(merged(
            &pod("shop", "db", 0, false),
            json!({"status": {"conditions": [{"type": "Ready", "status": "False",
                "lastTransitionTime": "2026-11-22T02:00:00Z"}]}}),
        ));
        s.endpoint_slices.push(slice(Some(false)));
        assert_eq!(
            run_check(&s, crate::checks::by_id("orderedready-blocked")).len(),
            1
        );
        assert!(run_check(&s, super::CHECK).is_empty());
    }

    #[test]
    fn quiet_when_the_selector_mismatch_explains_it() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 2));
        s.services.push(merged(
            &service("shop", "db", None),
            json!({"spec": {"selector": {"app": "other"}}}),
        ));
        s.pods.push(pod("shop", "db", 0, true));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
