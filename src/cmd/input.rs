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
    /// The API server's URL; `None` with `--from-file`.
    pub server: Option<String>,
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
    let input = read(g).await?;
    give_back_freed();
    Ok(input)
}

/// Hands the memory freed while reading back to the system now. Reading frees as much as it
/// keeps (each list's old buffer as it doubles, each page or item's text once parsed, the
/// room trimmed from lists), and mimalloc, the binary's allocator, keeps freed memory for a
/// while before giving it back: the analysis then ran on top of it, and the run's peak was
/// ~15 MB higher at 10k pods (docs/performance.md). Once per run, so the cost is one pass
/// over mimalloc's pages.
fn give_back_freed() {
    // SAFETY: `mi_collect` takes no pointers and may be called at any time from any thread;
    // where mimalloc is not the global allocator (tests), its own heap is empty.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

async fn read(g: &GlobalArgs) -> Result<Input> {
    let now_flag = parse_now(g)?;
    let timeout = cluster::parse_timeout(&g.request_timeout).map_err(Failure::usage)?;
    if !g.from_file.is_empty() {
        let namespace = if g.all_namespaces {
            None
        } else {
            g.namespace.clone()
        };
        // Objects that name no namespace (manifests) land where `kubectl apply` would put
        // them, so every command printed for them has a real namespace.
        let default_ns = g
            .namespace
            .clone()
            .or_else(|| cluster::context_namespace(g.kubeconfig.as_deref(), g.context.as_deref()))
            .unwrap_or_else(|| "default".to_string());
        let snap = file::read_files_into(&g.from_file, namespace.as_deref(), &default_ns)
            .map_err(|e| Failure::usage(format!("{e:#}")))?;
        let now = now_flag.or(snap.captured_at).unwrap_or_else(Timestamp::now);
        let names: Vec<String> = g
            .from_file
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let source = format!(
            "{} {}",
            if snap.manifests {
                "manifests"
            } else {
                "snapshot"
            },
            names.join(", ")
        );
        return Ok(Input {
            snap,
            kubectl: Kubectl {
                kubeconfig: g.kubeconfig.as_ref().map(|p| p.display().to_string()),
                context: g.context.clone(),
            },
            now,
            namespace,
            source,
            client: None,
            server: None,
            timeout,
        });
    }
    let Live {
        conn,
        namespace,
        scope,
        kubectl,
    } = connect(g, timeout, false).await?;
    if std::io::stderr().is_terminal() && !g.fleet_member {
        eprintln!("reading {} from {} …", scope, conn.server);
    }
    let mut snap = collect::collect(&conn.client, &conn.server, scope, timeout).await?;
    if let (Some(ns), false) = (&g.namespace, g.all_namespaces)
        && let Err(e) = check_namespace(&conn.client, ns, &mut snap, timeout).await
    {
        // In a fleet a namespace that only some clusters have is normal: a note there.
        if !g.fleet_member {
            return Err(e);
        }
        snap.notes.push(crate::error::one_line(&e));
    }
    let now = now_flag.or(snap.captured_at).unwrap_or_else(Timestamp::now);
    let source = match &conn.context {
        Some(c) => format!("context {c} ({})", conn.server),
        None => conn.server.clone(),
    };
    Ok(Input {
        snap,
        kubectl,
        now,
        namespace: if g.all_namespaces {
            None
        } else {
            Some(namespace)
        },
        source,
        client: Some(conn.client),
        server: Some(conn.server),
        timeout,
    })
}

/// A connected cluster, the namespace a bare name means there, the scope to read, and how
/// printed commands address it.
pub struct Live {
    pub conn: cluster::Connection,
    pub namespace: String,
    pub scope: Scope,
    pub kubectl: Kubectl,
}

/// `streams`: the client will hold watch streams open (see [`ConnectOptions::streams`]).
pub async fn connect(
    g: &GlobalArgs,
    timeout: Option<std::time::Duration>,
    streams: bool,
) -> Result<Live> {
    let opts = ConnectOptions {
        kubeconfig: g.kubeconfig.clone(),
        context: g.context.clone(),
        cluster: g.cluster.clone(),
        user: g.user.clone(),
        as_user: g.as_user.clone(),
        as_groups: g.as_group.clone(),
        request_timeout: timeout,
        streams,
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
    let kubectl = Kubectl {
        kubeconfig: g.kubeconfig.as_ref().map(|p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        }),
        context: conn.context.clone(),
    };
    Ok(Live {
        conn,
        namespace,
        scope,
        kubectl,
    })
}

/// [`load`] for commands that only make sense on live state (what exists, what runs, what
/// is bound): manifests hold none, so they are refused instead of judged as if nothing ran.
pub async fn load_live(g: &GlobalArgs, command: &str) -> Result<Input> {
    let input = load(g).await?;
    if input.snap.manifests {
        return Err(Failure::usage(format!(
            "{command} needs live state, and {} holds only manifests (no object has a status); \
             run it against the cluster, or on a `kubectl sts snapshot` file \
             (`kubectl sts diagnose -f` judges manifests)",
            input.source.trim_start_matches("manifests ")
        ))
        .into());
    }
    Ok(input)
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
            let near = crate::suggest::closest(ns, names.iter().copied());
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

/// Finds the named StatefulSet in scope: its namespace and name, or the one-line error
/// people get (exit 2) — not readable, not found (with the closest names, and `not_found`
/// appended when the caller has more to say), or in several namespaces.
pub fn resolve_statefulset(
    input: &Input,
    name: &str,
    not_found: Option<String>,
) -> Result<(String, String)> {
    use crate::k8s;
    use crate::snapshot::Source;
    if let Some(s) = input.snap.is_skipped(Source::StatefulSets) {
        return Err(Failure::usage(format!(
            "cannot look up statefulset {name}: statefulsets were not read ({})",
            s.reason
        ))
        .into());
    }
    let in_scope = |ns: &str| input.namespace.as_deref().is_none_or(|want| want == ns);
    let scoped: Vec<_> = input
        .snap
        .statefulsets
        .iter()
        .filter(|s| in_scope(k8s::namespace(&s.metadata)))
        .collect();
    let found: Vec<&str> = scoped
        .iter()
        .filter(|s| k8s::name(&s.metadata) == name)
        .map(|s| k8s::namespace(&s.metadata))
        .collect();
    match found.as_slice() {
        [ns] => Ok((ns.to_string(), name.to_string())),
        [] => {
            let names: Vec<&str> = scoped.iter().map(|s| k8s::name(&s.metadata)).collect();
            let near = crate::suggest::closest(name, names.iter().copied());
            let where_ = input
                .namespace
                .as_deref()
                .map(|ns| format!(" in namespace {ns}"))
                .unwrap_or_default();
            let hint = if !near.is_empty() {
                format!("; did you mean {}?", near.join(", "))
            } else if names.is_empty() {
                " (there are none)".to_string()
            } else {
                format!(" (there are: {})", names.join(", "))
            };
            let more = not_found.map(|m| format!("; {m}")).unwrap_or_default();
            Err(Failure::usage(format!("statefulset {name} not found{where_}{hint}{more}")).into())
        }
        many => Err(Failure::usage(format!(
            "statefulset {name} exists in several namespaces ({}); pass -n",
            many.join(", ")
        ))
        .into()),
    }
}

/// `--prometheus`, checked before anything is read (a typo must not cost a cluster round
/// trip). `None` when it was not given.
pub fn prometheus_endpoint(
    p: &crate::cli::PrometheusArgs,
) -> Result<Option<crate::snapshot::prometheus::Endpoint>> {
    match p.prometheus.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Ok(Some(
            crate::snapshot::prometheus::Endpoint::parse(s).map_err(Failure::usage)?,
        )),
    }
}

/// Reads the volume trends of the snapshot's claims from Prometheus (a fixed number of
/// queries), evaluated at the run's instant. Never fails the run: what goes wrong marks
/// Prometheus skipped, with the reason.
pub async fn read_prometheus(
    input: &mut Input,
    p: &crate::cli::PrometheusArgs,
    endpoint: &crate::snapshot::prometheus::Endpoint,
) {
    use crate::snapshot::prometheus;
    if std::io::stderr().is_terminal() {
        eprintln!("reading volume trends from Prometheus at {endpoint} …");
    }
    let auth = prometheus::Auth {
        token: p.prometheus_token.clone().filter(|t| !t.is_empty()),
        user: p.prometheus_user.clone().filter(|u| !u.is_empty()),
        password: p.prometheus_password.clone(),
    };
    let req = prometheus::Request {
        endpoint,
        auth: &auth,
        cluster: input.client.as_ref(),
        window: &p.trend_window,
        now: input.now,
        timeout: input.timeout,
    };
    prometheus::collect(&mut input.snap, &req).await;
}
