//! Snapshots from files: what people actually have (`kubectl get a,b,c -A -o yaml|json`,
//! multi-document YAML, several files) and what `kubectl sts snapshot` writes.

mod lists;
mod split;
mod stream;
mod write;

pub use write::{to_list_value, write_list};

use super::{Scope, Skipped, Snapshot, Source, versions};
use crate::model::{CustomResource, Trim};
use anyhow::{Context, Result, anyhow, bail};
use jiff::Timestamp;
use lists::{dedupe_all, filter_namespace};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Why a cluster-state kind is missing from a run on manifests.
pub const MANIFEST_SKIP_REASON: &str = "cluster state, not in the manifests";

/// The key `kubectl sts snapshot` adds beside `items` to say when and how it was taken.
pub const HEADER_KEY: &str = "kubectlSts";

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_at: Option<Timestamp>,
    #[serde(default)]
    pub scope: Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// The kinds that were read; a kind in this list with no object really had none.
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_stats: Option<Vec<super::VolumeStat>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_trends: Option<Vec<super::VolumeTrend>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_logs: Option<Vec<super::ContainerLog>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<super::Partial>,
    /// Operator kinds whose custom resources were listed (`kind.group`: `null`), or could
    /// not be (the reason).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_resources: BTreeMap<String, Option<String>>,
}

/// Reads and merges snapshot files. `namespace` keeps only that namespace's namespaced
/// objects (the `-n` flag applied to saved state); objects that name no namespace (manifests)
/// are placed in it, else in `default`.
pub fn read_files(paths: &[impl AsRef<Path>], namespace: Option<&str>) -> Result<Snapshot> {
    read_files_into(paths, namespace, namespace.unwrap_or("default"))
}

/// [`read_files`] with the namespace that objects naming none are placed in, as `kubectl
/// apply` would: `-n`, else the kubeconfig context's namespace, else `default`.
pub fn read_files_into(
    paths: &[impl AsRef<Path>],
    namespace: Option<&str>,
    default_namespace: &str,
) -> Result<Snapshot> {
    let mut loader = Loader {
        default_namespace: default_namespace.to_string(),
        ..Loader::default()
    };
    for path in paths {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let input: Box<dyn Read> = if path == Path::new("-") {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(path).with_context(|| format!("cannot read {shown}"))?)
        };
        match open(input, &shown)? {
            Input::Json(r) => loader.load_json(split::Chunks::new(r), &shown),
            Input::Text(text) => loader.load_text(&text, &shown),
        }
        .with_context(|| shown.clone())?;
    }
    Ok(loader.finish(namespace))
}

enum Input {
    /// Parsed as it is read: never held whole.
    Json(BufReader<Box<dyn Read>>),
    /// YAML, read whole first (its parser takes text).
    Text(String),
}

/// A file or standard input, told apart by its first character as [`Loader::load_text`]
/// does.
fn open(input: Box<dyn Read>, name: &str) -> Result<Input> {
    let mut r = BufReader::with_capacity(1 << 20, input);
    let json = loop {
        let buf = r
            .fill_buf()
            .with_context(|| format!("cannot read {name}"))?;
        let Some(&first) = buf.first() else {
            break false;
        };
        let skip = if buf.starts_with("\u{feff}".as_bytes()) {
            3
        } else if first.is_ascii_whitespace() {
            buf.iter().take_while(|b| b.is_ascii_whitespace()).count()
        } else {
            break first == b'{' || first == b'[';
        };
        r.consume(skip);
    };
    if json {
        return Ok(Input::Json(r));
    }
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {name}"))?;
    let text = String::from_utf8(bytes).map_err(|e| anyhow!("{name}: not UTF-8 text ({e})"))?;
    Ok(Input::Text(text))
}

/// Parses one document stream (YAML or JSON) into a snapshot; used by tests and benches.
pub fn read_str(text: &str, name: &str) -> Result<Snapshot> {
    let mut loader = Loader {
        default_namespace: "default".to_string(),
        ..Loader::default()
    };
    loader
        .load_text(text, name)
        .with_context(|| name.to_string())?;
    Ok(loader.finish(None))
}

#[derive(Default)]
struct Loader {
    snap: Snapshot,
    headers: Vec<Header>,
    ignored: BTreeMap<String, usize>,
    /// How deep `load_raw` is in Lists and arrays.
    nesting: usize,
    /// Where namespaced objects that name no namespace go.
    default_namespace: String,
    /// Objects showing live state (a non-empty `status`, or a kind only a cluster has), and
    /// objects of status-bearing kinds without one: decides whether the input is manifests.
    observed: usize,
    unobserved: usize,
    /// Documents in an API version Kubernetes no longer serves, each named once.
    old_versions: Vec<String>,
}

impl Loader {
    fn load_text(&mut self, text: &str, name: &str) -> Result<()> {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            return self.load_json(split::Chunks::new(trimmed.as_bytes()), name);
        }
        let docs = parse_yaml(trimmed)?;
        if docs.iter().all(|d| d.is_null()) {
            bail!("no Kubernetes objects in {name}");
        }
        for (i, doc) in docs.into_iter().enumerate() {
            self.load_value(doc, &At::document(i + 1), true)?;
        }
        Ok(())
    }

    /// [`Self::load_raw_at`] with nesting bounded: Lists in Lists and arrays in arrays are
    /// followed a few levels deep, never as deep as a hostile file goes (the recursion
    /// would overflow the stack).
    fn load_raw(&mut self, raw: &str, position: &At, top: bool) -> Result<()> {
        const MAX_NESTING: usize = 16;
        if self.nesting >= MAX_NESTING {
            bail!(
                "{position}: Lists or arrays nested more than {MAX_NESTING} deep: not a Kubernetes dump"
            );
        }
        self.nesting += 1;
        let r = self.load_raw_at(raw, position, top);
        self.nesting -= 1;
        r
    }

    fn load_raw_at(&mut self, text: &str, position: &At, top: bool) -> Result<()> {
        if text == "null" {
            return Ok(());
        }
        if text.starts_with('[') {
            let items: Vec<&RawValue> =
                serde_json::from_str(text).map_err(|e| anyhow!("{position}: {e}"))?;
            for (j, item) in items.into_iter().enumerate() {
                self.load_raw(item.get(), &position.item(j + 1), false)?;
            }
            return Ok(());
        }
        let head: Head = serde_json::from_str(text)
            .map_err(|e| anyhow!("{position}: expected a Kubernetes object or List: {e}"))?;
        if top && let Some(h) = head.header {
            let header: Header = serde_json::from_str(h.get())
                .with_context(|| format!("{position}: invalid {HEADER_KEY} header"))?;
            self.headers.push(header);
        }
        let kind = head.kind.as_deref().unwrap_or("");
        if kind.ends_with("List") || (kind.is_empty() && head.items.is_some()) {
            for (j, item) in head.items.unwrap_or_default().into_iter().enumerate() {
                self.load_raw(item.get(), &position.item(j + 1), false)?;
            }
            return Ok(());
        }
        if kind.is_empty() {
            bail!("{position}: object has no `kind`");
        }
        let meta = head.metadata.unwrap_or_default();
        let api_version = head.api_version.as_deref().unwrap_or("").to_string();
        let kind = kind.to_string();
        let live = head.status.is_some_and(|s| {
            let t = s.get().trim();
            t != "null" && t.trim_start_matches('{').trim_end_matches('}').trim() != ""
        });
        self.load_object(
            Doc::Raw(text),
            &api_version,
            &kind,
            (meta.name, meta.namespace),
            live,
            position,
        )
    }

    fn load_value(&mut self, mut doc: Value, position: &At, top: bool) -> Result<()> {
        if doc.is_null() {
            return Ok(());
        }
        let Some(obj) = doc.as_object_mut() else {
            bail!(
                "{position}: expected a Kubernetes object or List, found {}",
                type_name(&doc)
            );
        };
        if top && let Some(h) = obj.remove(HEADER_KEY) {
            let header: Header = serde_json::from_value(h)
                .with_context(|| format!("{position}: invalid {HEADER_KEY} header"))?;
            self.headers.push(header);
        }
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if kind.ends_with("List") || (kind.is_empty() && obj.contains_key("items")) {
            let items = match obj.remove("items") {
                Some(Value::Array(items)) => items,
                Some(Value::Null) | None => Vec::new(),
                Some(other) => bail!("{position}: `items` is {}, not a list", type_name(&other)),
            };
            for (j, item) in items.into_iter().enumerate() {
                self.load_value(item, &position.item(j + 1), false)?;
            }
            return Ok(());
        }
        if kind.is_empty() {
            bail!("{position}: object has no `kind`");
        }
        let meta = doc.get("metadata");
        let name = meta
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map(|s| Cow::Owned(s.to_string()));
        let namespace = meta
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
            .map(|s| Cow::Owned(s.to_string()));
        let live = doc
            .get("status")
            .is_some_and(|s| s.as_object().is_some_and(|o| !o.is_empty()));
        self.load_object(
            Doc::Value(doc),
            &api_version,
            &kind,
            (name, namespace),
            live,
            position,
        )
    }

    fn load_object(
        &mut self,
        doc: Doc,
        api_version: &str,
        kind: &str,
        (name, namespace): (Option<Cow<str>>, Option<Cow<str>>),
        live: bool,
        position: &At,
    ) -> Result<()> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let source = match (group, kind) {
            ("apps", "StatefulSet") => Source::StatefulSets,
            ("", "Pod") => Source::Pods,
            ("", "PersistentVolumeClaim") => Source::PersistentVolumeClaims,
            ("", "PersistentVolume") => Source::PersistentVolumes,
            ("", "Node") => Source::Nodes,
            ("policy", "PodDisruptionBudget") => Source::PodDisruptionBudgets,
            ("", "Service") => Source::Services,
            ("discovery.k8s.io", "EndpointSlice") => Source::EndpointSlices,
            ("", "Event") => Source::Events,
            ("events.k8s.io", "Event") => Source::Events,
            ("storage.k8s.io", "StorageClass") => Source::StorageClasses,
            ("storage.k8s.io", "VolumeAttachment") => Source::VolumeAttachments,
            ("apps", "ControllerRevision") => Source::ControllerRevisions,
            ("apps" | "extensions", "Deployment") => Source::Deployments,
            _ if crate::k8s::operators::is_custom_kind(group, kind) => {
                let mut cr: CustomResource = serde_json::from_value(doc.into_value()?)
                    .with_context(|| format!("{position} ({kind})"))?;
                if cr.metadata.namespace.as_deref().is_none_or(str::is_empty) {
                    cr.metadata.namespace = Some(self.default_namespace.clone());
                }
                self.snap.custom.items.push(cr);
                return Ok(());
            }
            _ => {
                *self.ignored.entry(kind.to_string()).or_default() += 1;
                return Ok(());
            }
        };
        let namespace = namespace.filter(|ns| !ns.is_empty());
        let name = name.unwrap_or_default();
        // Named as written, so the user finds it in the file; built only for a message.
        let label = || match &namespace {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        };
        let doc = match versions::served(group, version, kind) {
            versions::Served::Current => doc,
            versions::Served::Removed { since } => {
                self.old_versions.push(format!(
                    "{position} ({}) is {api_version}, which Kubernetes {since} no longer \
                     serves: analysed as {}, but the API server will refuse it as written \
                     (change its apiVersion)",
                    label(),
                    versions::current(kind)
                ));
                Doc::Value(versions::upgrade(doc.into_value()?, group, version, kind))
            }
            versions::Served::Unknown => {
                self.old_versions.push(format!(
                    "{position} ({}) is {api_version}, a version of {kind} this tool does \
                     not know: skipped",
                    label()
                ));
                return Ok(());
            }
        };
        let doc = if group == "events.k8s.io" {
            Doc::Value(events_v1_to_core(doc.into_value()?))
        } else {
            doc
        };
        // Kinds only a running cluster produces are live state whatever their fields say;
        // Services and StorageClasses say nothing either way (a manifest may carry the
        // `status: {loadBalancer: {}}` that `kubectl create --dry-run -o yaml` prints).
        match source {
            Source::Events | Source::EndpointSlices | Source::ControllerRevisions => {
                self.observed += 1
            }
            Source::Services | Source::StorageClasses => {}
            _ if live => self.observed += 1,
            _ => self.unobserved += 1,
        }
        let fill = Fill {
            namespace: match namespace.as_deref() {
                None if source.namespaced() => Some(self.default_namespace.as_str()),
                ns => ns,
            },
            live,
        };
        let ctx = || format!("{position} ({})", label());
        let s = &mut self.snap;
        match source {
            Source::StatefulSets => push(&mut s.statefulsets, doc, fill).with_context(ctx)?,
            Source::Pods => push(&mut s.pods, doc, fill).with_context(ctx)?,
            Source::PersistentVolumeClaims => push(&mut s.pvcs, doc, fill).with_context(ctx)?,
            Source::PersistentVolumes => push(&mut s.pvs, doc, fill).with_context(ctx)?,
            Source::Nodes => push(&mut s.nodes, doc, fill).with_context(ctx)?,
            Source::PodDisruptionBudgets => push(&mut s.pdbs, doc, fill).with_context(ctx)?,
            Source::Services => push(&mut s.services, doc, fill).with_context(ctx)?,
            Source::EndpointSlices => push(&mut s.endpoint_slices, doc, fill).with_context(ctx)?,
            Source::Events => push(&mut s.events, doc, fill).with_context(ctx)?,
            Source::StorageClasses => push(&mut s.storage_classes, doc, fill).with_context(ctx)?,
            Source::VolumeAttachments => {
                push(&mut s.volume_attachments, doc, fill).with_context(ctx)?
            }
            Source::ControllerRevisions => {
                push(&mut s.controller_revisions, doc, fill).with_context(ctx)?
            }
            Source::Deployments => push(&mut s.deployments, doc, fill).with_context(ctx)?,
            Source::VolumeStats | Source::Prometheus => return Ok(()),
        }
        Ok(())
    }

    fn finish(mut self, namespace: Option<&str>) -> Snapshot {
        let mut snap = std::mem::take(&mut self.snap);
        let duplicates = dedupe_all(&mut snap);
        let mut recorded: BTreeSet<Source> = BTreeSet::new();
        let mut have_header = false;
        for h in &self.headers {
            have_header = true;
            recorded.extend(h.sources.iter().copied());
            if h.captured_at > snap.captured_at {
                snap.captured_at = h.captured_at;
            }
            if snap.server_version.is_none() {
                snap.server_version = h.server_version.clone();
            }
            snap.scope = h.scope.clone();
            for s in &h.skipped {
                snap.skip(s.source, s.reason.clone());
            }
            if let Some(v) = &h.volume_stats {
                snap.volume_stats
                    .get_or_insert_with(Vec::new)
                    .extend(v.iter().cloned());
            }
            if let Some(v) = &h.volume_trends {
                snap.volume_trends
                    .get_or_insert_with(Vec::new)
                    .extend(v.iter().cloned());
            }
            if let Some(v) = &h.container_logs {
                snap.container_logs
                    .get_or_insert_with(Vec::new)
                    .extend(v.iter().cloned());
            }
            snap.partial.extend(h.partial.iter().cloned());
            snap.custom.kinds.extend(h.custom_resources.clone());
        }
        if self.headers.len() > 1 {
            snap.scope = Scope::all();
        }
        // Manifests (`helm template`, `kustomize build`): nothing in them was ever observed.
        // A `kubectl sts snapshot` file is live state by definition, whatever it holds.
        snap.manifests = !have_header && self.observed == 0 && self.unobserved > 0;
        for source in Source::ALL {
            if snap.count(source) > 0
                || recorded.contains(&source)
                || snap.is_skipped(source).is_some()
                || (snap.manifests && source.shipped_in_releases())
            {
                continue;
            }
            // A kubectl dump leaves no trace of a kind it was not asked for; an empty kind
            // is indistinguishable from an unread one, so checks that need it say so.
            // Manifests are a whole release, so a release kind they lack is one it does not
            // ship (skipped above); what the cluster holds is simply not in them.
            let reason = if have_header {
                "not in the snapshot file".to_string()
            } else if snap.manifests {
                MANIFEST_SKIP_REASON.to_string()
            } else {
                format!(
                    "no {} objects in the input (not dumped, or none exist)",
                    source.kind()
                )
            };
            snap.skip(source, reason);
        }
        if let Some(ns) = namespace {
            filter_namespace(&mut snap, ns);
            snap.scope = Scope::namespace(ns);
        }
        snap.notes.append(&mut self.old_versions);
        if duplicates > 0 {
            snap.notes.push(format!(
                "{duplicates} object(s) appeared more than once in the input; the last copy was used"
            ));
        }
        if let Some(n) = self.ignored.get("Secret") {
            snap.notes.push(format!(
                "{n} Secret(s) in the input were ignored: kubectl-sts never reads Secrets"
            ));
        }
        let others: Vec<String> = self
            .ignored
            .iter()
            .filter(|(k, _)| k.as_str() != "Secret")
            .map(|(k, n)| format!("{k} ({n})"))
            .collect();
        if !others.is_empty() {
            snap.notes.push(format!(
                "ignored kinds the analysis does not use: {}",
                others.join(", ")
            ));
        }
        snap
    }
}

/// One object, either parsed (YAML) or still as JSON text.
enum Doc<'a> {
    Value(Value),
    Raw(&'a str),
}

impl Doc<'_> {
    fn into_value(self) -> Result<Value> {
        match self {
            Doc::Value(v) => Ok(v),
            Doc::Raw(r) => serde_json::from_str(r).map_err(|e| anyhow!("invalid object: {e}")),
        }
    }
}

/// The few fields needed to route a JSON object before deserialising it whole.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, rename = "apiVersion", borrow)]
    api_version: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    items: Option<Vec<&'a RawValue>>,
    #[serde(default, rename = "kubectlSts", borrow)]
    header: Option<&'a RawValue>,
    #[serde(default)]
    #[serde(borrow)]
    metadata: Option<MetaHead<'a>>,
    #[serde(default, borrow)]
    status: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct MetaHead<'a> {
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    namespace: Option<Cow<'a, str>>,
}

/// Where an object is in the input ("document 2, item 14"), for messages: written out
/// only when one is printed, not for each of a big dump's objects.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    within: Option<&'a At<'a>>,
    n: usize,
}

impl<'a> At<'a> {
    fn document(n: usize) -> At<'static> {
        At { within: None, n }
    }

    fn item(&'a self, n: usize) -> At<'a> {
        At {
            within: Some(self),
            n,
        }
    }
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.within {
            None => write!(f, "document {}", self.n),
            Some(w) => write!(f, "{w}, item {}", self.n),
        }
    }
}

/// What loading fills in on an object: the namespace `kubectl apply` would give it, and
/// whether its `status` is live state (an empty one from a manifest is dropped, so checks see
/// "never observed" rather than zeros).
#[derive(Clone, Copy)]
struct Fill<'a> {
    namespace: Option<&'a str>,
    live: bool,
}

fn push<T>(list: &mut Vec<T>, doc: Doc, fill: Fill) -> Result<()>
where
    T: serde::de::DeserializeOwned + 'static + k8s_openapi::Resource + super::Object + Trim,
{
    let mut obj: T = match doc {
        Doc::Value(v) => serde_json::from_value(v),
        Doc::Raw(r) => serde_json::from_str(r),
    }
    .map_err(|e| anyhow!("invalid object: {e}"))?;
    if let Some(ns) = fill.namespace
        && obj.namespace() != Some(ns)
    {
        obj.set_namespace(ns.to_string());
    }
    if !fill.live {
        clear_status(&mut obj as &mut dyn std::any::Any);
    }
    // `kubectl get -o yaml` dumps carry managedFields and the last-applied annotation,
    // often half of each object: dropped as the live collector does.
    super::tidy(&mut obj);
    list.push(obj);
    Ok(())
}

/// Drops a `status` that holds no live state, for the kinds whose checks read one.
fn clear_status(obj: &mut dyn std::any::Any) {
    use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, policy::v1 as policy};
    macro_rules! clear {
        ($($t:ty),*) => {
            $(if let Some(o) = obj.downcast_mut::<$t>() {
                o.status = None;
                return;
            })*
        };
    }
    if let Some(o) = obj.downcast_mut::<crate::model::StatefulSet>() {
        o.edit(|v| {
            v.as_object_mut().map(|o| o.remove("status"));
        });
        return;
    }
    clear!(
        apps::Deployment,
        core::Pod,
        core::PersistentVolumeClaim,
        crate::model::PersistentVolume,
        core::Node,
        policy::PodDisruptionBudget
    );
}

/// Parses (possibly multi-document) YAML. The parser's safety budgets scale with the input,
/// so a 50k-pod snapshot is read while an alias bomb of a few bytes is still refused.
fn parse_yaml(text: &str) -> Result<Vec<Value>> {
    let len = text.len();
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = (len * 2).max(budget.max_events);
    budget.max_nodes = len.max(budget.max_nodes);
    budget.max_total_scalar_bytes = len.max(budget.max_total_scalar_bytes);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    serde_saphyr::from_multiple_with_options::<Value>(text, options).map_err(|e| {
        let msg = e.to_string();
        if msg.trim().is_empty() {
            anyhow!("invalid YAML: {e:?}")
        } else {
            anyhow!("invalid YAML: {msg}")
        }
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// An `events.k8s.io/v1` Event in the core/v1 shape the analysis reads (the same
/// mapping the API server applies between the two views).
fn events_v1_to_core(mut doc: Value) -> Value {
    if let Some(o) = doc.as_object_mut() {
        o.insert("apiVersion".into(), Value::String("v1".into()));
        let renames = [
            ("regarding", "involvedObject"),
            ("note", "message"),
            ("deprecatedFirstTimestamp", "firstTimestamp"),
            ("deprecatedLastTimestamp", "lastTimestamp"),
            ("deprecatedCount", "count"),
            ("deprecatedSource", "source"),
            ("reportingController", "reportingComponent"),
        ];
        for (from, to) in renames {
            if let Some(v) = o.remove(from) {
                o.insert(to.into(), v);
            }
        }
        if let Some(series) = o.remove("series") {
            if let Some(c) = series.get("count") {
                o.insert("count".into(), c.clone());
            }
            if let Some(t) = series.get("lastObservedTime") {
                o.insert("lastTimestamp".into(), t.clone());
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests;
