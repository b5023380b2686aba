#!/bin/sh
# golden_linux.sh ANTIFRAG GOLDEN_DIR - the `linux` policy stays byte for byte
# what it was before the policy table: a fixed-seed run's event stream (its
# SHA-256) and /proc/vmstat, for the world and the mixed workload.
set -u
AF=$1
DIR=$2
fails=0
passes=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for w in world mixed; do
	for pol in "" "--policy linux"; do
		# shellcheck disable=SC2086
		"$AF" run --mem 1G --workload $w --ops 50000 --seed 3 $pol --trace "$tmp/t" --show /proc/vmstat >"$tmp/o" ||
			{ echo "FAIL $w $pol: exit status"; fails=$((fails + 1)); continue; }
		sed -n '/^==> \/proc\/vmstat <==$/,$p' "$tmp/o" | tail -n +2 >"$tmp/vmstat"
		if cmp -s "$tmp/vmstat" "$DIR/vmstat-$w"; then
			echo "ok   $w ${pol:-default}: /proc/vmstat as before"; passes=$((passes + 1))
		else
			echo "FAIL $w ${pol:-default}: /proc/vmstat differs"; diff "$DIR/vmstat-$w" "$tmp/vmstat" | head -5
			fails=$((fails + 1))
		fi
		sum=$(sha256sum <"$tmp/t" | cut -d' ' -f1)
		if [ "$sum" = "$(cat "$DIR/events-$w.sha256")" ]; then
			echo "ok   $w ${pol:-default}: event stream as before ($(wc -l <"$tmp/t") events)"; passes=$((passes + 1))
		else
			echo "FAIL $w ${pol:-default}: event stream differs"; fails=$((fails + 1))
		fi
	done
done
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
