#!/usr/bin/env bash
# bench-cni.sh: 100 ADD/DEL cycles through libcni in real network namespaces (the master is one end of
# a veth pair the bench creates and removes; nothing touches eth0): multinet-macvlan + multinet-ipam
# (against a local control plane) vs the reference macvlan + host-local (the version go.mod pins). Needs root.
set -euo pipefail
log_tag=bench-cni; . "$(dirname "$0")/lib.sh"
plugins=$(cd "$root" && go list -m -f '{{.Version}}' github.com/containernetworking/plugins) # pinned in go.mod
n=${N:-100}
dir=$root/_out/bench-cni
"$root/hack/cluster.sh" up "$dir"
bin=$dir/bin
mkdir -p "$bin"
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$bin/multinet-macvlan" ./cmd/multinet-cni &&
  cp "$bin/multinet-macvlan" "$bin/multinet-ipam" &&
  CGO_ENABLED=0 go build -trimpath -o "$bin/" github.com/containernetworking/plugins/plugins/main/macvlan github.com/containernetworking/plugins/plugins/ipam/host-local &&
  go build -o "$dir/bench" ./hack/bench)
rm -rf /tmp/multinet-bench-cni-cache /var/lib/cni/networks/bench-ref
ln -sf multinet-macvlan "$bin/multinet-cni"
"$bin/multinet-cni" node serve --kubeconfig "$dir/kubeconfig" --socket "$dir/agent.sock" &
agent=$!
trap 'kill $agent 2>/dev/null' EXIT
viaagent='{"cniVersion":"1.0.0","name":"bench","plugins":[{"type":"multinet-macvlan","master":"veth-bench","mode":"bridge","ipam":{"type":"multinet-ipam","range":"10.96.0.0/16","kubernetes":{"kubeconfig":"'$dir/kubeconfig'"},"agent_socket":"'$dir/agent.sock'"}}]}'
ours='{"cniVersion":"1.0.0","name":"bench","plugins":[{"type":"multinet-macvlan","master":"veth-bench","mode":"bridge","ipam":{"type":"multinet-ipam","range":"10.98.0.0/16","kubernetes":{"kubeconfig":"'$dir/kubeconfig'"}}}]}'
ref='{"cniVersion":"1.0.0","name":"bench-ref","plugins":[{"type":"macvlan","master":"veth-bench","mode":"bridge","ipam":{"type":"host-local","ranges":[[{"subnet":"10.97.0.0/16"}]]}}]}'
echo "| plugins | cycles | ADD p50 | ADD p99 | DEL p50 | DEL p99 |"
echo "|---|---|---|---|---|---|"
"$dir/bench" cni -bin "$bin" -n "$n" -label "multinet-macvlan + multinet-ipam (node agent, as installed)" -conflist "$viaagent"
"$dir/bench" cni -bin "$bin" -n "$n" -label "multinet-macvlan + multinet-ipam (no agent)" -conflist "$ours"
"$dir/bench" cni -bin "$bin" -n "$n" -label "macvlan $plugins + host-local (reference)" -conflist "$ref"
echo "bench-cni: the control plane keeps running; stop it with: hack/cluster.sh down $dir" >&2
