//! Who else writes an object: Helm, Argo CD or Flux, read from the labels and annotations
//! they stamp on what they apply. A change made by hand (a partition, an image, a claim
//! size) to such an object lasts only until that tool's next sync or upgrade puts its own
//! version back, so the commands that mutate say so before they act.

use super::label;
use crate::model::MetaView;

/// The tool that manages an object, the name it knows it by, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manager {
    /// "Argo CD", "Flux" or "Helm".
    pub tool: &'static str,
    /// The Argo CD application, the Flux Kustomization/HelmRelease (`namespace/name`), or
    /// the Helm release.
    pub name: String,
    /// One sentence for people: what may happen and how to make the change stick.
    pub hint: String,
}

fn annotation<'a, M: MetaView + ?Sized>(meta: &'a M, key: &str) -> Option<&'a str> {
    meta.annotation(key).filter(|v| !v.is_empty())
}

/// `namespace/name` when the namespace is known.
fn qualified(ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

/// The tool that manages the object, if its metadata says so. GitOps tools come first: an
/// Argo CD application or a Flux HelmRelease often renders a Helm chart, whose objects also
/// carry Helm's labels, and it is the GitOps sync that puts things back on its own.
pub fn managed_by<M: MetaView + ?Sized>(meta: &M) -> Option<Manager> {
    // Argo CD: the instance label (default tracking) or the tracking-id annotation
    // (`<app>:<group>/<kind>:<namespace>/<name>`).
    let argo = label(meta, "argocd.argoproj.io/instance").or_else(|| {
        annotation(meta, "argocd.argoproj.io/tracking-id")
            .and_then(|t| t.split(':').next())
            .filter(|a| !a.is_empty())
    });
    if let Some(app) = argo {
        return Some(Manager {
            tool: "Argo CD",
            name: app.to_string(),
            hint: format!(
                "Argo CD application {app} manages this object: a sync (automatic with self-heal) puts back what Git says and may undo a change made here; make the same change in Git, or turn off auto-sync for the application while you work"
            ),
        });
    }
    for (kind, prefix, suspend) in [
        (
            "Kustomization",
            "kustomize.toolkit.fluxcd.io",
            "kustomization",
        ),
        ("HelmRelease", "helm.toolkit.fluxcd.io", "helmrelease"),
    ] {
        if let Some(name) = label(meta, &format!("{prefix}/name")) {
            let ns = label(meta, &format!("{prefix}/namespace"));
            let ns_flag = ns.map(|n| format!(" -n {n}")).unwrap_or_default();
            return Some(Manager {
                tool: "Flux",
                name: qualified(ns, name),
                hint: format!(
                    "Flux {kind} {} manages this object: its next reconciliation re-applies the source and may undo a change made here; make the same change in Git, or suspend it first (flux suspend {suspend} {name}{ns_flag})",
                    qualified(ns, name)
                ),
            });
        }
    }
    let helm_release = annotation(meta, "meta.helm.sh/release-name");
    let helm_label = label(meta, "app.kubernetes.io/managed-by") == Some("Helm");
    if helm_release.is_some() || helm_label {
        let name = helm_release
            .or_else(|| label(meta, "app.kubernetes.io/instance"))
            .unwrap_or("(release name not recorded)");
        let ns = annotation(meta, "meta.helm.sh/release-namespace");
        return Some(Manager {
            tool: "Helm",
            name: qualified(ns, name),
            hint: format!(
                "Helm release {} manages this object: the next helm upgrade re-applies the chart and may undo a change made here; carry the change into the release's values as well",
                qualified(ns, name)
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use std::collections::BTreeMap;

    fn meta(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> ObjectMeta {
        let map = |kv: &[(&str, &str)]| {
            (!kv.is_empty()).then(|| {
                kv.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>()
            })
        };
        ObjectMeta {
            labels: map(labels),
            annotations: map(annotations),
            ..Default::default()
        }
    }

    #[test]
    fn each_tool_is_recognised_by_its_own_marks() {
        let m = managed_by(&meta(&[("argocd.argoproj.io/instance", "shop-db")], &[])).unwrap();
        assert_eq!((m.tool, m.name.as_str()), ("Argo CD", "shop-db"));
        let m = managed_by(&meta(
            &[],
            &[(
                "argocd.argoproj.io/tracking-id",
                "shop-db:apps/StatefulSet:shop/orders-db",
            )],
        ))
        .unwrap();
        assert_eq!((m.tool, m.name.as_str()), ("Argo CD", "shop-db"));
        let m = managed_by(&meta(
            &[
                ("kustomize.toolkit.fluxcd.io/name", "apps"),
                ("kustomize.toolkit.fluxcd.io/namespace", "flux-system"),
            ],
            &[],
        ))
        .unwrap();
        assert_eq!((m.tool, m.name.as_str()), ("Flux", "flux-system/apps"));
        assert!(
            m.hint
                .contains("flux suspend kustomization apps -n flux-system"),
            "{}",
            m.hint
        );
        let m = managed_by(&meta(&[("helm.toolkit.fluxcd.io/name", "db")], &[])).unwrap();
        assert!(m.hint.contains("flux suspend helmrelease db"), "{}", m.hint);
        let m = managed_by(&meta(
            &[("app.kubernetes.io/managed-by", "Helm")],
            &[
                ("meta.helm.sh/release-name", "orders"),
                ("meta.helm.sh/release-namespace", "shop"),
            ],
        ))
        .unwrap();
        assert_eq!((m.tool, m.name.as_str()), ("Helm", "shop/orders"));
    }

    #[test]
    fn gitops_wins_over_the_helm_labels_of_the_chart_it_renders() {
        let m = managed_by(&meta(
            &[
                ("app.kubernetes.io/managed-by", "Helm"),
                ("helm.toolkit.fluxcd.io/name", "db"),
                ("helm.toolkit.fluxcd.io/namespace", "shop"),
            ],
            &[("meta.helm.sh/release-name", "db")],
        ))
        .unwrap();
        assert_eq!(m.tool, "Flux");
    }

    #[test]
    fn unmarked_or_other_managers_are_none() {
        assert!(managed_by(&meta(&[], &[])).is_none());
        assert!(managed_by(&meta(&[("app.kubernetes.io/managed-by", "kustomize")], &[])).is_none());
        assert!(managed_by(&meta(&[("argocd.argoproj.io/instance", "")], &[])).is_none());
    }
}
