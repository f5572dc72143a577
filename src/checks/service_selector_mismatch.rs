//! `service-selector-mismatch`: the StatefulSet's governing Service exists but its selector
//! does not select the pod template's labels (or it has no selector at all), so the
//! endpoints controller publishes none of the pods and no member gets its DNS name. A
//! Service's selector can be changed in place: the fix is a patch.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::Labels;
use crate::snapshot::Source;
use crate::sts;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const CHECK: Check = Check {
    id: "service-selector-mismatch",
    needs: &[Source::StatefulSets, Source::Services],
    run,
};

fn fmt_labels(m: &BTreeMap<String, String>) -> String {
    if m.is_empty() {
        return "{}".to_string();
    }
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        if !sts::services::selector_misses_pods(ctx, sts) {
            continue;
        }
        let Some(svc) = sts::governing_service(ctx, sts) else {
            continue;
        };
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let svc_name = k8s::name(&svc.metadata);
        let labels = sts::services::template_labels(sts);
        let current = Labels::from(svc.spec.as_ref().and_then(|s| s.selector.as_ref())).to_map();
        let want = sts::services::service_selector(sts);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("Service", ns, svc_name),
            Some(name),
            if current.is_empty() {
                format!(
                    "governing Service {svc_name} has no selector: none of {name}'s pods get a DNS record"
                )
            } else {
                format!(
                    "governing Service {svc_name} selects {} but {name}'s pods are labelled {}: none of them get a DNS record",
                    fmt_labels(&current),
                    fmt_labels(&labels)
                )
            },
        );
        for (k, v) in &current {
            match labels.get(k) {
                None => f.evidence.push(format!(
                    "the Service wants {k}={v}; the pod template has no label {k}"
                )),
                Some(have) if have != v => f.evidence.push(format!(
                    "the Service wants {k}={v}; the pod template has {k}={have}"
                )),
                Some(_) => {}
            }
        }
        if current.is_empty() {
            f.evidence.push(
                "a Service without a selector gets no endpoints from the endpoints controller, so the per-pod DNS names of the StatefulSet do not resolve".to_string(),
            );
        }
        if want.is_empty() {
            f.evidence.push(format!(
                "{name}'s pod template has no labels to select: set labels on the template first"
            ));
            out.push(f);
            continue;
        }
        // A merge patch merges maps: keys to drop must be set to null explicitly.
        let mut sel = Map::new();
        for k in current.keys() {
            if !want.contains_key(k) {
                sel.insert(k.clone(), Value::Null);
            }
        }
        for (k, v) in &want {
            sel.insert(k.clone(), json!(v));
        }
        let patch = json!({"spec": {"selector": Value::Object(sel)}}).to_string();
        f.evidence.push(format!(
            "the right selector is {}, the StatefulSet's own selector",
            fmt_labels(&want)
        ));
        f.commands.push(Remedy::run(
            format!(
                "Point Service {svc_name} at {name}'s pods (a Service selector can be changed in place; no pod restarts)"
            ),
            ctx.kubectl.argv(
                Some(ns),
                &["patch", "service", svc_name, "--type=merge", "-p", patch.as_str()],
            ),
        ));
        f.commands.push(Remedy::run(
            "Check that the members now appear in its EndpointSlices",
            ctx.kubectl.argv(
                Some(ns),
                &[
                    "get",
                    "endpointslices",
                    "-l",
                    &format!("kubernetes.io/service-name={svc_name}"),
                    "-o",
                    "wide",
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
    fn a_wrong_selector_gets_a_patch_that_drops_stale_keys() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.services.push(merged(
            &service("shop", "db", None),
            json!({"spec": {"selector": {"app": "database", "tier": "x"}}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.kind, "Service");
        assert_eq!(
            f.commands[0].command,
            r#"kubectl -n shop patch service db --type=merge -p '{"spec":{"selector":{"app":"db","tier":null}}}'"#
        );
        assert!(f.evidence.iter().any(|e| e.contains("has app=db")));
    }

    #[test]
    fn no_selector_fires_too() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.services.push(merged(
            &service("shop", "db", None),
            json!({"spec": {"selector": null}}),
        ));
        let r = run_check(&s, super::CHECK);
        assert!(r[0].summary.contains("no selector"));
    }

    #[test]
    fn quiet_when_the_selector_is_a_subset_of_the_labels() {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"template": {"metadata": {"labels": {"app": "db", "tier": "data"}}}}}),
        ));
        s.services.push(service("shop", "db", None));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
