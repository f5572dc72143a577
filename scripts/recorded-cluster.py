#!/usr/bin/env python3
"""Writes a cluster of objects exactly as a real API server writes them, for measuring
memory on real shapes rather than on the synthetic cluster's lean ones.

    python3 scripts/recorded-cluster.py 10000 > recorded-10k.json
    /usr/bin/time -v target/release/kubectl-sts diagnose -A --from-file recorded-10k.json

The objects are those recorded from a v1.36 kube-apiserver in
tests/fixtures/apiserver-v1.36 (namespace `shop`: a 3-member StatefulSet with its claims,
volumes, attachments, events, Services, EndpointSlice, revision and budget, and a bare
pod), managedFields, annotations, finalizers, conditions and all. The namespace is copied
as many times as it takes to reach the number of pods asked for (`shop-0`, `shop-1`, …):
every namespace, uid and volume name is made unique per copy, nothing else changes. The
nodes and the StorageClass are written once.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REC = os.path.join(HERE, "..", "tests", "fixtures", "apiserver-v1.36")
NAMESPACED = [
    ("GET_api_v1_pods.json", "Pod", "v1"),
    ("GET_api_v1_persistentvolumeclaims.json", "PersistentVolumeClaim", "v1"),
    ("GET_api_v1_events.json", "Event", "v1"),
    ("GET_api_v1_services.json", "Service", "v1"),
    ("GET_apis_apps_v1_statefulsets.json", "StatefulSet", "apps/v1"),
    ("GET_apis_apps_v1_controllerrevisions.json", "ControllerRevision", "apps/v1"),
    ("GET_apis_discovery.k8s.io_v1_endpointslices.json", "EndpointSlice", "discovery.k8s.io/v1"),
    ("GET_apis_policy_v1_poddisruptionbudgets.json", "PodDisruptionBudget", "policy/v1"),
]
# Cluster-scoped, but one per claim: renamed per copy.
PER_COPY = [
    ("GET_api_v1_persistentvolumes.json", "PersistentVolume", "v1"),
    ("GET_apis_storage.k8s.io_v1_volumeattachments.json", "VolumeAttachment", "storage.k8s.io/v1"),
]
ONCE = [
    ("GET_api_v1_nodes.json", "Node", "v1"),
    ("GET_apis_storage.k8s.io_v1_storageclasses.json", "StorageClass", "storage.k8s.io/v1"),
]


def items(name, kind, api_version):
    with open(os.path.join(REC, name)) as f:
        out = json.load(f)["items"]
    for o in out:
        o.setdefault("kind", kind)
        o.setdefault("apiVersion", api_version)
    # Only the recorded namespace: the API server's own objects (kube-system) are not part
    # of the workload being multiplied.
    return [o for o in out if o.get("metadata", {}).get("namespace", "shop") == "shop"]


def renamed(value, copy, volumes):
    """`value` with the namespace, uids and volume names of copy `copy`."""
    if isinstance(value, dict):
        return {k: (f"{v}-{copy}" if k == "uid" and isinstance(v, str)
                    else renamed(v, copy, volumes)) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, copy, volumes) for v in value]
    if isinstance(value, str):
        if value == "shop":
            return f"shop-{copy}"
        if value in volumes:
            return f"{value}-{copy}"
        return value.replace("shop/", f"shop-{copy}/")
    return value


def main():
    pods = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    namespaced = [o for spec in NAMESPACED for o in items(*spec)]
    per_copy = [o for spec in PER_COPY for o in items(*spec)]
    volumes = {o["metadata"]["name"] for o in per_copy}
    per_ns = sum(1 for o in namespaced if o["kind"] == "Pod")
    copies = max(1, -(-pods // per_ns))
    out = sys.stdout
    out.write('{"apiVersion": "v1", "kind": "List", "metadata": {}, "items": [\n')
    first = True
    for o in [o for spec in ONCE for o in items(*spec)]:
        out.write(("" if first else ",\n") + json.dumps(o))
        first = False
    for copy in range(copies):
        for o in namespaced + per_copy:
            out.write(",\n" + json.dumps(renamed(o, copy, volumes)))
    out.write("\n]}\n")
    print(f"{copies} copies of namespace shop: {copies * per_ns} pods", file=sys.stderr)


if __name__ == "__main__":
    main()
