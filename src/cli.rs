//! The command line. Each command takes only the flags it uses: its own first, then the
//! output, input and connection flags it shares with the others, under those headings.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "kubectl sts",
    bin_name = "kubectl sts",
    version,
    // The width the tool's own output wraps at; narrower terminals wrap narrower.
    max_term_width = 80,
    about = "Find what is wrong with StatefulSets and print the exact kubectl commands that fix it",
    long_about = "Find what is wrong with StatefulSets, their pods, volumes, disruption budgets, \
services and nodes, and print each finding with its evidence and the exact kubectl commands \
that fix it. Read-only unless an action is asked for by name.",
    after_help = "Examples:\n  kubectl sts diagnose -n shop\n  kubectl sts diagnose orders-db -n shop --symptom pending\n  kubectl sts diagnose --from-file docs/examples/cassandra-node-lost.yaml\n  kubectl sts snapshot -A > state.yaml\n  kubectl sts runbooks pv-node-affinity-conflict"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the cluster is and who asks, as kubectl's own flags say it. `global` so that in
/// `rollout` they can follow the action (`rollout status db -n shop`) as well as precede it.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionArgs {
    /// Namespace (default: the context's namespace, else "default")
    #[arg(short = 'n', long, global = true, value_name = "NS", help_heading = CONNECTION)]
    pub namespace: Option<String>,
    /// Every namespace
    #[arg(short = 'A', long, global = true, conflicts_with = "namespace", help_heading = CONNECTION)]
    pub all_namespaces: bool,
    /// Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "PATH", help_heading = CONNECTION)]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b,
    /// repeated, or patterns like 'prod-*') and read each cluster
    #[arg(long, global = true, value_name = "NAME", value_delimiter = ',', help_heading = CONNECTION)]
    pub context: Vec<String>,
    /// The kubeconfig cluster to use
    #[arg(long, global = true, value_name = "NAME", help_heading = CONNECTION)]
    pub cluster: Option<String>,
    /// The kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME", help_heading = CONNECTION)]
    pub user: Option<String>,
    /// How long to wait for each API request: 0 (no limit), 30s, 2m, ...
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s", help_heading = CONNECTION)]
    pub request_timeout: String,
    /// Impersonate this user
    #[arg(long = "as", global = true, value_name = "USER", help_heading = CONNECTION)]
    pub as_user: Option<String>,
    /// Impersonate this group (repeatable)
    #[arg(long = "as-group", global = true, value_name = "GROUP", help_heading = CONNECTION)]
    pub as_group: Vec<String>,
}

const CONNECTION: &str = "Connection";
const INPUT: &str = "Input";
const OUTPUT: &str = "Output";

/// Saved state instead of the live cluster, and the instant time-based rules use.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// Read saved state instead of the live cluster: kubectl get -o yaml|json output,
    /// multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; -
    /// for stdin)
    #[arg(long = "from-file", short = 'f', global = true, value_name = "PATH", help_heading = INPUT)]
    pub from_file: Vec<PathBuf>,
    /// Evaluate time-based rules at this instant (RFC 3339); default: the snapshot's
    /// capture time, else now
    #[arg(long, global = true, value_name = "RFC3339", help_heading = INPUT)]
    pub now: Option<String>,
}

/// How the result is printed, and which findings fail the run.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = Output::Table, help_heading = OUTPUT)]
    pub output: Output,
    /// No colours (also when NO_COLOR is set or output is not a terminal)
    #[arg(long, global = true, help_heading = OUTPUT)]
    pub no_color: bool,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, global = true, value_enum, default_value_t = FailOn::Warning, help_heading = OUTPUT)]
    pub fail_on: FailOn,
}

impl Default for OutputArgs {
    fn default() -> Self {
        OutputArgs {
            output: Output::Table,
            no_color: false,
            fail_on: FailOn::Warning,
        }
    }
}

/// What every command that reads a cluster takes, grouped under their headings after the
/// command's own flags, as kubectl's help lists them.
#[derive(Debug, Clone, Default, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

impl ClusterArgs {
    /// The settings the commands read, with `no_interactive` from commands that can ask.
    pub fn global(&self, no_interactive: bool) -> GlobalArgs {
        GlobalArgs {
            kubeconfig: self.conn.kubeconfig.clone(),
            // One context by name is an ordinary run; several (or a pattern) are a fleet
            // run, which commands that take one cluster refuse.
            context: match self.conn.context.as_slice() {
                [one] if !crate::cluster::is_fleet(&self.conn.context, false) => Some(one.clone()),
                _ => None,
            },
            contexts: self.conn.context.clone(),
            all_contexts: false,
            parallel: 1,
            fleet_member: false,
            cluster: self.conn.cluster.clone(),
            user: self.conn.user.clone(),
            namespace: self.conn.namespace.clone(),
            all_namespaces: self.conn.all_namespaces,
            request_timeout: self.conn.request_timeout.clone(),
            as_user: self.conn.as_user.clone(),
            as_group: self.conn.as_group.clone(),
            from_file: self.source.from_file.clone(),
            now: self.source.now.clone(),
            output: self.out.output,
            no_color: self.out.no_color,
            fail_on: self.out.fail_on,
            no_interactive,
        }
    }
}

/// Every setting a command may read, gathered from the flags that command takes (a
/// command without a flag gets its default). What the library's glue passes around.
#[derive(Debug, Clone)]
pub struct GlobalArgs {
    pub kubeconfig: Option<PathBuf>,
    /// The one context named, when a single cluster is read.
    pub context: Option<String>,
    /// Every `--context` value as typed (names or patterns).
    pub contexts: Vec<String>,
    /// `--all-contexts`.
    pub all_contexts: bool,
    /// `--parallel`: how many clusters a fleet run reads at once.
    pub parallel: usize,
    /// Set on the settings of one cluster of a fleet run: its progress is the fleet's.
    pub fleet_member: bool,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
    pub all_namespaces: bool,
    pub request_timeout: String,
    pub as_user: Option<String>,
    pub as_group: Vec<String>,
    pub from_file: Vec<PathBuf>,
    pub now: Option<String>,
    pub output: Output,
    pub no_color: bool,
    pub fail_on: FailOn,
    pub no_interactive: bool,
}

impl Default for GlobalArgs {
    fn default() -> Self {
        ClusterArgs {
            conn: ConnectionArgs {
                request_timeout: "30s".into(),
                ..Default::default()
            },
            ..Default::default()
        }
        .global(false)
    }
}

/// The output formats; defined with the renderers, which are below the command line.
pub use crate::render::Output;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<crate::finding::Severity> {
        use crate::finding::Severity;
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find what is wrong with StatefulSets and print the commands that fix it
    Diagnose(DiagnoseArgs),
    /// Save everything the analysis reads as a v1 List (no Secrets), for --from-file later
    Snapshot(SnapshotArgs),
    /// List the runbooks, or print one
    Runbooks {
        /// A runbook id, e.g. pv-node-affinity-conflict
        id: Option<String>,
        /// Output format
        #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Print a shell completion script
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Orphaned PVCs and PVs with their estimated monthly cost; --delete to clean up
    Orphans(OrphansArgs),
    /// Rollout status with the real stuck cause; guarded canary, step, promote, pause, undo
    Rollout(RolloutArgs),
    /// Will draining these nodes break a StatefulSet? Budgets, quorum, volume topology
    DrainCheck(DrainCheckArgs),
    /// Grow a StatefulSet's volumes end to end: claims, filesystems and the claim template
    PvcExpand(PvcExpandArgs),
    /// Print the version, the commit it was built from and the Kubernetes API it targets
    Version(VersionArgs),
    /// Completion candidates for kubectl's plugin completion (run by `kubectl_complete-sts`)
    #[command(name = "__complete", hide = true)]
    Complete {
        /// The words typed after `kubectl sts`; the last one is being completed
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Output format (a table is not a snapshot: yaml unless json is asked for)
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Yaml, help_heading = OUTPUT)]
    pub output: Output,
    /// Re-save saved state (e.g. only -n's namespace of it) instead of the live cluster
    #[arg(long = "from-file", short = 'f', value_name = "PATH", help_heading = INPUT)]
    pub from_file: Vec<PathBuf>,
    /// With several contexts: write one file per context into this directory
    /// (CONTEXT.yaml or .json) instead of printing
    #[arg(long, value_name = "DIR", help_heading = OUTPUT)]
    pub output_dir: Option<PathBuf>,
    #[command(flatten)]
    pub prometheus: PrometheusArgs,
    #[command(flatten)]
    pub conn: ConnectionArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

impl SnapshotArgs {
    pub fn global(&self) -> GlobalArgs {
        ClusterArgs {
            out: OutputArgs {
                output: self.output,
                ..Default::default()
            },
            source: SourceArgs {
                from_file: self.from_file.clone(),
                now: None,
            },
            conn: self.conn.clone(),
        }
        .global(false)
        .with_fleet(&self.fleet)
    }
}

/// Several clusters in one run: diagnose, orphans and snapshot.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// Read every context of the kubeconfig (one result per cluster)
    #[arg(long, conflicts_with = "context", help_heading = CONNECTION)]
    pub all_contexts: bool,
    /// How many clusters are read at once when several contexts are given
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64), help_heading = CONNECTION)]
    pub parallel: u16,
}

impl GlobalArgs {
    /// With the fleet flags of the commands that take them.
    pub fn with_fleet(mut self, fleet: &FleetArgs) -> Self {
        self.all_contexts = fleet.all_contexts;
        self.parallel = usize::from(fleet.parallel);
        self
    }

    /// Whether this run reads several clusters.
    pub fn is_fleet(&self) -> bool {
        crate::cluster::is_fleet(&self.contexts, self.all_contexts)
    }
}

/// `--no-interactive`, for the commands that can ask on a terminal.
#[derive(Debug, Clone, Default, Args)]
pub struct PromptArgs {
    /// Never prompt, even on a terminal
    #[arg(long, global = true)]
    pub no_interactive: bool,
}

const PROMETHEUS: &str = "Prometheus";

/// Where volume usage and its trend come from when Prometheus is asked (`--prometheus`).
#[derive(Debug, Clone, Default, Args)]
pub struct PrometheusArgs {
    /// Read volume usage and growth from Prometheus: http(s)://HOST:PORT[/PATH], or
    /// svc/NAMESPACE/NAME:PORT through the API server's service proxy (needs get on
    /// services/proxy). A fixed number of queries, whatever the number of claims
    #[arg(long, value_name = "URL|svc/NS/NAME:PORT", env = "KUBECTL_STS_PROMETHEUS", help_heading = PROMETHEUS)]
    pub prometheus: Option<String>,
    /// Bearer token for a Prometheus reached by URL
    #[arg(long, value_name = "TOKEN", env = "KUBECTL_STS_PROMETHEUS_TOKEN", hide_env_values = true, help_heading = PROMETHEUS)]
    pub prometheus_token: Option<String>,
    /// Basic-auth user for a Prometheus reached by URL
    #[arg(long, value_name = "USER", env = "KUBECTL_STS_PROMETHEUS_USER", conflicts_with = "prometheus_token", help_heading = PROMETHEUS)]
    pub prometheus_user: Option<String>,
    /// Basic-auth password (prefer the environment variable: a flag shows in the process list)
    #[arg(long, value_name = "PASSWORD", env = "KUBECTL_STS_PROMETHEUS_PASSWORD", hide_env_values = true, requires = "prometheus_user", help_heading = PROMETHEUS)]
    pub prometheus_password: Option<String>,
    /// How far back the growth rate is fitted (a Prometheus duration: 6h, 90m, 1d)
    #[arg(long, value_name = "DURATION", default_value = crate::snapshot::prometheus::DEFAULT_WINDOW,
          value_parser = crate::snapshot::prometheus::parse_window, help_heading = PROMETHEUS)]
    pub trend_window: String,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// Only this StatefulSet and what it depends on
    pub statefulset: Option<String>,
    /// Only findings of these symptom groups (repeatable)
    #[arg(long, value_name = "GROUP", value_parser = clap::builder::PossibleValuesParser::new(crate::runbooks::GROUPS))]
    pub symptom: Vec<String>,
    /// Read the last 50 lines of crash-looping containers' previous logs (at most 10 pods)
    /// and turn known failure patterns into evidence
    #[arg(long)]
    pub logs: bool,
    /// Read volume usage from each node's kubelet through the API server's node proxy
    /// (needs the powerful `nodes/proxy` permission; one request per node in scope)
    #[arg(long)]
    pub volume_stats: bool,
    #[command(flatten)]
    pub prometheus: PrometheusArgs,
    /// Keep the diagnosis current: watch the cluster and print each finding as it opens,
    /// changes or is resolved (JSON lines with -o json or when not on a terminal)
    #[arg(long, short = 'w', conflicts_with_all = ["volume_stats", "logs"])]
    pub watch: bool,
    /// With --watch: stop after this long (30s, 10m, 2h); the exit code is then that of
    /// the findings open at the end
    #[arg(long, value_name = "DURATION", requires = "watch")]
    pub timeout: Option<String>,
    /// Run a chosen non-destructive command without asking again (destructive ones always ask)
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub prompt: PromptArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kubectl sts orphans -A\n  kubectl sts orphans -n data --price gp3=0.08 --price io2=0.125\n  kubectl sts orphans -n data --delete\n  kubectl sts orphans -n data --delete --yes    # no prompt: everything listed"
)]
pub struct OrphansArgs {
    /// Estimated price per GiB-month for the monthly cost column (an estimate, not a bill)
    #[arg(long, value_name = "PRICE", default_value_t = crate::orphans::cost::DEFAULT_PRICE_PER_GIB_MONTH,
          value_parser = crate::orphans::cost::parse_price)]
    pub price_per_gib: f64,
    /// Price per GiB-month for one storage class, e.g. gp3=0.08 (repeatable)
    #[arg(long = "price", value_name = "CLASS=PRICE", value_parser = crate::orphans::cost::parse_class_price)]
    pub prices: Vec<(String, f64)>,
    /// Delete orphans: on a terminal, pick them and confirm; without one, --yes is required
    /// and everything listed is deleted. Server-side dry run first; each deletion checks
    /// the object is unchanged since it was listed
    #[arg(long)]
    pub delete: bool,
    /// With --delete: no questions, delete everything listed
    #[arg(long, short = 'y', requires = "delete")]
    pub yes: bool,
    #[command(flatten)]
    pub prompt: PromptArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kubectl sts drain-check node-a\n  kubectl sts drain-check node-a node-b node-c --plan\n  kubectl sts drain-check -l pool=db --plan\n  kubectl sts drain-check node-a --server-dry-run\n  kubectl sts drain-check node-a -f state.yaml -o json\n\nExit codes: 0 every node safe, 1 a node is unsafe or blocked, 2 could not run."
)]
pub struct DrainCheckArgs {
    /// The nodes to drain, judged one after another in this order
    #[arg(value_name = "NODE", conflicts_with = "selector")]
    pub nodes: Vec<String>,
    /// Select the nodes by label instead (kubectl syntax: a=b,c!=d,e,!f,g in (x,y))
    #[arg(short = 'l', long = "selector", value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Find an order (grouping nodes that can go together) in which no step is blocked or
    /// unsafe, and print its runbook
    #[arg(long)]
    pub plan: bool,
    /// Also ask the API server: one dry-run Eviction per pod (dryRun=All, nothing is
    /// evicted; live cluster only)
    #[arg(long)]
    pub server_dry_run: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
#[command(
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  kubectl sts rollout orders-db -n shop           # status; on a terminal, a menu of the actions valid now\n  kubectl sts rollout status orders-db --watch --timeout 15m\n  kubectl sts rollout canary orders-db --replicas 1 --image postgres=postgres:16.6\n  kubectl sts rollout step orders-db\n  kubectl sts rollout promote orders-db\n  kubectl sts rollout pause orders-db\n  kubectl sts rollout undo orders-db --to-revision 3\n\nStates: complete, progressing, stuck (names the pod the controller waits on), partitioned\n(a partition above 0 holds members back: never reported as complete), paused-ondelete\n(OnDelete and pods on an old revision).\n\nExit codes, status: 0 nothing at or above --fail-on; 1 state stuck, or a finding at or above\n--fail-on (a held partition and pending OnDelete pods are warnings), or --watch timed out;\n2 could not run. Actions: 0 applied (or declined at the prompt); 1 refused by the guard or\nby a PodDisruptionBudget, changed since it was read (409: re-run), or the replaced pod was\nnot Ready within --timeout; 2 could not run (bad arguments, no terminal and no --yes,\n--from-file, the API server refused the request)."
)]
pub struct RolloutArgs {
    #[command(subcommand)]
    pub action: Option<RolloutAction>,
    /// `rollout STATEFULSET`: the status, then on a terminal a menu of the actions valid now
    #[command(flatten)]
    pub status: RolloutStatusArgs,
    #[command(flatten)]
    pub prompt: PromptArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Subcommand)]
pub enum RolloutAction {
    /// Where the rollout stands, per pod, and what blocks it (the default)
    Status(RolloutStatusArgs),
    /// Set the partition so only the top N ordinals take the new template (optionally
    /// changing one container's image in the same patch)
    Canary(RolloutCanaryArgs),
    /// One more member: lower the partition by one when every pod at or above it is updated
    /// and Ready; under OnDelete, evict the next old pod and wait until it is Ready again
    Step(RolloutStepArgs),
    /// Partition to 0 under the same guard as step (--force skips it)
    Promote(RolloutPromoteArgs),
    /// Freeze a RollingUpdate where it stands: partition up to the lowest updated ordinal
    Pause(RolloutActArgs),
    /// Restore a previous revision's template, then offer the pods left not Ready on another
    /// revision for deletion, one at a time (the OrderedReady trap)
    Undo(RolloutUndoArgs),
}

#[derive(Debug, Clone, Args)]
pub struct RolloutStatusArgs {
    /// The StatefulSet
    #[arg(value_name = "STATEFULSET", required = true)]
    pub statefulset: Option<String>,
    /// Follow the rollout live (pods and the StatefulSet re-read every 2s) until it is
    /// complete, stuck, partitioned or paused, or --timeout passes
    #[arg(long, short = 'w')]
    pub watch: bool,
    /// With --watch: how long to follow before giving up (exit 1)
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub timeout: String,
}

#[derive(Debug, Clone, Args)]
pub struct RolloutActArgs {
    /// The StatefulSet
    #[arg(value_name = "STATEFULSET")]
    pub statefulset: String,
    /// Go ahead without a confirmation (required when stdin or stdout is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RolloutCanaryArgs {
    #[command(flatten)]
    pub act: RolloutActArgs,
    /// How many of the highest ordinals take the new template
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replicas: i32,
    /// Change this container's image in the same patch, e.g. postgres=postgres:16.6
    #[arg(long, value_name = "CONTAINER=IMAGE", value_parser = crate::rollout::actions::parse_image)]
    pub image: Option<(String, String)>,
}

#[derive(Debug, Clone, Args)]
pub struct RolloutStepArgs {
    #[command(flatten)]
    pub act: RolloutActArgs,
    /// OnDelete: how long to wait for the evicted pod to be Ready again
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub timeout: String,
}

#[derive(Debug, Clone, Args)]
pub struct RolloutPromoteArgs {
    #[command(flatten)]
    pub act: RolloutActArgs,
    /// Promote even when the pods at or above the partition are not all updated and Ready
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RolloutUndoArgs {
    #[command(flatten)]
    pub act: RolloutActArgs,
    /// The revision number to return to (default: the revision the other pods run during a
    /// rollout, else the one before the current template)
    #[arg(long, value_name = "N")]
    pub to_revision: Option<i64>,
    /// How long to wait for each re-created pod to be Ready
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub timeout: String,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kubectl sts pvc-expand orders-db --size 20Gi -n shop            # the plan, nothing changes\n  kubectl sts pvc-expand orders-db --size 20Gi -n shop --apply\n  kubectl sts pvc-expand orders-db --to-usage 70 -n shop         # size from the kubelet's volume stats\n  kubectl sts pvc-expand orders-db --size 20Gi -f state.yaml -o json\n\nWith --apply: each claim is patched (highest ordinal first) and waited for; a pod whose\nfilesystem can only grow at start is evicted and waited for; then the StatefulSet is saved\nto --backup-dir, deleted with --cascade=orphan (its pods keep running) and re-created with\nthe new claim template size. Running the same command again after a stop is safe: claims\nalready at the new size are skipped.\n\nExit codes: 0 planned (or applied); 1 blocked by a failed check, or --apply stopped (the\nmessage says where and how to go on); 2 could not run; 130 interrupted."
)]
pub struct PvcExpandArgs {
    /// The StatefulSet
    #[arg(value_name = "STATEFULSET")]
    pub statefulset: String,
    /// The new size of every claim of the template, a Kubernetes quantity (20Gi, 1Ti)
    #[arg(
        long,
        value_name = "SIZE",
        conflicts_with = "to_usage",
        required_unless_present = "to_usage"
    )]
    pub size: Option<String>,
    /// Instead of --size: the size at which the fullest member uses at most PERCENT of its
    /// volume, from the kubelet's volume stats (needs the nodes/proxy permission, as
    /// diagnose --volume-stats) or, with --prometheus, from Prometheus; rounded up to
    /// whole Gi
    #[arg(long, value_name = "PERCENT", value_parser = crate::expand::size::parse_percent)]
    pub to_usage: Option<f64>,
    /// With --to-usage and --prometheus: size for the usage DURATION from now at each
    /// member's current growth rate (30d: enough for 30 days at this rate)
    #[arg(long = "for", value_name = "DURATION", requires = "to_usage",
          value_parser = crate::snapshot::prometheus::parse_horizon)]
    pub grow_for: Option<(u64, String)>,
    /// The claim template to grow (needed when the StatefulSet has several)
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// Carry the plan out: asks on a terminal, else needs --yes
    #[arg(long)]
    pub apply: bool,
    /// With --apply: no question
    #[arg(long, short = 'y', requires = "apply")]
    pub yes: bool,
    /// With --apply: where the StatefulSet is saved before it is deleted and re-created
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub backup_dir: PathBuf,
    /// With --apply: how long each wait may take (a claim growing, a pod coming back, the
    /// StatefulSet going away, its pods being adopted)
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub step_timeout: String,
    /// With --apply: how long the kubelet may take to grow a mounted filesystem online
    /// before the pod is restarted (by eviction) to grow it; 0 restarts at once
    #[arg(long, value_name = "DURATION", default_value = "2m")]
    pub online_resize_wait: String,
    #[command(flatten)]
    pub prometheus: PrometheusArgs,
    #[command(flatten)]
    pub prompt: PromptArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}
