#!/bin/sh
# make.sh [NAME...] - capture the replay fixtures of this directory: boots
# Debian's 6.1 under qemu-system-x86_64 with 512 MiB (the fidelity suite's
# set-up, fidelity/qemu/boot.sh), runs tools/capture.sh around
# `churn NAME` (fidelity/experiments/capture/churn.c: quiet, small, compact)
# and keeps the capture directory as NAME.tar.xz (NAME/trace, NAME/start,
# NAME/end, NAME/capture.txt, and NAME/trace.dat when trace-cmd is installed
# here: it is copied into the VM).  Default: every fixture.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for name in ${*:-quiet small compact}; do
	tmp=$(mktemp -d)
	CAPTURE=$name "$here/../../fidelity/qemu/boot.sh" 512M capture 1 "$tmp/boot"
	sed -n '/^=== capture begin/,/^=== capture end/p' "$tmp/boot/run1/result" | sed '1d;$d' |
		base64 -d | tar -xzf - -C "$tmp"
	mv "$tmp/cap" "$tmp/$name"
	tar -cJf "$here/$name.tar.xz" -C "$tmp" --owner=0 --group=0 --sort=name "$name"
	rm -rf "$tmp"
	echo "$here/$name.tar.xz: $(wc -c <"$here/$name.tar.xz") bytes"
done
