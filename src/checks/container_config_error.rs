//! `container-config-error`: a container cannot be created because its configuration
//! refers to something that is not there: a Secret or ConfigMap (or one key of it) used for
//! environment variables, or a security setting the image cannot satisfy. The kubelet
//! retries by itself, so once the missing object exists the pod starts without a restart.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::StatefulSet;
use crate::model::{ContainerStatus, Pod};
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "container-config-error",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

/// What the kubelet's `CreateContainerConfigError` message says is missing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    /// kind is "Secret" or "ConfigMap".
    Object {
        kind: &'static str,
        name: String,
    },
    Key {
        kind: &'static str,
        name: String,
        key: String,
    },
    RunAsNonRoot,
    Other,
}

fn quoted_after<'m>(msg: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = &msg[msg.find(prefix)? + prefix.len()..];
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(&rest[..end])
}

/// Parses the kubelet's messages: `secret "db-creds" not found`, `configmap "cfg" not
/// found`, `couldn't find key password in Secret shop/db-creds`, and the runAsNonRoot
/// refusals.
pub(crate) fn parse(msg: &str) -> Missing {
    for (prefix, kind) in [("secret ", "Secret"), ("configmap ", "ConfigMap")] {
        if let Some(name) = quoted_after(msg, prefix)
            && msg.contains("not found")
        {
            return Missing::Object {
                kind,
                name: name.to_string(),
            };
        }
    }
    if let Some(rest) = msg.split("couldn't find key ").nth(1) {
        let mut words = rest.split_whitespace();
        let key = words.next().unwrap_or("");
        let _in = words.next();
        let kind = match words.next() {
            Some("Secret") => Some("Secret"),
            Some("ConfigMap") => Some("ConfigMap"),
            _ => None,
        };
        let name = words.next().map(|w| {
            w.rsplit('/')
                .next()
                .unwrap_or(w)
                .trim_end_matches(['.', ','])
        });
        if let (Some(kind), Some(name)) = (kind, name)
            && !key.is_empty()
        {
            return Missing::Key {
                kind,
                name: name.to_string(),
                key: key.to_string(),
            };
        }
    }
    if msg.contains("runAsNonRoot") {
        return Missing::RunAsNonRoot;
    }
    Missing::Other
}

/// The keys the container reads from that Secret/ConfigMap through `env`, and whether it
/// also imports the whole object through `envFrom` (then its keys are not known).
fn referenced_keys(
    c: Option<&crate::model::Container>,
    kind: &str,
    name: &str,
) -> (Vec<String>, bool) {
    let Some(c) = c else {
        return (Vec::new(), true);
    };
    let mut keys: Vec<String> = Vec::new();
    for e in c.env.as_deref().unwrap_or_default() {
        let Some(from) = &e.value_from else { continue };
        let sel = if kind == "Secret" {
            from.secret_key_ref
                .as_ref()
                .map(|r| (r.name.as_str(), r.key.as_str()))
        } else {
            from.config_map_key_ref
                .as_ref()
                .map(|r| (r.name.as_str(), r.key.as_str()))
        };
        if let Some((n, k)) = sel
            && n == name
            && !keys.iter().any(|x| x == k)
        {
            keys.push(k.to_string());
        }
    }
    let whole = c.env_from.as_deref().unwrap_or_default().iter().any(|e| {
        if kind == "Secret" {
            e.secret_ref.as_ref().is_some_and(|r| r.name == name)
        } else {
            e.config_map_ref.as_ref().is_some_and(|r| r.name == name)
        }
    });
    (keys, whole)
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        for pod in ctx.idx.pods_of(ns, name) {
            for (_, cs) in sts::statuses(pod) {
                if sts::waiting_reason(cs) == Some("CreateContainerConfigError") {
                    out.push(finding(ctx, sts, pod, cs));
                }
            }
        }
    }
}

/// What the missing object or key is, who reads it, and how to provide it.
fn explain(
    ctx: &Ctx,
    f: &mut Finding,
    sts: &StatefulSet,
    pod: &Pod,
    cname: &str,
    missing: &Missing,
) {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let spec = sts::pod_container(pod, cname);
    match missing {
        Missing::Object { kind, name: obj } => {
            let (keys, whole) = referenced_keys(spec, kind, obj);
            if !keys.is_empty() {
                f.evidence.push(format!(
                    "{cname} reads key(s) {} of it through env",
                    keys.join(", ")
                ));
            }
            if whole {
                f.evidence
                    .push(format!("{cname} imports all of its keys through envFrom"));
            }
            let plural = if *kind == "Secret" {
                "secrets"
            } else {
                "configmaps"
            };
            f.commands.push(Remedy::run(
                format!(
                    "Look for {kind} {obj} in other namespaces (a manifest applied to the wrong namespace, or a secrets operator that has not synced it)"
                ),
                ctx.kubectl.argv(
                    None,
                    &[
                        "get",
                        plural,
                        "-A",
                        "--field-selector",
                        &format!("metadata.name={obj}"),
                    ],
                ),
            ));
            let mut args: Vec<String> = vec!["create".into()];
            if *kind == "Secret" {
                args.extend(["secret".into(), "generic".into()]);
            } else {
                args.push("configmap".into());
            }
            args.push(obj.clone());
            let desc = if keys.is_empty() || whole {
                args.push(format!("--from-env-file=./{obj}.env"));
                format!(
                    "Or create {kind} {obj}: first write its KEY=value lines into ./{obj}.env (the keys the application expects; the command fails if the file is missing)"
                )
            } else {
                for k in &keys {
                    args.push(format!("--from-file={k}=./{k}"));
                }
                format!(
                    "Or create {kind} {obj} with the key(s) {cname} reads: first put each value in a file named after its key ({}); the command fails rather than create an empty key if a file is missing",
                    keys.iter()
                        .map(|k| format!("./{k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            f.commands
                .push(Remedy::run(desc, ctx.kubectl.argv(Some(ns), &args)));
        }
        Missing::Key {
            kind,
            name: obj,
            key,
        } => {
            let lower = if *kind == "Secret" {
                "secret"
            } else {
                "configmap"
            };
            f.commands.push(Remedy::run(
                format!(
                    "List the keys {kind} {obj} has (describe shows key names and sizes, not secret values): a typo, or a key that was renamed?"
                ),
                ctx.kubectl.argv(Some(ns), &["describe", lower, obj]),
            ));
            f.commands.push(Remedy::run(
                format!(
                    "Option A (the reference is wrong): fix the key name in {name}'s template (env[].valueFrom). {}",
                    sts::template_change_effect(sts)
                ),
                ctx.kubectl.argv(Some(ns), &["edit", "statefulset", name]),
            ));
            let how = if *kind == "Secret" {
                format!(" (add it under a stringData: section as plain text: {key}: <value>)")
            } else {
                format!(" (add {key}: <value> under data:)")
            };
            f.commands.push(Remedy::run(
                format!("Option B (the key is missing): add {key} to {kind} {obj}{how}"),
                ctx.kubectl.argv(Some(ns), &["edit", lower, obj]),
            ));
        }
        Missing::RunAsNonRoot => {
            f.commands.push(Remedy::run(
                format!(
                    "Set securityContext.runAsUser to the image's non-root user id in {name}'s template, or use an image that runs as non-root. {}",
                    sts::template_change_effect(sts)
                ),
                ctx.kubectl.argv(Some(ns), &["edit", "statefulset", name]),
            ));
        }
        Missing::Other => {}
    }
}

fn finding(ctx: &Ctx, sts: &StatefulSet, pod: &Pod, cs: &ContainerStatus) -> Finding {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let pod_name = k8s::name(&pod.metadata);
    let cname = cs.name.as_str();
    let msg = sts::waiting_message(cs).unwrap_or("");
    let missing = parse(msg);
    let summary = match &missing {
        Missing::Object { kind, name: obj } => {
            format!("container {cname} of {pod_name} cannot start: {kind} {obj} does not exist")
        }
        Missing::Key {
            kind,
            name: obj,
            key,
        } => format!("container {cname} of {pod_name} cannot start: {kind} {obj} has no key {key}"),
        Missing::RunAsNonRoot => format!(
            "container {cname} of {pod_name} cannot start: runAsNonRoot is set but the image runs as root"
        ),
        Missing::Other => format!("container {cname} of {pod_name} cannot be created: {msg}"),
    };
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, pod_name),
        Some(name),
        summary,
    );
    if !msg.is_empty() {
        f.evidence
            .push(format!("CreateContainerConfigError: {msg}"));
    }
    f.evidence.push(
        "the kubelet retries by itself: once the reference resolves, the container starts without deleting the pod".to_string(),
    );
    explain(ctx, &mut f, sts, pod, cname, &missing);
    f.commands.push(Remedy::run(
        format!("Read {pod_name}'s events and the full error"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", pod_name]),
    ));
    f
}

#[cfg(test)]
mod tests {
    use super::{Missing, parse};
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn parses_the_kubelet_messages() {
        assert_eq!(
            parse(r#"secret "db-creds" not found"#),
            Missing::Object {
                kind: "Secret",
                name: "db-creds".into()
            }
        );
        assert_eq!(
            parse(r#"configmap "cfg" not found"#),
            Missing::Object {
                kind: "ConfigMap",
                name: "cfg".into()
            }
        );
        assert_eq!(
            parse("couldn't find key password in Secret shop/db-creds"),
            Missing::Key {
                kind: "Secret",
                name: "db-creds".into(),
                key: "password".into()
            }
        );
        assert_eq!(
            parse(
                r#"container has runAsNonRoot and image will run as root (pod: "db-0_shop(1)", container: db)"#
            ),
            Missing::RunAsNonRoot
        );
        assert_eq!(parse("something else"), Missing::Other);
        assert_eq!(parse(r#"secret ""#), Missing::Other);
    }

    fn config_error_pod(msg: &str) -> crate::model::Pod {
        merged(
            &pod("shop", "db", 0, false),
            json!({
                "spec": {"containers": [{"name": "db", "image": "postgres:16", "env": [
                    {"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "password"}}},
                    {"name": "PGUSER", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "user"}}}
                ]}]},
                "status": {"containerStatuses": [{"name": "db", "image": "postgres:16", "imageID": "", "ready": false,
                    "restartCount": 0, "state": {"waiting": {"reason": "CreateContainerConfigError", "message": msg}}}]}
            }),
        )
    }

    #[test]
    fn a_missing_secret_is_named_with_the_keys_the_container_reads() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods
            .push(config_error_pod(r#"secret "db-creds" not found"#));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].summary.contains("Secret db-creds does not exist"));
        let cmds: Vec<&str> = r[0].commands.iter().map(|c| c.command.as_str()).collect();
        assert!(cmds.contains(&"kubectl get secrets -A --field-selector metadata.name=db-creds"));
        assert!(cmds.contains(
            &"kubectl -n shop create secret generic db-creds --from-file=password=./password --from-file=user=./user"
        ), "{cmds:?}");
    }

    #[test]
    fn a_missing_key_offers_both_fixes() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(config_error_pod(
            "couldn't find key password in Secret shop/db-creds",
        ));
        let r = run_check(&s, super::CHECK);
        let cmds: Vec<&str> = r[0].commands.iter().map(|c| c.command.as_str()).collect();
        assert!(cmds.contains(&"kubectl -n shop describe secret db-creds"));
        assert!(cmds.contains(&"kubectl -n shop edit statefulset db"));
        assert!(cmds.contains(&"kubectl -n shop edit secret db-creds"));
    }

    #[test]
    fn quiet_for_running_containers() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, false));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
