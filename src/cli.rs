//! The command line. kubectl's connection flags are global so they can go anywhere, as with
//! kubectl itself.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "kubectl sts",
    bin_name = "kubectl sts",
    version,
    about = "Find what is wrong with StatefulSets and print the exact kubectl commands that fix it",
    long_about = "Find what is wrong with StatefulSets, their pods, volumes, disruption budgets, \
services and nodes, and print each finding with its evidence and the exact kubectl commands \
that fix it. Read-only unless an action is asked for by name.",
    after_help = "Examples:\n  kubectl sts diagnose -n shop\n  kubectl sts diagnose orders-db -n shop --symptom pending\n  kubectl sts diagnose --from-file docs/examples/cassandra-node-lost.yaml\n  kubectl sts snapshot -A > state.yaml\n  kubectl sts runbooks pv-node-affinity-conflict"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// The kubeconfig cluster to use
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<String>,
    /// The kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Namespace (default: the context's namespace, else "default")
    #[arg(short = 'n', long, global = true, value_name = "NS")]
    pub namespace: Option<String>,
    /// Every namespace
    #[arg(short = 'A', long, global = true, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// How long to wait for each API request: 0 (no limit), 30s, 2m, ...
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s")]
    pub request_timeout: String,
    /// Impersonate this user
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
    /// Impersonate this group (repeatable)
    #[arg(long = "as-group", global = true, value_name = "GROUP")]
    pub as_group: Vec<String>,
    /// Read saved state instead of the live cluster: kubectl get -o yaml|json output,
    /// multi-document YAML, or a `kubectl sts snapshot` file (repeatable; - for stdin)
    #[arg(long = "from-file", short = 'f', global = true, value_name = "PATH")]
    pub from_file: Vec<PathBuf>,
    /// Evaluate time-based rules at this instant (RFC 3339); default: the snapshot's
    /// capture time, else now
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Output format
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// No colours (also when NO_COLOR is set or output is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, global = true, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Never prompt, even on a terminal
    #[arg(long, global = true)]
    pub no_interactive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Table,
    Json,
    Yaml,
}

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
    Snapshot,
    /// List the runbooks, or print one
    Runbooks {
        /// A runbook id, e.g. pv-node-affinity-conflict
        id: Option<String>,
    },
    /// Print a shell completion script
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Orphaned PVCs and PVs with their estimated monthly cost; --delete to clean up
    Orphans(OrphansArgs),
    /// Rollout status with the real stuck cause, and guarded partition steps (not yet available)
    Rollout(Pending),
    /// Will draining these nodes break a StatefulSet? Budgets, quorum, volume topology
    DrainCheck(DrainCheckArgs),
    /// Grow a StatefulSet's volumes end to end (not yet available)
    PvcExpand(Pending),
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
    /// Run a chosen non-destructive command without asking again (destructive ones always ask)
    #[arg(long, short = 'y')]
    pub yes: bool,
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
}

/// Arguments of a command whose issue has not landed: accepted, then refused with exit 2.
#[derive(Debug, Args)]
pub struct Pending {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub args: Vec<String>,
}
