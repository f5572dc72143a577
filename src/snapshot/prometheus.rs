//! Volume usage and growth from Prometheus (`--prometheus`): the kubelet's
//! `kubelet_volume_stats_*` series, which nearly every cluster that runs databases already
//! scrapes, read without the `nodes/proxy` permission `--volume-stats` needs.
//!
//! Bounded whatever the cluster's size: [`QUERIES`] instant queries, each over every claim
//! in scope at once (one namespace, or all), never one per claim. Each is wrapped in
//! `max by (namespace, persistentvolumeclaim)` so a kubelet scraped twice (two jobs, two
//! replicas of Prometheus behind one URL) does not double. Never fatal: an unreachable
//! server, an HTTP or query error, or no series for the claims in scope marks
//! [`Source::Prometheus`] skipped with the reason, and the checks that needed it say "not
//! checked".
//!
//! Reached directly (`https://prometheus.example.com`, with a bearer token or basic auth
//! for a hosted one) or through the API server's service proxy
//! (`svc/monitoring/prometheus-k8s:9090`, needs `get` on `services/proxy` there).

use super::{Snapshot, Source, VolumeTrend};
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

/// The trend window when `--trend-window` is not given.
pub const DEFAULT_WINDOW: &str = "6h";
/// How many queries a collection sends, whatever the number of claims.
pub const QUERIES: usize = 8;
/// A series whose newest sample is older than this is gone (its pod stopped, or the
/// kubelet is no longer scraped): Prometheus's own lookback for instant queries.
pub const STALE_AFTER_SECS: i64 = 300;

/// Where Prometheus is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Straight over HTTP(S); the path is kept (`https://host/prometheus`).
    Url(http::Uri),
    /// In the cluster, through the API server's service proxy.
    Service {
        namespace: String,
        name: String,
        port: String,
    },
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Url(u) => write!(f, "{}", u.to_string().trim_end_matches('/')),
            Endpoint::Service {
                namespace,
                name,
                port,
            } => write!(f, "svc/{namespace}/{name}:{port}"),
        }
    }
}

impl Endpoint {
    /// `http(s)://HOST[:PORT][/PATH]` or `svc/NAMESPACE/NAME:PORT`.
    pub fn parse(s: &str) -> Result<Endpoint, String> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("svc/") {
            let parts: Vec<&str> = rest.split('/').collect();
            let [namespace, name_port] = parts.as_slice() else {
                return Err(format!(
                    "invalid --prometheus {s:?}: a service is svc/NAMESPACE/NAME:PORT, e.g. svc/monitoring/prometheus-k8s:9090"
                ));
            };
            let Some((name, port)) = name_port.rsplit_once(':') else {
                return Err(format!(
                    "invalid --prometheus {s:?}: the service needs its port, e.g. svc/{namespace}/{name_port}:9090"
                ));
            };
            if [*namespace, name, port].iter().any(|p| p.is_empty()) {
                return Err(format!(
                    "invalid --prometheus {s:?}: a service is svc/NAMESPACE/NAME:PORT"
                ));
            }
            return Ok(Endpoint::Service {
                namespace: namespace.to_string(),
                name: name.to_string(),
                port: port.to_string(),
            });
        }
        let uri: http::Uri = s.parse().map_err(|e| {
            format!("invalid --prometheus {s:?}: {e} (give http(s)://HOST:PORT or svc/NAMESPACE/NAME:PORT)")
        })?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            _ => {
                return Err(format!(
                    "invalid --prometheus {s:?}: give http(s)://HOST:PORT or svc/NAMESPACE/NAME:PORT"
                ));
            }
        }
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(format!(
                "invalid --prometheus: credentials in the URL would be printed in messages; give them with --prometheus-user and --prometheus-password (or {ENV_PASSWORD})"
            ));
        }
        if uri.query().is_some() {
            return Err(format!(
                "invalid --prometheus {s:?}: give the server's base URL, without a query"
            ));
        }
        Ok(Endpoint::Url(uri))
    }

    /// The path prefix the API paths go under: none for a URL (its own path is the base of
    /// the client), the service proxy for a service.
    fn prefix(&self) -> String {
        match self {
            Endpoint::Url(_) => String::new(),
            Endpoint::Service {
                namespace,
                name,
                port,
            } => format!("/api/v1/namespaces/{namespace}/services/{name}:{port}/proxy"),
        }
    }
}

pub const ENV_PASSWORD: &str = "KUBECTL_STS_PROMETHEUS_PASSWORD";

/// How to authenticate to a Prometheus reached by URL (the service proxy uses the
/// kubeconfig's credentials).
#[derive(Clone, Default)]
pub struct Auth {
    pub token: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl fmt::Debug for Auth {
    // Never print a credential, not even in a debug dump.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("token", &self.token.as_ref().map(|_| "<hidden>"))
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// `--trend-window`: a Prometheus duration such as `6h`, `90m`, `1d`, `1h30m`.
pub fn parse_window(s: &str) -> Result<String, String> {
    let s = s.trim();
    let Some(secs) = duration_secs(s) else {
        return Err(format!(
            "invalid --trend-window {s:?}: a Prometheus duration such as 6h, 90m, 1d or 1h30m"
        ));
    };
    if secs < 300 {
        return Err(format!(
            "invalid --trend-window {s:?}: at least 5m, so the growth rests on more than a few scrapes"
        ));
    }
    Ok(s.to_string())
}

/// `pvc-expand --for`: how long the new size must last at the current rate (`30d`, `2w`,
/// `12h`), as seconds and as typed.
pub fn parse_horizon(s: &str) -> Result<(u64, String), String> {
    let s = s.trim();
    match duration_secs(s) {
        Some(secs) if secs >= 3600 => Ok((secs, s.to_string())),
        Some(_) => Err(format!("invalid --for {s:?}: at least 1h")),
        None => Err(format!(
            "invalid --for {s:?}: a duration such as 30d, 2w or 12h"
        )),
    }
}

/// Seconds in a Prometheus duration (`1h30m`, `6h`, `30d`, `2w`, `1y`); `None` if it is not
/// one.
pub fn duration_secs(s: &str) -> Option<u64> {
    let mut rest = s;
    let mut secs: u64 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(digits);
        let unit_len = ["ms", "s", "m", "h", "d", "w", "y"]
            .iter()
            .find(|u| tail.starts_with(**u))
            .map(|u| u.len());
        let (Ok(n), Some(len)) = (num.parse::<u64>(), unit_len) else {
            return None;
        };
        let unit = &tail[..len];
        secs = secs.saturating_add(n.saturating_mul(match unit {
            "ms" => 0,
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 604_800,
            _ => 31_536_000,
        }));
        rest = &tail[len..];
    }
    Some(secs)
}

/// One family of series, and the query for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Used,
    Capacity,
    InodesUsed,
    Inodes,
    BytesRate,
    InodesRate,
    Samples,
    LastSample,
}

const FAMILIES: [Family; QUERIES] = [
    Family::Used,
    Family::Capacity,
    Family::InodesUsed,
    Family::Inodes,
    Family::BytesRate,
    Family::InodesRate,
    Family::Samples,
    Family::LastSample,
];

/// The label matcher for the claims in scope: one namespace, or every one.
pub fn selector(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!(
            "{{namespace=\"{}\"}}",
            ns.replace('\\', "\\\\").replace('"', "\\\"")
        ),
        None => String::new(),
    }
}

fn promql(family: Family, sel: &str, window: &str) -> String {
    let inner = match family {
        Family::Used => format!("kubelet_volume_stats_used_bytes{sel}"),
        Family::Capacity => format!("kubelet_volume_stats_capacity_bytes{sel}"),
        Family::InodesUsed => format!("kubelet_volume_stats_inodes_used{sel}"),
        Family::Inodes => format!("kubelet_volume_stats_inodes{sel}"),
        Family::BytesRate => format!("deriv(kubelet_volume_stats_used_bytes{sel}[{window}])"),
        Family::InodesRate => format!("deriv(kubelet_volume_stats_inodes_used{sel}[{window}])"),
        Family::Samples => {
            format!("count_over_time(kubelet_volume_stats_used_bytes{sel}[{window}])")
        }
        Family::LastSample => format!("timestamp(kubelet_volume_stats_used_bytes{sel})"),
    };
    format!("max by (namespace, persistentvolumeclaim) ({inner})")
}

/// Every query one collection sends, in order (for the docs and the tests).
pub fn queries(namespace: Option<&str>, window: &str) -> Vec<String> {
    let sel = selector(namespace);
    FAMILIES.iter().map(|f| promql(*f, &sel, window)).collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiAnswer {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    #[serde(default)]
    result: Vec<Sample>,
}

#[derive(Deserialize)]
struct Sample {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

/// One claim's value in an instant vector.
type Values = BTreeMap<(String, String), f64>;

/// Parses the JSON of `/api/v1/query` into values per (namespace, claim). Samples without
/// both labels, or whose value is not a finite number, are left out.
pub fn parse_vector(body: &str) -> Result<BTreeMap<(String, String), f64>, String> {
    let a: ApiAnswer = serde_json::from_str(body).map_err(|_| {
        format!(
            "the answer is not the Prometheus HTTP API's JSON: {}",
            snippet(body)
        )
    })?;
    if a.status != "success" {
        return Err(api_error(&a));
    }
    let data = a
        .data
        .ok_or("the answer has no data (is this the Prometheus HTTP API?)")?;
    if data.result_type != "vector" {
        return Err(format!(
            "expected an instant vector, got a {}",
            data.result_type
        ));
    }
    let mut out = BTreeMap::new();
    for s in data.result {
        let (Some(ns), Some(pvc)) = (
            s.metric.get("namespace"),
            s.metric.get("persistentvolumeclaim"),
        ) else {
            continue;
        };
        let Ok(v) = s.value.1.parse::<f64>() else {
            continue;
        };
        if v.is_finite() {
            out.insert((ns.clone(), pvc.clone()), v);
        }
    }
    Ok(out)
}

fn api_error(a: &ApiAnswer) -> String {
    format!(
        "query failed ({}): {}",
        a.error_type.as_deref().unwrap_or("error"),
        a.error.as_deref().unwrap_or("no message")
    )
}

fn snippet(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.is_empty() {
        return "(empty body)".into();
    }
    match flat.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

/// The trends of the claims in `claims`, from the answers of [`FAMILIES`] (same order).
/// Only claims with a fresh used-bytes series are kept: an instant query already drops a
/// series silent for 5 minutes, and the newest sample's time is checked against `now` too.
fn assemble(
    claims: &BTreeSet<(String, String)>,
    answers: &[Values],
    window: &str,
    now: Timestamp,
) -> Vec<VolumeTrend> {
    let get = |f: Family, key: &(String, String)| -> Option<f64> {
        let i = FAMILIES.iter().position(|x| *x == f)?;
        answers.get(i)?.get(key).copied()
    };
    let whole = |v: Option<f64>| v.filter(|x| *x >= 0.0).map(|x| x.round() as u64);
    let now_s = now.as_second();
    let mut out = Vec::new();
    for key in claims {
        let Some(used) = get(Family::Used, key) else {
            continue;
        };
        let last = get(Family::LastSample, key);
        if let Some(t) = last
            && now_s - (t as i64) > STALE_AFTER_SECS
        {
            continue;
        }
        out.push(VolumeTrend {
            namespace: key.0.clone(),
            pvc: key.1.clone(),
            used_bytes: whole(Some(used)),
            capacity_bytes: whole(get(Family::Capacity, key)),
            inodes_used: whole(get(Family::InodesUsed, key)),
            inodes: whole(get(Family::Inodes, key)),
            bytes_per_second: get(Family::BytesRate, key),
            inodes_per_second: get(Family::InodesRate, key),
            samples: whole(get(Family::Samples, key)).unwrap_or(0),
            window: window.to_string(),
            last_sample: last.and_then(|t| Timestamp::from_second(t as i64).ok()),
        });
    }
    out
}

/// The claims the checks may ask about: every claim in the snapshot.
fn claims_in_scope(snap: &Snapshot) -> BTreeSet<(String, String)> {
    snap.pvcs
        .iter()
        .map(|p| {
            (
                crate::k8s::namespace(&p.metadata).to_string(),
                crate::k8s::name(&p.metadata).to_string(),
            )
        })
        .collect()
}

/// Percent-encodes a query parameter value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A client for a Prometheus reached by URL: kube's own HTTP stack (hyper-util with rustls
/// and the platform's roots, the same as for the API server), with the bearer token or
/// basic auth and the run's timeouts. No retries: a slow server is reported, not waited on.
pub fn url_client(
    uri: &http::Uri,
    auth: &Auth,
    timeout: Option<Duration>,
) -> Result<kube::Client, String> {
    let mut config = kube::Config::new(uri.clone());
    config.default_retry = false;
    if let Some(t) = timeout {
        let backstop = t + Duration::from_secs(1);
        config.connect_timeout = Some(backstop);
        config.read_timeout = Some(backstop);
        config.write_timeout = Some(backstop);
    }
    if let Some(t) = &auth.token {
        config.auth_info.token = Some(t.clone().into());
    }
    if let Some(u) = &auth.user {
        config.auth_info.username = Some(u.clone());
        config.auth_info.password = Some(auth.password.clone().unwrap_or_default().into());
    }
    kube::Client::try_from(config).map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// One query; the error says what went wrong in words (never a credential).
async fn query(
    client: &kube::Client,
    prefix: &str,
    promql: &str,
    now: Timestamp,
    timeout: Option<Duration>,
) -> Result<Values, String> {
    let path = format!(
        "{prefix}/api/v1/query?query={}&time={}",
        encode(promql),
        now.as_second()
    );
    let req = http::Request::get(&path)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| e.to_string())?;
    let fut = client.request_text(req);
    let res = match timeout {
        Some(t) => match tokio::time::timeout(t, fut).await {
            Ok(r) => r,
            Err(_) => return Err(format!("no answer within {}s", t.as_secs_f64())),
        },
        None => fut.await,
    };
    match res {
        Ok(body) => parse_vector(&body),
        Err(kube::Error::Api(s)) => {
            // Prometheus's own error JSON (400 bad_data, 422 execution, 503 timeout)
            // comes back as the message when it is not a Kubernetes Status.
            if let Ok(a) = serde_json::from_str::<ApiAnswer>(&s.message)
                && a.status != "success"
            {
                return Err(api_error(&a));
            }
            let what = if s.code == 403 {
                "forbidden".to_string()
            } else {
                format!("HTTP {}", s.code)
            };
            Err(format!("{what}: {}", snippet(&s.message)))
        }
        Err(e) => Err(format!("unreachable: {}", chain(&e))),
    }
}

/// An error and its causes on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        let t = c.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = c.source();
    }
    parts.join(": ")
}

/// What a collection is asked to do.
pub struct Request<'a> {
    pub endpoint: &'a Endpoint,
    pub auth: &'a Auth,
    /// The live cluster's client, for a service endpoint.
    pub cluster: Option<&'a kube::Client>,
    pub window: &'a str,
    pub now: Timestamp,
    pub timeout: Option<Duration>,
}

/// Reads the trends of the snapshot's claims into `snap.volume_trends`, or marks
/// [`Source::Prometheus`] skipped with the reason. Sends [`QUERIES`] queries at most.
pub async fn collect(snap: &mut Snapshot, req: &Request<'_>) {
    let claims = claims_in_scope(snap);
    match read(snap, &claims, req).await {
        Ok(trends) => snap.volume_trends = Some(trends),
        Err(reason) => {
            snap.volume_trends = None;
            snap.skip(Source::Prometheus, format!("{}: {reason}", req.endpoint));
        }
    }
}

async fn read(
    snap: &Snapshot,
    claims: &BTreeSet<(String, String)>,
    req: &Request<'_>,
) -> Result<Vec<VolumeTrend>, String> {
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    let own;
    let client = match req.endpoint {
        Endpoint::Url(uri) => {
            own = url_client(uri, req.auth, req.timeout)?;
            &own
        }
        Endpoint::Service { .. } => req.cluster.ok_or(
            "a service is reached through the live cluster's API server: not available with --from-file",
        )?,
    };
    let prefix = req.endpoint.prefix();
    let ns = snap.scope.namespace.as_deref();
    let texts = queries(ns, req.window);
    let answers = futures::future::join_all(
        texts
            .iter()
            .map(|q| query(client, &prefix, q, req.now, req.timeout)),
    )
    .await;
    let mut values = Vec::with_capacity(QUERIES);
    for (q, a) in texts.iter().zip(answers) {
        // The first failure speaks for all: they share the server and the path.
        values.push(a.map_err(|e| {
            if e.starts_with("query failed") {
                format!("{e} (query: {q})")
            } else {
                e
            }
        })?);
    }
    let trends = assemble(claims, &values, req.window, req.now);
    if trends.is_empty() {
        let any_series = !values[0].is_empty();
        return Err(if any_series {
            format!(
                "no current kubelet_volume_stats_used_bytes series for the {} claim(s) in scope (their pods are not running, or the series stopped)",
                claims.len()
            )
        } else {
            format!(
                "no kubelet_volume_stats_used_bytes series in {} (does Prometheus scrape the kubelets' /metrics, with the namespace and persistentvolumeclaim labels?)",
                snap.scope
            )
        });
    }
    Ok(trends)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        assert_eq!(
            Endpoint::parse("svc/monitoring/prometheus-k8s:9090").unwrap(),
            Endpoint::Service {
                namespace: "monitoring".into(),
                name: "prometheus-k8s".into(),
                port: "9090".into()
            }
        );
        let e = Endpoint::parse("svc/monitoring/prometheus-k8s:web").unwrap();
        assert_eq!(
            e.prefix(),
            "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy"
        );
        assert!(Endpoint::parse("svc/monitoring/prometheus-k8s").is_err());
        assert!(Endpoint::parse("svc/prometheus:9090").is_err());
        let u = Endpoint::parse("https://prom.example.com/api/prom").unwrap();
        assert_eq!(u.to_string(), "https://prom.example.com/api/prom");
        assert!(Endpoint::parse("prom:9090").is_err());
        assert!(
            Endpoint::parse("https://u:secret@prom.example.com")
                .unwrap_err()
                .contains("--prometheus-user")
        );
        assert!(
            !Endpoint::parse("https://u:secret@prom.example.com")
                .unwrap_err()
                .contains("secret")
        );
    }

    #[test]
    fn windows_are_prometheus_durations() {
        assert_eq!(parse_window("6h").unwrap(), "6h");
        assert_eq!(parse_window("1h30m").unwrap(), "1h30m");
        assert!(parse_window("1d").is_ok());
        assert!(parse_window("6 hours").is_err());
        assert!(parse_window("6").is_err());
        assert!(parse_window("1m").is_err(), "too short");
        assert!(parse_window("").is_err());
    }

    #[test]
    fn a_bounded_number_of_queries_deduplicated_by_claim() {
        let q = queries(Some("shop"), "6h");
        assert_eq!(q.len(), QUERIES);
        assert!(
            q.iter()
                .all(|x| x.starts_with("max by (namespace, persistentvolumeclaim) ("))
        );
        assert_eq!(
            q[4],
            "max by (namespace, persistentvolumeclaim) (deriv(kubelet_volume_stats_used_bytes{namespace=\"shop\"}[6h]))"
        );
        assert!(queries(None, "6h")[0].ends_with("(kubelet_volume_stats_used_bytes)"));
        assert_eq!(encode("a{b=\"c\"}[6h] x"), "a%7Bb%3D%22c%22%7D%5B6h%5D%20x");
    }

    #[test]
    fn vectors_parse_and_errors_say_why() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"namespace":"shop","persistentvolumeclaim":"data-db-0"},"value":[1700000000.5,"42"]},
          {"metric":{"namespace":"shop"},"value":[1700000000.5,"1"]},
          {"metric":{"namespace":"shop","persistentvolumeclaim":"data-db-1"},"value":[1700000000.5,"NaN"]}]}}"#;
        let v = parse_vector(body).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[&("shop".into(), "data-db-0".into())], 42.0);
        let e = parse_vector(
            r#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#,
        )
        .unwrap_err();
        assert_eq!(e, "query failed (bad_data): parse error at char 3");
        assert!(
            parse_vector("<html>hi</html>")
                .unwrap_err()
                .contains("not the Prometheus")
        );
    }

    #[test]
    fn stale_and_missing_claims_are_left_out() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let k = |p: &str| ("shop".to_string(), p.to_string());
        let claims: BTreeSet<_> = [k("a"), k("b"), k("c")].into_iter().collect();
        let mut answers: Vec<Values> = vec![BTreeMap::new(); QUERIES];
        answers[0].insert(k("a"), 90.0);
        answers[0].insert(k("b"), 90.0);
        answers[1].insert(k("a"), 100.0);
        answers[4].insert(k("a"), 0.5);
        answers[6].insert(k("a"), 720.0);
        answers[7].insert(k("a"), 1_699_999_990.0);
        answers[7].insert(k("b"), 1_699_999_000.0);
        let t = assemble(&claims, &answers, "6h", now);
        assert_eq!(t.len(), 1, "b stopped 1000 s ago, c has no series");
        assert_eq!(t[0].pvc, "a");
        assert_eq!(t[0].bytes_per_second, Some(0.5));
        assert_eq!(t[0].samples, 720);
    }
}
