#!/usr/bin/env bash
# image.sh builds the multinet-cni image without a Docker engine: multinet-cni compiled for each
# platform and packed by hack/imagetar (go-containerregistry) into one OCI archive holding an image
# index, which `ctr images import` reads (the lab imports it) and `crane push` publishes.
#
#   hack/image.sh [OUT.tar]     default dist/multinet-cni-image.tar
#
# IMAGE (default ghcr.io/kubectl-multinet/multinet-cni:VERSION, as plugins.yaml names it), VERSION (default v0.1.0) and PLATFORMS
# (default linux/amd64,linux/arm64) can be set.
set -euo pipefail
log_tag=image; . "$(dirname "$0")/lib.sh"
version=${VERSION:-v0.1.0}
ref=${IMAGE:-ghcr.io/kubectl-multinet/multinet-cni:$version}
platforms=${PLATFORMS:-linux/amd64,linux/arm64}
out=${1:-$root/dist/multinet-cni-image.tar}
tool=$(imagetar)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for p in ${platforms//,/ }; do
  (cd "$root" && CGO_ENABLED=0 GOOS=${p%/*} GOARCH=${p#*/} go build -trimpath \
    -ldflags "-s -w -X main.version=$version" -o "$work/${p#*/}/multinet-cni" ./cmd/multinet-cni)
done
mkdir -p "$(dirname "$out")"
"$tool" -name "$ref" -o "$out" -entrypoint /multinet-cni -platforms "$platforms" "/multinet-cni=$work/{arch}/multinet-cni"
log "$out: $ref for $platforms"
