//! The scheduler's "0/N nodes are available: ..." message, split into its reasons and the
//! number of nodes each applies to, in the wordings of old and new kube-schedulers.

/// One reason the scheduler gives for a group of nodes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reason {
    Insufficient(String),
    Taint(String),
    NodeAffinity,
    PodAffinity,
    PodAntiAffinity,
    TopologySpread,
    Cordoned,
    VolumeNodeAffinity,
    VolumeBinding,
    /// A claim bound to a PersistentVolume that no longer exists.
    VolumeGone,
    VolumeLimits,
    Ports,
    Other(String),
}

impl Reason {
    pub(crate) fn is_volume(&self) -> bool {
        matches!(self, Reason::VolumeNodeAffinity | Reason::VolumeBinding)
    }

    pub(crate) fn text(&self) -> String {
        match self {
            Reason::Insufficient(r) => format!("insufficient {r}"),
            Reason::Taint(t) => format!("untolerated taint {t}"),
            Reason::NodeAffinity => "node selector/affinity mismatch".into(),
            Reason::PodAffinity => "pod affinity unmet".into(),
            Reason::PodAntiAffinity => "pod anti-affinity".into(),
            Reason::TopologySpread => "topology spread".into(),
            Reason::Cordoned => "cordoned".into(),
            Reason::VolumeNodeAffinity => "volume node affinity".into(),
            Reason::VolumeBinding => "volume binding".into(),
            Reason::VolumeGone => "bound volume missing".into(),
            Reason::VolumeLimits => "volume attach limit".into(),
            Reason::Ports => "host port in use".into(),
            Reason::Other(t) => t.clone(),
        }
    }
}

/// The scheduler's message, split: how many nodes it considered and, per reason, on how
/// many nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub total: Option<u32>,
    pub causes: Vec<(u32, Reason)>,
}

/// Splits at `, ` outside braces (taints print as `{key: value}`).
pub(crate) fn split_items(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth -= 1,
            b',' if depth <= 0 && bytes.get(i + 1) == Some(&b' ') => {
                if let Some(item) = s.get(start..i) {
                    out.push(item);
                }
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(item) = s.get(start..) {
        out.push(item);
    }
    out.into_iter()
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .collect()
}

pub(crate) fn reason_of(text: &str) -> Reason {
    let l = text.to_ascii_lowercase();
    if let Some(r) = l.strip_prefix("insufficient ") {
        return Reason::Insufficient(r.trim().to_string());
    }
    if l.contains("too many pods") {
        return Reason::Insufficient("pods".into());
    }
    if l.contains("taint") {
        let t = match (text.find('{'), text.rfind('}')) {
            (Some(a), Some(b)) if b > a => text.get(a..=b).unwrap_or(text).to_string(),
            _ => text.to_string(),
        };
        return Reason::Taint(t);
    }
    if l.contains("node affinity/selector") || l.contains("node selector") {
        return Reason::NodeAffinity;
    }
    if l.contains("anti-affinity") {
        return Reason::PodAntiAffinity;
    }
    if l.contains("pod affinity") {
        return Reason::PodAffinity;
    }
    if l.contains("topology spread") {
        return Reason::TopologySpread;
    }
    if l.contains("were unschedulable") {
        return Reason::Cordoned;
    }
    if l.contains("volume node affinity") || l.contains("volume zone") {
        return Reason::VolumeNodeAffinity;
    }
    // `persistentvolumeclaim "x" bound to non-existent persistentvolume "y"` (PreFilter, claim
    // Lost) and `node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)`
    // (Filter, volume gone from the scheduler's cache).
    if l.contains("bound to non-existent") {
        return Reason::VolumeGone;
    }
    if l.contains("volumebinding")
        || l.contains("persistent volumes to bind")
        || l.contains("persistentvolumeclaim")
    {
        return Reason::VolumeBinding;
    }
    if l.contains("max volume count") {
        return Reason::VolumeLimits;
    }
    if l.contains("free ports") {
        return Reason::Ports;
    }
    Reason::Other(text.to_string())
}

/// Parses `0/N nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint
/// {k: v}. preemption: …` (older and newer wordings alike).
pub(crate) fn parse(msg: &str) -> Parsed {
    let main = msg.split(". preemption:").next().unwrap_or(msg).trim();
    let main = main.trim_end_matches('.');
    let (total, list) = match main.split_once(" nodes are available: ") {
        Some((head, rest)) => (
            head.rsplit('/').next().and_then(|n| n.trim().parse().ok()),
            rest,
        ),
        None => (None, main),
    };
    let causes = split_items(list)
        .into_iter()
        // Older schedulers: `had taint {k: v}, that the pod didn't tolerate`.
        .filter(|item| !item.starts_with("that the pod didn't tolerate"))
        .map(|item| {
            let (count, text) = match item.split_once(' ') {
                Some((n, rest)) if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => {
                    (n.parse().unwrap_or(0), rest)
                }
                _ => (0, item),
            };
            (count, reason_of(text.trim_end_matches('.')))
        })
        .collect();
    Parsed { total, causes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_current_and_older_scheduler_messages() {
        let p = parse(
            "0/5 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match pod anti-affinity rules, 1 node(s) were unschedulable. preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.",
        );
        assert_eq!(p.total, Some(5));
        assert_eq!(
            p.causes,
            vec![
                (1, Reason::Insufficient("cpu".into())),
                (
                    1,
                    Reason::Taint("{node-role.kubernetes.io/control-plane: }".into())
                ),
                (2, Reason::PodAntiAffinity),
                (1, Reason::Cordoned),
            ]
        );
        let p = parse(
            "0/3 nodes are available: 3 node(s) had taint {dedicated: db, x: y}, that the pod didn't tolerate.",
        );
        assert_eq!(
            p.causes,
            vec![(3, Reason::Taint("{dedicated: db, x: y}".into()))]
        );
        let p = parse(
            "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: …",
        );
        assert_eq!(p.causes, vec![(3, Reason::NodeAffinity)]);
        let p = parse(
            "pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        );
        assert_eq!(p.total, None);
        assert_eq!(p.causes, vec![(0, Reason::VolumeBinding)]);
        let p =
            parse("0/4 nodes are available: 4 node(s) didn't satisfy plugin(s) [VolumeBinding].");
        assert_eq!(p.causes, vec![(4, Reason::VolumeBinding)]);
        let p = parse(
            "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints (missing required label), 1 Too many pods.",
        );
        assert_eq!(
            p.causes,
            vec![
                (2, Reason::TopologySpread),
                (1, Reason::Insufficient("pods".into()))
            ]
        );
    }
}
