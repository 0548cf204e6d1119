#!/usr/bin/env bash
# vmtest.sh is a `go test -exec` adapter: it runs a (static, CGO_ENABLED=0) test binary as PID 1's
# child inside a QEMU TCG guest booting Debian's cloud kernel, for tests this host's kernel cannot
# run (it has no ipvlan). The guest's initramfs holds busybox, the kernel's veth/macvlan/ipvlan/dummy
# modules, the test binary and the files of $VMTEST_FILES (a directory copied to /vmtest/files).
# The kernel and its modules are downloaded once (apt-get download) and cached.
#
#   CGO_ENABLED=0 go test -tags vmtest -exec hack/vmtest.sh ./pkg/cni -run IPvlan
set -euo pipefail
log_tag=vmtest; . "$(dirname "$0")/lib.sh"
bin=$1; shift
cache=$cache_root/vm

need_pkgs qemu-system-x86 busybox-static cpio

# The cloud kernel: the target of the linux-image-cloud-amd64 meta package.
kernel_dir=$(ls -d "$cache"/linux-image-* 2>/dev/null | head -1 || true)
if [ -z "$kernel_dir" ] || [ ! -f "$kernel_dir/vmlinuz" ]; then
  mkdir -p "$cache"
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  work=$(mktemp -d)
  if ! (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1); then
    apt-get update -qq
    pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
    (cd "$work" && apt-get download "$pkg" >/dev/null)
  fi
  log "unpacking $pkg"
  dpkg -x "$work"/*.deb "$work/x"
  kernel_dir=$cache/$pkg
  mkdir -p "$kernel_dir"
  cp "$work"/x/boot/vmlinuz-* "$kernel_dir/vmlinuz"
  for m in drivers/net/ipvlan/ipvlan.ko drivers/net/macvlan.ko drivers/net/veth.ko drivers/net/dummy.ko; do
    f=$(find "$work/x/lib/modules" -path "*/$m*" | head -1)
    case "$f" in
      *.xz) xz -dc "$f" > "$kernel_dir/$(basename "${m}")" ;;
      *.zst) zstd -qdc "$f" > "$kernel_dir/$(basename "${m}")" ;;
      *) cp "$f" "$kernel_dir/" ;;
    esac
  done
  rm -rf "$work"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,sbin,proc,sys,dev,tmp,run,var/run/netns,vmtest/files,etc}
cp /bin/busybox "$work/bin/busybox"
for a in sh mount insmod ping ip cat echo reboot mkdir sleep ls; do ln -sf busybox "$work/bin/$a"; done
cp "$kernel_dir"/*.ko "$work/vmtest/"
cp "$bin" "$work/vmtest/test"
[ -n "${VMTEST_FILES:-}" ] && cp -a "$VMTEST_FILES"/. "$work/vmtest/files/"
args=""
for a in "$@"; do args+=" '${a//\'/\'\\\'\'}'"; done
cat > "$work/init" <<INIT
#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /var/run/netns
insmod /vmtest/veth.ko 2>/dev/null
insmod /vmtest/macvlan.ko 2>/dev/null
insmod /vmtest/ipvlan.ko 2>/dev/null
insmod /vmtest/dummy.ko numdummies=0 2>/dev/null
ip link set lo up
cd /vmtest
export MULTINET_TEST_CNI_PATH=/vmtest/files HOME=/tmp TMPDIR=/tmp
/vmtest/test$args
echo "VMTEST-EXIT=\$?"
reboot -f
INIT
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$work.cpio.gz")
out=$work.out
qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nographic -no-reboot -monitor none \
  -kernel "$kernel_dir/vmlinuz" -initrd "$work.cpio.gz" -append "console=ttyS0 quiet panic=-1" > "$out" 2>&1 || true
rm -f "$work.cpio.gz"
# Print the test's own output: what follows the kernel's boot lines.
sed -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' "$out" |
  grep -v -e '^\[ *[0-9.]*\]' -e '^VMTEST-EXIT=' -e 'SeaBIOS' -e 'iPXE' -e 'Press Ctrl-B' -e 'Booting from ROM' -e '^ *$' || true
code=$(sed -n 's/\r$//; s/^VMTEST-EXIT=\([0-9]*\)$/\1/p' "$out" | tail -1)
rm -f "$out"
[ -n "$code" ] || { log "the guest did not report an exit code"; exit 1; }
exit "$code"
