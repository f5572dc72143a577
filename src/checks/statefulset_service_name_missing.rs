//! `statefulset-service-name-missing`: `spec.serviceName` is unset or empty. The controller
//! then creates members without a `subdomain`, so no `<pod>.<service>` DNS name exists for
//! any of them and peers cannot address each other by member name (replication, quorum
//! membership, seed lists). `serviceName` is immutable: the fix is to orphan-delete the
//! StatefulSet and re-create it with the field set, plus the headless Service it names.
//! `headless-service-missing` covers a serviceName naming no Service; it stays quiet on an
//! empty one, so the two never report the same set. Reads only the spec.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::model::Service;
use crate::model::{StatefulSet, Text};
use crate::snapshot::Source;
use crate::sts;
use crate::sts::classes::{orphan_delete, recreate_manifest};
use serde_json::json;
use sts::services::headless_service;

pub const CHECK: Check = Check {
    id: "statefulset-service-name-missing",
    needs: &[Source::StatefulSets],
    run,
};

/// A headless Service of the namespace whose selector picks the set's pods: the one to name.
fn existing_headless<'a>(ctx: &Ctx<'a>, sts: &StatefulSet) -> Option<&'a Service> {
    let ns = k8s::namespace(&sts.metadata);
    let labels = k8s::pdb::template_labels(sts)?;
    ctx.snap.services.iter().find(|svc| {
        k8s::namespace(&svc.metadata) == ns
            && k8s::service::is_headless(svc)
            && svc
                .spec
                .as_ref()
                .and_then(|s| s.selector.as_ref())
                .is_some_and(|sel| {
                    !sel.is_empty()
                        && sel
                            .iter()
                            .all(|(k, v)| labels.get(k).map(Text::as_str) == Some(v.as_str()))
                })
    })
}

/// The name for a new governing Service: the set's own name unless a Service already has
/// it (usually the client Service), then `<name>-headless`.
fn new_service_name(ctx: &Ctx, sts: &StatefulSet) -> String {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    if ctx.idx.service.contains_key(&(ns, name)) {
        format!("{name}-headless")
    } else {
        name.to_string()
    }
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let set = sts.spec.as_ref().and_then(|s| s.service_name.as_deref());
        if set.is_some_and(|s| !s.is_empty()) {
            continue;
        }
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!(
                "{name} has no serviceName: its members get no stable DNS names ({name}-0.<service>), so peers cannot find each other by member name"
            ),
        );
        f.evidence.push(match set {
            Some(_) => "spec.serviceName is empty".to_string(),
            None => "spec.serviceName is not set".to_string(),
        });
        f.evidence.push(
            "the StatefulSet controller sets each pod's subdomain from serviceName; without it no per-member record is published, whatever headless Service exists".to_string(),
        );
        let existing = existing_headless(ctx, sts);
        let svc_name = match existing {
            Some(svc) => {
                let n = k8s::name(&svc.metadata).to_string();
                f.evidence.push(format!(
                    "headless Service {n} already selects {name}'s pods: it is the one to name"
                ));
                n
            }
            None => new_service_name(ctx, sts),
        };
        if !ctx.readable(Source::Services) {
            f.evidence.push(format!(
                "Services were not read: check that no Service {svc_name} exists before applying step 1"
            ));
        }
        let mut step = 1;
        if existing.is_none() {
            f.commands.push(Remedy::with_stdin(
                format!(
                    "Step {step}: create the headless Service {svc_name} (clusterIP: None) that selects {name}'s pods, publishing not-ready members so they can find each other while starting"
                ),
                ctx.kubectl.argv(None, &["apply", "-f", "-"]),
                manifest::to_yaml(&headless_service(sts, &svc_name, ns)),
            ));
            step += 1;
        }
        f.commands.push(orphan_delete(
            ctx,
            sts,
            &format!("serviceName cannot be changed on an existing StatefulSet. Step {step}"),
        ));
        step += 1;
        let m = recreate_manifest(sts, |v| {
            v["spec"]["serviceName"] = json!(svc_name);
        });
        f.commands.push(Remedy::with_stdin(
            format!(
                "Step {step}: re-create {name} with serviceName {svc_name}; the pod template is unchanged, so the new object adopts the running pods without restarting them"
            ),
            ctx.kubectl.argv(None, &["apply", "-f", "-"]),
            manifest::to_yaml(&m),
        ));
        step += 1;
        f.commands.push(Remedy::run(
            format!(
                "Step {step}: a pod's subdomain is fixed when it is created, so the adopted members still have no DNS name: restart them, one at a time, highest ordinal first"
            ),
            ctx.kubectl
                .argv(Some(ns), &["rollout", "restart", "statefulset", name]),
        ));
        f.commands.push(Remedy::run(
            format!("Check that every member is listed under {svc_name} with its hostname"),
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

    fn no_service_name(value: serde_json::Value) -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(merged(
            &sts("shop", "db", 3),
            json!({"spec": {"serviceName": value}}),
        ));
        s
    }

    #[test]
    fn fires_on_unset_or_empty_with_service_orphan_delete_recreate_and_restart() {
        for v in [json!(null), json!("")] {
            let s = no_service_name(v.clone());
            let r = run_check(&s, super::CHECK);
            assert_eq!(r.len(), 1, "{v}");
            let cmds: Vec<&str> = r[0]
                .commands
                .iter()
                .filter_map(|c| c.command.lines().next())
                .collect();
            assert_eq!(
                cmds,
                vec![
                    "kubectl apply -f - <<'EOF'",
                    "kubectl -n shop delete statefulset db --cascade=orphan",
                    "kubectl apply -f - <<'EOF'",
                    "kubectl -n shop rollout restart statefulset db",
                    "kubectl -n shop get endpointslices -l kubernetes.io/service-name=db -o wide",
                ],
                "{v}"
            );
            let svc = r[0].commands[0].stdin().unwrap();
            assert!(
                svc.contains("clusterIP: None") && svc.contains("name: db"),
                "{svc}"
            );
            let m = r[0].commands[2].stdin().unwrap();
            assert!(
                m.contains("kind: StatefulSet") && m.contains("serviceName: db"),
                "{m}"
            );
            // headless-service-missing does not report the same set.
            assert!(run_check(&s, crate::checks::by_id("headless-service-missing")).is_empty());
        }
    }

    #[test]
    fn reuses_a_headless_service_that_selects_the_pods_and_avoids_a_taken_name() {
        let mut s = no_service_name(json!(null));
        s.services.push(service("shop", "db-hl", None));
        // service() selects app=db-hl; point it at the set's pods.
        s.services[0] = merged(&s.services[0], json!({"spec": {"selector": {"app": "db"}}}));
        let r = run_check(&s, super::CHECK);
        assert_eq!(
            r[0].commands[0].command,
            "kubectl -n shop delete statefulset db --cascade=orphan"
        );
        assert!(
            r[0].commands[1]
                .stdin()
                .unwrap()
                .contains("serviceName: db-hl")
        );

        // A client Service named like the set (with a cluster IP) is not renamed or reused.
        let mut s = no_service_name(json!(null));
        s.services.push(service("shop", "db", Some("10.96.0.9")));
        let r = run_check(&s, super::CHECK);
        assert!(
            r[0].commands[0]
                .stdin()
                .unwrap()
                .contains("name: db-headless")
        );
        assert!(
            r[0].commands[2]
                .stdin()
                .unwrap()
                .contains("serviceName: db-headless")
        );
    }

    #[test]
    fn quiet_with_a_service_name() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
