//! A real Prometheus server on a loopback port, with a TSDB backfilled from known series,
//! for the tests of `--prometheus`.
//!
//! The series are written as OpenMetrics text, turned into TSDB blocks by `promtool tsdb
//! create-blocks-from openmetrics`, and served by `prometheus` with no scrape target, so
//! what it answers is exactly what was written. Series end near now (the instant queries
//! only see series with a sample in the last 5 minutes), so a test builds its series right
//! before starting the server. The server is killed when the handle is dropped.
//!
//! Both programs come from the Debian package `prometheus` (`.ci/run` installs it). When
//! they are missing the tests FAIL with the command that installs them: a test that cannot
//! run must not pass.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tempfile::TempDir;

pub const GI: f64 = 1024.0 * 1024.0 * 1024.0;
/// Seconds between two samples, as a common kubelet scrape interval.
pub const STEP: i64 = 30;

/// One claim's series: values at `t` seconds before the end of the data (`t >= 0`).
pub struct Claim {
    pub namespace: String,
    pub pvc: String,
    pub capacity_bytes: f64,
    /// Bytes used `t` seconds before the last sample.
    pub used: Box<dyn Fn(f64) -> f64>,
    pub inodes: f64,
    pub inodes_used: Box<dyn Fn(f64) -> f64>,
    /// The series stopped this many seconds before the others (its pod went away).
    pub stopped_secs_ago: i64,
}

impl Claim {
    /// A claim whose bytes grow linearly: `used_now` at the end, `per_hour` bytes more every
    /// hour; inodes flat at 10 %.
    pub fn linear(namespace: &str, pvc: &str, capacity: f64, used_now: f64, per_hour: f64) -> Self {
        Claim {
            namespace: namespace.into(),
            pvc: pvc.into(),
            capacity_bytes: capacity,
            used: Box::new(move |t| used_now - per_hour * t / 3600.0),
            inodes: 1_000_000.0,
            inodes_used: Box::new(|_| 100_000.0),
            stopped_secs_ago: 0,
        }
    }
}

/// Where the programs are, or a failure that says how to get them.
fn program(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{name}` is not on PATH: the --prometheus tests run a real Prometheus. \
             Install it with `apt-get install -y prometheus` (Debian; it brings prometheus \
             and promtool), as .ci/run does"
        )
    })
}

/// The OpenMetrics text of `claims`, `hours` of samples every [`STEP`] s, the last at `end`.
pub fn openmetrics(claims: &[Claim], end: i64, hours: f64) -> String {
    let n = (hours * 3600.0) as i64 / STEP;
    let mut out = String::new();
    type Value = dyn Fn(&Claim, f64) -> f64;
    let families: [(&str, &Value); 4] = [
        ("kubelet_volume_stats_used_bytes", &|c, t| (c.used)(t)),
        ("kubelet_volume_stats_capacity_bytes", &|c, _| {
            c.capacity_bytes
        }),
        ("kubelet_volume_stats_inodes_used", &|c, t| {
            (c.inodes_used)(t)
        }),
        ("kubelet_volume_stats_inodes", &|c, _| c.inodes),
    ];
    for (family, value) in families {
        let _ = writeln!(out, "# HELP {family} Volume stats, backfilled for a test.");
        let _ = writeln!(out, "# TYPE {family} gauge");
        for c in claims {
            // Two jobs scrape the same kubelet: the tool must not count the claim twice.
            for job in ["kubelet", "kubelet-dup"] {
                for i in (0..=n).rev() {
                    let ago = i * STEP + c.stopped_secs_ago;
                    let v = value(c, ago as f64).round().max(0.0);
                    let _ = writeln!(
                        out,
                        "{family}{{job=\"{job}\",namespace=\"{}\",persistentvolumeclaim=\"{}\"}} {v} {}",
                        c.namespace,
                        c.pvc,
                        end - ago
                    );
                }
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

/// A running Prometheus. Dropping it kills the server.
pub struct Prometheus {
    child: Child,
    pub port: u16,
    _dir: TempDir,
}

impl Prometheus {
    /// Backfills `claims` (the last sample a few seconds ago) and starts Prometheus on it.
    pub fn with(claims: &[Claim]) -> Self {
        let promtool = program("promtool");
        let prometheus = program("prometheus");
        let dir = TempDir::new().unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let text = openmetrics(claims, now - 5, 7.0);
        let input = dir.path().join("series.om");
        std::fs::write(&input, text).unwrap();
        let data = dir.path().join("data");
        let out = Command::new(&promtool)
            .args(["tsdb", "create-blocks-from", "openmetrics"])
            .arg(&input)
            .arg(&data)
            .output()
            .expect("run promtool");
        assert!(
            out.status.success(),
            "promtool tsdb create-blocks-from openmetrics failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let config = dir.path().join("prometheus.yml");
        // No scrape target: the backfilled series are all there is.
        std::fs::write(
            &config,
            "global:\n  scrape_interval: 30s\nscrape_configs: []\n",
        )
        .unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            // The blocks are hours old; nothing may be deleted while the tests run.
            .arg("--storage.tsdb.retention.time=3650d")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let p = Prometheus {
            child,
            port,
            _dir: dir,
        };
        p.wait_ready();
        p
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("prometheus.log")).unwrap_or_default()
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let ok = get(self.port, "/-/ready")
                .is_some_and(|r| r.lines().next().is_some_and(|l| l.contains(" 200 ")));
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("prometheus did not become ready in 30 s:\n{}", self.log());
    }

    /// The body of a GET on the server (for tests that look at the raw API).
    pub fn get(&self, path: &str) -> String {
        let r = get(self.port, path).expect("prometheus answers");
        r.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or(r)
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.0 GET on loopback (so the body is never chunked); `None` when nothing
/// answers.
fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}
