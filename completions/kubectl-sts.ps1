
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-sts' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-sts'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-sts' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Find what is wrong with StatefulSets and print the commands that fix it')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Save everything the analysis reads as a v1 List (no Secrets), for --from-file later')
            [CompletionResult]::new('runbooks', 'runbooks', [CompletionResultType]::ParameterValue, 'List the runbooks, or print one')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('orphans', 'orphans', [CompletionResultType]::ParameterValue, 'Orphaned PVCs and PVs with their estimated monthly cost; --delete to clean up')
            [CompletionResult]::new('rollout', 'rollout', [CompletionResultType]::ParameterValue, 'Rollout status with the real stuck cause; guarded canary, step, promote, pause, undo')
            [CompletionResult]::new('drain-check', 'drain-check', [CompletionResultType]::ParameterValue, 'Will draining these nodes break a StatefulSet? Budgets, quorum, volume topology')
            [CompletionResult]::new('pvc-expand', 'pvc-expand', [CompletionResultType]::ParameterValue, 'Grow a StatefulSet''s volumes end to end: claims, filesystems and the claim template')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version, the commit it was built from and the Kubernetes API it targets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-sts;diagnose' {
            [CompletionResult]::new('--symptom', '--symptom', [CompletionResultType]::ParameterName, 'Only findings of these symptom groups (repeatable)')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Read volume usage and growth from Prometheus: http(s)://HOST:PORT[/PATH], or svc/NAMESPACE/NAME:PORT through the API server''s service proxy (needs get on services/proxy). A fixed number of queries, whatever the number of claims')
            [CompletionResult]::new('--prometheus-token', '--prometheus-token', [CompletionResultType]::ParameterName, 'Bearer token for a Prometheus reached by URL')
            [CompletionResult]::new('--prometheus-user', '--prometheus-user', [CompletionResultType]::ParameterName, 'Basic-auth user for a Prometheus reached by URL')
            [CompletionResult]::new('--prometheus-password', '--prometheus-password', [CompletionResultType]::ParameterName, 'Basic-auth password (prefer the environment variable: a flag shows in the process list)')
            [CompletionResult]::new('--trend-window', '--trend-window', [CompletionResultType]::ParameterName, 'How far back the growth rate is fitted (a Prometheus duration: 6h, 90m, 1d)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --watch: stop after this long (30s, 10m, 2h); the exit code is then that of the findings open at the end')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'How many clusters are read at once when several contexts are given')
            [CompletionResult]::new('--logs', '--logs', [CompletionResultType]::ParameterName, 'Read the last 50 lines of crash-looping containers'' previous logs (at most 10 pods) and turn known failure patterns into evidence')
            [CompletionResult]::new('--volume-stats', '--volume-stats', [CompletionResultType]::ParameterName, 'Read volume usage from each node''s kubelet through the API server''s node proxy (needs the powerful `nodes/proxy` permission; one request per node in scope)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Keep the diagnosis current: watch the cluster and print each finding as it opens, changes or is resolved (JSON lines with -o json or when not on a terminal)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Keep the diagnosis current: watch the cluster and print each finding as it opens, changes or is resolved (JSON lines with -o json or when not on a terminal)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Run a chosen non-destructive command without asking again (destructive ones always ask)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Run a chosen non-destructive command without asking again (destructive ones always ask)')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Read every context of the kubeconfig (one result per cluster)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;snapshot' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (a table is not a snapshot: yaml unless json is asked for)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (a table is not a snapshot: yaml unless json is asked for)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Re-save saved state (e.g. only -n''s namespace of it) instead of the live cluster')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Re-save saved state (e.g. only -n''s namespace of it) instead of the live cluster')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'With several contexts: write one file per context into this directory (CONTEXT.yaml or .json) instead of printing')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Read volume usage and growth from Prometheus: http(s)://HOST:PORT[/PATH], or svc/NAMESPACE/NAME:PORT through the API server''s service proxy (needs get on services/proxy). A fixed number of queries, whatever the number of claims')
            [CompletionResult]::new('--prometheus-token', '--prometheus-token', [CompletionResultType]::ParameterName, 'Bearer token for a Prometheus reached by URL')
            [CompletionResult]::new('--prometheus-user', '--prometheus-user', [CompletionResultType]::ParameterName, 'Basic-auth user for a Prometheus reached by URL')
            [CompletionResult]::new('--prometheus-password', '--prometheus-password', [CompletionResultType]::ParameterName, 'Basic-auth password (prefer the environment variable: a flag shows in the process list)')
            [CompletionResult]::new('--trend-window', '--trend-window', [CompletionResultType]::ParameterName, 'How far back the growth rate is fitted (a Prometheus duration: 6h, 90m, 1d)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'How many clusters are read at once when several contexts are given')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Read every context of the kubeconfig (one result per cluster)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;runbooks' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;completion' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;orphans' {
            [CompletionResult]::new('--price-per-gib', '--price-per-gib', [CompletionResultType]::ParameterName, 'Estimated price per GiB-month for the monthly cost column (an estimate, not a bill)')
            [CompletionResult]::new('--price', '--price', [CompletionResultType]::ParameterName, 'Price per GiB-month for one storage class, e.g. gp3=0.08 (repeatable)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'How many clusters are read at once when several contexts are given')
            [CompletionResult]::new('--delete', '--delete', [CompletionResultType]::ParameterName, 'Delete orphans: on a terminal, pick them and confirm; without one, --yes is required and everything listed is deleted. Server-side dry run first; each deletion checks the object is unchanged since it was listed')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'With --delete: no questions, delete everything listed')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'With --delete: no questions, delete everything listed')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-contexts', '--all-contexts', [CompletionResultType]::ParameterName, 'Read every context of the kubeconfig (one result per cluster)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;rollout' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --watch: how long to follow before giving up (exit 1)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Follow the rollout live (pods and the StatefulSet re-read every 2s) until it is complete, stuck, partitioned or paused, or --timeout passes')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Follow the rollout live (pods and the StatefulSet re-read every 2s) until it is complete, stuck, partitioned or paused, or --timeout passes')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where the rollout stands, per pod, and what blocks it (the default)')
            [CompletionResult]::new('canary', 'canary', [CompletionResultType]::ParameterValue, 'Set the partition so only the top N ordinals take the new template (optionally changing one container''s image in the same patch)')
            [CompletionResult]::new('step', 'step', [CompletionResultType]::ParameterValue, 'One more member: lower the partition by one when every pod at or above it is updated and Ready; under OnDelete, evict the next old pod and wait until it is Ready again')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Partition to 0 under the same guard as step (--force skips it)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Freeze a RollingUpdate where it stands: partition up to the lowest updated ordinal')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Restore a previous revision''s template, then offer the pods left not Ready on another revision for deletion, one at a time (the OrderedReady trap)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-sts;rollout;status' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'With --watch: how long to follow before giving up (exit 1)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Follow the rollout live (pods and the StatefulSet re-read every 2s) until it is complete, stuck, partitioned or paused, or --timeout passes')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Follow the rollout live (pods and the StatefulSet re-read every 2s) until it is complete, stuck, partitioned or paused, or --timeout passes')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;rollout;canary' {
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'How many of the highest ordinals take the new template')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Change this container''s image in the same patch, e.g. postgres=postgres:16.6')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;rollout;step' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'OnDelete: how long to wait for the evicted pod to be Ready again')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;rollout;promote' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Promote even when the pods at or above the partition are not all updated and Ready')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;rollout;pause' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;rollout;undo' {
            [CompletionResult]::new('--to-revision', '--to-revision', [CompletionResultType]::ParameterName, 'The revision number to return to (default: the revision the other pods run during a rollout, else the one before the current template)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each re-created pod to be Ready')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;rollout;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where the rollout stands, per pod, and what blocks it (the default)')
            [CompletionResult]::new('canary', 'canary', [CompletionResultType]::ParameterValue, 'Set the partition so only the top N ordinals take the new template (optionally changing one container''s image in the same patch)')
            [CompletionResult]::new('step', 'step', [CompletionResultType]::ParameterValue, 'One more member: lower the partition by one when every pod at or above it is updated and Ready; under OnDelete, evict the next old pod and wait until it is Ready again')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Partition to 0 under the same guard as step (--force skips it)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Freeze a RollingUpdate where it stands: partition up to the lowest updated ordinal')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Restore a previous revision''s template, then offer the pods left not Ready on another revision for deletion, one at a time (the OrderedReady trap)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-sts;rollout;help;status' {
            break
        }
        'kubectl-sts;rollout;help;canary' {
            break
        }
        'kubectl-sts;rollout;help;step' {
            break
        }
        'kubectl-sts;rollout;help;promote' {
            break
        }
        'kubectl-sts;rollout;help;pause' {
            break
        }
        'kubectl-sts;rollout;help;undo' {
            break
        }
        'kubectl-sts;rollout;help;help' {
            break
        }
        'kubectl-sts;drain-check' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Select the nodes by label instead (kubectl syntax: a=b,c!=d,e,!f,g in (x,y))')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Select the nodes by label instead (kubectl syntax: a=b,c!=d,e,!f,g in (x,y))')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'Find an order (grouping nodes that can go together) in which no step is blocked or unsafe, and print its runbook')
            [CompletionResult]::new('--server-dry-run', '--server-dry-run', [CompletionResultType]::ParameterName, 'Also ask the API server: one dry-run Eviction per pod (dryRun=All, nothing is evicted; live cluster only)')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;pvc-expand' {
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'The new size of every claim of the template, a Kubernetes quantity (20Gi, 1Ti)')
            [CompletionResult]::new('--to-usage', '--to-usage', [CompletionResultType]::ParameterName, 'Instead of --size: the size at which the fullest member uses at most PERCENT of its volume, from the kubelet''s volume stats (needs the nodes/proxy permission, as diagnose --volume-stats) or, with --prometheus, from Prometheus; rounded up to whole Gi')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'With --to-usage and --prometheus: size for the usage DURATION from now at each member''s current growth rate (30d: enough for 30 days at this rate)')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'The claim template to grow (needed when the StatefulSet has several)')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'With --apply: where the StatefulSet is saved before it is deleted and re-created')
            [CompletionResult]::new('--step-timeout', '--step-timeout', [CompletionResultType]::ParameterName, 'With --apply: how long each wait may take (a claim growing, a pod coming back, the StatefulSet going away, its pods being adopted)')
            [CompletionResult]::new('--online-resize-wait', '--online-resize-wait', [CompletionResultType]::ParameterName, 'With --apply: how long the kubelet may take to grow a mounted filesystem online before the pod is restarted (by eviction) to grow it; 0 restarts at once')
            [CompletionResult]::new('--prometheus', '--prometheus', [CompletionResultType]::ParameterName, 'Read volume usage and growth from Prometheus: http(s)://HOST:PORT[/PATH], or svc/NAMESPACE/NAME:PORT through the API server''s service proxy (needs get on services/proxy). A fixed number of queries, whatever the number of claims')
            [CompletionResult]::new('--prometheus-token', '--prometheus-token', [CompletionResultType]::ParameterName, 'Bearer token for a Prometheus reached by URL')
            [CompletionResult]::new('--prometheus-user', '--prometheus-user', [CompletionResultType]::ParameterName, 'Basic-auth user for a Prometheus reached by URL')
            [CompletionResult]::new('--prometheus-password', '--prometheus-password', [CompletionResultType]::ParameterName, 'Basic-auth password (prefer the environment variable: a flag shows in the process list)')
            [CompletionResult]::new('--trend-window', '--trend-window', [CompletionResultType]::ParameterName, 'How far back the growth rate is fitted (a Prometheus duration: 6h, 90m, 1d)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 1 when a finding is at or above this severity')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot''s capture time, else now')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace (default: the context''s namespace, else "default")')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like ''prod-*'') and read each cluster')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Impersonate this user')
            [CompletionResult]::new('--as-group', '--as-group', [CompletionResultType]::ParameterName, 'Impersonate this group (repeatable)')
            [CompletionResult]::new('--apply', '--apply', [CompletionResultType]::ParameterName, 'Carry the plan out: asks on a terminal, else needs --yes')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'With --apply: no question')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'With --apply: no question')
            [CompletionResult]::new('--no-interactive', '--no-interactive', [CompletionResultType]::ParameterName, 'Never prompt, even on a terminal')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'No colours (also when NO_COLOR is set or output is not a terminal)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Every namespace')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;version' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'kubectl-sts;help' {
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Find what is wrong with StatefulSets and print the commands that fix it')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Save everything the analysis reads as a v1 List (no Secrets), for --from-file later')
            [CompletionResult]::new('runbooks', 'runbooks', [CompletionResultType]::ParameterValue, 'List the runbooks, or print one')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('orphans', 'orphans', [CompletionResultType]::ParameterValue, 'Orphaned PVCs and PVs with their estimated monthly cost; --delete to clean up')
            [CompletionResult]::new('rollout', 'rollout', [CompletionResultType]::ParameterValue, 'Rollout status with the real stuck cause; guarded canary, step, promote, pause, undo')
            [CompletionResult]::new('drain-check', 'drain-check', [CompletionResultType]::ParameterValue, 'Will draining these nodes break a StatefulSet? Budgets, quorum, volume topology')
            [CompletionResult]::new('pvc-expand', 'pvc-expand', [CompletionResultType]::ParameterValue, 'Grow a StatefulSet''s volumes end to end: claims, filesystems and the claim template')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version, the commit it was built from and the Kubernetes API it targets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-sts;help;diagnose' {
            break
        }
        'kubectl-sts;help;snapshot' {
            break
        }
        'kubectl-sts;help;runbooks' {
            break
        }
        'kubectl-sts;help;completion' {
            break
        }
        'kubectl-sts;help;orphans' {
            break
        }
        'kubectl-sts;help;rollout' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where the rollout stands, per pod, and what blocks it (the default)')
            [CompletionResult]::new('canary', 'canary', [CompletionResultType]::ParameterValue, 'Set the partition so only the top N ordinals take the new template (optionally changing one container''s image in the same patch)')
            [CompletionResult]::new('step', 'step', [CompletionResultType]::ParameterValue, 'One more member: lower the partition by one when every pod at or above it is updated and Ready; under OnDelete, evict the next old pod and wait until it is Ready again')
            [CompletionResult]::new('promote', 'promote', [CompletionResultType]::ParameterValue, 'Partition to 0 under the same guard as step (--force skips it)')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'Freeze a RollingUpdate where it stands: partition up to the lowest updated ordinal')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Restore a previous revision''s template, then offer the pods left not Ready on another revision for deletion, one at a time (the OrderedReady trap)')
            break
        }
        'kubectl-sts;help;rollout;status' {
            break
        }
        'kubectl-sts;help;rollout;canary' {
            break
        }
        'kubectl-sts;help;rollout;step' {
            break
        }
        'kubectl-sts;help;rollout;promote' {
            break
        }
        'kubectl-sts;help;rollout;pause' {
            break
        }
        'kubectl-sts;help;rollout;undo' {
            break
        }
        'kubectl-sts;help;drain-check' {
            break
        }
        'kubectl-sts;help;pvc-expand' {
            break
        }
        'kubectl-sts;help;version' {
            break
        }
        'kubectl-sts;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
