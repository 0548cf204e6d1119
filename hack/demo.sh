#!/usr/bin/env bash
# demo.sh: start the lab (hack/node.sh: a control plane and two real nodes with kubelet, containerd
# 2.x and Multus thick), install multinet's plugins on them, attach pods on both nodes to extra
# networks, ping across nodes over one, and show status, doctor, attach explain and logs. The lab
# keeps running afterwards; `make demo-down` stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/_out/demo
"$root/hack/node.sh" up "$dir"
set -a; . "$dir/env"; set +a
testbin=$("$root/hack/testbin.sh")
# kubectl finds plugins on PATH: kubectl multinet runs bin/kubectl-multinet.
export PATH=$root/bin:$testbin:$PATH

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
flat=$MULTINET_NODE_CNI_CONF_DIR/multinet.d/multinet-ipam.conf
nad() { # nad NS NAME RANGE [MASTER]
  cat <<EOF
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: $2, namespace: $1}
spec:
  config: '{"cniVersion":"1.0.0","name":"$2","type":"multinet-macvlan","master":"${4:-$MULTINET_NODE_MASTER}","mode":"bridge","ipam":{"type":"multinet-ipam","range":"$3","configuration_path":"$flat","log_file":"/var/log/multinet-ipam.log"}}'
---
EOF
}
nodes=($MULTINET_NODES)
pod() { # pod NS NAME NETWORKS NODE-INDEX
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $2, namespace: $1, annotations: {k8s.v1.cni.cncf.io/networks: "$3"}}
spec:
  nodeSelector: {kubernetes.io/hostname: ${nodes[$4 % ${#nodes[@]}]}}
  terminationGracePeriodSeconds: 1
  containers: [{name: app, image: $MULTINET_NODE_TESTPOD_IMAGE, imagePullPolicy: Never}]
---
EOF
}

step kubectl multinet install --image "$MULTINET_NODE_IMAGE" --cni-bin-dir "$MULTINET_NODE_CNI_BIN_DIR" \
  --cni-conf-dir "$MULTINET_NODE_CNI_CONF_DIR" --apiserver "$MULTINET_NODE_SERVER" --wait
kubectl create namespace cnf --dry-run=client -o yaml | kubectl apply -f - >/dev/null
{
  nad cnf n3 172.30.3.0/24; nad cnf n6 172.30.6.0/24
  pod cnf upf-1 n3,n6 0; pod cnf upf-2 n3,n6 1; pod cnf smf-1 n3 1
  pod cnf upf-3 n3,n9 0   # n9 does not exist: this pod stays in ContainerCreating
} > "$dir/demo.yaml"
step kubectl apply -f "$dir/demo.yaml"
step kubectl wait -n cnf --for condition=Ready pod/upf-1 pod/upf-2 pod/smf-1 --timeout 120s
step kubectl multinet -n cnf
step kubectl multinet status -n cnf -o wide
step kubectl get nodes -o wide
step kubectl get pods -n cnf -o wide
step kubectl exec -n cnf upf-2 -- /testpod addrs
peer=$(kubectl exec -n cnf upf-2 -- /testpod addrs | awk '$1 == "net1" && $2 ~ /\./ { split($2, a, "/"); print a[1] }')
echo "upf-1 (${nodes[0]}) pings upf-2 (${nodes[1 % ${#nodes[@]}]}) over net1, the secondary network n3:"
step kubectl exec -n cnf upf-1 -- /testpod ping "$peer"
sleep 3 # let the sandbox failure of upf-3 become an event
# doctor and attach explain exit 1 when they find errors, as they do here.
step kubectl multinet doctor -A || true
step kubectl multinet attach explain -n cnf pod/upf-3 || true
step kubectl multinet logs -n cnf pod/upf-1 --tail 6
step kubectl multinet ipam usage
echo
echo "More failure cases, offline, from a dump (no cluster needed):"
step kubectl multinet doctor -f "$root/hack/demo/scenario.yaml" || true

cat <<MSG

The node is still running. Point your own kubectl at it:
  export KUBECONFIG=$dir/kubeconfig PATH=$root/bin:$testbin:\$PATH
  kubectl multinet status -A
  kubectl multinet tui -A          # interactive: / filter, tab views, enter details, q quit
  kubectl multinet logs --node ${nodes[0]} -f
Stop it (and undo what it changed on this machine) with: make demo-down
MSG
