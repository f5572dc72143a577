//! Connecting to a cluster the way kubectl does: `--kubeconfig`, else every file in
//! `KUBECONFIG` (missing ones skipped), else `~/.kube/config`, else the in-cluster service
//! account; `--context`/`--cluster`/`--user`, impersonation, timeouts. Exec plugins and
//! proxies (`proxy-url`, `HTTPS_PROXY`) are kube-rs's.

use crate::error::{Failure, Unread};
use anyhow::Result;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub as_user: Option<String>,
    pub as_groups: Vec<String>,
    pub request_timeout: Option<Duration>,
    /// The client holds watch streams open: a response may be quiet far longer than one
    /// request may take (the server ends a watch after about 5 minutes, bookmarks come
    /// about once a minute), so reads are not bounded by `request_timeout`.
    pub streams: bool,
}

pub struct Connection {
    pub client: kube::Client,
    /// The namespace of the selected context, or `default`.
    pub default_namespace: String,
    /// The context actually used (explicit or current-context), for remediation commands.
    pub context: Option<String>,
    pub server: String,
}

/// One kubeconfig file, with an error that names it once and says what is wrong (kube's
/// own message repeats the path, quoted twice).
fn read_kubeconfig(path: &Path) -> Result<Kubeconfig> {
    use kube::config::KubeconfigError;
    Kubeconfig::read_from(path).map_err(|e| {
        let why = match &e {
            KubeconfigError::ReadConfig(io, _) if io.kind() == std::io::ErrorKind::NotFound => {
                "no such file".to_string()
            }
            KubeconfigError::ReadConfig(io, _) => io.to_string(),
            KubeconfigError::Parse(p) => format!("not a valid kubeconfig: {p}"),
            other => other.to_string(),
        };
        Failure::usage(format!("cannot load kubeconfig {}: {why}", path.display())).into()
    })
}

/// Loads the merged kubeconfig as kubectl would. `Ok(None)` when there is none at all.
pub fn load_kubeconfig(explicit: Option<&Path>) -> Result<Option<Kubeconfig>> {
    if let Some(path) = explicit {
        let kc = read_kubeconfig(path)?;
        return Ok(Some(kc));
    }
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let mut merged: Option<Kubeconfig> = None;
        for path in std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()) {
            // kubectl skips files in KUBECONFIG that do not exist; so do we.
            if !path.exists() {
                continue;
            }
            let kc = read_kubeconfig(&path)?;
            merged = Some(match merged {
                None => kc,
                Some(m) => m.merge(kc).map_err(|e| {
                    Failure::usage(format!("cannot merge kubeconfig {}: {e}", path.display()))
                })?,
            });
        }
        if merged.is_some() {
            return Ok(merged);
        }
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Some(path) = home.map(|h| h.join(".kube").join("config"))
        && path.exists()
    {
        let kc = read_kubeconfig(&path)?;
        return Ok(Some(kc));
    }
    Ok(None)
}

/// The namespace of the kubeconfig context (`--context`, else current-context), for saved
/// objects that name none, as `kubectl apply -f` would place them. Best effort: no
/// kubeconfig, or one that cannot be read, just means none (reading files needs no cluster).
pub fn context_namespace(explicit: Option<&Path>, context: Option<&str>) -> Option<String> {
    let kc = load_kubeconfig(explicit).ok().flatten()?;
    let name = context.or(kc.current_context.as_deref())?;
    kc.contexts
        .iter()
        .find(|c| c.name == name)?
        .context
        .as_ref()?
        .namespace
        .clone()
        .filter(|ns| !ns.is_empty())
}

pub async fn connect(opts: &ConnectOptions) -> Result<Connection> {
    let (mut config, context) = match load_kubeconfig(opts.kubeconfig.as_deref())? {
        Some(kc) => {
            let context = opts.context.clone().or_else(|| kc.current_context.clone());
            if let Some(name) = &context
                && !kc.contexts.iter().any(|c| &c.name == name)
            {
                let known: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
                return Err(Failure::usage(format!(
                    "context \"{name}\" not found in kubeconfig (contexts: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
                .into());
            }
            if context.is_none() && opts.cluster.is_none() {
                return Err(Failure::usage(
                    "kubeconfig has no current-context; pass --context (see `kubectl config get-contexts`)",
                )
                .into());
            }
            let kopts = KubeConfigOptions {
                context: opts.context.clone(),
                cluster: opts.cluster.clone(),
                user: opts.user.clone(),
            };
            let config = kube::Config::from_custom_kubeconfig(kc, &kopts)
                .await
                .map_err(|e| Failure::usage(format!("invalid kubeconfig: {e}")))?;
            (config, context)
        }
        None => {
            let config = kube::Config::incluster().map_err(|_| {
                Failure::usage(
                    "no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a cluster; to read saved state or manifests without a cluster, use --from-file FILE",
                )
            })?;
            (config, None)
        }
    };
    if let Some(u) = &opts.as_user {
        config.auth_info.impersonate = Some(u.clone());
    }
    if !opts.as_groups.is_empty() {
        config.auth_info.impersonate_groups = Some(opts.as_groups.clone());
    }
    if let Some(t) = opts.request_timeout {
        // Every request is bounded by `t` where it is made, by code that knows what the
        // request was for ("it may or may not have been applied"). The client's own
        // timeouts are a backstop a little later: at the same instant they win the race
        // about half the time with an anonymous "client error (SendRequest)".
        let backstop = t + Duration::from_secs(1);
        config.connect_timeout = Some(backstop);
        config.read_timeout = Some(if opts.streams {
            // Longer than a watch lasts on the server (kube-runtime asks for 290 s).
            Duration::from_secs(330).max(backstop)
        } else {
            backstop
        });
        config.write_timeout = Some(backstop);
    }
    // kube's default retries 429/503/504 with backoff for minutes. An incident tool must
    // answer within --request-timeout, and a refused eviction must never be re-sent blindly.
    config.default_retry = false;
    let server = config.cluster_url.to_string();
    let default_namespace = config.default_namespace.clone();
    let exec = config.auth_info.exec.clone();
    let client = match kube::Client::try_from(config) {
        Ok(c) => c,
        // kube-rs runs an exec credential plugin while building the client.
        Err(kube::Error::Auth(e)) => {
            return Err(Failure::unread(
                Unread::Unauthorized,
                auth_failure(&e, exec.as_ref(), &server),
            )
            .into());
        }
        Err(e) => {
            return Err(Failure::usage(crate::error::one_line(
                &anyhow::Error::new(e).context(format!("cannot build a client for {server}")),
            ))
            .into());
        }
    };
    Ok(Connection {
        client,
        default_namespace,
        context,
        server,
    })
}

/// One line on credentials that could not be obtained, naming the exec plugin's command
/// when the kubeconfig has one (`exec`).
///
/// Never quotes kube-rs's own message for a failed plugin: it holds the command with its
/// environment (which kubeconfigs use for secrets) and what the plugin printed on stdout (a
/// plugin that fails half-way may have printed a token there). Only the exit status and
/// the first line of stderr.
pub fn auth_failure(
    e: &kube::client::AuthError,
    exec: Option<&kube::config::ExecConfig>,
    server: &str,
) -> String {
    use kube::client::AuthError;
    let tried = exec.map(|x| {
        std::iter::once(x.command.as_deref().unwrap_or("(no command)"))
            .chain(x.args.iter().flatten().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let plugin = match &tried {
        Some(t) => format!("the kubeconfig's credential plugin `{t}`"),
        None => "the kubeconfig's credential plugin".to_string(),
    };
    let hint = exec
        .and_then(|x| x.install_hint.as_deref())
        .map(|h| format!(" ({})", h.split_whitespace().collect::<Vec<_>>().join(" ")))
        .unwrap_or_default();
    match e {
        AuthError::AuthExecStart(io) if io.kind() == std::io::ErrorKind::NotFound => {
            let command = exec
                .and_then(|x| x.command.as_deref())
                .unwrap_or("(no command)");
            format!(
                "{plugin} could not run: {command} was not found (users[].user.exec.command); install it or put it on PATH{hint}"
            )
        }
        AuthError::AuthExecStart(io) => format!("{plugin} could not run: {io}{hint}"),
        AuthError::AuthExecRun { out, .. } => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = stderr
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(|l| format!(": {l}"))
                .unwrap_or_default();
            format!("{plugin} failed ({}){first}", out.status)
        }
        AuthError::AuthExecParse(_) | AuthError::ExecPluginFailed => {
            format!("{plugin} did not print a usable ExecCredential")
        }
        AuthError::AuthExec(_) => format!("{plugin} failed"),
        other if exec.is_some() => format!("{plugin}: {other}"),
        other => format!("cannot get credentials for {server} from the kubeconfig: {other}"),
    }
}

/// Parses kubectl's `--request-timeout` values: `0` (none), `30`, `30s`, `2m`, `1h`.
pub fn parse_timeout(s: &str) -> Result<Option<Duration>, String> {
    let s = s.trim();
    let (num, mult) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (s, 1.0)
    };
    let v: f64 = num.parse().map_err(|_| {
        format!("invalid duration {s:?}: use a number with a unit, e.g. 30s, 2m, 1h")
    })?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("invalid duration {s:?}: must be zero or positive"));
    }
    if v == 0.0 {
        return Ok(None);
    }
    Ok(Some(Duration::from_secs_f64(v * mult)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_like_kubectl() {
        assert_eq!(parse_timeout("0").unwrap(), None);
        assert_eq!(parse_timeout("5").unwrap(), Some(Duration::from_secs(5)));
        assert_eq!(parse_timeout("30s").unwrap(), Some(Duration::from_secs(30)));
        assert_eq!(parse_timeout("2m").unwrap(), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_timeout("500ms").unwrap(),
            Some(Duration::from_millis(500))
        );
        assert!(parse_timeout("soon").is_err());
        assert!(parse_timeout("-1s").is_err());
    }
}

/// Whether `--context` asks for several clusters: more than one name, or a pattern.
pub fn is_fleet(contexts: &[String], all_contexts: bool) -> bool {
    all_contexts || contexts.len() > 1 || contexts.iter().any(|c| is_pattern(c))
}

fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// The contexts a fleet run reads, in kubeconfig order, each once: all of them
/// (`all`), or those named or matched by `patterns` (`*` any run of characters, `?` one).
/// A pattern or name that matches no context is an error naming the contexts there are:
/// a typo must not shrink the fleet silently.
pub fn select_contexts(kc: &Kubeconfig, patterns: &[String], all: bool) -> Result<Vec<String>> {
    let names: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
    if names.is_empty() {
        return Err(Failure::usage("the kubeconfig has no contexts").into());
    }
    if all {
        return Ok(names.iter().map(|n| n.to_string()).collect());
    }
    for p in patterns {
        if !names.iter().any(|n| glob_match(p, n)) {
            let near = crate::suggest::closest(p, names.iter().copied());
            let hint = if near.is_empty() || is_pattern(p) {
                format!("contexts: {}", names.join(", "))
            } else {
                format!("did you mean {}?", near.join(", "))
            };
            return Err(Failure::usage(format!(
                "context \"{p}\" matches no context in the kubeconfig ({hint})"
            ))
            .into());
        }
    }
    Ok(names
        .iter()
        .filter(|n| patterns.iter().any(|p| glob_match(p, n)))
        .map(|n| n.to_string())
        .collect())
}

/// Shell-style matching of a whole name: `*` any run of characters, `?` one character.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Greedy with backtracking to the last `*`: linear in practice, no recursion.
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod fleet_tests {
    use super::*;

    #[test]
    fn globs_match_whole_names() {
        assert!(glob_match("prod-*", "prod-eu"));
        assert!(glob_match("prod-*", "prod-"));
        assert!(!glob_match("prod-*", "staging-prod-eu"));
        assert!(glob_match("*-eu-?", "prod-eu-1"));
        assert!(!glob_match("*-eu-?", "prod-eu-12"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match(
            "arn:aws:eks:*:cluster/prod",
            "arn:aws:eks:eu-west-1:1234:cluster/prod"
        ));
        assert!(!glob_match("prod", "prod-eu"));
    }

    fn kubeconfig(names: &[&str]) -> Kubeconfig {
        Kubeconfig {
            contexts: names
                .iter()
                .map(|n| kube::config::NamedContext {
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn contexts_are_selected_in_kubeconfig_order_once_and_typos_are_errors() {
        let kc = kubeconfig(&["prod-eu", "staging", "prod-us"]);
        let sel = |p: &[&str]| {
            select_contexts(
                &kc,
                &p.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                false,
            )
        };
        assert_eq!(sel(&["prod-us", "prod-*"]).unwrap(), ["prod-eu", "prod-us"]);
        assert_eq!(
            select_contexts(&kc, &[], true).unwrap(),
            ["prod-eu", "staging", "prod-us"]
        );
        let e = sel(&["stagin"]).unwrap_err().to_string();
        assert!(e.contains("did you mean staging?"), "{e}");
        let e = sel(&["dev-*"]).unwrap_err().to_string();
        assert!(e.contains("contexts: prod-eu, staging, prod-us"), "{e}");
        assert!(is_fleet(&["prod-*".into()], false));
        assert!(!is_fleet(&["prod".into()], false));
        assert!(is_fleet(&["a".into(), "b".into()], false));
    }
}
