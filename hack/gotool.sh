#!/usr/bin/env bash
# gotool.sh builds (once, cached) a reference binary from its Go module wrapper under hack/testbin and
# prints its path.
#
#   hack/gotool.sh whereabouts   whereabouts v0.9.3 (IPAM, for interop and benchmarks)
#   hack/gotool.sh multus        Multus CNI thin plugin v4.2.3 (the meta plugin of the local node)
#   hack/gotool.sh multus-entrypoint   its DaemonSet entrypoint (thin_entrypoint), which installs it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
  whereabouts) version=v0.9.3 pkg=github.com/k8snetworkplumbingwg/whereabouts/cmd ;;
  multus) version=v4.2.3 pkg=gopkg.in/k8snetworkplumbingwg/multus-cni.v4/cmd/multus ;;
  multus-entrypoint) version=v4.2.3 pkg=gopkg.in/k8snetworkplumbingwg/multus-cni.v4/cmd/thin_entrypoint ;;
  *) echo "usage: hack/gotool.sh whereabouts|multus|multus-entrypoint" >&2; exit 2 ;;
esac
name=$1
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-multinet/tools/$name-$version
if [ ! -x "$cache/$name" ]; then
  echo "gotool: building $name $version into $cache" >&2
  mkdir -p "$cache"
  (cd "$root/hack/testbin/${name%%-*}" && GONOSUMDB=gopkg.in/k8snetworkplumbingwg,github.com/k8snetworkplumbingwg \
    CGO_ENABLED=0 go build -trimpath -o "$cache/$name.tmp" "$pkg")
  mv "$cache/$name.tmp" "$cache/$name"
fi
echo "$cache/$name"
