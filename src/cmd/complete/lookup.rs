//! Names for the word under the cursor that only the kubeconfig, a saved file or the
//! cluster knows: contexts, clusters, users (no network), namespaces, StatefulSets and nodes
//! (one short, metadata-only list).

use super::{Candidate, Conn, LOOKUP_TIMEOUT, Lookup};
use crate::cluster::{self, ConnectOptions};
use crate::k8s;
use crate::snapshot::file;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Namespace, Node};
use kube::api::{Api, ListParams};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// At most this many pages (of [`PAGE`] names) are read for one lookup.
pub(super) const MAX_PAGES: usize = 4;

pub(super) const PAGE: u32 = 500;

/// The names behind a lookup; empty when anything fails or takes longer than
/// [`LOOKUP_TIMEOUT`].
pub async fn lookup(what: Lookup, conn: &Conn) -> Vec<Candidate> {
    match what {
        Lookup::Contexts | Lookup::Clusters | Lookup::Users => kubeconfig_names(what, conn),
        _ if !conn.from_file.is_empty() => from_files(what, conn),
        _ => tokio::time::timeout(LOOKUP_TIMEOUT, live(what, conn))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default(),
    }
}

/// Contexts, clusters or users of the merged kubeconfig (no network).
pub(super) fn kubeconfig_names(what: Lookup, conn: &Conn) -> Vec<Candidate> {
    let Ok(Some(kc)) = cluster::load_kubeconfig(conn.kubeconfig.as_deref()) else {
        return Vec::new();
    };
    match what {
        Lookup::Contexts => kc
            .contexts
            .iter()
            .map(|c| {
                let desc = c.context.as_ref().map(|x| {
                    let mut d = format!("cluster {}", x.cluster);
                    if let Some(ns) = x.namespace.as_deref().filter(|n| !n.is_empty()) {
                        d.push_str(&format!(", namespace {ns}"));
                    }
                    d
                });
                Candidate::new(&c.name, desc)
            })
            .collect(),
        Lookup::Clusters => kc
            .clusters
            .iter()
            .map(|c| {
                let server = c.cluster.as_ref().and_then(|x| x.server.clone());
                Candidate::new(&c.name, server)
            })
            .collect(),
        _ => kc
            .auth_infos
            .iter()
            .map(|u| Candidate::new(&u.name, None))
            .collect(),
    }
}

/// Names from the `--from-file` snapshots already typed (never stdin: kubectl hands the
/// completion its own terminal).
pub(super) fn from_files(what: Lookup, conn: &Conn) -> Vec<Candidate> {
    let paths: Vec<&PathBuf> = conn
        .from_file
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .collect();
    if paths.is_empty() {
        return Vec::new();
    }
    let ns = if conn.all_namespaces {
        None
    } else {
        conn.namespace.as_deref()
    };
    let Ok(snap) = file::read_files(&paths, ns) else {
        return Vec::new();
    };
    match what {
        Lookup::StatefulSets => {
            let metas: Vec<_> = snap.statefulsets.iter().map(|s| &s.metadata).collect();
            sts_candidates(metas.into_iter(), ns.is_none())
        }
        Lookup::Nodes => snap
            .nodes
            .iter()
            .map(|n| node_candidate(&n.metadata))
            .collect(),
        Lookup::Namespaces => {
            let mut names: Vec<&str> = snap
                .statefulsets
                .iter()
                .map(|s| k8s::namespace(&s.metadata))
                .chain(snap.pods.iter().map(|p| k8s::namespace(&p.metadata)))
                .chain(snap.pvcs.iter().map(|p| k8s::namespace(&p.metadata)))
                .filter(|n| !n.is_empty())
                .collect();
            names.sort();
            names.dedup();
            names.into_iter().map(|n| Candidate::new(n, None)).collect()
        }
        _ => Vec::new(),
    }
}

/// StatefulSet names; with several namespaces, each says where it lives.
pub(super) fn sts_candidates<'a, M: crate::model::MetaView + 'a>(
    metas: impl Iterator<Item = &'a M>,
    many_namespaces: bool,
) -> Vec<Candidate> {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in metas {
        by_name
            .entry(k8s::name(m).to_string())
            .or_default()
            .push(k8s::namespace(m).to_string());
    }
    by_name
        .into_iter()
        .map(|(name, mut nss)| {
            nss.sort();
            nss.dedup();
            let desc = many_namespaces.then(|| format!("namespace {}", nss.join(", ")));
            Candidate::new(name, desc)
        })
        .collect()
}

pub(super) fn node_candidate(m: &kube::core::ObjectMeta) -> Candidate {
    let zone = m
        .labels
        .as_ref()
        .and_then(|l| l.get("topology.kubernetes.io/zone"))
        .map(|z| format!("zone {z}"));
    Candidate::new(k8s::name(m), zone)
}

/// One metadata-only list (names, no specs: cheap even for thousands of nodes), a few pages
/// at most.
pub(super) async fn live(what: Lookup, conn: &Conn) -> anyhow::Result<Vec<Candidate>> {
    let opts = ConnectOptions {
        kubeconfig: conn.kubeconfig.clone(),
        context: conn.context.clone(),
        cluster: conn.cluster.clone(),
        user: conn.user.clone(),
        as_user: conn.as_user.clone(),
        as_groups: conn.as_groups.clone(),
        request_timeout: Some(LOOKUP_TIMEOUT),
        streams: false,
    };
    let c = cluster::connect(&opts).await?;
    Ok(match what {
        Lookup::Namespaces => names(Api::<Namespace>::all(c.client))
            .await?
            .iter()
            .map(|m| Candidate::new(k8s::name(m), None))
            .collect(),
        Lookup::Nodes => names(Api::<Node>::all(c.client))
            .await?
            .iter()
            .map(node_candidate)
            .collect(),
        Lookup::StatefulSets => {
            let (api, all) = if conn.all_namespaces {
                (Api::<StatefulSet>::all(c.client), true)
            } else {
                let ns = conn.namespace.clone().unwrap_or(c.default_namespace);
                (Api::<StatefulSet>::namespaced(c.client, &ns), false)
            };
            sts_candidates(names(api).await?.iter(), all)
        }
        _ => Vec::new(),
    })
}

pub(super) async fn names<K>(api: Api<K>) -> anyhow::Result<Vec<kube::core::ObjectMeta>>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut lp = ListParams::default().limit(PAGE);
        lp.continue_token = token.take();
        let list = api.list_metadata(&lp).await?;
        out.extend(list.items.into_iter().map(|i| i.metadata));
        match list.metadata.continue_ {
            Some(c) if !c.is_empty() => token = Some(c),
            _ => break,
        }
    }
    Ok(out)
}
