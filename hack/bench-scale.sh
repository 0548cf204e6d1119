#!/usr/bin/env bash
# bench-scale.sh: the local control plane (etcd and kube-apiserver tuned for it, see below) and kwok
# simulating NODES (1,000) nodes; then, for each pod count of STEPS (10,000 30,000 100,000), the
# scale data set (hack/bench/scale.go: pods of every network shape, 2,000 NADs, 500 IPPools, one
# IPAllocation a pod, DRA claims, sandbox-failure events) grown to that count, and one table of
# wall time and peak RSS (median of RUNS) for:
#   a raw metadata list, kubectl-multinet status -A -o json (consistent, and from the watch cache
#   with --cached-read), doctor -A, graph -A (a summary at this size) and kubectl get pods -A -o json,
# with kube-apiserver's and etcd's memory. Output is markdown for docs/benchmarks.md. The control
# plane keeps running; KEEP=0 stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log_tag=bench-scale; . "$root/hack/lib.sh"
dir=$root/_out/bench-scale
steps=${STEPS:-10000 30000 100000}
runs=${RUNS:-3}
nodes=${NODES:-1000}
testbin=$("$root/hack/testbin.sh")
kwok=$("$root/hack/gotool.sh" kwok)
# etcd: a backend quota above the 2 GiB default (100k pods, 100k allocations and kwok's status
# writes). kube-apiserver keeps its 5-minute compaction: with 1 minute, every paginated list longer
# than a minute failed at 100k pods ("continue parameter is too old": kubectl's, ipam gc's).
MULTINET_ETCD_FLAGS="--quota-backend-bytes=8589934592" "$root/hack/cluster.sh" up "$dir"
export KUBECONFIG=$dir/kubeconfig
bench=$dir/bench
(cd "$root" && go build -o "$bench" ./hack/bench && go build -o "$dir/kubectl-multinet" ./cmd/kubectl-multinet)
# start_kwok starts kwok with its own "fast" stages, read from its module: nodes become Ready and
# keep a lease, pods run, and deleted pods go.
start_kwok() {
  local stages config=() f
  stages=$(cd "$root/hack/testbin/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
  for f in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
    config+=(--config "$stages/$f.yaml")
  done
  setsid "$kwok" --kubeconfig "$KUBECONFIG" "${config[@]}" --manage-all-nodes=false --node-lease-duration-seconds 40 \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --cidr 10.128.0.0/10 --node-ip 10.0.0.1 \
    >> "$dir/logs/kwok.log" 2>&1 < /dev/null &
  echo $! > "$dir/kwok.pid" # hack/cluster.sh down stops every DIR/*.pid
}
pgrep -f "$kwok .*--kubeconfig $KUBECONFIG" >/dev/null || start_kwok
# tui_measure: kubectl multinet tui -A in a detached tmux window: seconds to the first frame with the
# pods in, seconds from creating one pod to the frame that counts it (applied from the watch), and the
# TUI's peak memory. Key and filter latencies are the model benchmarks' (go test ./pkg/tui -bench .).
tui_measure() {
  local s=mn-scale-tui-$$ t0 t1 t2 t3 n pid hwm pod=tui-probe-$$
  command -v tmux >/dev/null || { echo "tui: not measured (tmux is missing)"; return 0; }
  pods_shown() { tmux capture-pane -p -t "$s" | sed -n 's/^kubectl multinet  \([0-9]*\) pods .*updated.*/\1/p' | head -1; }
  wait_for() { # wait_for TEST: poll the screen until TEST holds, for up to 10 minutes
    local i
    for i in $(seq 3000); do eval "$1" && return 0; sleep 0.2; done
    return 1
  }
  t0=$(date +%s.%N)
  tmux new-session -d -s "$s" -x 200 -y 50 "env NO_COLOR=1 KUBECONFIG=$KUBECONFIG $dir/kubectl-multinet tui -A --refresh 1s"
  if ! wait_for '[ "$(pods_shown)" -gt 0 ] 2>/dev/null'; then
    echo "tui: no frame with pods within 10 minutes: $(tmux capture-pane -p -t "$s" | head -1)"
    tmux kill-session -t "$s"; return 0
  fi
  t1=$(date +%s.%N); n=$(pods_shown)
  printf '%s\n' "apiVersion: v1" "kind: Pod" \
    "metadata: {name: $pod, namespace: scale-00, annotations: {k8s.v1.cni.cncf.io/networks: net-00}}" \
    "spec: {nodeName: kwok-node-0000, containers: [{name: c, image: docker.io/multinet/app:bench}]}" |
    "$testbin/kubectl" create -f - >/dev/null || { echo "tui: could not create the probe pod"; tmux kill-session -t "$s"; return 0; }
  t2=$(date +%s.%N)
  wait_for '[ "$(pods_shown)" -gt "$n" ] 2>/dev/null' || echo "tui: the new pod never showed"
  t3=$(date +%s.%N)
  pid=$(pgrep -f "^$dir/kubectl-multinet tui -A" | head -1)
  hwm=$(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$pid/status" 2>/dev/null)
  tmux send-keys -t "$s" q; sleep 1; tmux kill-session -t "$s" 2>/dev/null || true
  "$testbin/kubectl" delete pod -n scale-00 "$pod" --wait=false >/dev/null || true
  echo "tui -A: first frame with $n pods after $(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s; a new pod shown $(awk "BEGIN {printf \"%.1f\", $t3 - $t2}") s after its create (from the watch, refresh 1 s); peak RSS $hwm"
}

mem() { # mem NAME: resident and peak memory of a control-plane process
  local pid; pid=$(cat "$dir/$1.pid")
  awk '/VmRSS|VmHWM/ {printf "%s %.0f MB ", $1, $2/1024}' "/proc/$pid/status"
}
have=$(cat "$dir/seeded" 2>/dev/null || echo 0) # pods seeded with everything around them
for n in $steps; do
  if [ "$have" -lt "$n" ]; then
    "$bench" scale-seed -from "$have" -to "$n" -nodes "$nodes"
    have=$n
    echo "$have" > "$dir/seeded"
  fi
  log "waiting for kwok to run the $n pods"
  # kwok v0.8.0 once stopped patching pods after 73k of them, with 27k Pending and no log line for
  # 20 minutes; a restart resumed it. A minute with neither the Pending count nor kwok's log moving
  # is taken as such a stall.
  last=-1 still=0
  for _ in $(seq 600); do
    pending=$("$testbin/kubectl" get pods -A --field-selector=status.phase!=Running --no-headers 2>/dev/null | wc -l)
    [ "$pending" -eq 0 ] && break
    progress="$pending $(stat -c %s "$dir/logs/kwok.log")"
    if [ "$progress" = "$last" ]; then still=$((still + 1)); else still=0 last=$progress; fi
    if [ "$still" -ge 12 ]; then
      log "kwok made no progress for a minute with $pending pods not Running; restarting it"
      kill "$(cat "$dir/kwok.pid")" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$(cat "$dir/kwok.pid")" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$(cat "$dir/kwok.pid")" 2>/dev/null || true
      start_kwok
      still=0
    fi
    sleep 5
  done
  echo
  echo "### $n pods on $nodes kwok nodes ($(nproc) cores; $pending not Running)"
  echo
  # The watch-cache read answers in one piece, so kube-apiserver holds the whole list at once; it is
  # measured up to CACHED_MAX pods (30,000) so the machine keeps the memory for kubectl at 100,000.
  cached=()
  [ "$n" -le "${CACHED_MAX:-30000}" ] && cached=("… --cached-read=$dir/kubectl-multinet" status -A -o json --cached-read ";;")
  "$bench" measure -runs "$runs" -- \
    "metadata-list=$bench" metadata-list ";;" \
    "kubectl-multinet status -A -o json=$dir/kubectl-multinet" status -A -o json ";;" \
    "${cached[@]}" \
    "kubectl-multinet doctor -A -o json=$dir/kubectl-multinet" doctor -A -o json --fail-on never ";;" \
    "kubectl-multinet graph -A=$dir/kubectl-multinet" graph -A ";;" \
    "kubectl get pods -A -o json=$testbin/kubectl" get pods -A -o json
  echo
  tui_measure
  echo
  echo "kube-apiserver: $(mem kube-apiserver); etcd: $(mem etcd)"
done
# CPU profiles of status and doctor at the last step: where their time goes.
for c in status doctor; do
  "$dir/kubectl-multinet" "$c" -A -o json --profile cpu --profile-output "$dir/$c.cpu.pprof" > /dev/null || true
  echo
  echo "### where $c -A -o json spends its CPU at $have pods (go tool pprof -top $dir/$c.cpu.pprof)"
  echo
  echo '```'
  (cd "$root" && go tool pprof -top -nodecount 25 "$dir/$c.cpu.pprof" 2>&1 | sed -n '1,32p') || true
  echo '```'
done
# logs --all-nodes over every kwok node: kwok runs the debug pods but no kubelet serves their logs,
# so this measures the fan-out, the per-node timeout, the summary of silent nodes and the cleanup.
echo
echo "### logs --all-nodes on $nodes kwok nodes (--parallel 100 --node-timeout 10s)"
echo
t0=$(date +%s.%N)
code=0
"$dir/kubectl-multinet" logs --all-nodes --parallel 100 --node-timeout 10s --image docker.io/multinet/multinet-cni:bench \
  --cni-conf-dir /etc/cni/net.d > "$dir/logs-all.txt" 2> "$dir/logs-all.err" || code=$?
t1=$(date +%s.%N)
echo "finished in $(awk "BEGIN {printf \"%.1f\", $t1 - $t0}") s, exit $code; $(grep -c 'did not answer' "$dir/logs-all.txt") nodes listed as silent; \
$("$testbin/kubectl" get pods -n kube-system -l app.kubernetes.io/component=logs --no-headers 2>/dev/null | wc -l) debug pods left; stderr: $(head -c 300 "$dir/logs-all.err")"

# multinet-ipam among those allocations (through its node agent, as installed): sequential ADDs on
# a new /16, then on a /20 at 90 % use; then ipam usage and ipam gc over all of them.
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$dir/multinet-ipam" ./cmd/multinet-cni)
ln -sf multinet-ipam "$dir/multinet-cni"
ns=multinet-scale-$$
ip netns add "$ns"
"$dir/multinet-cni" node serve --kubeconfig "$KUBECONFIG" --socket "$dir/agent.sock" > "$dir/logs/agent.log" 2>&1 &
agent=$!
trap 'kill $agent 2>/dev/null; ip netns del "$ns" 2>/dev/null || true' EXIT
"$bench" scale-fill -range 10.202.0.0/20 -network fill-20 -fraction 0.9
echo
echo "### multinet-ipam with $("$testbin/kubectl" get ipallocations -A --no-headers | wc -l) allocations"
echo
echo "| IPAM | phase | calls | at once | throughput | p50 | p99 | max | correctness |"
echo "|---|---|---|---|---|---|---|---|---|"
"$bench" ipam -plugin "$dir/multinet-ipam" -label "new /16" -agent-socket "$dir/agent.sock" -netns "/var/run/netns/$ns" -n 200 -c 1 -range 10.201.0.0/16
"$bench" ipam -plugin "$dir/multinet-ipam" -label "/20 at 90 %" -agent-socket "$dir/agent.sock" -netns "/var/run/netns/$ns" -n 200 -c 1 -range 10.202.0.0/20 -network fill-20
echo
"$bench" measure -runs "$runs" -- \
  "kubectl-multinet ipam usage=$dir/kubectl-multinet" ipam usage ";;" \
  "kubectl-multinet ipam gc=$dir/kubectl-multinet" ipam gc
if [ "${KEEP:-1}" = 0 ]; then "$root/hack/cluster.sh" down "$dir"; else log "still running; stop with: hack/cluster.sh down $dir"; fi
