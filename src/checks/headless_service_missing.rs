//! `headless-service-missing`: `spec.serviceName` names a Service that does not exist, so
//! no pod gets its stable DNS name and peers cannot find each other.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::manifest;
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "headless-service-missing",
    needs: &[Source::StatefulSets, Source::Services],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let Some(svc_name) = sts
            .spec
            .as_ref()
            .and_then(|s| s.service_name.as_deref())
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        if ctx.idx.service.contains_key(&(ns, svc_name)) {
            continue;
        }
        let mut f = ctx.finding(
            CHECK.id,
            ObjectRef::namespaced("StatefulSet", ns, name),
            Some(name),
            format!("governing Service {svc_name} does not exist: pods have no stable DNS names"),
        );
        f.evidence.push(format!(
            "spec.serviceName is {svc_name:?}; no Service {ns}/{svc_name} exists"
        ));
        f.evidence.push(format!(
            "without it, {name}-0.{svc_name}.{ns}.svc does not resolve and members cannot find their peers"
        ));
        let manifest = sts::services::headless_service(sts, svc_name, ns);
        f.commands.push(Remedy::with_stdin(
            format!(
                "Create the headless Service {svc_name} (clusterIP: None) that selects the pods"
            ),
            ctx.kubectl.argv(None, &["apply", "-f", "-"]),
            manifest::to_yaml(&manifest),
        ));
        f.commands.push(Remedy::run(
            "Check that every pod now has a DNS record (each ready pod is listed)",
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

    #[test]
    fn fires_when_the_named_service_is_absent() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let f = &r[0];
        assert_eq!(f.object.kind, "StatefulSet");
        assert!(
            f.commands[0]
                .command
                .starts_with("kubectl apply -f - <<'EOF'\n")
        );
        let doc = f.commands[0].stdin().unwrap();
        assert!(doc.contains("clusterIP: None"), "{doc}");
        assert!(
            doc.contains("name: db") && doc.contains("namespace: shop"),
            "{doc}"
        );
        assert!(doc.contains("app: db"), "{doc}");
    }

    #[test]
    fn quiet_when_the_service_exists_even_if_not_headless() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.services.push(service("shop", "db", Some("10.0.0.5")));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
