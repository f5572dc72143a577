//! `image-pull-failure`: a container's image cannot be pulled (ErrImagePull /
//! ImagePullBackOff). The registry's answer decides the fix: an image or tag that does not
//! exist, credentials that are missing or refused, a registry the node cannot reach, or a
//! pull rate limit. The back-off message itself carries no cause, so the newest `Failed`
//! event of the pod is read as well.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::StatefulSet;
use crate::model::{ContainerStatus, Pod};
use crate::snapshot::Source;
use crate::sts;

use serde_json::json;
use std::collections::HashMap;

pub const CHECK: Check = Check {
    id: "image-pull-failure",
    needs: &[Source::StatefulSets, Source::Pods],
    run,
};

const PULL_REASONS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    NotFound,
    Unauthorized,
    /// Docker Hub and others answer "pull access denied ... does not exist or may require
    /// authorization" for both.
    NotFoundOrUnauthorized,
    RateLimited,
    Network,
    InvalidName,
    NeverPull,
    Unknown,
}

impl Cause {
    fn text(self) -> &'static str {
        match self {
            Cause::NotFound => "the image or tag does not exist in the registry",
            Cause::Unauthorized => "the registry refused the credentials (or none were sent)",
            Cause::NotFoundOrUnauthorized => {
                "the registry says the repository does not exist or needs credentials (it does not tell which)"
            }
            Cause::RateLimited => "the registry's pull rate limit was hit",
            Cause::Network => {
                "the node could not reach the registry (timeout, DNS or connection error)"
            }
            Cause::InvalidName => "the image reference is not valid",
            Cause::NeverPull => "imagePullPolicy is Never and the image is not on the node",
            Cause::Unknown => "the pull failed for a reason the message does not make clear",
        }
    }
}

/// Classifies a pull error message (kubelet, containerd and CRI-O wordings).
pub(crate) fn classify(msg: &str) -> Cause {
    let m = msg.to_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
    if has(&["toomanyrequests", "rate limit", "429 too many requests"]) {
        Cause::RateLimited
    } else if has(&["may require authorization", "may require 'docker login'"]) {
        Cause::NotFoundOrUnauthorized
    } else if has(&[
        "unauthorized",
        "authentication required",
        "denied",
        "403 forbidden",
        "no basic auth credentials",
        "failed to authorize",
        "insufficient_scope",
    ]) {
        Cause::Unauthorized
    } else if has(&[
        "not found",
        "manifest unknown",
        "name unknown",
        "repository does not exist",
        "no such image",
    ]) {
        Cause::NotFound
    } else if has(&[
        "timeout",
        "timed out",
        "deadline exceeded",
        "connection refused",
        "connection reset",
        "no such host",
        "i/o timeout",
        "network is unreachable",
        "no route to host",
        "tls handshake",
        "dial tcp",
        "unexpected eof",
    ]) {
        Cause::Network
    } else if has(&[
        "invalidimagename",
        "invalid reference format",
        "couldn't parse image",
    ]) {
        Cause::InvalidName
    } else if has(&["errimageneverpull", "imagepullpolicy is set to never"]) {
        Cause::NeverPull
    } else {
        Cause::Unknown
    }
}

/// The registry host of an image reference (`docker.io` when none is named).
pub(crate) fn registry(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
        }
        _ => "docker.io",
    }
}

/// The image without tag or digest.
pub(crate) fn repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[last_slash..].rfind(':') {
        Some(i) => &no_digest[..last_slash + i],
        None => no_digest,
    }
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &ctx.snap.statefulsets {
        let ns = k8s::namespace(&sts.metadata);
        let name = k8s::name(&sts.metadata);
        let pods = ctx.idx.pods_of(ns, name);
        // The images Ready pods run, per container: known-good values to go back to.
        // Collected once per StatefulSet, and only when some pull fails.
        let mut good: Option<HashMap<&str, Vec<&str>>> = None;
        for pod in pods {
            for (_, cs) in sts::statuses(pod) {
                if sts::waiting_reason(cs).is_some_and(|r| PULL_REASONS.contains(&r)) {
                    let good = good.get_or_insert_with(|| running_images(pods));
                    out.push(finding(ctx, sts, good, pod, cs));
                }
            }
        }
    }
}

/// The distinct images of each container among the Ready pods.
fn running_images<'a>(pods: &[&'a Pod]) -> HashMap<&'a str, Vec<&'a str>> {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in pods.iter().filter(|p| sts::serving(p)) {
        for c in p.spec.iter().flat_map(|s| {
            s.containers
                .iter()
                .chain(s.init_containers.iter().flatten())
        }) {
            if let Some(i) = c.image.as_deref() {
                let v = out.entry(c.name.as_str()).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
    }
    out
}

fn finding(
    ctx: &Ctx,
    sts: &StatefulSet,
    good: &HashMap<&str, Vec<&str>>,
    pod: &Pod,
    cs: &ContainerStatus,
) -> Finding {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let pod_name = k8s::name(&pod.metadata);
    let cname = cs.name.as_str();
    let reason = sts::waiting_reason(cs).unwrap_or("ErrImagePull");
    let spec = sts::pod_container(pod, cname);
    let image = spec
        .and_then(|c| c.image.as_deref())
        .unwrap_or(cs.image.as_str());
    let state_msg = sts::waiting_message(cs).unwrap_or("");
    let failed = ctx
        .idx
        .events("Pod", ns, pod_name)
        .iter()
        .find(|e| {
            e.reason.as_deref() == Some("Failed")
                && e.message
                    .as_deref()
                    .is_some_and(|m| m.contains("ailed to pull") || m.contains("rror"))
                && sts::event_is_about(e, cname)
        })
        .and_then(|e| e.message.as_deref())
        .unwrap_or("");
    let mut cause = classify(&format!("{reason} {state_msg} {failed}"));
    if cause == Cause::Unknown && reason == "InvalidImageName" {
        cause = Cause::InvalidName;
    }
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, pod_name),
        Some(name),
        format!(
            "image {image} of container {cname} in {pod_name} cannot be pulled ({reason}): {}",
            cause.text()
        ),
    );
    if !state_msg.is_empty() {
        f.evidence.push(format!("{reason}: {state_msg}"));
    }
    f.evidence.extend(ctx.event_lines(
        "Pod",
        ns,
        pod_name,
        |e| e.reason.as_deref() == Some("Failed") && sts::event_is_about(e, cname),
        2,
    ));
    if failed.is_empty() && state_msg.is_empty() {
        f.evidence.push(
            "no error message recorded: the cause is in the pod's events (kubectl describe pod)"
                .to_string(),
        );
    }
    // An image other pods of the set run fine: a known-good value to go back to.
    let good: Option<&str> = good
        .get(cname)
        .and_then(|v| v.iter().copied().find(|i| *i != image));
    let host = registry(image);
    match cause {
        Cause::NotFound | Cause::NotFoundOrUnauthorized | Cause::InvalidName => {
            wrong_image(ctx, sts, pod, (cname, image), good, cause, &mut f);
        }
        Cause::Unauthorized | Cause::RateLimited => {
            pull_secret_steps(ctx, sts, pod, host, cause, &mut f);
        }
        Cause::Network => {
            if let Some(node) = k8s::pod::node_name(pod) {
                f.commands.push(Remedy::run(
                    format!(
                        "Check node {node}: it must resolve and reach {host} (DNS, proxy settings of the container runtime, firewall or egress rules); the kubelet retries on its own once it can"
                    ),
                    ctx.kubectl.argv(None, &["describe", "node", node]),
                ));
            }
        }
        Cause::NeverPull | Cause::Unknown => {}
    }
    f.commands.push(Remedy::run(
        format!("Read the pull errors in {pod_name}'s events"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", pod_name]),
    ));
    f
}

/// An image that does not exist (or is private): set one that does, or go back to the
/// one the Ready pods run.
fn wrong_image(
    ctx: &Ctx,
    sts: &StatefulSet,
    pod: &Pod,
    (cname, image): (&str, &str),
    good: Option<&str>,
    cause: Cause,
    f: &mut Finding,
) {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let host = registry(image);
    let repo = repository(image);
    f.commands.push(Remedy::run(
        format!(
            "Option A: set an image that exists. The right tag cannot be known from here: replace <tag> with a tag published in {repo} (check the registry or the release notes). {}",
            sts::template_change_effect(sts)
        ),
        ctx.kubectl.argv(
            Some(ns),
            &[
                "set",
                "image",
                &format!("statefulset/{name}"),
                &format!("{cname}={repo}:<tag>"),
            ],
        ),
    ));
    if let Some(g) = good {
        f.evidence
            .push(format!("other Ready pods of {name} run {cname} as {g}"));
        f.commands.push(Remedy::run(
            format!("Option B: go back to {g}, the image the Ready pods run"),
            ctx.kubectl.argv(
                Some(ns),
                &[
                    "set",
                    "image",
                    &format!("statefulset/{name}"),
                    &format!("{cname}={g}"),
                ],
            ),
        ));
    }
    if cause == Cause::NotFoundOrUnauthorized {
        f.evidence.push(format!(
            "if the repository exists and is private, this is a credentials problem: give the pods an imagePullSecret for {host}"
        ));
    }
    if let Some(r) = sts::replace_after_template_change(ctx, sts, pod) {
        f.commands.push(r);
    }
}

fn pull_secret_steps(
    ctx: &Ctx,
    sts: &StatefulSet,
    pod: &Pod,
    host: &str,
    cause: Cause,
    f: &mut Finding,
) {
    let ns = k8s::namespace(&sts.metadata);
    let name = k8s::name(&sts.metadata);
    let existing: Vec<&str> = pod
        .spec
        .as_ref()
        .and_then(|s| s.image_pull_secrets.as_deref())
        .unwrap_or_default()
        .iter()
        .map(|r| r.name.as_str())
        .filter(|n| !n.is_empty())
        .collect();
    if cause == Cause::RateLimited {
        f.evidence.push(format!(
            "anonymous pulls from {host} are rate limited per IP address: pull with an account (an imagePullSecret) or from a mirror"
        ));
    }
    if !existing.is_empty() {
        f.evidence.push(format!(
            "the pod uses imagePullSecrets {}: they exist but hold wrong or expired credentials for {host}, or they do not exist",
            existing.join(", ")
        ));
        for s in existing.iter().take(2) {
            f.commands.push(Remedy::run(
                format!("Check that Secret {s} exists and is of type kubernetes.io/dockerconfigjson (describe shows no secret values)"),
                ctx.kubectl.argv(Some(ns), &["describe", "secret", s]),
            ));
        }
        return;
    }
    f.evidence
        .push("the pod has no imagePullSecrets".to_string());
    let secret = format!("{name}-pull-secret");
    let server = if host == "docker.io" {
        "https://index.docker.io/v1/".to_string()
    } else {
        host.to_string()
    };
    f.commands.push(Remedy::run(
        format!(
            "Create a pull secret for {host}: replace <user> and <password-or-token> with an account that may pull the image (a read-only token is enough)"
        ),
        ctx.kubectl.argv(
            Some(ns),
            &[
                "create",
                "secret",
                "docker-registry",
                &secret,
                &format!("--docker-server={server}"),
                "--docker-username=<user>",
                "--docker-password=<password-or-token>",
            ],
        ),
    ));
    let patch = json!({"spec": {"template": {"spec": {"imagePullSecrets": [{"name": secret}]}}}})
        .to_string();
    f.commands.push(Remedy::run(
        format!(
            "Reference it from {name}'s pod template. {}",
            sts::template_change_effect(sts)
        ),
        ctx.kubectl.argv(
            Some(ns),
            &[
                "patch",
                "statefulset",
                name,
                "--type=merge",
                "-p",
                patch.as_str(),
            ],
        ),
    ));
    if let Some(r) = sts::replace_after_template_change(ctx, sts, pod) {
        f.commands.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::{Cause, classify, registry, repository};
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn messages_are_classified() {
        assert_eq!(
            classify(
                r#"failed to pull and unpack image "docker.io/library/redis:9.9": failed to resolve reference "docker.io/library/redis:9.9": docker.io/library/redis:9.9: not found"#
            ),
            Cause::NotFound
        );
        assert_eq!(
            classify("manifest unknown: manifest unknown"),
            Cause::NotFound
        );
        assert_eq!(
            classify(
                "failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized"
            ),
            Cause::Unauthorized
        );
        assert_eq!(
            classify(
                "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope"
            ),
            Cause::NotFoundOrUnauthorized
        );
        assert_eq!(
            classify("dial tcp: lookup registry.internal on 10.0.0.10:53: no such host"),
            Cause::Network
        );
        assert_eq!(
            classify("toomanyrequests: You have reached your pull rate limit."),
            Cause::RateLimited
        );
        assert_eq!(classify("Back-off pulling image \"x\""), Cause::Unknown);
    }

    #[test]
    fn image_references_split_into_registry_and_repository() {
        assert_eq!(registry("postgres:16"), "docker.io");
        assert_eq!(registry("bitnami/redis:7"), "docker.io");
        assert_eq!(registry("ghcr.io/org/app:1.2"), "ghcr.io");
        assert_eq!(registry("localhost:5000/app"), "localhost:5000");
        assert_eq!(repository("localhost:5000/app:1.0"), "localhost:5000/app");
        assert_eq!(repository("localhost:5000/app"), "localhost:5000/app");
        assert_eq!(repository("postgres@sha256:abc"), "postgres");
        assert_eq!(repository("ghcr.io/org/app:1.2"), "ghcr.io/org/app");
    }

    fn pulling() -> crate::model::Pod {
        merged(
            &pod("shop", "db", 2, false),
            json!({
                "spec": {"containers": [{"name": "db", "image": "postgres:16.99"}]},
                "status": {"containerStatuses": [{"name": "db", "image": "postgres:16.99", "imageID": "", "ready": false,
                    "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff",
                    "message": "Back-off pulling image \"postgres:16.99\""}}}]}
            }),
        )
    }

    #[test]
    fn not_found_suggests_a_tag_and_the_image_the_ready_pods_run() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, true));
        s.pods.push(pulling());
        s.events.push(pod_event(
            "shop",
            "db-2",
            Some("db"),
            "Failed",
            "Failed to pull image \"postgres:16.99\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/postgres:16.99\": not found",
            "2026-11-22T02:59:00Z",
            4,
        ));
        let r = run_check(&s, super::CHECK);
        assert_eq!(r.len(), 1);
        let cmds: Vec<&str> = r[0].commands.iter().map(|c| c.command.as_str()).collect();
        assert!(
            cmds.contains(&"kubectl -n shop set image statefulset/db 'db=postgres:<tag>'"),
            "{cmds:?}"
        );
        assert!(
            cmds.contains(&"kubectl -n shop set image statefulset/db db=postgres:16"),
            "{cmds:?}"
        );
        assert!(
            cmds.contains(&"kubectl -n shop delete pod db-2"),
            "{cmds:?}"
        );
    }

    #[test]
    fn unauthorized_creates_and_references_a_pull_secret() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pulling());
        s.events.push(pod_event(
            "shop",
            "db-2",
            Some("db"),
            "Failed",
            "Failed to pull image \"postgres:16.99\": failed to authorize: 401 Unauthorized",
            "2026-11-22T02:59:00Z",
            1,
        ));
        let r = run_check(&s, super::CHECK);
        let cmds: Vec<&str> = r[0].commands.iter().map(|c| c.command.as_str()).collect();
        assert!(cmds.iter().any(|c| c.starts_with(
            "kubectl -n shop create secret docker-registry db-pull-secret --docker-server=https://index.docker.io/v1/"
        )));
        assert!(cmds.contains(
            &r#"kubectl -n shop patch statefulset db --type=merge -p '{"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"db-pull-secret"}]}}}}'"#
        ));
    }

    #[test]
    fn quiet_when_images_pull() {
        let mut s = snapshot();
        s.statefulsets.push(sts("shop", "db", 3));
        s.pods.push(pod("shop", "db", 0, false));
        assert!(run_check(&s, super::CHECK).is_empty());
    }
}
