#!/usr/bin/env bash
# bench-attach.sh: 60 pods (30 a node) with one extra network created at once on the lab's two
# nodes (hack/node.sh, Multus thick), timed until all are Ready and until all are deleted with their
# pool empty: multinet-macvlan + multinet-ipam vs containernetworking macvlan + whereabouts
# (versions pinned in hack/testbin/plugins and hack/testbin/whereabouts), both under the same
# Multus, and two floors: the same pods with no extra network at all, and with an extra macvlan
# link but no IPAM (what Multus and the link cost whatever the plugins). Each round runs every
# stack, in an order that rotates from round to round, and the end prints medians and the goal's
# ratio. Needs root.
#
#   ROUNDS=3 PODS=60 hack/bench-attach.sh     (the lab stays up; stop it with hack/node.sh down _out/bench-node)
set -euo pipefail
log_tag=bench-attach; . "$(dirname "$0")/lib.sh"
plugins=$(pin plugins github.com/containernetworking/plugins)
dir=${NODE_DIR:-$root/_out/bench-node}
rounds=${ROUNDS:-3}
pods=${PODS:-60}
"$root/hack/node.sh" up "$dir"
set -a; . "$dir/env"; set +a
k=("$("$root/hack/testbin.sh")/kubectl")
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$dir/kubectl-multinet" ./cmd/kubectl-multinet)
nodes=($MULTINET_NODES)
for n in "${nodes[@]}"; do # each node has its own copy of the CNI dirs (docs/lab.md)
  fs=$dir/nodes/$n/fs
  cp "$("$root/hack/gotool.sh" plugins)/macvlan" "$fs$MULTINET_NODE_CNI_BIN_DIR/macvlan"
  cp "$("$root/hack/gotool.sh" whereabouts)" "$fs$MULTINET_NODE_CNI_BIN_DIR/whereabouts"
  mkdir -p "$fs$MULTINET_NODE_CNI_CONF_DIR/whereabouts.d"
  printf '{"datastore": "kubernetes", "kubernetes": {"kubeconfig": "%s"}}\n' "$dir/cp/kubeconfig" > "$fs$MULTINET_NODE_CNI_CONF_DIR/whereabouts.d/whereabouts.conf"
done
"${k[@]}" apply -f "$root/config/crds/whereabouts.cni.cncf.io_ippools.yaml" -f "$root/config/crds/whereabouts.cni.cncf.io_overlappingrangeipreservations.yaml" >/dev/null
"$dir/kubectl-multinet" install --image "$MULTINET_NODE_IMAGE" --cni-bin-dir "$MULTINET_NODE_CNI_BIN_DIR" \
  --cni-conf-dir "$MULTINET_NODE_CNI_CONF_DIR" --apiserver "$MULTINET_NODE_SERVER" --wait >/dev/null

nad() { # nad NS STACK
  local ipam
  if [ "$2" = link ]; then
    printf '{"cniVersion":"0.4.0","name":"bench","type":"macvlan","master":"%s","mode":"bridge"}' "$MULTINET_NODE_MASTER"
  elif [ "$2" = ours ]; then
    ipam='{"type":"multinet-ipam","range":"172.30.10.0/24","configuration_path":"'$MULTINET_NODE_CNI_CONF_DIR/multinet.d/multinet-ipam.conf'"}'
    printf '{"cniVersion":"0.4.0","name":"bench","type":"multinet-macvlan","master":"%s","mode":"bridge","ipam":%s}' "$MULTINET_NODE_MASTER" "$ipam"
  else
    ipam='{"type":"whereabouts","range":"172.30.11.0/24","configuration_path":"'$MULTINET_NODE_CNI_CONF_DIR/whereabouts.d/whereabouts.conf'"}'
    printf '{"cniVersion":"0.4.0","name":"bench","type":"macvlan","master":"%s","mode":"bridge","ipam":%s}' "$MULTINET_NODE_MASTER" "$ipam"
  fi
}

manifest() { # manifest NS STACK
  local annot=", annotations: {k8s.v1.cni.cncf.io/networks: bench}"
  if [ "$2" = none ]; then
    annot=""
  else
    printf 'apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: bench, namespace: %s}\nspec:\n  config: %s\n' "$1" "'$(nad "$1" "$2")'"
  fi
  for i in $(seq "$pods"); do
    printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d, namespace: %s%s}\n' "$i" "$1" "$annot"
    printf 'spec:\n  nodeSelector: {kubernetes.io/hostname: %s}\n  terminationGracePeriodSeconds: 0\n  containers: [{name: app, image: %s, imagePullPolicy: Never}]\n' \
      "${nodes[$((i % ${#nodes[@]}))]}" "$MULTINET_NODE_TESTPOD_IMAGE"
  done
}

allocated() { # allocated STACK: addresses the stack's pool holds
  if [ "$1" = none ] || [ "$1" = link ]; then
    echo 0
  elif [ "$1" = ours ]; then
    "${k[@]}" get ipallocations -n kube-system -o name | wc -l
  else
    "${k[@]}" get ippools -n kube-system -o jsonpath='{range .items[*]}{range .spec.allocations.*}x{"\n"}{end}{end}' 2>/dev/null | grep -c x || true
  fi
}

now() { date +%s.%N; }

# cpu prints the CPU seconds used so far by: the kubelets, the containerds with their shims and runc
# (the rest of the cgroups mnlab-X.node), the Multus daemons themselves, the delegates they ran (their children's
# time: macvlan, multinet-macvlan, multinet-ipam, whereabouts, the primary network's plugins), our
# node agents, the pods' other processes (the cgroups mnlab-X less the two before), and the control
# plane. The lab runs on this machine's cores, so these show where a round's time went.
cpu() {
  local daemons=0 pods=0 g
  for g in /sys/fs/cgroup/cpuacct/mnlab-*.node; do
    daemons=$((daemons + $(cat "$g/cpuacct.usage")))
    pods=$((pods + $(cat "${g%.node}/cpuacct.usage")))
  done
  ticks() { local p; for p in $(pgrep -f "$1"); do sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null; done | awk -v f="$2" '{ t += $(f) + $(f + 1) } END { print t + 0 }'; }
  awk -v d="$daemons" -v p="$pods" -v hz="$(getconf CLK_TCK)" -v k="$(ticks '/kubelet ' 12)" -v m="$(ticks multus-daemon 12)" -v c="$(ticks multus-daemon 14)" \
    -v a="$(ticks 'multinet-cni node agent' 12)" -v cp="$(ticks 'kube-apiserver|etcd --|kube-controller-manager|kube-scheduler' 12)" \
    'BEGIN { printf "%.2f %.2f %.2f %.2f %.2f %.2f %.2f\n", k / hz, d / 1e9 - k / hz, m / hz, c / hz, a / hz, p / 1e9 - (m + c + a) / hz, cp / hz }'
}
cpudiff() { awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); split(b, y, " "); for (i = 1; i <= n; i++) printf "%s%.1f", (i > 1 ? " | " : ""), y[i] - x[i] }'; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# quiet waits (up to 30 s) until the nodes' daemons use under 0.3 CPU seconds a second: containerd
# and the kubelets go on cleaning up after a round, and a round started then pays for it.
quiet() {
  local a b
  for _ in $(seq 30); do
    a=$(cpu); sleep 1; b=$(cpu)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); exit !((y[1] + y[2]) - (x[1] + x[2]) < 0.3) }' && return
  done
}

run() { # run STACK ROUND
  local ns=bench-$1-$2 t ready gone retries
  quiet
  "${k[@]}" create namespace "$ns" >/dev/null
  for _ in $(seq 50); do "${k[@]}" get sa default -n "$ns" >/dev/null 2>&1 && break; sleep 0.1; done
  manifest "$ns" "$1" > "$dir/$ns.yaml"
  t=$(now)
  c=$(cpu)
  "${k[@]}" apply -f "$dir/$ns.yaml" >/dev/null
  "${k[@]}" wait --for condition=Ready pod --all -n "$ns" --timeout 300s >/dev/null
  ready=$(since "$t")
  c=$(cpudiff "$c" "$(cpu)")
  retries=$("${k[@]}" get events -n "$ns" --field-selector reason=FailedCreatePodSandBox -o name | wc -l)
  t=$(now)
  "${k[@]}" delete pods --all -n "$ns" --wait --timeout 300s >/dev/null
  for _ in $(seq 600); do [ "$(allocated "$1")" -eq 0 ] && break; sleep 0.1; done
  gone=$(since "$t")
  [ "$(allocated "$1")" -eq 0 ] || gone="$gone (pool not empty: $(allocated "$1") left)"
  "${k[@]}" delete namespace "$ns" --wait=false >/dev/null
  echo "| $1 | $2 | $ready s | $gone s | $retries | $c |"
}

stacks=(ours ref none link)
results=$dir/bench-attach.results
: > "$results"
echo "| stack | round | $pods pods Ready (${#nodes[@]} nodes, Multus $MULTINET_MULTUS_MODE) | deleted, pool empty | sandbox failures (events) | CPU s until Ready: kubelets | containerds, shims, runc | Multus daemons | their delegates | our agents | pods' other processes | control plane |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for r in $(seq "$rounds"); do
  for i in $(seq 0 $((${#stacks[@]} - 1))); do
    run "${stacks[$(((i + r - 1) % ${#stacks[@]}))]}" "$r" | tee -a "$results"
  done
done
# The goal: ours' time to Ready above the floor (none) at most 0.25x the reference's, by medians
# and round by round; and the CPU that the extra network's parts (Multus, delegates, agents, control
# plane) used above the floor, summed over the rounds.
awk -F'|' '
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    s = $2; gsub(/ /, "", s); r = $3 + 0; ready[s, r] = $4 + 0; rounds[r] = 1
    cpu[s, r] = $9 + $10 + $11 + $13; failures[s] += $6
  }
  END {
    for (r in rounds) { n++; o[n] = ready["ours", r]; e[n] = ready["ref", r]; z[n] = ready["none", r]; l[n] = ready["link", r]
      above_o = ready["ours", r] - ready["none", r]; above_e = ready["ref", r] - ready["none", r]
      if (above_e > 0 && above_o <= 0.25 * above_e) met++
      co += cpu["ours", r] - cpu["none", r]; ce += cpu["ref", r] - cpu["none", r]; cl += cpu["link", r] - cpu["none", r] }
    mo = median(o, n); me = median(e, n); mz = median(z, n); ml = median(l, n)
    printf "medians over %d rounds: ours %.1f s, ref %.1f s, none %.1f s, link %.1f s\n", n, mo, me, mz, ml
    printf "above the floor: ours %.1f s, ref %.1f s: %.2fx (goal 0.25x); met in %d of %d rounds\n", mo - mz, me - mz, (me > mz ? (mo - mz) / (me - mz) : 0), met, n
    printf "above the link floor: ours %.1f s, ref %.1f s: %.2fx\n", mo - ml, me - ml, (me > ml ? (mo - ml) / (me - ml) : 0)
    printf "sandbox failures: ours %d, ref %d, none %d, link %d\n", failures["ours"], failures["ref"], failures["none"], failures["link"]
    printf "CPU s above the floor in Multus, delegates, agents and control plane, summed: ours %.1f, ref %.1f, link %.1f: %.2fx\n", co, ce, cl, (ce > 0 ? co / ce : 0)
  }' "$results"
echo "bench-attach: ours = multinet-macvlan + multinet-ipam; ref = macvlan $plugins + whereabouts $(pin whereabouts github.com/k8snetworkplumbingwg/whereabouts); none = no extra network (the floor); link = macvlan with no IPAM; the lab stays up: hack/node.sh down $dir" >&2
