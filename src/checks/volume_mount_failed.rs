//! `volume-mount-failed`: a scheduled pod stuck before its containers start because a
//! volume cannot be attached or mounted, for a reason other than an attach conflict or a
//! missing disk: a Secret or ConfigMap volume whose object is missing, permission errors,
//! a CSI driver that is not running on the node, a damaged filesystem, other driver errors.
//! The newest meaningful FailedMount/FailedAttachVolume message is quoted. The kubelet's
//! "timed out waiting for the condition" accompanies every attach failure: when
//! `volume-attach-conflict` or `volume-backend-missing` already explains the pod, this
//! check stays quiet.

use super::Check;
use crate::analysis::Ctx;
use crate::finding::{Finding, ObjectRef, Remedy};
use crate::k8s;
use crate::model::Event;
use crate::model::Pod;
use crate::snapshot::Source;
use crate::sts;

pub const CHECK: Check = Check {
    id: "volume-mount-failed",
    needs: &[
        Source::Pods,
        Source::Events,
        Source::PersistentVolumeClaims,
        Source::PersistentVolumes,
    ],
    run,
};

/// A mount may take a moment (attach, format); errors after a minute are real.
const GRACE_SECS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cause {
    MissingSecret(String),
    MissingConfigMap(String),
    Permission,
    DriverNotRunning(String),
    Filesystem,
    /// Only the kubelet's generic timeout: the real error is elsewhere (driver logs).
    Timeout,
    Other,
}

/// The generic kubelet timeout that follows every attach or mount failure.
fn is_generic_timeout(msg: &str) -> bool {
    msg.contains("timed out waiting for the condition")
        || msg.contains("context deadline exceeded") && msg.starts_with("Unable to attach or mount")
}

pub(crate) fn classify(msg: &str) -> Cause {
    let l = msg.to_ascii_lowercase();
    if let Some(name) = k8s::pod::quoted_after(msg, "secret \"").filter(|_| l.contains("not found"))
    {
        return Cause::MissingSecret(name.to_string());
    }
    if let Some(name) = k8s::pod::quoted_after(msg, "configmap \"")
        .or_else(|| k8s::pod::quoted_after(msg, "configmaps \""))
        .filter(|_| l.contains("not found"))
    {
        return Cause::MissingConfigMap(name.to_string());
    }
    if l.contains("not found in the list of registered csi drivers") {
        let driver = msg
            .split("driver name ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("")
            .to_string();
        return Cause::DriverNotRunning(driver);
    }
    if l.contains("permission denied") || l.contains("operation not permitted") {
        return Cause::Permission;
    }
    if l.contains("bad superblock")
        || l.contains("structure needs cleaning")
        || l.contains("wrong fs type")
        || l.contains("fsck")
    {
        return Cause::Filesystem;
    }
    if is_generic_timeout(msg) {
        return Cause::Timeout;
    }
    Cause::Other
}

fn mount_events<'a>(ctx: &Ctx<'a>, pod: &Pod) -> Vec<&'a Event> {
    ctx.idx
        .events(
            "Pod",
            k8s::namespace(&pod.metadata),
            k8s::name(&pod.metadata),
        )
        .iter()
        .copied()
        .filter(|e| {
            matches!(
                e.reason.as_deref(),
                Some("FailedMount" | "FailedAttachVolume")
            ) && k8s::pod::event_is_for(pod, e)
        })
        .collect()
}

/// Since when the pod has been waiting to start: scheduled time, else creation.
fn waiting_since(pod: &Pod) -> Option<jiff::Timestamp> {
    k8s::pod::condition(pod, "PodScheduled")
        .filter(|c| c.status == "True")
        .and_then(|c| c.last_transition_time.as_ref())
        .or(pod.metadata.creation_timestamp.as_ref())
        .map(|t| t.0)
}

fn run(ctx: &Ctx, out: &mut Vec<Finding>) {
    for pod in &ctx.snap.pods {
        if pod.metadata.deletion_timestamp.is_some() || !k8s::pod::is_starting(pod) {
            continue;
        }
        let sts = k8s::pod::statefulset_of(pod);
        if sts.is_none() && k8s::pod::claims(pod).is_empty() {
            continue;
        }
        if waiting_since(pod).is_some_and(|t| k8s::time::secs_since(t, ctx.now) < GRACE_SECS) {
            continue;
        }
        let events = mount_events(ctx, pod);
        // Attach errors recorded on the VolumeAttachments of its PVs.
        let ns = k8s::namespace(&pod.metadata);
        let mut attach_errors: Vec<(String, String)> = Vec::new();
        if ctx.readable(Source::VolumeAttachments) {
            for (_, c) in k8s::pod::claims(pod) {
                let Some(pv) = ctx
                    .idx
                    .pvc
                    .get(&(ns, c.as_ref()))
                    .and_then(|p| p.spec.as_ref()?.volume_name.as_deref())
                else {
                    continue;
                };
                for va in ctx.idx.attachments_of_pv.get(pv).into_iter().flatten() {
                    if let Some(m) = va
                        .status
                        .as_ref()
                        .and_then(|s| s.attach_error.as_ref())
                        .and_then(|e| e.message.as_deref())
                    {
                        attach_errors.push((k8s::name(&va.metadata).to_string(), m.to_string()));
                    }
                }
            }
        }
        if events.is_empty() && attach_errors.is_empty() {
            continue;
        }
        if sts::attach::attach_conflicts(ctx, pod) || sts::backend::backend_missing(ctx, pod) {
            continue;
        }
        out.push(finding(ctx, pod, sts, &events, &attach_errors));
    }
}

/// What to do for the cause the kubelet's message names.
fn advise(ctx: &Ctx, f: &mut Finding, pod: &Pod, sts: Option<&str>, cause: &Cause) {
    let ns = k8s::namespace(&pod.metadata);
    let node = k8s::pod::node_name(pod).unwrap_or("");
    let template = sts
        .map(|s| format!(" in {s}'s pod template (a template change rolls every pod)"))
        .unwrap_or_default();
    match cause {
        Cause::MissingSecret(s) => {
            f.evidence.push(format!(
                "create Secret {s} in namespace {ns} (from wherever it is managed), or fix the secretName{template}"
            ));
            f.commands.push(Remedy::run(
                format!("Confirm Secret {s} is missing from namespace {ns}"),
                ctx.kubectl.argv(Some(ns), &["get", "secret", s]),
            ));
        }
        Cause::MissingConfigMap(c) => {
            f.evidence.push(format!(
                "create ConfigMap {c} in namespace {ns}, or fix the configMap name{template}"
            ));
            f.commands.push(Remedy::run(
                format!("Confirm ConfigMap {c} is missing from namespace {ns}"),
                ctx.kubectl.argv(Some(ns), &["get", "configmap", c]),
            ));
        }
        Cause::Permission => {
            let fs_group = pod
                .spec
                .as_ref()
                .and_then(|s| s.security_context.as_ref())
                .and_then(|s| s.fs_group);
            f.evidence.push(match fs_group {
                Some(g) => format!(
                    "the pod sets fsGroup {g}: check the volume's ownership and the driver's fsGroup support (CSIDriver fsGroupPolicy)"
                ),
                None => format!(
                    "the pod sets no fsGroup: set securityContext.fsGroup to the application's group{template}, so the kubelet makes the volume writable for it"
                ),
            });
        }
        Cause::DriverNotRunning(d) => {
            f.evidence.push(format!(
                "the node plugin of {d} (usually a DaemonSet) must run on {node} and register with its kubelet"
            ));
            f.commands.push(Remedy::run(
                format!("See which CSI drivers are registered on {node}"),
                ctx.kubectl.argv(None, &["get", "csinode", node, "-o", "yaml"]),
            ));
            f.commands.push(Remedy::run(
                format!("Find the driver's node plugin pod on {node} and its state"),
                ctx.kubectl.argv(
                    None,
                    &["get", "pods", "-A", "-o", "wide", "--field-selector", &format!("spec.nodeName={node}")],
                ),
            ));
        }
        Cause::Filesystem => f.evidence.push(
            "the filesystem on the volume needs checking (fsck) before it can be mounted: snapshot the volume first, then repair it from a debug pod or the node"
                .to_string(),
        ),
        Cause::Timeout => f.evidence.push(format!(
            "only the kubelet's generic timeout is recorded: the cause is in the CSI driver's controller and node plugin logs, and in the VolumeAttachment of the pod's volume on {node}"
        )),
        Cause::Other => f.evidence.push(
            "check the storage driver's controller and node plugin logs for this volume".to_string(),
        ),
    }
}

fn finding(
    ctx: &Ctx,
    pod: &Pod,
    sts: Option<&str>,
    events: &[&Event],
    attach_errors: &[(String, String)],
) -> Finding {
    let ns = k8s::namespace(&pod.metadata);
    let name = k8s::name(&pod.metadata);
    let node = k8s::pod::node_name(pod).unwrap_or("");
    // The newest message that says more than the generic timeout.
    let messages: Vec<&str> = attach_errors
        .iter()
        .map(|(_, m)| m.as_str())
        .chain(events.iter().filter_map(|e| e.message.as_deref()))
        .collect();
    let specific = messages
        .iter()
        .copied()
        .find(|m| classify(m) != Cause::Timeout)
        .or_else(|| messages.first().copied())
        .unwrap_or("");
    let cause = classify(specific);
    let volume = k8s::pod::quoted_after(specific, "volume \"");
    let waited = waiting_since(pod)
        .map(|t| format!(" for {}", k8s::time::age(t, ctx.now)))
        .unwrap_or_default();
    let what = match &cause {
        Cause::MissingSecret(s) => format!("Secret {s} does not exist"),
        Cause::MissingConfigMap(c) => format!("ConfigMap {c} does not exist"),
        Cause::Permission => "permission denied".to_string(),
        Cause::DriverNotRunning(d) => format!("CSI driver {d} is not running on {node}"),
        Cause::Filesystem => {
            "the volume's filesystem cannot be mounted (damaged or wrong type)".to_string()
        }
        Cause::Timeout => "attach/mount timed out".to_string(),
        Cause::Other => "the volume driver reports an error".to_string(),
    };
    let vol_text = volume.map(|v| format!(" volume {v}:")).unwrap_or_default();
    let mut f = ctx.finding(
        CHECK.id,
        ObjectRef::namespaced("Pod", ns, name),
        sts,
        format!("{name} is stuck in ContainerCreating on {node}{waited}:{vol_text} {what}"),
    );
    f.evidence.push(format!(
        "newest error: {}",
        k8s::pod::message_line(specific, 400)
    ));
    for (va, m) in attach_errors {
        if m != specific {
            f.evidence.push(format!(
                "VolumeAttachment {va} attach error: {}",
                k8s::pod::message_line(m, 300)
            ));
        }
    }
    f.evidence.extend(ctx.event_lines(
        "Pod",
        ns,
        name,
        |e| {
            matches!(
                e.reason.as_deref(),
                Some("FailedMount" | "FailedAttachVolume")
            ) && k8s::pod::event_is_for(pod, e)
        },
        3,
    ));
    f.commands.push(Remedy::run(
        format!("Read {name}'s volume events"),
        ctx.kubectl.argv(Some(ns), &["describe", "pod", name]),
    ));
    advise(ctx, &mut f, pod, sts, &cause);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use serde_json::json;

    #[test]
    fn classifies_common_mount_errors() {
        assert_eq!(
            classify(
                r#"MountVolume.SetUp failed for volume "creds" : secret "kafka-creds" not found"#
            ),
            Cause::MissingSecret("kafka-creds".into())
        );
        assert_eq!(
            classify(
                r#"MountVolume.SetUp failed for volume "cfg" : configmap "zk-config" not found"#
            ),
            Cause::MissingConfigMap("zk-config".into())
        );
        assert_eq!(
            classify(
                "MountVolume.MountDevice failed for volume \"pvc-1\" : kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name ebs.csi.aws.com not found in the list of registered CSI drivers"
            ),
            Cause::DriverNotRunning("ebs.csi.aws.com".into())
        );
        assert_eq!(
            classify(
                "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[]: timed out waiting for the condition"
            ),
            Cause::Timeout
        );
        assert_eq!(
            classify(
                "MountVolume.MountDevice failed for volume \"pvc-1\" : rpc error: code = Internal desc = mount failed: exit status 32 wrong fs type, bad option, bad superblock on /dev/nvme1n1"
            ),
            Cause::Filesystem
        );
    }

    fn creating() -> crate::snapshot::Snapshot {
        let mut s = snapshot();
        s.statefulsets.push(sts("data", "zk", 3));
        let mut p = pod("data", "zk", 0, false);
        let st = p.status.as_mut().unwrap();
        st.phase = Some("Pending".into());
        st.container_statuses.as_mut().unwrap()[0].state = Some(from_json(
            json!({"waiting": {"reason": "ContainerCreating"}}),
        ));
        s.pods.push(p);
        s
    }

    #[test]
    fn quotes_the_specific_error_over_the_generic_timeout() {
        let mut s = creating();
        s.events.push(pod_event("data", "zk-0", None, "FailedMount",
            "Unable to attach or mount volumes: unmounted volumes=[cfg], unattached volumes=[], failed to process volumes=[]: timed out waiting for the condition",
            "2026-11-22T02:59:30Z", 4));
        s.events.push(pod_event(
            "data",
            "zk-0",
            None,
            "FailedMount",
            r#"MountVolume.SetUp failed for volume "cfg" : configmap "zk-config" not found"#,
            "2026-11-22T02:59:00Z",
            12,
        ));
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].summary.contains("ConfigMap zk-config does not exist"),
            "{}",
            r[0].summary
        );
        assert!(
            r[0].commands
                .iter()
                .any(|c| c.command == "kubectl -n data get configmap zk-config")
        );
    }

    #[test]
    fn quiet_when_an_attach_conflict_explains_the_timeout() {
        let mut s = creating();
        with_claim(&mut s.pods[0], "data-zk-0");
        s.pvcs
            .push(bound_claim("data", "data-zk-0", "pv-0", "standard"));
        s.pvs.push(zonal_pv("pv-0", "z1", "data", "data-zk-0"));
        s.nodes.push(zoned_node("node-0", "z1", true));
        s.nodes.push(zoned_node("node-9", "z1", false));
        s.volume_attachments.push(from_json(json!({
            "metadata": {"name": "csi-x"},
            "spec": {"attacher": "ebs.csi.aws.com", "nodeName": "node-9", "source": {"persistentVolumeName": "pv-0"}},
            "status": {"attached": true}
        })));
        s.events.push(pod_event("data", "zk-0", None, "FailedMount",
            "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data], failed to process volumes=[]: timed out waiting for the condition",
            "2026-11-22T02:59:30Z", 4));
        assert!(run_check(&s, CHECK).is_empty());
        // Without the stale attachment, the timeout alone is reported.
        s.volume_attachments.clear();
        let r = run_check(&s, CHECK);
        assert_eq!(r.len(), 1);
        assert!(r[0].summary.contains("timed out"), "{}", r[0].summary);
    }

    #[test]
    fn running_pods_are_quiet_even_with_old_events() {
        let mut s = snapshot();
        s.pods.push(pod("data", "zk", 0, true));
        s.events.push(pod_event(
            "data",
            "zk-0",
            None,
            "FailedMount",
            r#"MountVolume.SetUp failed for volume "cfg" : configmap "zk-config" not found"#,
            "2026-11-22T02:59:00Z",
            12,
        ));
        assert!(run_check(&s, CHECK).is_empty());
    }
}
