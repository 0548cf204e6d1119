#!/usr/bin/env bash
# whereabouts.sh builds (once, cached) whereabouts v0.9.3 from its Go module and prints the binary's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-multinet/tools/whereabouts-v0.9.3
if [ ! -x "$cache/whereabouts" ]; then
  echo "whereabouts: building v0.9.3 into $cache" >&2
  mkdir -p "$cache"
  (cd "$root/hack/testbin/whereabouts" && CGO_ENABLED=0 go build -trimpath -o "$cache/whereabouts.tmp" github.com/k8snetworkplumbingwg/whereabouts/cmd)
  mv "$cache/whereabouts.tmp" "$cache/whereabouts"
fi
echo "$cache/whereabouts"
