#!/usr/bin/env bash
# cluster.sh starts and stops a local control plane (etcd + kube-apiserver built by hack/testbin.sh)
# on 127.0.0.1, with its own CA, an admin kubeconfig and the CRDs of config/crds.
#
#   hack/cluster.sh up DIR     start (or reuse) the control plane whose state lives in DIR
#   hack/cluster.sh down DIR   stop it and remove DIR
#
# DIR/kubeconfig is the admin kubeconfig. Nothing is written outside DIR; only loopback is used.
# With MULTINET_NODES="NAME=IP ..." set (hack/node.sh does), the apiserver is set up for real nodes at
# those addresses: it listens on MULTINET_API_IP (the lab bridge), with Node+RBAC authorization,
# ServiceAccount admission, kubelet serving and client certificates and a kubeconfig per node, and
# kubeconfigs for kube-scheduler and kube-controller-manager.
# MULTINET_ETCD_FLAGS and MULTINET_APISERVER_FLAGS add flags (make bench-scale tunes both).
set -euo pipefail
log_tag=cluster; . "$(dirname "$0")/lib.sh"
cmd=${1:-}; dir=${2:-}
api_ip=${MULTINET_API_IP:-127.0.0.1}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: hack/cluster.sh up|down DIR" >&2; exit 2; }

stop() {
  for f in "$dir"/*.pid; do stop_pidfile "$f"; done
}

free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

kubeconfig() { # kubeconfig FILE CERT SERVER
  local k=(--kubeconfig "$dir/$1")
  "$bin/kubectl" config "${k[@]}" set-cluster local --server "$3" --certificate-authority "$dir/pki/ca.crt" --embed-certs >/dev/null
  "$bin/kubectl" config "${k[@]}" set-credentials "$2" --client-certificate "$dir/pki/$2.crt" --client-key "$dir/pki/$2.key" --embed-certs >/dev/null
  "$bin/kubectl" config "${k[@]}" set-context local --cluster local --user "$2" >/dev/null
  "$bin/kubectl" config "${k[@]}" use-context local >/dev/null
}

ready() { [ -f "$dir/kubeconfig" ] && "$bin/kubectl" --kubeconfig "$dir/kubeconfig" get --raw /readyz >/dev/null 2>&1; }

certs() {
  local pki=$dir/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=multinet-local-ca \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  issue() { # issue NAME SUBJECT [SAN]
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
    local ext=/dev/null
    if [ -n "${3:-}" ]; then ext=$pki/$1.ext; printf 'subjectAltName=%s\n' "$3" > "$ext"; fi
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 30 -extfile "$ext" -out "$pki/$1.crt" 2>/dev/null
  }
  issue apiserver /CN=kube-apiserver "IP:$api_ip,IP:10.0.0.1,DNS:localhost,DNS:kubernetes.default.svc"
  issue admin "/O=system:masters/CN=multinet-admin"
  if [ -n "${MULTINET_NODES:-}" ]; then
    local n
    for n in $MULTINET_NODES; do
      issue "kubelet-serving-${n%%=*}" "/CN=${n%%=*}" "IP:${n#*=},DNS:${n%%=*}"
      issue "kubelet-${n%%=*}" "/O=system:nodes/CN=system:node:${n%%=*}"
    done
    issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
    issue controller-manager /CN=system:kube-controller-manager
    issue scheduler /CN=system:kube-scheduler
  fi
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

up() {
  bin=$("$root/hack/testbin.sh")
  if ready; then log "already running: $dir/kubeconfig"; return; fi
  stop
  rm -rf "$dir" && mkdir -p "$dir/logs"
  dir=$(cd "$dir" && pwd)
  certs
  local etcd_port peer_port api_port
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  setsid "$bin/etcd" --name local --data-dir "$dir/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "local=http://127.0.0.1:$peer_port" --listen-metrics-urls "" ${MULTINET_ETCD_FLAGS:-} \
    > "$dir/logs/etcd.log" 2>&1 < /dev/null &
  echo $! > "$dir/etcd.pid"
  local mode=(--authorization-mode RBAC --disable-admission-plugins ServiceAccount)
  if [ -n "${MULTINET_NODES:-}" ]; then
    mode=(--authorization-mode Node,RBAC --kubelet-preferred-address-types InternalIP
      --allow-privileged=true --kubelet-client-certificate "$dir/pki/apiserver-kubelet-client.crt"
      --kubelet-client-key "$dir/pki/apiserver-kubelet-client.key" --kubelet-certificate-authority "$dir/pki/ca.crt")
  fi
  setsid "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address "$api_ip" --advertise-address "$api_ip" --secure-port "$api_port" \
    --endpoint-reconciler-type none \
    --tls-cert-file "$dir/pki/apiserver.crt" --tls-private-key-file "$dir/pki/apiserver.key" \
    --client-ca-file "$dir/pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$dir/pki/sa.pub" --service-account-signing-key-file "$dir/pki/sa.key" \
    --service-cluster-ip-range 10.0.0.0/24 "${mode[@]}" \
    --max-requests-inflight 1000 --max-mutating-requests-inflight 500 ${MULTINET_APISERVER_FLAGS:-} \
    > "$dir/logs/kube-apiserver.log" 2>&1 < /dev/null &
  echo $! > "$dir/kube-apiserver.pid"
  kubeconfig kubeconfig admin "https://$api_ip:$api_port"
  if [ -n "${MULTINET_NODES:-}" ]; then
    for c in controller-manager scheduler; do kubeconfig "$c.kubeconfig" "$c" "https://$api_ip:$api_port"; done
    for n in $MULTINET_NODES; do kubeconfig "kubelet-${n%%=*}.kubeconfig" "kubelet-${n%%=*}" "https://$api_ip:$api_port"; done
  fi
  log "waiting for kube-apiserver on $api_ip:$api_port"
  for _ in $(seq 600); do ready && break; sleep 0.1; done
  ready || { log "kube-apiserver did not become ready; see $dir/logs"; tail -5 "$dir/logs/kube-apiserver.log" >&2; exit 1; }
  for _ in $(seq 100); do "$bin/kubectl" --kubeconfig "$dir/kubeconfig" get ns default >/dev/null 2>&1 && break; sleep 0.1; done
  if [ -z "${MULTINET_NODES:-}" ]; then # a real node gets its CRDs from Multus and `kubectl multinet install`
    "$bin/kubectl" --kubeconfig "$dir/kubeconfig" apply -f "$root/config/crds" >/dev/null
    "$bin/kubectl" --kubeconfig "$dir/kubeconfig" wait --for condition=established --timeout 30s crd --all >/dev/null
  fi
  log "ready: export KUBECONFIG=$dir/kubeconfig"
}

case "$cmd" in
  up) up ;;
  down) stop; rm -rf "$dir"; log "stopped and removed $dir" ;;
  *) echo "usage: hack/cluster.sh up|down DIR" >&2; exit 2 ;;
esac
