//! Where the state comes from (live cluster or files), which namespace, which instant, and how
//! remediation commands must address the cluster.

use crate::cli::GlobalArgs;
use crate::cluster::{self, ConnectOptions};
use crate::error::Failure;
use crate::kubectl::Kubectl;
use crate::snapshot::{Scope, Snapshot, collect, file};
use anyhow::Result;
use jiff::Timestamp;
use std::io::IsTerminal;

pub struct Input {
    pub snap: Snapshot,
    pub kubectl: Kubectl,
    pub now: Timestamp,
    /// The namespace a bare name refers to, when one is known.
    pub namespace: Option<String>,
    /// "snapshot docs/examples/x.yaml" or "context prod (https://...)".
    pub source: String,
    /// The live client, for opt-in reads after the snapshot; `None` with `--from-file`.
    pub client: Option<kube::Client>,
    pub timeout: Option<std::time::Duration>,
}

pub fn parse_now(g: &GlobalArgs) -> Result<Option<Timestamp>> {
    g.now
        .as_deref()
        .map(|s| {
            s.parse::<Timestamp>().map_err(|e| {
                Failure::usage(format!(
                    "invalid --now {s:?}: {e} (expected RFC 3339, e.g. 2026-11-22T02:00:00Z)"
                ))
                .into()
            })
        })
        .transpose()
}

pub async fn load(g: &GlobalArgs) -> Result<Input> {
    let now_flag = parse_now(g)?;
    let timeout = cluster::parse_timeout(&g.request_timeout).map_err(Failure::usage)?;
    if !g.from_file.is_empty() {
        let namespace = if g.all_namespaces {
            None
        } else {
            g.namespace.clone()
        };
        let snap = file::read_files(&g.from_file, namespace.as_deref())
            .map_err(|e| Failure::usage(format!("{e:#}")))?;
        let now = now_flag.or(snap.captured_at).unwrap_or_else(Timestamp::now);
        let names: Vec<String> = g
            .from_file
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Ok(Input {
            snap,
            kubectl: Kubectl {
                kubeconfig: g.kubeconfig.as_ref().map(|p| p.display().to_string()),
                context: g.context.clone(),
            },
            now,
            namespace,
            source: format!("snapshot {}", names.join(", ")),
            client: None,
            timeout,
        });
    }
    let opts = ConnectOptions {
        kubeconfig: g.kubeconfig.clone(),
        context: g.context.clone(),
        cluster: g.cluster.clone(),
        user: g.user.clone(),
        as_user: g.as_user.clone(),
        as_groups: g.as_group.clone(),
        request_timeout: timeout,
    };
    let conn = cluster::connect(&opts).await?;
    let namespace = g
        .namespace
        .clone()
        .unwrap_or_else(|| conn.default_namespace.clone());
    let scope = if g.all_namespaces {
        Scope::all()
    } else {
        Scope::namespace(&namespace)
    };
    if std::io::stderr().is_terminal() {
        eprintln!("reading {} from {} …", scope, conn.server);
    }
    let mut snap = collect::collect(&conn.client, &conn.server, scope, timeout).await?;
    if let (Some(ns), false) = (&g.namespace, g.all_namespaces) {
        check_namespace(&conn.client, ns, &mut snap, timeout).await?;
    }
    let now = now_flag.or(snap.captured_at).unwrap_or_else(Timestamp::now);
    let source = match &conn.context {
        Some(c) => format!("context {c} ({})", conn.server),
        None => conn.server.clone(),
    };
    Ok(Input {
        snap,
        kubectl: Kubectl {
            kubeconfig: g.kubeconfig.as_ref().map(|p| {
                std::path::absolute(p)
                    .unwrap_or_else(|_| p.clone())
                    .display()
                    .to_string()
            }),
            context: conn.context.clone(),
        },
        now,
        namespace: if g.all_namespaces {
            None
        } else {
            Some(namespace)
        },
        source,
        client: Some(conn.client),
        timeout,
    })
}

/// `-n NS` on the live cluster, when every namespaced list that could be read came back
/// empty: a mistyped namespace looks exactly like an empty one, and "no problems found"
/// about it would be an all-clear for nothing. Only then (so the read path stays one list per
/// kind otherwise), one list of namespaces decides: NS is not there → exit 2 with the
/// closest names; it is there → it really is empty, nothing to say; namespaces cannot be
/// listed (the read role allows it, a narrower one may not) → a note, not an error, since
/// the namespace may well exist.
async fn check_namespace(
    client: &kube::Client,
    ns: &str,
    snap: &mut Snapshot,
    timeout: Option<std::time::Duration>,
) -> Result<()> {
    use crate::snapshot::Source;
    let namespaced: Vec<Source> = Source::ALL
        .into_iter()
        .filter(|s| s.namespaced() && snap.is_skipped(*s).is_none())
        .collect();
    if namespaced.is_empty() || namespaced.iter().any(|s| snap.count(*s) > 0) {
        return Ok(());
    }
    let api = kube::Api::<k8s_openapi::api::core::v1::Namespace>::all(client.clone());
    match collect::list_all(api, timeout).await {
        Ok(list) => {
            let names: Vec<&str> = list
                .iter()
                .filter_map(|n| n.metadata.name.as_deref())
                .collect();
            if names.contains(&ns) {
                return Ok(());
            }
            let near = super::closest(ns, names.iter().copied());
            let hint = if near.is_empty() {
                format!(
                    " (there are {} namespaces; kubectl get namespaces)",
                    names.len()
                )
            } else {
                format!("; did you mean {}?", near.join(", "))
            };
            Err(Failure::usage(format!(
                "namespace {ns} not found: it has no StatefulSets, pods or claims and is not in the cluster's list of namespaces{hint}"
            ))
            .into())
        }
        Err(e) => {
            snap.notes.push(format!(
                "namespace {ns} has no StatefulSets, pods or claims; does it exist? (namespaces could not be listed to check: {})",
                e.reason()
            ));
            Ok(())
        }
    }
}

/// Prints the snapshot's notes (ignored kinds, duplicates) once, on stderr.
pub fn print_notes(snap: &Snapshot) {
    for n in &snap.notes {
        eprintln!("note: {n}");
    }
}
