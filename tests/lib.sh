# lib.sh - what the shell tests share; sourced after AF is set.
# ok/bad count checks, expect_error runs a refused command, finish reports.
fails=0
passes=0
ok() { printf "ok   %s\n" "$1"; passes=$((passes + 1)); }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }

expect_error() {	# name, args...: exit 2 with exactly one line on stderr
	name=$1; shift
	out=$("$AF" "$@" 2>&1 >/dev/null); rc=$?
	lines=$(printf '%s\n' "$out" | grep -c .)
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ]; then ok "$name"; else bad "$name (rc=$rc, $lines lines: $out)"; fi
}

finish() {	# the counts; the exit status says whether anything failed
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
