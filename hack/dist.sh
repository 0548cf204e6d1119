#!/usr/bin/env bash
# dist.sh builds release archives for every krew platform into dist/ (with dist/SHA256SUMS) and renders
# dist/multinet.yaml from krew/multinet.yaml.
#
#   hack/dist.sh                       build archives, render the manifest for BASE_URL
#   hack/dist.sh render URL OUT.yaml   render the manifest for archives served at URL
#   hack/dist.sh index URL DIR         make DIR a krew index (a git repository holding
#                                      plugins/multinet.yaml) for archives served at URL
#
# VERSION (default v0.1.0) and BASE_URL (default: the GitHub release of VERSION) can be set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${VERSION:-v0.1.0}
out="$root/dist"

render() { # render BASE_URL OUT
  local manifest
  manifest=$(grep -v '^#' "$root/krew/multinet.yaml")
  manifest=${manifest//'${VERSION}'/$version}
  manifest=${manifest//'${BASE_URL}'/$1}
  while read -r sum archive; do
    local platform=${archive#kubectl-multinet_"${version}"_}
    platform=${platform%.tar.gz}
    manifest=${manifest//"\${SHA256_${platform}}"/$sum}
  done < "$out/SHA256SUMS"
  if grep -q '\${' <<<"$manifest"; then
    echo "dist: $2: unfilled placeholders; run hack/dist.sh first" >&2
    return 1
  fi
  printf '%s\n' "$manifest" > "$2"
}

index() { # index BASE_URL DIR: a git repository with plugins/multinet.yaml, one commit a version
  mkdir -p "$2/plugins"
  render "$1" "$2/plugins/multinet.yaml"
  [ -d "$2/.git" ] || git -C "$2" init -q -b main
  git -C "$2" add plugins/multinet.yaml
  git -C "$2" -c user.name=kubectl-multinet -c user.email=release@kubectl-multinet.invalid \
    commit -q --allow-empty -m "multinet $version"
}

case "${1:-}" in
  render) render "$2" "$3"; exit ;;
  index) index "$2" "$3"; exit ;;
esac

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
rm -rf "$out" && mkdir -p "$out"
for platform in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do
  os=${platform%/*} arch=${platform#*/}
  exe=kubectl-multinet; [ "$os" = windows ] && exe=kubectl-multinet.exe
  stage=$(mktemp -d)
  (cd "$root" && CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath \
    -ldflags "-s -w -X main.version=$version -X main.commit=$commit" -o "$stage/$exe" ./cmd/kubectl-multinet)
  cp "$root/LICENSE" "$root/README.md" "$stage/"
  [ "$os" = windows ] || cp "$root/hack/kubectl_complete-multinet" "$stage/"
  archive="kubectl-multinet_${version}_${os}_${arch}.tar.gz"
  tar -C "$stage" --owner=0 --group=0 --mtime='2026-01-01 00:00Z' --sort=name -czf "$out/$archive" .
  rm -rf "$stage"
  (cd "$out" && sha256sum "$archive" >> SHA256SUMS)
  echo "dist: $archive"
done
render "${BASE_URL:-https://github.com/kubectl-multinet/kubectl-multinet/releases/download/$version}" "$out/multinet.yaml"
echo "dist: dist/multinet.yaml"
