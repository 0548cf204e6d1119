#!/usr/bin/env bash
# bench-ipam.sh: on a local control plane, N ADDs then N DELs (one plugin process per call, as under
# the kubelet) on a /16, at concurrency 1 and 50, for multinet-ipam through its node agent (as
# installed), multinet-ipam on its own (the agent's fallback) and whereabouts v0.9.3 (built from its
# Go module), side by side. N (default 1000) can be set. Needs root (a network namespace for
# CNI_NETNS; nothing else is touched).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${N:-1000}
dir=$root/_out/bench-ipam
"$root/hack/cluster.sh" up "$dir"
export KUBECONFIG=$dir/kubeconfig
whereabouts=$("$root/hack/gotool.sh" whereabouts)
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$dir/multinet-ipam" ./cmd/multinet-cni && go build -o "$dir/bench" ./hack/bench)
ns=multinet-bench-$$
ip netns add "$ns"
# The node agent's IPAM server (multinet-cni node serve), as the DaemonSet runs it on every node.
ln -sf multinet-ipam "$dir/multinet-cni"
"$dir/multinet-cni" node serve --kubeconfig "$dir/kubeconfig" --socket "$dir/agent.sock" &
agent=$!
trap 'kill $agent 2>/dev/null; ip netns del "$ns" 2>/dev/null || true' EXIT
echo "| IPAM | phase | calls | at once | throughput | p50 | p99 | max | correctness |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in 1 50; do
  "$dir/bench" ipam -plugin "$dir/multinet-ipam" -label "multinet-ipam (node agent)" -agent-socket "$dir/agent.sock" \
    -netns "/var/run/netns/$ns" -n "$n" -c "$c" -range "10.$((82 + c % 7)).0.0/16"
done
for plugin in "$dir/multinet-ipam" "$whereabouts"; do
  for c in 1 50; do
    "$dir/bench" ipam -plugin "$plugin" -netns "/var/run/netns/$ns" -n "$n" -c "$c" -range "10.$((80 + c % 7)).0.0/16"
  done
done
echo "bench-ipam: the control plane keeps running; stop it with: hack/cluster.sh down $dir" >&2
