//! Builds the kubectl command lines printed as remediations, carrying the user's
//! `--context` (and `--kubeconfig`, when one was named) so a pasted command acts on the
//! cluster that was analysed and not on whatever the current context happens to be.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kubectl {
    pub kubeconfig: Option<String>,
    pub context: Option<String>,
}

impl Kubectl {
    /// `kubectl [--kubeconfig K] [--context C] [-n NS] args...`
    pub fn argv<S: AsRef<str>>(&self, namespace: Option<&str>, args: &[S]) -> Vec<String> {
        let mut v = vec!["kubectl".to_string()];
        if let Some(k) = &self.kubeconfig {
            v.push("--kubeconfig".into());
            v.push(k.clone());
        }
        if let Some(c) = &self.context {
            v.push("--context".into());
            v.push(c.clone());
        }
        if let Some(ns) = namespace {
            v.push("-n".into());
            v.push(ns.to_string());
        }
        v.extend(args.iter().map(|a| a.as_ref().to_string()));
        v
    }

    /// `kubectl wait --for=condition=Ready pod/POD --timeout=TIMEOUT`: after a pod is
    /// deleted or evicted, before the next one goes.
    pub fn wait_ready(&self, namespace: &str, pod: &str, timeout: &str) -> Vec<String> {
        self.argv(
            Some(namespace),
            &[
                "wait",
                "--for=condition=Ready",
                &format!("pod/{pod}"),
                &format!("--timeout={timeout}"),
            ],
        )
    }

    /// The same for the plugin itself, so suggestions like `kubectl sts pvc-expand` also
    /// carry the context. The flags go after the subcommand: kubectl hands everything
    /// after the plugin name to the plugin, and this reads the way people type it.
    pub fn sts_argv<S: AsRef<str>>(&self, namespace: Option<&str>, args: &[S]) -> Vec<String> {
        let mut v = vec!["kubectl".to_string(), "sts".to_string()];
        v.extend(args.iter().map(|a| a.as_ref().to_string()));
        v.extend(self.argv(namespace, &[] as &[&str]).into_iter().skip(1));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_and_namespace_come_before_the_verb() {
        let k = Kubectl {
            kubeconfig: None,
            context: Some("prod-eu".into()),
        };
        assert_eq!(
            k.argv(Some("shop"), &["get", "pods"]).join(" "),
            "kubectl --context prod-eu -n shop get pods"
        );
        assert_eq!(
            k.sts_argv(Some("shop"), &["pvc-expand", "db"]).join(" "),
            "kubectl sts pvc-expand db --context prod-eu -n shop"
        );
        assert_eq!(
            Kubectl::default().argv(None, &["get", "nodes"]).join(" "),
            "kubectl get nodes"
        );
    }
}
