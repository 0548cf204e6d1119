#!/usr/bin/env bash
# bench-connectivity.sh: kubectl multinet check connectivity over 2 networks x 20 pods (10 a node,
# each pod on both networks) on the lab's two nodes (hack/node.sh, Multus thick), timed with the
# default sample (--max-pods 5) and with every pod tested (--max-pods 20), over ICMP and over UDP.
# Needs root.
#
#   hack/bench-connectivity.sh     (the lab stays up; stop it with hack/node.sh down _out/bench-node)
set -euo pipefail
log_tag=bench-connectivity; . "$(dirname "$0")/lib.sh"
dir=${NODE_DIR:-$root/_out/bench-node}
pods=${PODS:-20}
"$root/hack/node.sh" up "$dir"
set -a; . "$dir/env"; set +a
k=("$("$root/hack/testbin.sh")/kubectl")
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$dir/kubectl-multinet" ./cmd/kubectl-multinet)
nodes=($MULTINET_NODES)
"$dir/kubectl-multinet" install --image "$MULTINET_NODE_IMAGE" --cni-bin-dir "$MULTINET_NODE_CNI_BIN_DIR" \
  --cni-conf-dir "$MULTINET_NODE_CNI_CONF_DIR" --apiserver "$MULTINET_NODE_SERVER" --wait >/dev/null

ns=bench-conn
"${k[@]}" delete namespace "$ns" --ignore-not-found --wait >/dev/null
"${k[@]}" create namespace "$ns" >/dev/null
{
  for net in 1 2; do
    # Each network on its own segment (lab1, lab0): two interfaces of a pod on one segment answer
    # ARP for each other (ARP flux), and check connectivity reports those pairs as failed.
    master=$MULTINET_NODE_MASTER; [ "$net" = 2 ] && master=lab0
    conf='{"cniVersion":"1.0.0","name":"n'$net'","type":"multinet-macvlan","master":"'$master'","mode":"bridge","mtu":1400,"ipam":{"type":"multinet-ipam","range":"172.30.4'$net'.0/24","configuration_path":"'$MULTINET_NODE_CNI_CONF_DIR/multinet.d/multinet-ipam.conf'"}}'
    printf -- "---\napiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: n%d, namespace: %s}\nspec:\n  config: '%s'\n" "$net" "$ns" "$conf"
  done
  for i in $(seq "$pods"); do
    printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d, namespace: %s, annotations: {k8s.v1.cni.cncf.io/networks: "n1,n2"}}\n' "$i" "$ns"
    printf 'spec:\n  nodeSelector: {kubernetes.io/hostname: %s}\n  terminationGracePeriodSeconds: 0\n  containers: [{name: app, image: %s, imagePullPolicy: Never}]\n' \
      "${nodes[$((i % ${#nodes[@]}))]}" "$MULTINET_NODE_TESTPOD_IMAGE"
  done
} | "${k[@]}" apply -f - >/dev/null
"${k[@]}" wait -n "$ns" --for condition=Ready pods --all --timeout 300s >/dev/null

run() { # run LABEL ARGS...: one timed check connectivity
  local label=$1 start end rc=0; shift
  start=$(date +%s.%N)
  "$dir/kubectl-multinet" check connectivity -n "$ns" --image "$MULTINET_NODE_IMAGE" "$@" > "$dir/bench-connectivity-$label.txt" 2>&1 || rc=$?
  end=$(date +%s.%N)
  printf '| %s | %s | %.1f s | %s | %s |\n' "$label" "$*" "$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" "$rc" "$(tail -1 "$dir/bench-connectivity-$label.txt")"
}
echo "| run | flags | wall | exit | summary |"
echo "|---|---|---|---|---|"
run icmp-sample --protocol icmp
run icmp-all --protocol icmp --max-pods "$pods"
run udp-sample --protocol udp
run udp-all --protocol udp --max-pods "$pods"
run icmp-all-p10 --protocol icmp --max-pods "$pods" --parallel 10
"${k[@]}" delete namespace "$ns" --wait >/dev/null
