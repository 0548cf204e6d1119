# lib.sh holds what the hack scripts and .ci/run share. Source it after setting log_tag:
#
#   log_tag=node; . "$(dirname "$0")/lib.sh"
#
# Versions are pinned in one place: the go.mod of each wrapper module under hack/testbin (and
# hack/tools). A built tool is cached under a key derived from that go.mod and go.sum, so bumping
# a version can never reuse a stale binary.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-multinet

log() { printf '%s: %s\n' "${log_tag:-hack}" "$*" >&2; }

# need_pkgs PKG... installs the Debian packages that are not installed, refreshing the package
# lists only when an install from them fails.
need_pkgs() {
  local miss=() p
  for p in "$@"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || miss+=("$p")
  done
  [ ${#miss[@]} -eq 0 ] && return 0
  log "installing ${miss[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${miss[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${miss[@]}" >/dev/null; }
}

# stop_pidfile FILE stops the process FILE names (TERM, then KILL after 3 s) and removes FILE.
stop_pidfile() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

# pin MODDIR MODULE prints the version of MODULE that hack/testbin/MODDIR/go.mod (or hack/MODDIR/go.mod) requires.
pin() {
  local gomod=$root/hack/testbin/$1/go.mod
  [ -f "$gomod" ] || gomod=$root/hack/$1/go.mod
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$gomod"
}

# modkey MODDIR prints a short hash of the wrapper module's go.mod and go.sum: the cache key.
modkey() {
  local d=$root/hack/testbin/$1
  [ -d "$d" ] || d=$root/hack/$1
  cat "$d/go.mod" "$d/go.sum" | sha256sum | cut -c1-12
}

# imagetar prints hack/imagetar's binary (go-containerregistry's OCI archives), building it once
# for each version of its source and module.
imagetar() {
  local key tool
  key=$(cat "$root/hack/imagetar/go.mod" "$root/hack/imagetar/go.sum" "$root/hack/imagetar/main.go" | sha256sum | cut -c1-12)
  tool=$cache_root/tools/imagetar-$key/imagetar
  if [ ! -x "$tool" ]; then
    log "building hack/imagetar (go-containerregistry $(pin imagetar github.com/google/go-containerregistry))"
    (cd "$root/hack/imagetar" && go build -o "$tool" .)
  fi
  echo "$tool"
}
