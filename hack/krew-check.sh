#!/usr/bin/env bash
# krew-check.sh validates the krew manifest the way krew-index CI does: krew v0.4.4's
# validate-krew-manifest, which also runs `kubectl krew install --manifest` for every platform,
# downloading the archives make dist built from a local HTTP server. Then it installs the plugin as a
# user of our custom index would, with the real krew and an empty KREW_ROOT: `kubectl krew index
# add` of a local index repository (hack/dist.sh index), `kubectl krew install INDEX/multinet`, and
# `kubectl multinet version`. Needs dist/ (make dist), kubectl and git.
set -euo pipefail
log_tag=krew-check; . "$(dirname "$0")/lib.sh"
krew=$(pin tools sigs.k8s.io/krew)
tools=$cache_root/tools/krew-$krew-$(modkey tools)
if [ ! -x "$tools/kubectl-krew" ] || [ ! -x "$tools/validate-krew-manifest" ] || [ ! -x "$tools/fileserve" ]; then
  log "building krew $krew and its validator into $tools"
  mkdir -p "$tools"
  (cd "$root/hack/tools" && go build -o "$tools/" sigs.k8s.io/krew/cmd/validate-krew-manifest ./fileserve &&
    go build -o "$tools/kubectl-krew" sigs.k8s.io/krew/cmd/krew)
fi
[ -f "$root/dist/SHA256SUMS" ] || { echo "krew-check: no dist/SHA256SUMS; run make dist" >&2; exit 1; }
work=$(mktemp -d)
"$tools/fileserve" -dir "$root/dist" > "$work/url" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/url" ] && break; sleep 0.1; done
"$root/hack/dist.sh" render "$(cat "$work/url")" "$work/multinet.yaml"
testbin=$("$root/hack/testbin.sh")
PATH="$tools:$testbin:$PATH" "$tools/validate-krew-manifest" -manifest "$work/multinet.yaml" 2>&1 | sed 's/^/krew-check: /'
test "${PIPESTATUS[0]}" -eq 0

"$root/hack/dist.sh" index "$(cat "$work/url")" "$work/index"
export KREW_ROOT=$work/krew KREW_NO_UPGRADE_CHECK=1
export PATH="$KREW_ROOT/bin:$tools:$testbin:$PATH"
kubectl krew index add multinet-local "$work/index" 2>&1 | sed 's/^/krew-check: /'
kubectl krew install multinet-local/multinet </dev/null 2>&1 | sed 's/^/krew-check: /'
test "${PIPESTATUS[0]}" -eq 0
got=$(kubectl multinet version)
log "installed from the index: $got"
grep -q "${VERSION:-v0.1.0}" <<<"$got" || { echo "krew-check: kubectl multinet version printed '$got', want ${VERSION:-v0.1.0}" >&2; exit 1; }
