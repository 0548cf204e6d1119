#!/usr/bin/env bash
# testbin.sh builds the local control plane's binaries (kube-apiserver, kubectl, ... from the
# k8s.io/kubernetes Go module, etcd from go.etcd.io/etcd/server/v3) into a versioned cache outside the
# repo and prints that directory on stdout. Binaries already in the cache are reused.
#
#   hack/testbin.sh [CMD ...]     default CMDs: kube-apiserver kubectl (etcd is always included)
set -euo pipefail

log_tag=testbin; . "$(dirname "$0")/lib.sh"
# Versions come from hack/testbin/{k8s,etcd}/go.mod; the cache dir is keyed by those files.
k8s_version=$(pin k8s k8s.io/kubernetes)
etcd_version=$(pin etcd go.etcd.io/etcd/server/v3)
dir=${MULTINET_TESTBIN:-$cache_root/testbin/k8s-${k8s_version}-$(modkey k8s)_etcd-${etcd_version}-$(modkey etcd)}
mkdir -p "$dir"

cmds=("$@")
[ ${#cmds[@]} -gt 0 ] || cmds=(kube-apiserver kubectl)

# progress turns `go build -v` package lines into a heartbeat.
progress() {
  awk -v what="$1" '{ n++; if (n % 200 == 0) { printf "testbin: %s: %d packages compiled\n", what, n > "/dev/stderr"; fflush() } }
    END { printf "testbin: %s: %d packages compiled, linking done\n", what, n > "/dev/stderr" }'
}

build() { # build MODULE_DIR OUT_DIR LDFLAGS PKG...
  local mod=$1 out=$2 ldflags=$3; shift 3
  (cd "$root/hack/testbin/$mod" && CGO_ENABLED=0 go build -v -trimpath -ldflags "$ldflags" -o "$out/" "$@") 2>&1 | progress "$mod"
  test "${PIPESTATUS[0]}" -eq 0
}

tmps=()
trap 'rm -rf "${tmps[@]}"' EXIT
missing=()
for c in "${cmds[@]}"; do [ -x "$dir/$c" ] || missing+=("$c"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "building ${missing[*]} from k8s.io/kubernetes ${k8s_version} into $dir (first time: ~15 min on 2 cores)"
  start=$(date +%s)
  tmp=$(mktemp -d "$dir/.build.XXXXXX"); tmps+=("$tmp")
  minor=${k8s_version#v1.}; minor=${minor%%.*}
  vpkg=k8s.io/component-base/version
  pkgs=()
  for c in "${missing[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  build k8s "$tmp" "-s -w -X $vpkg.gitVersion=${k8s_version} -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=${minor} -X $vpkg.gitTreeState=clean" "${pkgs[@]}"
  mv "$tmp"/* "$dir/"
  log "built ${missing[*]} in $(( $(date +%s) - start )) s"
fi
if [ ! -x "$dir/etcd" ]; then
  log "building etcd ${etcd_version}"
  tmp=$(mktemp -d "$dir/.build.XXXXXX"); tmps+=("$tmp")
  build etcd "$tmp" "-s -w" go.etcd.io/etcd/server/v3
  mv "$tmp"/* "$dir/etcd"
fi
echo "$dir"
