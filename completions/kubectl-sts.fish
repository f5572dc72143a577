# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_sts_global_optspecs
    string join \n h/help V/version
end

function __fish_kubectl_sts_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_sts_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_sts_using_subcommand
    set -l cmd (__fish_kubectl_sts_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "diagnose" -d 'Find what is wrong with StatefulSets and print the commands that fix it'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "snapshot" -d 'Save everything the analysis reads as a v1 List (no Secrets), for --from-file later'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "runbooks" -d 'List the runbooks, or print one'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "orphans" -d 'Orphaned PVCs and PVs with their estimated monthly cost; --delete to clean up'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "rollout" -d 'Rollout status with the real stuck cause; guarded canary, step, promote, pause, undo'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "drain-check" -d 'Will draining these nodes break a StatefulSet? Budgets, quorum, volume topology'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "pvc-expand" -d 'Grow a StatefulSet\'s volumes end to end: claims, filesystems and the claim template'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "version" -d 'Print the version, the commit it was built from and the Kubernetes API it targets'
complete -c kubectl-sts -n "__fish_kubectl_sts_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l symptom -d 'Only findings of these symptom groups (repeatable)' -r -f -a "pending\t''
stuck\t''
crashloop\t''
rollout\t''
quorum\t''
dns\t''
storage\t''
risks\t''
orphans\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l prometheus -d 'Read volume usage and growth from Prometheus: http(s)://HOST:PORT[/PATH], or svc/NAMESPACE/NAME:PORT through the API server\'s service proxy (needs get on services/proxy). A fixed number of queries, whatever the number of claims' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l prometheus-token -d 'Bearer token for a Prometheus reached by URL' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l prometheus-user -d 'Basic-auth user for a Prometheus reached by URL' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l prometheus-password -d 'Basic-auth password (prefer the environment variable: a flag shows in the process list)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l trend-window -d 'How far back the growth rate is fitted (a Prometheus duration: 6h, 90m, 1d)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l timeout -d 'With --watch: stop after this long (30s, 10m, 2h); the exit code is then that of the findings open at the end' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l parallel -d 'How many clusters are read at once when several contexts are given' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l logs -d 'Read the last 50 lines of crash-looping containers\' previous logs (at most 10 pods) and turn known failure patterns into evidence'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l volume-stats -d 'Read volume usage from each node\'s kubelet through the API server\'s node proxy (needs the powerful `nodes/proxy` permission; one request per node in scope)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -s w -l watch -d 'Keep the diagnosis current: watch the cluster and print each finding as it opens, changes or is resolved (JSON lines with -o json or when not on a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -s y -l yes -d 'Run a chosen non-destructive command without asking again (destructive ones always ask)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -l all-contexts -d 'Read every context of the kubeconfig (one result per cluster)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand diagnose" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -s o -l output -d 'Output format (a table is not a snapshot: yaml unless json is asked for)' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -s f -l from-file -d 'Re-save saved state (e.g. only -n\'s namespace of it) instead of the live cluster' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l output-dir -d 'With several contexts: write one file per context into this directory (CONTEXT.yaml or .json) instead of printing' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l prometheus -d 'Read volume usage and growth from Prometheus: http(s)://HOST:PORT[/PATH], or svc/NAMESPACE/NAME:PORT through the API server\'s service proxy (needs get on services/proxy). A fixed number of queries, whatever the number of claims' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l prometheus-token -d 'Bearer token for a Prometheus reached by URL' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l prometheus-user -d 'Basic-auth user for a Prometheus reached by URL' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l prometheus-password -d 'Basic-auth password (prefer the environment variable: a flag shows in the process list)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l trend-window -d 'How far back the growth rate is fitted (a Prometheus duration: 6h, 90m, 1d)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l parallel -d 'How many clusters are read at once when several contexts are given' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -l all-contexts -d 'Read every context of the kubeconfig (one result per cluster)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand snapshot" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand runbooks" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand runbooks" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand completion" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l price-per-gib -d 'Estimated price per GiB-month for the monthly cost column (an estimate, not a bill)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l price -d 'Price per GiB-month for one storage class, e.g. gp3=0.08 (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l parallel -d 'How many clusters are read at once when several contexts are given' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l delete -d 'Delete orphans: on a terminal, pick them and confirm; without one, --yes is required and everything listed is deleted. Server-side dry run first; each deletion checks the object is unchanged since it was listed'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -s y -l yes -d 'With --delete: no questions, delete everything listed'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -l all-contexts -d 'Read every context of the kubeconfig (one result per cluster)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand orphans" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l timeout -d 'With --watch: how long to follow before giving up (exit 1)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -s w -l watch -d 'Follow the rollout live (pods and the StatefulSet re-read every 2s) until it is complete, stuck, partitioned or paused, or --timeout passes'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -a "status" -d 'Where the rollout stands, per pod, and what blocks it (the default)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -a "canary" -d 'Set the partition so only the top N ordinals take the new template (optionally changing one container\'s image in the same patch)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -a "step" -d 'One more member: lower the partition by one when every pod at or above it is updated and Ready; under OnDelete, evict the next old pod and wait until it is Ready again'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -a "promote" -d 'Partition to 0 under the same guard as step (--force skips it)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -a "pause" -d 'Freeze a RollingUpdate where it stands: partition up to the lowest updated ordinal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -a "undo" -d 'Restore a previous revision\'s template, then offer the pods left not Ready on another revision for deletion, one at a time (the OrderedReady trap)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and not __fish_seen_subcommand_from status canary step promote pause undo help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l timeout -d 'With --watch: how long to follow before giving up (exit 1)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -s w -l watch -d 'Follow the rollout live (pods and the StatefulSet re-read every 2s) until it is complete, stuck, partitioned or paused, or --timeout passes'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l replicas -d 'How many of the highest ordinals take the new template' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l image -d 'Change this container\'s image in the same patch, e.g. postgres=postgres:16.6' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -s y -l yes -d 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from canary" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l timeout -d 'OnDelete: how long to wait for the evicted pod to be Ready again' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -s y -l yes -d 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from step" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s y -l yes -d 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l force -d 'Promote even when the pods at or above the partition are not all updated and Ready'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from promote" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s y -l yes -d 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l to-revision -d 'The revision number to return to (default: the revision the other pods run during a rollout, else the one before the current template)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l timeout -d 'How long to wait for each re-created pod to be Ready' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -s y -l yes -d 'Go ahead without a confirmation (required when stdin or stdout is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from undo" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "status" -d 'Where the rollout stands, per pod, and what blocks it (the default)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "canary" -d 'Set the partition so only the top N ordinals take the new template (optionally changing one container\'s image in the same patch)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "step" -d 'One more member: lower the partition by one when every pod at or above it is updated and Ready; under OnDelete, evict the next old pod and wait until it is Ready again'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "promote" -d 'Partition to 0 under the same guard as step (--force skips it)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "pause" -d 'Freeze a RollingUpdate where it stands: partition up to the lowest updated ordinal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "undo" -d 'Restore a previous revision\'s template, then offer the pods left not Ready on another revision for deletion, one at a time (the OrderedReady trap)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand rollout; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -s l -l selector -d 'Select the nodes by label instead (kubectl syntax: a=b,c!=d,e,!f,g in (x,y))' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l plan -d 'Find an order (grouping nodes that can go together) in which no step is blocked or unsafe, and print its runbook'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l server-dry-run -d 'Also ask the API server: one dry-run Eviction per pod (dryRun=All, nothing is evicted; live cluster only)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand drain-check" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l size -d 'The new size of every claim of the template, a Kubernetes quantity (20Gi, 1Ti)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l to-usage -d 'Instead of --size: the size at which the fullest member uses at most PERCENT of its volume, from the kubelet\'s volume stats (needs the nodes/proxy permission, as diagnose --volume-stats) or, with --prometheus, from Prometheus; rounded up to whole Gi' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l for -d 'With --to-usage and --prometheus: size for the usage DURATION from now at each member\'s current growth rate (30d: enough for 30 days at this rate)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l template -d 'The claim template to grow (needed when the StatefulSet has several)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l backup-dir -d 'With --apply: where the StatefulSet is saved before it is deleted and re-created' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l step-timeout -d 'With --apply: how long each wait may take (a claim growing, a pod coming back, the StatefulSet going away, its pods being adopted)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l online-resize-wait -d 'With --apply: how long the kubelet may take to grow a mounted filesystem online before the pod is restarted (by eviction) to grow it; 0 restarts at once' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l prometheus -d 'Read volume usage and growth from Prometheus: http(s)://HOST:PORT[/PATH], or svc/NAMESPACE/NAME:PORT through the API server\'s service proxy (needs get on services/proxy). A fixed number of queries, whatever the number of claims' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l prometheus-token -d 'Bearer token for a Prometheus reached by URL' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l prometheus-user -d 'Basic-auth user for a Prometheus reached by URL' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l prometheus-password -d 'Basic-auth password (prefer the environment variable: a flag shows in the process list)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l trend-window -d 'How far back the growth rate is fitted (a Prometheus duration: 6h, 90m, 1d)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l fail-on -d 'Exit 1 when a finding is at or above this severity' -r -f -a "critical\t''
warning\t''
info\t''
never\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -s f -l from-file -d 'Read saved state instead of the live cluster: kubectl get -o yaml|json output, multi-document YAML or manifests, or a `kubectl sts snapshot` file (repeatable; - for stdin)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l now -d 'Evaluate time-based rules at this instant (RFC 3339); default: the snapshot\'s capture time, else now' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -s n -l namespace -d 'Namespace (default: the context\'s namespace, else "default")' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l kubeconfig -d 'Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)' -r -F
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l context -d 'The kubeconfig context to use. diagnose, orphans and snapshot take several (a,b, repeated, or patterns like \'prod-*\') and read each cluster' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l request-timeout -d 'How long to wait for each API request: 0 (no limit), 30s, 2m, ...' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l as -d 'Impersonate this user' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l as-group -d 'Impersonate this group (repeatable)' -r
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l apply -d 'Carry the plan out: asks on a terminal, else needs --yes'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -s y -l yes -d 'With --apply: no question'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l no-interactive -d 'Never prompt, even on a terminal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -l no-color -d 'No colours (also when NO_COLOR is set or output is not a terminal)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -s A -l all-namespaces -d 'Every namespace'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand pvc-expand" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand version" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand version" -s h -l help -d 'Print help'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "diagnose" -d 'Find what is wrong with StatefulSets and print the commands that fix it'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "snapshot" -d 'Save everything the analysis reads as a v1 List (no Secrets), for --from-file later'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "runbooks" -d 'List the runbooks, or print one'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "completion" -d 'Print a shell completion script'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "orphans" -d 'Orphaned PVCs and PVs with their estimated monthly cost; --delete to clean up'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "rollout" -d 'Rollout status with the real stuck cause; guarded canary, step, promote, pause, undo'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "drain-check" -d 'Will draining these nodes break a StatefulSet? Budgets, quorum, volume topology'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "pvc-expand" -d 'Grow a StatefulSet\'s volumes end to end: claims, filesystems and the claim template'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "version" -d 'Print the version, the commit it was built from and the Kubernetes API it targets'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and not __fish_seen_subcommand_from diagnose snapshot runbooks completion orphans rollout drain-check pvc-expand version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "status" -d 'Where the rollout stands, per pod, and what blocks it (the default)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "canary" -d 'Set the partition so only the top N ordinals take the new template (optionally changing one container\'s image in the same patch)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "step" -d 'One more member: lower the partition by one when every pod at or above it is updated and Ready; under OnDelete, evict the next old pod and wait until it is Ready again'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "promote" -d 'Partition to 0 under the same guard as step (--force skips it)'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "pause" -d 'Freeze a RollingUpdate where it stands: partition up to the lowest updated ordinal'
complete -c kubectl-sts -n "__fish_kubectl_sts_using_subcommand help; and __fish_seen_subcommand_from rollout" -f -a "undo" -d 'Restore a previous revision\'s template, then offer the pods left not Ready on another revision for deletion, one at a time (the OrderedReady trap)'
