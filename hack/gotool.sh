#!/usr/bin/env bash
# gotool.sh builds (once, cached) third-party binaries from their Go module wrappers under
# hack/testbin and prints where they are.
#
#   hack/gotool.sh whereabouts        whereabouts (IPAM, for interop and benchmarks); prints the binary
#   hack/gotool.sh multus             Multus v4: multus-daemon, multus-shim, install_multus, passthru
#                                     (thick) and multus, thin_entrypoint (thin); prints their directory
#   hack/gotool.sh plugins            reference CNI plugins (loopback, bridge, host-local, macvlan); prints their directory
#   hack/gotool.sh containerd         containerd 2.x, its runc shim and ctr; prints their directory
#   hack/gotool.sh kwok               kwok (simulated nodes and pods, for make bench-scale); prints the binary
set -euo pipefail
log_tag=gotool; . "$(dirname "$0")/lib.sh"
# Each tool: the wrapper module dir, the module, and OUT=PKG pairs (OUT is the binary's name).
case "${1:-}" in
  whereabouts)
    mod=github.com/k8snetworkplumbingwg/whereabouts
    bins=("whereabouts=$mod/cmd") ;;
  multus)
    mod=gopkg.in/k8snetworkplumbingwg/multus-cni.v4
    bins=("multus-daemon=$mod/cmd/multus-daemon" "multus-shim=$mod/cmd/multus-shim" "install_multus=$mod/cmd/install_multus"
      "passthru=$mod/cmd/passthru-cni" "multus=$mod/cmd/multus" "thin_entrypoint=$mod/cmd/thin_entrypoint") ;;
  plugins)
    mod=github.com/containernetworking/plugins
    bins=("loopback=$mod/plugins/main/loopback" "bridge=$mod/plugins/main/bridge" "macvlan=$mod/plugins/main/macvlan"
      "host-local=$mod/plugins/ipam/host-local") ;;
  containerd)
    mod=github.com/containerd/containerd/v2
    bins=("containerd=$mod/cmd/containerd" "containerd-shim-runc-v2=$mod/cmd/containerd-shim-runc-v2" "ctr=$mod/cmd/ctr") ;;
  kwok)
    mod=sigs.k8s.io/kwok
    bins=("kwok=$mod/cmd/kwok") ;;
  *) echo "usage: hack/gotool.sh whereabouts|multus|plugins|containerd|kwok" >&2; exit 2 ;;
esac
name=$1
# The version is the one hack/testbin/NAME/go.mod requires; the cache dir is keyed by that file.
version=$(pin "$name" "$mod")
cache=$cache_root/tools/$name-$version-$(modkey "$name")
ldflags="-s -w"
[ "$name" = containerd ] && ldflags="$ldflags -X $mod/version.Version=$version"
if [ ! -f "$cache/.done" ]; then
  log "building $name $version into $cache"
  rm -rf "$cache.tmp" && mkdir -p "$cache.tmp"
  for b in "${bins[@]}"; do
    (cd "$root/hack/testbin/$name" && GONOSUMDB=gopkg.in/k8snetworkplumbingwg,github.com/k8snetworkplumbingwg \
      CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$cache.tmp/${b%%=*}" "${b#*=}")
  done
  touch "$cache.tmp/.done"
  rm -rf "$cache" && mv "$cache.tmp" "$cache"
fi
if [ ${#bins[@]} -eq 1 ]; then echo "$cache/${bins[0]%%=*}"; else echo "$cache"; fi
