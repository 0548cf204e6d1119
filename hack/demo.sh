#!/usr/bin/env bash
# demo.sh: start the local control plane (hack/cluster.sh), seed hack/demo/scenario.yaml and show
# kubectl multinet against it. The control plane keeps running afterwards; `make demo-down` stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/_out/demo
"$root/hack/cluster.sh" up "$dir"
testbin=$("$root/hack/testbin.sh")
export KUBECONFIG=$dir/kubeconfig
# kubectl finds plugins on PATH: kubectl multinet runs bin/kubectl-multinet.
export PATH=$root/bin:$testbin:$PATH

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
kubectl apply -f "$root/hack/demo/scenario.yaml" >/dev/null
echo "demo: seeded $(kubectl get pods -A --no-headers | wc -l) pods and $(kubectl get net-attach-def -A --no-headers | wc -l) NADs in 4 namespaces"
echo "demo: no kubelet runs yet, so pods stay Pending; their network-status is what Multus would have written"

step kubectl multinet -n cnf
step kubectl multinet status -A
step kubectl multinet status -A -o wide
step kubectl multinet status -n cnf pod/upf-1 -o json
step kubectl multinet graph -A
step kubectl multinet doctor --explain MN3002
# doctor exits 1 when it finds errors, as it does here.
step kubectl multinet doctor -A || true

cat <<MSG

The control plane is still running. Point your own kubectl at it:
  export KUBECONFIG=$dir/kubeconfig PATH=$root/bin:\$PATH
  kubectl multinet status -A
  kubectl multinet tui -A          # interactive: / filter, tab views, enter details, q quit
Stop it with: make demo-down
MSG
