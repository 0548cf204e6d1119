#!/usr/bin/env bash
# node.sh starts and stops a local single-node cluster on this machine: etcd, kube-apiserver,
# kube-scheduler, kube-controller-manager and a kubelet (built from k8s.io/kubernetes by
# hack/testbin.sh), Debian's containerd + runc, bridge + host-local as the primary network and the
# Multus thin plugin (built from its Go module) as the meta plugin. Images are imported from tarballs
# built from this repository's binaries; there is no registry.
#
#   hack/node.sh up DIR     start (or reuse) the node whose state lives in DIR
#   hack/node.sh down DIR   stop it, undo what the kubelet changed on the host, remove DIR
#   hack/node.sh images DIR rebuild the lab images from the working tree and import them
#
# Links (all created here, none attached to the machine's uplink):
#   mnlab0                  bridge, 10.244.0.1/24: the node IP and the pods' primary network
#   mnlab-m0 <-> mnlab-m0p  veth pair: mnlab-m0 is the macvlan master for secondary networks
#
# Multus runs as upstream deploys it: the DaemonSet kube-system/kube-multus-ds with Multus' own
# thin_entrypoint, which installs the multus binary and the ConfigMap's config on the node.
#
# DIR/kubeconfig is the admin kubeconfig; DIR/env holds the paths tests and the demo need.
set -euo pipefail
log_tag=node; . "$(dirname "$0")/lib.sh"
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: hack/node.sh up|down|images DIR" >&2; exit 2; }
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)

node_ip=10.244.0.1
bridge=mnlab0
master=mnlab-m0
sysctls=(vm.overcommit_memory kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
host_paths=(/var/lib/kubelet /var/log/containers /var/log/pods /run/containerd /var/lib/cni)
image_tag=lab

stop_pid() { stop_pidfile "$dir/$1.pid"; } # stop_pid NAME

start() { # start NAME CMD...
  local name=$1; shift
  setsid "$@" > "$dir/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$dir/$name.pid"
}

# record saves what the kubelet and containerd change on the host, once per DIR.
record() {
  [ -f "$dir/host.saved" ] && return
  : > "$dir/host.saved.tmp"
  for s in "${sysctls[@]}"; do echo "sysctl $s $(sysctl -n "$s")" >> "$dir/host.saved.tmp"; done
  for p in "${host_paths[@]}"; do [ -e "$p" ] || echo "created $p" >> "$dir/host.saved.tmp"; done
  ls /var/run/netns 2>/dev/null | sed 's/^/netns /' >> "$dir/host.saved.tmp" || true
  mv "$dir/host.saved.tmp" "$dir/host.saved"
}

links() {
  ip link show "$bridge" >/dev/null 2>&1 || {
    ip link add "$bridge" type bridge
    ip addr add "$node_ip/24" dev "$bridge"
  }
  ip link set "$bridge" up
  ip link show "$master" >/dev/null 2>&1 || ip link add "$master" type veth peer name "${master}p"
  ip link set "$master" up
  ip link set "${master}p" up
}

images() {
  local out=$dir/images
  mkdir -p "$out/bin"
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/bin/" ./test/testpod ./cmd/multinet-cni ./test/ocitar)
  "$out/bin/ocitar" -name "docker.io/multinet/testpod:$image_tag" -entrypoint /testpod,pause -o "$out/testpod.tar" "/testpod=$out/bin/testpod"
  "$out/bin/ocitar" -name "docker.io/multinet/multinet-cni:$image_tag" -entrypoint /multinet-cni -o "$out/multinet-cni.tar" "/multinet-cni=$out/bin/multinet-cni"
  "$out/bin/ocitar" -name "docker.io/multinet/multus:$image_tag" -entrypoint /thin_entrypoint -o "$out/multus.tar" \
    "/thin_entrypoint=$("$root/hack/gotool.sh" multus-entrypoint)" "/usr/src/multus-cni/bin/multus=$("$root/hack/gotool.sh" multus)"
  for t in testpod multinet-cni multus; do
    ctr --address "$dir/containerd/containerd.sock" -n k8s.io images import "$out/$t.tar" >/dev/null
  done
}

cni() {
  local bin=$dir/cni/bin
  mkdir -p "$bin" "$dir/cni/net.d" "$dir/cni/multus.d" "$dir/cni/cache"
  for p in loopback bridge host-local macvlan; do cp /usr/lib/cni/$p "$bin/"; done
  cat > "$dir/cni/multus.d/lab-primary.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "lab-primary", "plugins": [
  {"type": "bridge", "bridge": "$bridge", "isGateway": false, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.0.0/24", "rangeStart": "10.244.0.10"}]],
            "dataDir": "$dir/cni/host-local"}}]}
EOF
}

# multus deploys Multus thin the way clusters do: a DaemonSet (kube-system/kube-multus-ds) whose
# container, Multus' own thin_entrypoint, copies the multus binary into the CNI bin dir and the
# config of the ConfigMap multus-cni-config into the CNI config dir, with a kubeconfig from its
# ServiceAccount token. There is no kube-proxy here, so the pod is told the API server's address.
multus() { # multus SERVER
  local port=${1##*:}
  "$bin/kubectl" --kubeconfig "$dir/kubeconfig" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: multus, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: multus}
rules:
- {apiGroups: [k8s.cni.cncf.io], resources: [network-attachment-definitions], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [pods, pods/status], verbs: [get, list, watch, update, patch]}
- {apiGroups: ["", events.k8s.io], resources: [events], verbs: [create, patch, update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: multus}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: multus}
subjects: [{kind: ServiceAccount, name: multus, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: multus-cni-config, namespace: kube-system, labels: {app: multus}}
data:
  00-multus.conflist: |
    {"cniVersion": "0.4.0", "name": "multus-cni-network", "plugins": [
      {"type": "multus", "kubeconfig": "$dir/cni/net.d/multus.d/multus.kubeconfig", "confDir": "$dir/cni/multus.d",
       "cniDir": "$dir/cni/cache", "binDir": "$dir/cni/bin", "clusterNetwork": "lab-primary",
       "logFile": "$dir/logs/multus.log", "logLevel": "verbose", "logToStderr": false}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-multus-ds, namespace: kube-system, labels: {app: multus, name: multus}}
spec:
  selector: {matchLabels: {name: multus}}
  template:
    metadata: {labels: {app: multus, name: multus}}
    spec:
      hostNetwork: true
      serviceAccountName: multus
      tolerations: [{operator: Exists}]
      terminationGracePeriodSeconds: 1
      containers:
      - name: kube-multus
        image: docker.io/multinet/multus:$image_tag
        imagePullPolicy: Never
        command: [/thin_entrypoint]
        args: [--cni-bin-dir=/host/bin, --cni-conf-dir=/host/net.d, --multus-cni-conf-dir=/host/multus-cni,
               --multus-conf-file=/tmp/multus-conf/00-multus.conflist]
        env:
        - {name: KUBERNETES_SERVICE_HOST, value: "127.0.0.1"}
        - {name: KUBERNETES_SERVICE_PORT, value: "$port"}
        volumeMounts:
        - {name: bin, mountPath: /host/bin}
        - {name: conf, mountPath: /host/net.d}
        - {name: multus-cni, mountPath: /host/multus-cni}
        - {name: multus-cfg, mountPath: /tmp/multus-conf}
      volumes:
      - {name: bin, hostPath: {path: $dir/cni/bin}}
      - {name: conf, hostPath: {path: $dir/cni/net.d}}
      - {name: multus-cni, hostPath: {path: $dir/cni/multus-cni, type: DirectoryOrCreate}}
      - {name: multus-cfg, configMap: {name: multus-cni-config}}
EOF
}

containerd_up() {
  mkdir -p "$dir/containerd"
  cat > "$dir/containerd/config.toml" <<EOF
version = 2
root = "$dir/containerd/root"
state = "$dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$dir/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/multinet/testpod:$image_tag"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$dir/cni/bin"
    conf_dir = "$dir/cni/net.d"
    max_conf_num = 1
EOF
  start containerd containerd --config "$dir/containerd/config.toml"
  for _ in $(seq 100); do ctr --address "$dir/containerd/containerd.sock" version >/dev/null 2>&1 && return; sleep 0.1; done
  log "containerd did not start; see $dir/logs/containerd.log"; exit 1
}

kubelet_up() {
  mkdir -p "$dir/kubelet"
  cat > "$dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $dir/cp/pki/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $dir/cp/pki/kubelet-serving.crt
tlsPrivateKeyFile: $dir/cp/pki/kubelet-serving.key
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
syncFrequency: 5s
EOF
  start kubelet "$bin/kubelet" --config "$dir/kubelet.yaml" --kubeconfig "$dir/cp/kubelet.kubeconfig" \
    --root-dir "$dir/kubelet" --hostname-override lab-node --node-ip "$node_ip" --v 1
}

up() {
  need_pkgs containerd runc containernetworking-plugins iproute2 openssl
  bin=$("$root/hack/testbin.sh" kube-apiserver kubectl kube-scheduler kube-controller-manager kubelet)
  local k=("$bin/kubectl" --kubeconfig "$dir/kubeconfig")
  if [ -f "$dir/kubelet.pid" ] && "${k[@]}" get node lab-node >/dev/null 2>&1; then
    log "already running: export KUBECONFIG=$dir/kubeconfig"; return
  fi
  record
  links
  MULTINET_NODE_IP=$node_ip "$root/hack/cluster.sh" up "$dir/cp"
  ln -sf cp/kubeconfig "$dir/kubeconfig"
  mkdir -p "$dir/logs"
  "${k[@]}" apply -f "$root/config/crds/k8s.cni.cncf.io_network-attachment-definitions.yaml" >/dev/null
  local server
  server=$("${k[@]}" config view -o jsonpath='{.clusters[0].cluster.server}')
  start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$dir/cp/controller-manager.kubeconfig" \
    --service-account-private-key-file "$dir/cp/pki/sa.key" --root-ca-file "$dir/cp/pki/ca.crt" \
    --leader-elect=false --controllers '*,-node-ipam-controller' --use-service-account-credentials \
    --bind-address 127.0.0.1 --secure-port 0
  start kube-scheduler "$bin/kube-scheduler" --kubeconfig "$dir/cp/scheduler.kubeconfig" --leader-elect=false \
    --bind-address 127.0.0.1 --secure-port 0
  cni
  containerd_up
  images
  kubelet_up
  multus "$server"
  log "waiting for Multus (DaemonSet kube-system/kube-multus-ds) and node lab-node to be Ready"
  for _ in $(seq 300); do
    "${k[@]}" wait --for condition=Ready node/lab-node --timeout 1s >/dev/null 2>&1 && break; sleep 0.5
  done
  "${k[@]}" wait --for condition=Ready node/lab-node --timeout 1s >/dev/null || { log "node not Ready; see $dir/logs/kubelet.log"; exit 1; }
  for _ in $(seq 100); do "${k[@]}" get sa default >/dev/null 2>&1 && break; sleep 0.2; done
  cat > "$dir/env" <<EOF
KUBECONFIG=$dir/kubeconfig
MULTINET_NODE_DIR=$dir
MULTINET_NODE_CNI_BIN_DIR=$dir/cni/bin
MULTINET_NODE_CNI_CONF_DIR=$dir/cni/net.d
MULTINET_NODE_MASTER=$master
MULTINET_NODE_IMAGE=docker.io/multinet/multinet-cni:$image_tag
MULTINET_NODE_TESTPOD_IMAGE=docker.io/multinet/testpod:$image_tag
MULTINET_NODE_SERVER=$server
EOF
  log "ready: node lab-node ($node_ip); export KUBECONFIG=$dir/kubeconfig"
}

down() {
  stop_pid kubelet
  stop_pid kube-scheduler
  stop_pid kube-controller-manager
  # Pod processes and their shims belong to this containerd only; stop them before containerd.
  pkill -9 -f "containerd-shim-runc-v2 .*-address $dir/containerd/containerd.sock" 2>/dev/null || true
  local state
  for state in "$dir/containerd/state"/io.containerd.runtime.v2.task/k8s.io/*; do
    [ -f "$state/init.pid" ] && kill -9 "$(cat "$state/init.pid")" 2>/dev/null || true
  done
  stop_pid containerd
  sleep 0.5
  # Unmount everything under DIR and /run/containerd, deepest first.
  awk '{print $2}' /proc/mounts | { grep -E "^($dir|/run/containerd|/var/lib/kubelet)(/|$)" || true; } | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  if [ -f "$dir/host.saved" ]; then
    local kind a b
    while read -r kind a b; do
      case "$kind" in
        sysctl) sysctl -qw "$a=$b" || true ;;
        created) rm -rf "$a" ;;
      esac
    done < "$dir/host.saved"
    for n in $(ls /var/run/netns 2>/dev/null); do
      grep -qx "netns $n" "$dir/host.saved" && continue
      case "$n" in cni-*) umount -l "/var/run/netns/$n" 2>/dev/null || true; rm -f "/var/run/netns/$n" ;; esac
    done
  fi
  # Pods leave cgroup trees under every v1 hierarchy; remove ours deepest first.
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h/kubepods" ] || [ -d "$h/kubepods.slice" ] || continue
    find "$h"kubepods* -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  "$root/hack/cluster.sh" down "$dir/cp" >/dev/null 2>&1 || true
  ip link del "$master" 2>/dev/null || true
  ip link del "$bridge" 2>/dev/null || true
  local saved=""
  [ -f "$dir/host.saved" ] && saved=$(cat "$dir/host.saved")
  rm -rf "$dir"
  verify "$saved"
  log "stopped; host restored"
}

# verify fails when anything the node made is still on the host.
verify() { # verify SAVED-HOST-STATE
  local left=() kind a b
  grep -qE " ($dir|/run/containerd|/var/lib/kubelet)[/ ]" /proc/mounts && left+=("mounts under $dir")
  ip link show "$bridge" >/dev/null 2>&1 && left+=("link $bridge")
  ip link show "$master" >/dev/null 2>&1 && left+=("link $master")
  pgrep -f "$dir/" >/dev/null && left+=("processes of $dir")
  for h in /sys/fs/cgroup/*/; do [ -d "${h}kubepods" ] && left+=("cgroup ${h}kubepods"); done
  while read -r kind a b; do
    case "$kind" in
      sysctl) [ "$(sysctl -n "$a")" = "$b" ] || left+=("sysctl $a=$(sysctl -n "$a") (was $b)") ;;
      created) [ -e "$a" ] && left+=("$a") ;;
    esac
  done <<< "$1"
  for n in $(ls /var/run/netns 2>/dev/null); do
    case "$n" in cni-*) grep -qx "netns $n" <<< "$1" || left+=("netns $n") ;; esac
  done
  if [ ${#left[@]} -gt 0 ]; then
    log "left behind: ${left[*]}"
    return 1
  fi
}

case "$cmd" in
  up) up ;;
  down) down ;;
  images) images ;;
  *) echo "usage: hack/node.sh up|down|images DIR" >&2; exit 2 ;;
esac
