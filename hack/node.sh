#!/usr/bin/env bash
# node.sh starts and stops the lab: one control plane (etcd, kube-apiserver, kube-scheduler,
# kube-controller-manager; hack/cluster.sh) and NODES real nodes (default 2), each with its own
# kubelet (from k8s.io/kubernetes), containerd 2.x (from its Go module) + Debian's runc, CNI dirs,
# cgroup root, network namespace and mount namespace. Multus v4 is deployed as upstream deploys it:
# thick (multus-daemon DaemonSet + multus-shim; the default) or thin (MULTUS_MODE=thin). Images are
# imported from tarballs built from this repository's binaries; there is no registry. docs/lab.md
# explains the layout.
#
#   hack/node.sh up DIR       start (or reuse) the lab whose state lives in DIR
#   hack/node.sh down DIR     stop it, undo what the kubelets changed on the host, remove DIR
#   hack/node.sh kill DIR N   kill -9 every process of node N: kubelet, containerd, shims, pods (a node that dies)
#   hack/node.sh images DIR   rebuild the lab images from the working tree and import them on every node
#   hack/node.sh multus DIR thick|thin   redeploy Multus in the other mode (no pod may use a secondary network)
#
# Links (all created here; none is attached to the machine's uplink):
#   mnlab0       bridge, 10.244.0.1/24: the API server and the nodes' addresses (10.244.0.11, .12, ...)
#   mnlab1       bridge, no address: the shared L2 segment of secondary networks
#   per node X (netns mnlab-X): lab0 (node IP, peer mnlab-X0 on mnlab0), lab1 (macvlan master, peer
#   mnlab-X1 on mnlab1) and cni0, the bridge of its pods' primary network (10.244.1N.0/24)
#
# DIR/kubeconfig is the admin kubeconfig; DIR/env holds what tests and the demo need.
set -euo pipefail
log_tag=node; . "$(dirname "$0")/lib.sh"
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: hack/node.sh up|down|images DIR | kill DIR NODE" >&2; exit 2; }
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)

nodes=${NODES:-2}
mode=${MULTUS_MODE:-thick}
api_ip=10.244.0.1
sysctls=(vm.overcommit_memory kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
# Each node sees its own copy of these host paths (bind mounts in its mount namespace); /run is a tmpfs.
node_paths=(/etc/cni /opt/cni /var/lib/cni /var/lib/kubelet /var/lib/containerd /var/log)
image_tag=lab
letters=(a b c d e f g h)

name_of() { echo "lab-node-${letters[$1]}"; } # name_of INDEX
ip_of() { echo "10.244.0.$((11 + $1))"; }
netns_of() { echo "mnlab-${letters[$1]}"; }
index_of() { # index_of NAME
  local i
  for i in "${!letters[@]}"; do [ "$(name_of "$i")" = "$1" ] && { echo "$i"; return; }; done
  log "no node $1 (nodes are lab-node-a, lab-node-b, ...)"; exit 2
}
cgroups() { ls -d /sys/fs/cgroup/*/; }

# record saves what the kubelets change on the host, once per DIR.
record() {
  [ -f "$dir/host.saved" ] && return
  : > "$dir/host.saved.tmp"
  for s in "${sysctls[@]}"; do echo "sysctl $s $(sysctl -n "$s")" >> "$dir/host.saved.tmp"; done
  for p in "${node_paths[@]}"; do [ -e "$p" ] || echo "created $p" >> "$dir/host.saved.tmp"; done
  mv "$dir/host.saved.tmp" "$dir/host.saved"
}

links() {
  local br
  for br in mnlab0 mnlab1; do
    ip link show "$br" >/dev/null 2>&1 || ip link add "$br" type bridge
    ip link set "$br" up
  done
  ip addr show dev mnlab0 | grep -q "inet $api_ip/" || ip addr add "$api_ip/24" dev mnlab0
}

node_links() { # node_links INDEX
  local ns x=${letters[$1]}; ns=$(netns_of "$1")
  ip netns list | grep -qw "$ns" || ip netns add "$ns"
  ip link show "mnlab-${x}0" >/dev/null 2>&1 || ip link add "mnlab-${x}0" type veth peer name lab0 netns "$ns"
  ip link show "mnlab-${x}1" >/dev/null 2>&1 || ip link add "mnlab-${x}1" type veth peer name lab1 netns "$ns"
  ip link set "mnlab-${x}0" master mnlab0 up
  ip link set "mnlab-${x}1" master mnlab1 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr show dev lab0 | grep -q "inet $(ip_of "$1")/" || ip -n "$ns" addr add "$(ip_of "$1")/24" dev lab0
  ip -n "$ns" link set lab0 up
  ip -n "$ns" link set lab1 up
}

images() {
  local out=$dir/images mbin
  mkdir -p "$out/bin"
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/bin/" ./test/testpod)
  mbin=$("$root/hack/gotool.sh" multus)
  local tar; tar=$(imagetar)
  "$tar" -name "docker.io/multinet/testpod:$image_tag" -entrypoint /testpod,pause -o "$out/testpod.tar" "/testpod=$out/bin/testpod"
  # The release image itself (make image: linux/amd64 and arm64), under the lab's tag.
  VERSION=dev IMAGE="docker.io/multinet/multinet-cni:$image_tag" "$root/hack/image.sh" "$out/multinet-cni.tar"
  # multus-daemon refuses to run unless it can look up root, and it opens pods' netns as /var/run/netns/X.
  local files=("/etc/passwd=$out/passwd" "/var/run->/run") b
  echo 'root:x:0:0:root:/root:/sbin/nologin' > "$out/passwd"
  for b in multus-daemon multus-shim install_multus passthru multus; do files+=("/usr/src/multus-cni/bin/$b=$mbin/$b"); done
  "$tar" -name "docker.io/multinet/multus:$image_tag" -entrypoint /usr/src/multus-cni/bin/multus-daemon -o "$out/multus.tar" \
    "/thin_entrypoint=$mbin/thin_entrypoint" "/install_multus=$mbin/install_multus" "${files[@]}"
  [ "$cmd" = images ] || return 0
  local i
  for ((i = 0; i < nodes; i++)); do import "$(name_of "$i")"; done
}

import() { # import NODE
  local t
  for t in testpod multinet-cni multus; do
    "$ctrbin/ctr" --address "$dir/nodes/$1/containerd.sock" -n k8s.io images import "$dir/images/$t.tar" 2>&1 >/dev/null | { grep -v "DEPRECATION: The support for cgroup v1" || true; } >&2
  done
}

# node_files writes a node's containerd and kubelet configs and its primary network's conflist.
node_files() { # node_files INDEX
  local n d ip i=$1; n=$(name_of "$i"); d=$dir/nodes/$n; ip=$(ip_of "$i")
  mkdir -p "$d/logs" "$d/fs/etc/cni/net.d" "$d/fs/etc/cni/multus/net.d" "$d/fs/opt/cni/bin"
  for p in "${node_paths[@]}"; do mkdir -p "$d/fs$p"; done
  local p
  for p in loopback bridge host-local macvlan; do cp "$plugins/$p" "$d/fs/opt/cni/bin/"; done
  # One plugin, not a conflist: Multus v4.3.0 re-encodes a conflist cluster network lossily for its
  # DEL cache, so bridge's DEL loses host-local's ranges, fails, and every pod leaks its eth0
  # address until the node's range is full (multus-cni #1521, fixed after v4.3.0).
  cat > "$d/fs/etc/cni/multus/net.d/10-lab-primary.conf" <<EOF
{"cniVersion": "0.4.0", "name": "lab-primary", "type": "bridge", "bridge": "cni0", "isGateway": false, "ipMasq": false,
 "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.1$i.0/24", "rangeStart": "10.244.1$i.10"}]]}}
EOF
  cat > "$d/containerd.toml" <<EOF
version = 3
root = "/var/lib/containerd"
state = "/run/containerd"
[grpc]
  address = "$d/containerd.sock"
[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = "docker.io/multinet/testpod:$image_tag"
[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/opt/cni/bin"]
    conf_dir = "/etc/cni/net.d"
    max_conf_num = 1
EOF
  cat > "$d/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $ip
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $dir/cp/pki/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $dir/cp/pki/kubelet-serving-$n.crt
tlsPrivateKeyFile: $dir/cp/pki/kubelet-serving-$n.key
cgroupDriver: cgroupfs
cgroupRoot: /mnlab-${letters[$i]}
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$d/containerd.sock
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
syncFrequency: 5s
EOF
}

# node_start runs `node.sh _inside DIR NODE` in the node's network namespace and a new mount
# namespace, with every process of the node (daemons, shims) in the cgroup mnlab-X.node.
node_start() { # node_start INDEX
  local n x=${letters[$1]} h; n=$(name_of "$1")
  for h in $(cgroups); do
    mkdir -p "${h}mnlab-$x" "${h}mnlab-$x.node"
    if [ -f "${h}cpuset.cpus" ]; then # a v1 cpuset cgroup takes no process until it has cpus and mems
      for g in "mnlab-$x" "mnlab-$x.node"; do cat "${h}cpuset.cpus" > "$h$g/cpuset.cpus"; cat "${h}cpuset.mems" > "$h$g/cpuset.mems"; done
    fi
  done
  setsid bash -c 'for h in $1; do echo $$ > "$h/mnlab-$2.node/cgroup.procs"; done
    exec nsenter --net="/run/netns/mnlab-$2" unshare --mount --propagation slave -- "$3" _inside "$4" "$5"' \
    node-init "$(cgroups | tr '\n' ' ')" "$x" "$root/hack/node.sh" "$dir" "$n" > "$dir/nodes/$n/logs/node.log" 2>&1 < /dev/null &
}

# inside runs in a node's namespaces: its own /run, its own copies of node_paths, then containerd
# (images imported) and the kubelet.
inside() { # inside NODE
  local n=$1 d=$dir/nodes/$1 p
  mount -t tmpfs -o mode=0755 tmpfs /run
  for p in "${node_paths[@]}"; do mount --bind "$d/fs$p" "$p"; done
  mount --make-rshared /
  PATH=$ctrbin:$PATH containerd --config "$d/containerd.toml" > "$d/logs/containerd.log" 2>&1 &
  echo $! > "$d/containerd.pid"
  for _ in $(seq 100); do "$ctrbin/ctr" --address "$d/containerd.sock" version >/dev/null 2>&1 && break; sleep 0.1; done
  import "$n"
  "$bin/kubelet" --config "$d/kubelet.yaml" --kubeconfig "$dir/cp/kubelet-$n.kubeconfig" \
    --hostname-override "$n" --node-ip "$(ip_of "$(index_of "$n")")" --v 1 > "$d/logs/kubelet.log" 2>&1 &
  echo $! > "$d/kubelet.pid"
  wait
}

# multus deploys Multus v4 the way upstream's deployments/ do, in MULTUS_MODE. Thick: the
# multus-daemon DaemonSet (its init container installs multus-shim), auto-generating 00-multus.conf
# from the first config in /etc/cni/multus/net.d. Thin: thin_entrypoint installs the multus binary
# and the ConfigMap's config. Either way there is no kube-proxy here, so the pods are told the API
# server's address.
multus() { # multus SERVER
  local port=${1##*:} k=("$bin/kubectl" --kubeconfig "$dir/kubeconfig")
  "${k[@]}" apply -f "$root/hack/lab/multus-rbac.yaml" >/dev/null
  sed -e "s|@IMAGE@|docker.io/multinet/multus:$image_tag|g" -e "s|@API_IP@|$api_ip|g" -e "s|@API_PORT@|$port|g" \
    "$root/hack/lab/multus-$mode.yaml" | "${k[@]}" apply -f - >/dev/null
}

wait_ready() {
  local k=("$bin/kubectl" --kubeconfig "$dir/kubeconfig") i n
  for ((i = 0; i < nodes; i++)); do
    n=$(name_of "$i")
    for _ in $(seq 300); do "${k[@]}" get node "$n" >/dev/null 2>&1 && break; sleep 0.5; done
    "${k[@]}" wait --for condition=Ready "node/$n" --timeout 150s >/dev/null ||
      { log "node $n not Ready; see $dir/nodes/$n/logs/kubelet.log"; exit 1; }
  done
  "${k[@]}" rollout status -n kube-system daemonset/kube-multus-ds --timeout 150s >/dev/null ||
    { log "Multus not ready: ${k[*]} -n kube-system describe pods -l name=multus"; exit 1; }
  for _ in $(seq 100); do "${k[@]}" get sa default >/dev/null 2>&1 && break; sleep 0.2; done
}

tools() {
  bin=$("$root/hack/testbin.sh" kube-apiserver kubectl kube-scheduler kube-controller-manager kubelet)
  ctrbin=$("$root/hack/gotool.sh" containerd)
  plugins=$("$root/hack/gotool.sh" plugins)
}

up() {
  need_pkgs runc iproute2 openssl util-linux
  tools
  local k=("$bin/kubectl" --kubeconfig "$dir/kubeconfig") i all=()
  if [ -f "$dir/env" ] && "${k[@]}" get node "$(name_of $((nodes - 1)))" >/dev/null 2>&1; then
    log "already running: export KUBECONFIG=$dir/kubeconfig"; return
  fi
  record
  local p
  for p in "${node_paths[@]}"; do mkdir -p "$p"; done # mount points of each node's copy
  links
  for ((i = 0; i < nodes; i++)); do node_links "$i"; all+=("$(name_of "$i")=$(ip_of "$i")"); done
  MULTINET_API_IP=$api_ip MULTINET_NODES="${all[*]}" "$root/hack/cluster.sh" up "$dir/cp"
  ln -sf cp/kubeconfig "$dir/kubeconfig"
  mkdir -p "$dir/logs"
  "${k[@]}" apply -f "$root/config/crds/k8s.cni.cncf.io_network-attachment-definitions.yaml" >/dev/null
  local server
  server=$("${k[@]}" config view -o jsonpath='{.clusters[0].cluster.server}')
  start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$dir/cp/controller-manager.kubeconfig" \
    --service-account-private-key-file "$dir/cp/pki/sa.key" --root-ca-file "$dir/cp/pki/ca.crt" \
    --leader-elect=false --controllers '*,-node-ipam-controller' --use-service-account-credentials \
    --node-monitor-grace-period 20s \
    --bind-address 127.0.0.1 --secure-port 0
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$dir/cp/scheduler.kubeconfig" --leader-elect=false \
    --bind-address 127.0.0.1 --secure-port 0
  images
  for ((i = 0; i < nodes; i++)); do node_files "$i"; node_start "$i"; done
  multus "$server"
  log "waiting for $nodes nodes and Multus $mode (DaemonSet kube-system/kube-multus-ds)"
  wait_ready
  cat > "$dir/env" <<EOF
KUBECONFIG=$dir/kubeconfig
MULTINET_NODE_DIR=$dir
MULTINET_NODES="$(for ((i = 0; i < nodes; i++)); do printf '%s ' "$(name_of "$i")"; done | sed 's/ $//')"
MULTINET_MULTUS_MODE=$mode
MULTINET_NODE_CNI_BIN_DIR=/opt/cni/bin
MULTINET_NODE_CNI_CONF_DIR=/etc/cni/net.d
MULTINET_NODE_MASTER=lab1
MULTINET_NODE_IMAGE=docker.io/multinet/multinet-cni:$image_tag
MULTINET_NODE_TESTPOD_IMAGE=docker.io/multinet/testpod:$image_tag
MULTINET_NODE_SERVER=$server
EOF
  log "ready: $nodes nodes, Multus $mode; export KUBECONFIG=$dir/kubeconfig"
}

start() { # start NAME CMD...: a control-plane process in the host's namespaces
  local name=$1; shift
  setsid "$@" > "$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}

# kill_node kills every process of node INDEX: its daemons and shims (cgroup mnlab-X.node) and, with
# "all", its pods too (cgroup mnlab-X).
kill_node() { # kill_node INDEX [all]
  local x=${letters[$1]} h pid groups
  groups=("mnlab-$x.node")
  [ "${2:-}" = all ] && groups+=("mnlab-$x")
  for g in "${groups[@]}"; do
    for _ in 1 2 3; do
      for h in $(cgroups); do
        [ -d "$h$g" ] || continue
        for pid in $(find "$h$g" -name cgroup.procs -exec cat {} + 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
      done
      sleep 0.2
    done
  done
}

down() {
  stop_pidfile "$dir/kube-scheduler.pid"
  stop_pidfile "$dir/kube-controller-manager.pid"
  local i h x
  for i in "${!letters[@]}"; do
    x=${letters[$i]}
    [ -d "$dir/nodes/$(name_of "$i")" ] || ip netns list | grep -qw "mnlab-$x" || continue
    kill_node "$i" all
    for h in $(cgroups); do
      [ -d "${h}mnlab-$x" ] && find "${h}mnlab-$x" -depth -type d -exec rmdir {} \; 2>/dev/null
      rmdir "${h}mnlab-$x.node" 2>/dev/null || true
    done
    ip netns del "mnlab-$x" 2>/dev/null || true
    ip link del "mnlab-${x}0" 2>/dev/null || true
    ip link del "mnlab-${x}1" 2>/dev/null || true
  done
  "$root/hack/cluster.sh" down "$dir/cp" >/dev/null 2>&1 || true
  ip link del mnlab0 2>/dev/null || true
  ip link del mnlab1 2>/dev/null || true
  local saved="" kind a b
  if [ -f "$dir/host.saved" ]; then
    saved=$(cat "$dir/host.saved")
    while read -r kind a b; do
      case "$kind" in
        sysctl) sysctl -qw "$a=$b" || true ;;
        created) rmdir "$a" 2>/dev/null || rm -rf "$a" ;;
      esac
    done <<< "$saved"
  fi
  rm -rf "$dir"
  verify "$saved"
  log "stopped; host restored"
}

# verify fails when anything the lab made is still on the host.
verify() { # verify SAVED-HOST-STATE
  local left=() kind a b h
  grep -qE " $dir[/ ]" /proc/mounts && left+=("mounts under $dir")
  for l in mnlab0 mnlab1; do ip link show "$l" >/dev/null 2>&1 && left+=("link $l"); done
  ip -o link show | grep -q ' mnlab-' && left+=("links $(ip -o link show | grep -o ' mnlab-[^:@]*' | tr -d ' ' | tr '\n' ' ')")
  ip netns list | grep -q '^mnlab-' && left+=("netns $(ip netns list | grep -o '^mnlab-[^ ]*' | tr '\n' ' ')")
  pgrep -f "$dir/" >/dev/null && left+=("processes of $dir")
  for h in $(cgroups); do compgen -G "${h}mnlab-*" >/dev/null && left+=("cgroups ${h}mnlab-*"); done
  while read -r kind a b; do
    case "$kind" in
      sysctl) [ "$(sysctl -n "$a")" = "$b" ] || left+=("sysctl $a=$(sysctl -n "$a") (was $b)") ;;
      created) [ -e "$a" ] && left+=("$a") ;;
    esac
  done <<< "$1"
  if [ ${#left[@]} -gt 0 ]; then
    log "left behind: ${left[*]}"
    return 1
  fi
}

# switch_multus removes the running Multus (DaemonSet, its config and binaries on every node) and
# deploys it in MODE.
switch_multus() { # switch_multus MODE
  local k=("$bin/kubectl" --kubeconfig "$dir/kubeconfig") i d server
  "${k[@]}" delete -n kube-system daemonset/kube-multus-ds --cascade=foreground --wait --timeout 120s >/dev/null
  "${k[@]}" delete -n kube-system configmap multus-daemon-config multus-cni-config --ignore-not-found >/dev/null
  for ((i = 0; i < nodes; i++)); do
    d=$dir/nodes/$(name_of "$i")/fs
    rm -rf "$d/etc/cni/net.d/00-multus.conf" "$d/etc/cni/net.d/00-multus.conflist" "$d/etc/cni/net.d/multus.d" \
      "$d/opt/cni/bin/multus" "$d/opt/cni/bin/multus-shim" "$d/opt/cni/bin/passthru"
  done
  mode=$1
  server=$("${k[@]}" config view -o jsonpath='{.clusters[0].cluster.server}')
  multus "$server"
  "${k[@]}" rollout status -n kube-system daemonset/kube-multus-ds --timeout 150s >/dev/null
  for ((i = 0; i < nodes; i++)); do
    d=$dir/nodes/$(name_of "$i")/fs/etc/cni/net.d
    for _ in $(seq 100); do compgen -G "$d/00-multus.conf*" >/dev/null && break; sleep 0.2; done
  done
  sed -i "s/^MULTINET_MULTUS_MODE=.*/MULTINET_MULTUS_MODE=$mode/" "$dir/env"
  log "Multus $mode deployed"
}

case "$cmd" in
  up) up ;;
  multus) tools; nodes=$(ls "$dir/nodes" | wc -l); switch_multus "${3:?usage: hack/node.sh multus DIR thick|thin}" ;;
  down) down ;;
  kill) kill_node "$(index_of "${3:?usage: hack/node.sh kill DIR NODE}")" all ;;
  images) tools; nodes=$(ls "$dir/nodes" | wc -l); images ;;
  _inside) tools; inside "${3:?}" ;;
  *) echo "usage: hack/node.sh up|down|images DIR | kill DIR NODE" >&2; exit 2 ;;
esac
