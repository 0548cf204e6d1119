#!/usr/bin/env bash
# bench-status.sh: start a local control plane, create 10,000 pods with two-interface network-status
# annotations, 200 NADs and 50 whereabouts IPPools, and compare in one run the wall time and peak RSS of
#   kubectl-multinet status -A -o json   vs   kubectl get pods -A -o json   vs   a raw metadata list,
# and of kubectl-multinet doctor -A on the same data.
# The older k8snetworkplumbingwg plugin is represented by its access pattern (bench typed-list).
# Output is a markdown table for docs/benchmarks.md. PODS and RUNS can be set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/_out/bench
pods=${PODS:-10000}
runs=${RUNS:-5}
"$root/hack/cluster.sh" up "$dir"
testbin=$("$root/hack/testbin.sh")
export KUBECONFIG=$dir/kubeconfig
bench=$dir/bench
(cd "$root" && go build -o "$bench" ./hack/bench)
have=$("$testbin/kubectl" get pods -A --no-headers 2>/dev/null | wc -l)
nads=$("$testbin/kubectl" get network-attachment-definitions -A --no-headers 2>/dev/null | wc -l)
if [ "$have" -lt "$pods" ]; then
  "$bench" seed -pods "$pods"
elif [ "$nads" -lt 200 ]; then
  "$bench" seed -pods "$pods" -networks-only
fi
echo "bench: $("$bench" metadata-list) on $(nproc) cores; kube-apiserver $("$testbin/kubectl" version -o json | grep -m1 gitVersion | tr -d ' ",')"
"$bench" measure -runs "$runs" -- \
  "metadata-list=$bench" metadata-list ";;" \
  "kubectl-multinet status -A -o json=$root/bin/kubectl-multinet" status -A -o json ";;" \
  "older plugin's access (one typed list)=$bench" typed-list ";;" \
  "kubectl-multinet doctor -A -o json=$root/bin/kubectl-multinet" doctor -A -o json --fail-on never ";;" \
  "kubectl get pods -A -o json=$testbin/kubectl" get pods -A -o json
echo "bench: the control plane keeps running; stop it with: hack/cluster.sh down $dir"
