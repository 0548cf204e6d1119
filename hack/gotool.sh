#!/usr/bin/env bash
# gotool.sh builds (once, cached) a reference binary from its Go module wrapper under hack/testbin and
# prints its path.
#
#   hack/gotool.sh whereabouts   whereabouts (IPAM, for interop and benchmarks)
#   hack/gotool.sh multus        Multus CNI thin plugin (the meta plugin of the local node)
#   hack/gotool.sh multus-entrypoint   its DaemonSet entrypoint (thin_entrypoint), which installs it
set -euo pipefail
log_tag=gotool; . "$(dirname "$0")/lib.sh"
case "${1:-}" in
  whereabouts) mod=github.com/k8snetworkplumbingwg/whereabouts pkg=$mod/cmd ;;
  multus) mod=gopkg.in/k8snetworkplumbingwg/multus-cni.v4 pkg=$mod/cmd/multus ;;
  multus-entrypoint) mod=gopkg.in/k8snetworkplumbingwg/multus-cni.v4 pkg=$mod/cmd/thin_entrypoint ;;
  *) echo "usage: hack/gotool.sh whereabouts|multus|multus-entrypoint" >&2; exit 2 ;;
esac
name=$1
# The version is the one hack/testbin/<module>/go.mod requires; the cache dir is keyed by that file.
version=$(pin "${name%%-*}" "$mod")
cache=$cache_root/tools/$name-$version-$(modkey "${name%%-*}")
if [ ! -x "$cache/$name" ]; then
  log "building $name $version into $cache"
  mkdir -p "$cache"
  (cd "$root/hack/testbin/${name%%-*}" && GONOSUMDB=gopkg.in/k8snetworkplumbingwg,github.com/k8snetworkplumbingwg \
    CGO_ENABLED=0 go build -trimpath -o "$cache/$name.tmp" "$pkg")
  mv "$cache/$name.tmp" "$cache/$name"
fi
echo "$cache/$name"
