#!/bin/bash
# boot.sh - boot Debian's Linux 6.1 under qemu-system-x86_64 (software
# emulation, 2 vCPUs) with a busybox initramfs that runs one experiment, and
# save the kernel's /proc and debugfs files at boot and after the experiment.
#
#   fidelity/qemu/boot.sh MEM EXPERIMENT RUNS OUTDIR
#   e.g. fidelity/qemu/boot.sh 1024M boot 3 fidelity/kernel/boot/1024M
#
# EXPERIMENT is a file of fidelity/experiments: NAME.build builds the program
# (its argument: where), NAME.c is built static, NAME.sh is run by busybox sh;
# `boot` (no file) only dumps the boot state.
# OUTDIR/runN/{boot,after}/ get buddyinfo, pagetypeinfo, vmstat, meminfo,
# zoneinfo, unusable_index, extfrag_index; OUTDIR/runN/result the
# experiment's output; OUTDIR/kernel the kernel's release and command line.
# Everything comes from Debian's packages (installed or downloaded here); the
# kernel package is FIDELITY_KERNEL (default below), unpacked in
# FIDELITY_CACHE (default /tmp/antifrag-fidelity); FIDELITY_APPEND adds to the
# kernel command line (e.g. "loglevel=8 memblock=debug" to see the boot);
# FIDELITY_ACCEL=kvm runs the guest on the host's CPUs instead of emulating
# them (for speed measurements such as kchurn; the counters need no KVM).
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 MEM EXPERIMENT RUNS OUTDIR" >&2; exit 2; }
mem=$1 exp=$2 runs=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
cache=${FIDELITY_CACHE:-/tmp/antifrag-fidelity}
kpkg=${FIDELITY_KERNEL:-linux-image-6.1.0-57-amd64}

need=
command -v qemu-system-x86_64 >/dev/null || need="$need qemu-system-x86"
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx poweroff || need="$need busybox-static"
command -v cpio >/dev/null || need="$need cpio"
command -v gcc >/dev/null || need="$need gcc libc6-dev"
if [ -n "$need" ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi

# the kernel: Debian's package, unpacked (not installed)
mkdir -p "$cache"
if [ ! -f "$cache/$kpkg/vmlinuz" ]; then
	(cd "$cache" && apt-get download "$kpkg" 2>/dev/null)
	rm -rf "$cache/$kpkg.x"
	dpkg-deb -x "$cache/${kpkg}"_*.deb "$cache/$kpkg.x"
	mkdir -p "$cache/$kpkg"
	cp "$cache/$kpkg.x"/boot/vmlinuz-* "$cache/$kpkg/vmlinuz"
	rm -rf "$cache/$kpkg.x"
fi

# the initramfs: busybox, /init, the experiment
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,exp,tmp}
cp /bin/busybox "$root/bin/busybox"
cp "$here/init" "$root/init"
src="$here/../experiments/$exp"
if [ -f "$src.build" ]; then
	sh "$src.build" "$root/exp/$exp"
elif [ -f "$src.c" ]; then
	gcc -static -O2 -Wall -o "$root/exp/$exp" "$src.c"
elif [ -f "$src.sh" ]; then
	cp "$src.sh" "$root/exp/$exp"
	chmod +x "$root/exp/$exp"
elif [ "$exp" != boot ]; then
	echo "$0: no experiment $src.c or $src.sh" >&2
	exit 2
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$cache/initrd-$exp.gz"

mkdir -p "$out"
for r in $(seq 1 "$runs"); do
	data="$cache/data-$exp-$mem-$r.txt"
	rm -f "$data"
	start=$(date +%s)
	timeout "${FIDELITY_TIMEOUT:-3600}" qemu-system-x86_64 -machine pc -accel "${FIDELITY_ACCEL:-tcg}" \
		-m "$mem" -smp 2 -display none -monitor none -no-reboot \
		-kernel "$cache/$kpkg/vmlinuz" -initrd "$cache/initrd-$exp.gz" \
		-append "console=ttyS0 quiet panic=-1 fidelity_exp=$exp${FIDELITY_APPEND:+ $FIDELITY_APPEND}" \
		-serial file:"$cache/console-$exp-$mem-$r.txt" -serial file:"$data"
	grep -q '^=== end' "$data" || { echo "$0: run $r did not finish (see $cache/console-$exp-$mem-$r.txt)" >&2; exit 1; }
	rm -rf "$out/run$r"
	mkdir -p "$out/run$r/boot" "$out/run$r/after"
	# split the stream at its "=== PHASE PATH" lines
	awk -v dir="$out/run$r" '
		{ sub(/\r$/, "") }	# the tty ends its lines with CR LF
		/^=== kernel / { sub(/^=== kernel /, ""); print > (dir "/../kernel"); f = ""; next }
		/^=== (boot|after) / { n = split($3, p, "/"); f = dir "/" $2 "/" p[n]; printf "" > f; next }
		/^=== result / { f = dir "/result"; printf "" > f; next }
		/^=== trace/ { f = dir "/trace"; printf "" > f; next }
		/^=== status / { print "status " $3 >> (dir "/result"); f = ""; next }
		/^=== end/ { f = ""; next }
		f != "" { print >> f }
	' "$data"
	echo "run $r: $(( $(date +%s) - start )) s"
done
