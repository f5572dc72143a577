//! `storageclass-no-expansion`: the StorageClass a StatefulSet's claims come from does not
//! set `allowVolumeExpansion: true`. When a member's volume fills up (a common stateful
//! incident), the API server refuses to grow its claim, and the only way out is copying the
//! data to a bigger volume under pressure. Unlike the rest of a class, this field can be
//! changed in place.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::snapshot::Source;
use crate::sts;
use sts::classes::template_classes;

pub const CHECK: Check = Check {
    id: "storageclass-no-expansion",
    needs: &[Source::StatefulSets, Source::StorageClasses],
    run,
};

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let mut seen: Vec<&str> = Vec::new();
        for (tpl, tc) in template_classes(ctx, sts) {
            let Some(sc) = tc.class() else { continue };
            let class = k8s::name(&sc.metadata);
            // Node-local volumes cannot be expanded by any class setting (local-volume).
            if sc.allow_volume_expansion == Some(true)
                || sc.provisioner == "kubernetes.io/no-provisioner"
                || seen.contains(&class)
            {
                continue;
            }
            seen.push(class);
            let mut f = ctx.finding(
                CHECK.id,
                ObjectRef::cluster("StorageClass", class),
                Some(name),
                format!(
                    "StorageClass {class} does not allow volume expansion: when one of {name}'s volumes fills up, its claim cannot be grown"
                ),
            );
            f.evidence.push(format!(
                "claim template {tpl} of {ns}/{name} uses class {class} (provisioner {}); allowVolumeExpansion is {}",
                sc.provisioner,
                match sc.allow_volume_expansion {
                    Some(false) => "false",
                    _ => "not set (false)",
                }
            ));
            f.evidence.push(
                "a full volume then means copying the data to a new, larger volume during the incident instead of one patch of the claim".to_string(),
            );
            f.commands.push(Remedy::run(
                format!(
                    "Allow expansion on {class} (this field may be changed on an existing class; it only helps if the {} driver supports expansion). Then grow volumes with kubectl sts pvc-expand",
                    sc.provisioner
                ),
                ctx.kubectl.argv(
                    None,
                    &[
                        "patch",
                        "storageclass",
                        class,
                        "--type=merge",
                        "-p",
                        r#"{"allowVolumeExpansion":true}"#,
                    ],
                ),
            ));
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn a_class_without_expansion_fires_on_the_class() {
        let mut s = snapshot();
        s.statefulsets
            .push(with_claim_template(&sts("shop", "db", 3), Some("gp2")));
        s.storage_classes.push(storage_class_of(
            "gp2",
            "ebs.csi.aws.com",
            json!({"allowVolumeExpansion": null}),
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].severity, Severity::Info);
        assert_eq!(r[0].object.kind, "StorageClass");
        assert_eq!(r[0].object.namespace, None);
        assert_eq!(
            r[0].commands[0].command,
            r#"kubectl patch storageclass gp2 --type=merge -p '{"allowVolumeExpansion":true}'"#
        );
    }

    #[test]
    fn the_default_class_counts_and_expandable_or_local_classes_are_quiet() {
        let mut s = snapshot();
        s.statefulsets
            .push(with_claim_template(&sts("shop", "db", 3), None));
        s.storage_classes.push(storage_class_of(
            "std",
            "ebs.csi.aws.com",
            json!({"allowVolumeExpansion": false,
                   "metadata": {"annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}),
        ));
        assert_eq!(run_check(&s, super::CHECK).len(), 1);

        let mut s = snapshot();
        s.statefulsets
            .push(with_claim_template(&sts("shop", "a", 3), Some("ok")));
        s.statefulsets
            .push(with_claim_template(&sts("shop", "b", 3), Some("local")));
        s.storage_classes
            .push(storage_class_of("ok", "ebs.csi.aws.com", json!({})));
        s.storage_classes.push(storage_class_of(
            "local",
            "kubernetes.io/no-provisioner",
            json!({"allowVolumeExpansion": null}),
        ));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
