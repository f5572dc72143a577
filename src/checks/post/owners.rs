//! StatefulSets that an operator reconciles are fixed through its custom resource. After
//! every check has run, each command that would change such a StatefulSet (or the budget
//! or Service the operator keeps for it) is replaced by the change to make in the custom
//! resource, naming the operator and what becomes of a direct change; the evidence names
//! the owner. One place, so no check needs to know about operators and none can forget.

use crate::analysis::Ctx;
use crate::finding::{Finding, Remedy};
use crate::k8s::operators::{Budget, Expansion, Owner, owner, owner_in};
use crate::model::MetaView;
use std::collections::HashMap;

/// Verbs that change what they name.
const MUTATING: &[&str] = &[
    "patch", "edit", "delete", "replace", "scale", "set", "annotate", "label", "apply", "create",
    "rollout",
];

/// What a command would change, read from its arguments (and its manifest on stdin).
#[derive(Debug, PartialEq, Eq)]
enum Target {
    StatefulSet,
    Budget(String),
    Service(String),
    /// `kubectl sts rollout|pvc-expand`: our own actions, refused on operator-owned sets.
    OwnAction(String),
    Other,
}

/// The verb and its arguments after kubectl's global flags (`--kubeconfig`, `--context`,
/// `-n`), as `Kubectl::argv` writes them.
fn verb_args(argv: &[String]) -> (&str, &[String]) {
    let mut i = 1;
    while i + 1 < argv.len()
        && matches!(
            argv[i].as_str(),
            "--kubeconfig" | "--context" | "-n" | "--namespace"
        )
    {
        i += 2;
    }
    match argv.get(i) {
        Some(v) => (v.as_str(), &argv[i + 1..]),
        None => ("", &[]),
    }
}

/// `kind NAME` or `kind/NAME` at the start of `args` (flags skipped).
fn kind_and_name(args: &[String]) -> Option<(String, Option<String>)> {
    let mut words = args.iter().filter(|a| !a.starts_with('-'));
    let first = words.next()?;
    Some(match first.split_once('/') {
        Some((k, n)) => (k.to_lowercase(), Some(n.to_string())),
        None => (first.to_lowercase(), words.next().cloned()),
    })
}

fn target(r: &Remedy, sts: &str) -> Target {
    let (argv, stdin) = r.parts();
    if argv.get(1).map(String::as_str) == Some("sts") {
        return match argv.get(2).map(String::as_str) {
            Some(a @ ("rollout" | "pvc-expand")) => Target::OwnAction(a.to_string()),
            _ => Target::Other,
        };
    }
    let (verb, args) = verb_args(&argv);
    if !MUTATING.contains(&verb) {
        return Target::Other;
    }
    // `rollout status|history` only read.
    if verb == "rollout"
        && !matches!(
            args.first().map(String::as_str),
            Some("restart" | "undo" | "pause" | "resume")
        )
    {
        return Target::Other;
    }
    let args = if verb == "rollout" || verb == "set" {
        &args[1..]
    } else {
        args
    };
    if let (true, Some(stdin)) = (matches!(verb, "apply" | "create" | "replace"), stdin) {
        return manifest_target(stdin, sts);
    }
    match kind_and_name(args) {
        Some((k, name)) if matches!(k.as_str(), "statefulset" | "statefulsets" | "sts") => {
            if name.as_deref().is_none_or(|n| n == sts) {
                Target::StatefulSet
            } else {
                Target::Other
            }
        }
        Some((k, Some(name)))
            if matches!(
                k.as_str(),
                "pdb" | "poddisruptionbudget" | "poddisruptionbudgets"
            ) =>
        {
            Target::Budget(name)
        }
        Some((k, Some(name))) if matches!(k.as_str(), "service" | "services" | "svc") => {
            Target::Service(name)
        }
        _ => Target::Other,
    }
}

/// The kind of the first object in a manifest given on stdin.
fn manifest_target(stdin: &str, sts: &str) -> Target {
    let kind = stdin
        .lines()
        .find_map(|l| l.strip_prefix("kind:"))
        .map(str::trim)
        .unwrap_or_default();
    let name = stdin
        .lines()
        .skip_while(|l| !l.starts_with("metadata:"))
        .find_map(|l| l.trim_start().strip_prefix("name:"))
        .map(|n| n.trim().trim_matches('"').to_string())
        .unwrap_or_default();
    match kind {
        "StatefulSet" if name == sts => Target::StatefulSet,
        "PodDisruptionBudget" => Target::Budget(name),
        "Service" => Target::Service(name),
        _ => Target::Other,
    }
}

/// Which CR field a change of the StatefulSet maps to, from what its command touches.
fn field_for(owner: &Owner, r: &Remedy, runbook: &str) -> String {
    let op = owner.operator;
    let text = format!("{} {}", r.command, r.stdin().unwrap_or_default());
    let field = |f: Option<&'static str>, what: &str| match f {
        Some(f) => format!("{what}: {}", owner.field(f)),
        None => format!(
            "{what}: the {} has no field for it that was confirmed",
            owner.kind
        ),
    };
    if text.contains("volumeClaimTemplates")
        || runbook.starts_with("storageclass")
        || runbook == "volume-filling-up"
    {
        return match op.expansion {
            Expansion::ThroughCr { opt_in } => format!(
                "{}{}",
                field(op.storage, "the volume size and class"),
                opt_in.map(|o| format!(", after {o}")).unwrap_or_default()
            ),
            Expansion::Procedure(p) => format!("the operator's own procedure: {}", owner.field(p)),
            Expansion::Unconfirmed => format!(
                "{} (whether the operator then grows the claims is unconfirmed)",
                field(op.storage, "the volume size")
            ),
        };
    }
    if text.contains("updateStrategy")
        || text.contains("partition")
        || runbook.starts_with("rollout")
    {
        return format!("its rollouts: {}", op.rollout);
    }
    if text.contains("\"replicas\"") || text.contains(" scale ") {
        return field(op.replicas, "the member count");
    }
    if text.contains("\"image\"") || text.contains(" set image ") {
        return field(op.image, "the image");
    }
    if text.contains("resources") || runbook == "container-oomkilled" {
        return field(op.resources, "requests and limits");
    }
    if text.contains("rollout restart") {
        return match op.restart {
            Some(r) => format!("a restart: {r}"),
            None => {
                "a restart: the operator restarts pods itself; no documented trigger was confirmed"
                    .to_string()
            }
        };
    }
    match op.template {
        Some(t) => format!("its pod template section {}", owner.field(t)),
        None => format!(
            "the matching field of the {} if it has one (none confirmed for pod template settings); where it has none, the operator does not let this be changed",
            owner.kind
        ),
    }
}

/// A fix's description without what it says about how the StatefulSet controller rolls the
/// change out: operators run their own rollouts.
fn what_not_how(description: &str) -> String {
    description
        .trim_end_matches('.')
        .split(". ")
        .filter(|s| !s.starts_with("This changes the pod template"))
        .collect::<Vec<_>>()
        .join(". ")
}

/// The change to make, said for the custom resource (or the resource above it in a
/// chain), and the command that shows it.
fn cr_remedy(ctx: &Ctx, owner: &Owner, ns: &str, what: String) -> Remedy {
    let caveat = owner.note().map(|n| format!(" {n}.")).unwrap_or_default();
    let (kind, _, _, name) = owner.change_target(ns);
    Remedy::run(
        format!("{what}.{caveat} The {kind} {name} as it is now"),
        owner.get_argv(ctx.kubectl, ns),
    )
}

/// The operator behind an object the set depends on (its budget, its Service): its own
/// owner, or the StatefulSet's when the object is owned by the StatefulSet (Percona's
/// budgets).
fn owned_by_operator<M: MetaView + ?Sized>(meta: &M, sts_owner: &Owner) -> bool {
    let owned_by_a_statefulset = meta
        .owner_references()
        .iter()
        .any(|r| r.kind == "StatefulSet");
    owner(meta).is_some() || (owned_by_a_statefulset && sts_owner.operator.budget != Budget::Never)
}

pub(crate) fn through_operators(ctx: &Ctx, findings: &mut [Finding]) {
    // A set has several findings: its owner (and a copy of its custom resource) is
    // resolved once.
    let mut owners: HashMap<(String, String), Option<Owner>> = HashMap::new();
    for f in findings.iter_mut() {
        let Some(sts_name) = f.statefulset.clone() else {
            continue;
        };
        let ns = f.object.namespace.clone().unwrap_or_default();
        let Some(sts) = ctx.idx.statefulset.get(&(ns.as_str(), sts_name.as_str())) else {
            continue;
        };
        let Some(own) = owners
            .entry((ns.clone(), sts_name.clone()))
            .or_insert_with(|| owner_in(&sts.metadata, &ctx.snap.custom))
            .as_ref()
        else {
            continue;
        };
        f.evidence.push(format!(
            "managed by {}: {}; {}",
            own.describe(&ns),
            own.evidence,
            own.drift_text()
        ));
        if let Some(e) = own.cr_evidence(&ns, sts.spec.as_ref().and_then(|s| s.replicas)) {
            f.evidence.push(e);
        }
        let commands = std::mem::take(&mut f.commands);
        let mut whats: Vec<String> = Vec::new();
        let mut at = None;
        let mut grow = None;
        for r in commands {
            if grow.is_none()
                && matches!(target(&r, &sts_name), Target::OwnAction(ref a) if a == "pvc-expand")
            {
                grow = size_arg(&r).and_then(|size| own.storage_remedy(ctx.kubectl, &ns, &size));
            }
            let replaced = match target(&r, &sts_name) {
                Target::StatefulSet => Some(format!(
                    "{}. {sts_name} is managed by {}, so do it there, through {} ({})",
                    what_not_how(&r.description),
                    own.describe(&ns),
                    field_for(own, &r, &f.runbook),
                    own.drift_text()
                )),
                Target::OwnAction(a) => Some(format!(
                    "kubectl sts {a} refuses operator-owned StatefulSets; {}",
                    if a == "rollout" {
                        format!(
                            "roll out through the {}: {}",
                            own.kind, own.operator.rollout
                        )
                    } else {
                        field_for(own, &r, "volume-filling-up")
                    }
                )),
                Target::Budget(name) => budget_advice(ctx, own, &ns, &name, &r),
                Target::Service(name) => {
                    let svc = ctx.idx.service.get(&(ns.as_str(), name.as_str()));
                    svc.filter(|s| owned_by_operator(&s.metadata, own))
                        .map(|_| {
                            format!(
                                "{}: the operator keeps Service {name} itself, so change it through the {} ({})",
                                r.description.trim_end_matches('.'),
                                own.kind,
                                own.drift_text()
                            )
                        })
                }
                Target::Other => None,
            };
            match replaced {
                // One read of the resource a finding, where the first change was; every
                // change it stands for is said there.
                Some(what) => {
                    if whats.is_empty() {
                        at = Some(f.commands.len());
                    }
                    whats.push(what);
                }
                None => f.commands.push(r),
            }
        }
        if let Some(at) = at {
            let cr = cr_remedy(ctx, own, &ns, whats.join(". Also: "));
            f.commands.insert(at, cr);
            if let Some(g) = grow {
                f.commands.insert(at + 1, g);
            }
        }
    }
}

/// A budget change on an operator-owned set: where the operator keeps its own budget,
/// through its custom resource; `None` where a budget of our own is safe.
fn budget_advice(ctx: &Ctx, own: &Owner, ns: &str, name: &str, r: &Remedy) -> Option<String> {
    let pdb = ctx
        .idx
        .pdbs_in(ns)
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some(name));
    let operator_pdb = pdb.is_some_and(|p| owned_by_operator(&p.metadata, own));
    match own.operator.budget {
        // A budget of our own next to none of the operator's is safe.
        Budget::Never if !operator_pdb => None,
        Budget::Creates { field } if pdb.is_none() => Some(format!(
            "{} normally keeps a PodDisruptionBudget for this set itself and there is none: it is turned off or set elsewhere in the {} ({}). Restore it there rather than adding one by hand, which would end up next to the operator's (two budgets over the same pods make every eviction fail)",
            own.operator.name,
            own.kind,
            own.field(field)
        )),
        Budget::Creates { field } => Some(format!(
            "{}: the operator keeps this set's PodDisruptionBudget itself (a second budget over the same pods makes every eviction fail), so change it through {}",
            r.description.trim_end_matches('.'),
            own.field(field)
        )),
        Budget::OptIn { field } => Some(format!(
            "{}: enable or change the operator's own budget through {} rather than a budget of your own, which the operator would not know about",
            r.description.trim_end_matches('.'),
            own.field(field)
        )),
        _ => Some(format!(
            "{}: whether the operator keeps a PodDisruptionBudget itself is unconfirmed; look for one in the custom resource before adding or changing one by hand (two budgets over the same pods make every eviction fail)",
            r.description.trim_end_matches('.')
        )),
    }
}

/// `--size SIZE` of a `kubectl sts pvc-expand` suggestion.
fn size_arg(r: &Remedy) -> Option<String> {
    let argv = r.argv();
    let i = argv.iter().position(|a| a == "--size")?;
    argv.get(i + 1).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Zalando cluster whose first member's volume is 95 % full: the growth is the CR
    /// patch of `spec.volume.size`, and nothing touches the StatefulSet or runs our own
    /// pvc-expand on it.
    #[test]
    fn a_full_volume_of_an_operator_set_is_grown_by_patching_the_cr() {
        use crate::kubectl::Kubectl;
        use crate::snapshot::VolumeStat;
        use crate::testutil::*;
        use serde_json::json;
        let mut s = snapshot();
        let set = merged(
            &with_claim_template(&sts("pg", "acid-main", 2), Some("standard")),
            json!({"metadata": {"labels": {"application": "spilo", "cluster-name": "acid-main"}}}),
        );
        s.statefulsets.push(set);
        s.storage_classes
            .push(storage_class_of("standard", "ebs.csi.aws.com", json!({})));
        for i in 0..2 {
            s.pods.push(pod("pg", "acid-main", i, true));
        }
        let gi = 1u64 << 30;
        s.volume_stats = Some(vec![VolumeStat {
            namespace: "pg".into(),
            pod: "acid-main-0".into(),
            pvc: "data-acid-main-0".into(),
            node: "node-a".into(),
            used_bytes: Some(95 * gi / 10),
            capacity_bytes: Some(10 * gi),
            inodes_used: None,
            inodes: None,
        }]);
        let k = Kubectl {
            kubeconfig: None,
            context: Some("prod".into()),
        };
        let report = crate::checks::analyze(&s, now(), &k);
        let f = report
            .findings
            .iter()
            .find(|f| f.runbook == "volume-filling-up")
            .expect("the full volume is reported");
        let commands: Vec<&str> = f.commands.iter().map(|c| c.command.as_str()).collect();
        assert!(
            commands.iter().any(|c| c.starts_with(
                "kubectl --context prod -n pg patch postgresql.acid.zalan.do acid-main --type=merge -p '{\"spec\":{\"volume\":{\"size\":"
            )),
            "{commands:#?}"
        );
        assert!(
            !commands
                .iter()
                .any(|c| c.contains("patch statefulset") || c.contains("sts pvc-expand")),
            "{commands:#?}"
        );
    }

    fn remedy(argv: &[&str], stdin: Option<&str>) -> Remedy {
        let argv = argv.iter().map(|s| s.to_string()).collect();
        match stdin {
            Some(doc) => Remedy::with_stdin("x", argv, doc.to_string()),
            None => Remedy::run("x", argv),
        }
    }

    #[test]
    fn commands_are_read_by_their_verb_and_target() {
        let t = |argv: &[&str]| target(&remedy(argv, None), "db");
        assert_eq!(
            t(&[
                "kubectl",
                "-n",
                "shop",
                "patch",
                "statefulset",
                "db",
                "-p",
                "{}"
            ]),
            Target::StatefulSet
        );
        assert_eq!(
            t(&[
                "kubectl",
                "--context",
                "c",
                "-n",
                "shop",
                "edit",
                "statefulset/db"
            ]),
            Target::StatefulSet
        );
        assert_eq!(
            t(&[
                "kubectl",
                "-n",
                "shop",
                "rollout",
                "restart",
                "statefulset",
                "db"
            ]),
            Target::StatefulSet
        );
        assert_eq!(
            t(&[
                "kubectl",
                "-n",
                "shop",
                "set",
                "image",
                "statefulset/db",
                "c=i"
            ]),
            Target::StatefulSet
        );
        assert_eq!(
            t(&[
                "kubectl",
                "-n",
                "shop",
                "rollout",
                "status",
                "statefulset",
                "db"
            ]),
            Target::Other
        );
        assert_eq!(
            t(&["kubectl", "-n", "shop", "describe", "statefulset", "db"]),
            Target::Other
        );
        assert_eq!(
            t(&["kubectl", "-n", "shop", "delete", "pod", "db-0"]),
            Target::Other
        );
        assert_eq!(
            t(&["kubectl", "-n", "shop", "patch", "pdb", "db", "-p", "{}"]),
            Target::Budget("db".into())
        );
        assert_eq!(
            t(&["kubectl", "sts", "pvc-expand", "db", "--size", "2Gi"]),
            Target::OwnAction("pvc-expand".into())
        );
        let apply = |m: &str| {
            target(
                &remedy(&["kubectl", "-n", "shop", "apply", "-f", "-"], Some(m)),
                "db",
            )
        };
        assert_eq!(
            apply("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: db\n"),
            Target::Budget("db".into())
        );
        assert_eq!(
            apply("apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n"),
            Target::StatefulSet
        );
    }
}
