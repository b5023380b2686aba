#!/bin/sh
# cli_test.sh ANTIFRAG - the command's contract: help, errors, the default run.
set -u
AF=$1
. "$(dirname "$0")/lib.sh"


"$AF" --help >/tmp/af_help.$$ 2>&1 && ok "--help exits 0" || bad "--help exits 0"
for cmd in run compare replay policies workloads show sweep merge; do
	grep -q "^  $cmd " /tmp/af_help.$$ && ok "help lists $cmd" || bad "help lists $cmd"
	"$AF" $cmd --help >/dev/null 2>&1 && ok "$cmd --help exits 0" || bad "$cmd --help exits 0"
done
"$AF" run --help >/tmp/af_help.$$ 2>&1
for opt in --config --mem --nodes --cpus --seed --policy --set --show --trace --events --json --ops --movablecore --thp --selftest-map-mb --workload --param; do
	grep -q -- "$opt" /tmp/af_help.$$ && ok "run help documents $opt" || bad "run help documents $opt"
done
"$AF" compare --help >/tmp/af_help.$$ 2>&1
for opt in --policy --seeds --workload --param --ops --json --mem --set; do
	grep -q -- "$opt" /tmp/af_help.$$ && ok "compare help documents $opt" || bad "compare help documents $opt"
done
rm -f /tmp/af_help.$$

# the policy table: every entry listed, each one runs
pols=$("$AF" policies | awk '/^[a-z]/ { print $1 }')
for p in linux nogroup restrict-steal reserve repay; do
	printf '%s\n' "$pols" | grep -qx "$p" && ok "policies lists $p" || bad "policies lists $p"
done
for p in $pols; do
	"$AF" run --mem 256M --ops 3000 --policy "$p" | grep -q "^policy: $p" && ok "run --policy $p" || bad "run --policy $p"
done

expect_error "bad size" run --mem 12Q
# the workload registry: every entry listed with its parameters, each one runs
wls=$("$AF" workloads | awk '/^[a-z]/ { print $1 }')
for w in world mixed compaction-selftest fragfill thpfault stress-highalloc thp-challenge server-churn mthp-churn offline cma balloon; do
	printf '%s\n' "$wls" | grep -qx "$w" && ok "workloads lists $w" || bad "workloads lists $w"
done
[ "$("$AF" run --mem 256M --ops 2500 | grep '^workload world')" = \
  "$("$AF" run --mem 256M --param ops=2500 | grep '^workload world')" ] &&
	"$AF" run --mem 256M --ops 2500 | grep -q "^workload world: 2500 operations" &&
	ok "--ops N is --param ops=N" || bad "--ops N is --param ops=N"
"$AF" run --mem 256M --workload mixed --param ops=2000 --ops 3000 | grep -q "^workload mixed: " &&
	ok "the last value of a parameter counts" || bad "the last value of a parameter counts"
expect_error "unknown workload" run --workload nosuch
expect_error "unknown workload parameter" run --workload mixed --param nosuch=1
expect_error "workload parameter out of range" run --workload fragfill --param hold=2
expect_error "workload parameter not a number" run --workload mixed --param ops=12x
expect_error "--param without =" run --param ops
expect_error "a shorthand the workload does not take" run --workload fragfill --ops 5
expect_error "compare: unknown workload parameter" compare --policy linux,nogroup --param nosuch=1
expect_error "unknown workloads option" workloads --frobnicate
expect_error "bad node count" run --nodes 65
expect_error "bad cpu count" run --cpus 0
expect_error "unknown option" run --frobnicate 1
expect_error "unknown command" walk
expect_error "sysctl out of range" run --no-workload --set vm.watermark_scale_factor=0
expect_error "unknown sysctl" run --no-workload --set vm.no_such=1
expect_error "unknown file" run --no-workload --show /proc/nonexistent
expect_error "missing config" run --config /nonexistent/antifrag.conf
expect_error "missing value" run --mem
expect_error "bad selftest map size" run --workload compaction-selftest --selftest-map-mb 0
expect_error "unknown policy" run --policy nosuch
expect_error "policy parameter out of range" run --policy restrict-steal:order=12
expect_error "policy parameter unknown" run --policy reserve:nosuch=1
expect_error "policy regions overlap" run --policy reserve:small=60:large=60
expect_error "compare with one variant" compare --policy linux
expect_error "compare without variants" compare --seeds 2
expect_error "compare --seeds 0" compare --policy linux,nogroup --seeds 0
expect_error "compare unknown policy" compare --policy linux,nosuch
expect_error "compare parameter out of range" compare --policy linux,restrict-steal:order=99
expect_error "compare: a trace and a workload" compare --policy linux,nogroup --trace "$0" --workload mixed
expect_error "unknown policies option" policies --frobnicate
tmpj=$(mktemp -d)
"$AF" compare --policy linux,nosuch --json "$tmpj/out.json" >/dev/null 2>&1
[ ! -e "$tmpj/out.json" ] && [ -z "$(ls "$tmpj")" ] && ok "bad compare leaves no file" || bad "bad compare left a file"
cmp=$("$AF" compare --mem 256M --policy linux,restrict-steal,nogroup --seeds 2 --ops 5000 --json "$tmpj/c.json") || bad "compare exit status"
for row in "huge pages at rest" "huge after compaction" "mixed pageblocks" "fragmenting extfrag" "allocation failures"; do
	printf '%s\n' "$cmp" | grep -q "^$row " && ok "compare row: $row" || bad "compare row: $row"
done
printf '%s\n' "$cmp" | grep -q "restrict-steal" && ok "compare names its variants" || bad "compare variant header"
if command -v python3 >/dev/null 2>&1; then
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['seeds']==2 and len(d['variants'])==3 and d['antifrag_version'] and d['wall_seconds']>0 and len(d['variants'][0]['runs'])==2" "$tmpj/c.json" &&
		ok "compare --json: parameters, seeds, version, wall time" || bad "compare --json contents"
fi
"$AF" run --mem 256M --ops 2000 --json "$tmpj/r.json" >/dev/null && grep -q '"oracle_huge"' "$tmpj/r.json" && grep -q '"seed"' "$tmpj/r.json" &&
	ok "run --json" || bad "run --json"
"$AF" run --mem 256M --ops 20000 --sample-every 2 --samples "$tmpj/s.jsonl" >/dev/null &&
	[ "$(wc -l <"$tmpj/s.jsonl")" -ge 5 ] &&
	grep -o '"clock_ns":[0-9]*' "$tmpj/s.jsonl" | cut -d: -f2 | awk 'NR == 1 && $1 < 2000000 { exit 1 } $1 <= p { exit 1 } { p = $1 }' &&
	ok "run --sample-every writes JSON lines on the virtual clock" || bad "run --samples"
expect_error "samples without an interval" run --samples "$tmpj/x.jsonl"
expect_error "sample interval 0" run --sample-every 0
[ ! -e "$tmpj/x.jsonl" ] && [ -z "$(ls "$tmpj" | grep tmp)" ] && ok "bad --samples leaves no file" || bad "bad --samples left a file"
"$AF" run --mem 256M --ops 2000 --trace "$tmpj/t.txt" --events "$tmpj/e.jsonl" >/dev/null &&
	[ -s "$tmpj/t.txt" ] && [ -s "$tmpj/e.jsonl" ] && [ -z "$(ls "$tmpj" | grep '\.tmp\.')" ] &&
	ok "--trace and --events take their names when the run succeeds" || bad "--trace/--events files"
expect_error "unwritable trace" run --no-workload --trace /nonexistent/dir/t.txt
rm -rf "$tmpj"

# Every argument is checked before the workload runs: a bad one is reported
# at once, nothing is printed on stdout and no file is left behind.
expect_quick_error() {	# name, args...: exit 2, one line on stderr, nothing on stdout, within 10 s
	name=$1; shift
	err=$(timeout 10 "$AF" "$@" 2>&1 >"$tmpq/stdout"); rc=$?
	lines=$(printf '%s\n' "$err" | grep -c .)
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$tmpq/stdout" ]; then ok "$name"; else
		bad "$name (rc=$rc, $lines lines: $err; stdout $(wc -c <"$tmpq/stdout") bytes)"; fi
	rm -f "$tmpq/stdout"
}
tmpq=$(mktemp -d)
expect_quick_error "bad --show sysctl before the run" run --ops 100000000 --trace "$tmpq/t.txt" --show /proc/sys/vm/no_such
expect_quick_error "unwritable --json before the run" run --ops 100000000 --json /nonexistent/dir/r.json
expect_quick_error "--json into a directory" run --ops 100000000 --json "$tmpq"
expect_quick_error "compare: unwritable --json before the runs" compare --policy linux,nogroup --ops 100000000 --json /nonexistent/dir/c.json
expect_quick_error "bad --set value before the run" run --ops 100000000 --set vm.extfrag_threshold=5000
[ -z "$(ls "$tmpq")" ] && ok "bad arguments leave no file" || bad "bad arguments left $(ls "$tmpq")"
# a run ended by a signal leaves no partial output behind
# (not INT: a background job of a non-interactive shell ignores it)
for sig in TERM HUP PIPE; do
	"$AF" run --mem 256M --ops 100000000 --trace "$tmpq/t.txt" --json "$tmpq/r.json" --samples "$tmpq/s.jsonl" --sample-every 1000 >/dev/null 2>&1 &
	pid=$!
	i=0	# both temporary outputs exist (up to 5 s)
	while [ "$(ls "$tmpq" | wc -l)" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	had=$(ls "$tmpq" | wc -l)
	kill -s $sig $pid; wait $pid; rc=$?
	[ "$had" -ge 2 ] && [ "$rc" -gt 128 ] && [ -z "$(ls "$tmpq")" ] && ok "SIG$sig leaves no partial output" ||
		bad "SIG$sig: $had files while running, rc $rc, left: $(ls "$tmpq")"
	rm -f "$tmpq"/*
done
# --procfs: a tree laid out like the kernel's, the same text as --show
"$AF" run --mem 256M --ops 2000 --procfs "$tmpq/pf" --procfs-every 1 --show /proc/buddyinfo >"$tmpq/out" &&
	sed -n '/^==> \/proc\/buddyinfo <==$/,$p' "$tmpq/out" | tail -n +2 | cmp -s - "$tmpq/pf/proc/buddyinfo" &&
	[ -s "$tmpq/pf/proc/pagetypeinfo" ] && [ -s "$tmpq/pf/proc/zoneinfo" ] && [ -s "$tmpq/pf/proc/vmstat" ] &&
	[ -s "$tmpq/pf/sys/kernel/debug/extfrag/extfrag_index" ] &&
	[ -s "$tmpq/pf/sys/kernel/mm/transparent_hugepage/enabled" ] &&
	[ "$(cat "$tmpq/pf/proc/sys/vm/extfrag_threshold")" = 500 ] && [ -s "$tmpq/pf/at/1/proc/buddyinfo" ] &&
	ok "--procfs writes the kernel's tree, --procfs-every one per sample" || bad "--procfs tree"
expect_quick_error "--procfs into a tree that is there" run --ops 100000000 --procfs "$tmpq/pf"
[ -s "$tmpq/pf/proc/buddyinfo" ] && ok "a refused --procfs leaves the tree alone" || bad "a refused --procfs touched the tree"
rm -rf "$tmpq/pf" "$tmpq/out"
mkdir "$tmpq/pf"
"$AF" run --mem 256M --ops 100 --procfs "$tmpq/pf" >/dev/null && [ -s "$tmpq/pf/proc/buddyinfo" ] &&
	ok "--procfs into an empty directory" || bad "--procfs into an empty directory"
rm -rf "$tmpq/pf"
expect_quick_error "--procfs-every without --procfs" run --ops 100000000 --procfs-every 5
expect_quick_error "--procfs onto a file" run --ops 100000000 --procfs "$0"
expect_quick_error "--procfs in a missing directory" run --ops 100000000 --procfs /nonexistent/dir/pf
"$AF" run --mem 256M --ops 100 --procfs "$tmpq/pf" --show /proc/nonexistent >/dev/null 2>&1
[ -z "$(ls "$tmpq")" ] && ok "a failed run leaves no --procfs tree" || bad "a failed run left $(ls "$tmpq")"
"$AF" run --mem 256M --ops 100000000 --procfs "$tmpq/pf" --procfs-every 1 >/dev/null 2>&1 &
pid=$!
i=0	# sample trees being written (up to 5 s)
while [ -z "$(find "$tmpq" -name buddyinfo 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
had=$(find "$tmpq" -name buddyinfo | wc -l)
kill -s TERM $pid; wait $pid; rc=$?
[ "$had" -ge 1 ] && [ "$rc" -gt 128 ] && [ -z "$(ls "$tmpq")" ] && ok "SIGTERM leaves no partial --procfs tree" ||
	bad "SIGTERM: $had trees while running, rc $rc, left: $(ls "$tmpq")"
rm -rf "$tmpq"/*
# --prometheus: the samples and the end, read back by the Prometheus client's parser
"$AF" run --mem 256M --ops 3000 --sample-every 1 --prometheus "$tmpq/p.prom" --show /proc/vmstat >"$tmpq/out" &&
	[ ! -e samples.jsonl ] && /usr/bin/python3 - "$tmpq/p.prom" "$tmpq/out" <<'PY' && ok "--prometheus: node_exporter's names, one sample per time" || bad "--prometheus"
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
bi = fams["node_buddyinfo_blocks"].samples
assert {"node", "zone", "size"} == set(bi[0].labels), bi[0].labels
free = fams["node_vmstat_nr_free_pages"].samples
times = [s.timestamp for s in free]
assert len(times) >= 3 and times == sorted(times) and len(set(times)) == len(times), times
end = dict(l.split() for l in open(sys.argv[2]).read().split("==> /proc/vmstat <==")[1].split("\n") if l.strip())
assert free[-1].value == float(end["nr_free_pages"]), (free[-1].value, end["nr_free_pages"])
assert "antifrag_fragmentation_score" in fams and "antifrag_oracle_huge" in fams
PY
rm -f "$tmpq/p.prom" "$tmpq/out"
expect_quick_error "--prometheus into a directory" run --ops 100000000 --prometheus "$tmpq"
err=$("$AF" run --frobnicate --config 2>&1 >/dev/null)
printf '%s\n' "$err" | grep -q "unknown option '--frobnicate'" && ok "unknown option before --config" || bad "unknown option before --config: $err"
expect_quick_error "an option where a FILE goes" run --trace --config
"$AF" run --no-workload --nodes 010 --mem 4G | grep -q '^machine: 10 node(s)' && ok "--nodes 010 is ten" || bad "--nodes 010 is not ten"
printf 'nodes = 010\ncpus = 08\n' >"$tmpq/c.conf"
"$AF" run --no-workload --config "$tmpq/c.conf" | grep -q '^machine: 10 node(s), 8 cpu(s)' && ok "config numbers are decimal" || bad "config numbers are not decimal"
expect_error "config /dev/zero" run --no-workload --config /dev/zero
expect_error "config a directory" run --no-workload --config /tmp
expect_error "config from /proc" run --no-workload --config /proc/self/status
mkfifo "$tmpq/fifo" && expect_quick_error "config a FIFO" run --no-workload --config "$tmpq/fifo"
head -c 17000000 /dev/zero | tr '\0' '#' >"$tmpq/big.conf"
err=$("$AF" run --no-workload --config "$tmpq/big.conf" 2>&1 >/dev/null)
printf '%s\n' "$err" | grep -q "16 MiB" && ok "oversized config names the limit" || bad "oversized config: $err"
rm -f "$tmpq"/*
err=$("$AF" run --no-workload --mem 16T 2>&1 >/dev/null)
printf '%s\n' "$err" | grep -q "^antifrag: --mem: .*too large (at most" && ok "--mem 16T: the size message" || bad "--mem 16T: $err"
err=$("$AF" run --no-workload --mem 16382G 2>&1 >/dev/null)
printf '%s\n' "$err" | grep -q "zone" && bad "--mem 16382G: $err" || ok "--mem at the limit: no zone message"
host_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
if [ "${host_kb:-0}" -lt $((120 * 1024 * 1024)) ]; then
	expect_quick_error "--mem 15T: more host memory than there is" run --no-workload --mem 15T
	err=$(timeout 10 "$AF" run --no-workload --mem 15T 2>&1 >/dev/null)
	printf '%s\n' "$err" | grep -q "host memory" && ok "--mem 15T names the host memory" || bad "--mem 15T: $err"
	printf 'node.0.zone.Normal = 0x100000 0xffe00000 0x40000 0x40000\n' >"$tmpq/z.conf"
	expect_quick_error "a zone spanning almost 16 TiB" run --no-workload --config "$tmpq/z.conf"
fi
printf 'mem = 1G\ncma_size = 10G\n' >"$tmpq/cma.conf"
err=$("$AF" run --no-workload --config "$tmpq/cma.conf" 2>&1 >/dev/null)
printf '%s\n' "$err" | grep -q "cma_size 10737418240 " && ok "cma_size larger than memory" || bad "cma_size larger than memory: $err"
rm -f "$tmpq"/*

# Output that cannot be written is an error, and leaves nothing behind
err=$("$AF" run --mem 256M --ops 100 2>&1 >/dev/full); rc=$?
[ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ] && ok "stdout to /dev/full fails" || bad "stdout to /dev/full (rc=$rc: $err)"
dev=/dev/full
mknod "$tmpq/full" c 1 7 2>/dev/null && dev=$tmpq/full
err=$("$AF" run --mem 256M --ops 1000 --trace "$dev" 2>&1 >/dev/null); rc=$?
[ "$rc" -eq 2 ] && [ -c "$dev" ] && [ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ] && ok "--trace to a full device fails, the device stays" ||
	bad "--trace to a full device (rc=$rc: $err)"
[ -c "$dev" ] || { [ "$dev" = /dev/full ] || rm -f "$dev"; }
null=$tmpq/null
mknod "$null" c 1 3 2>/dev/null || null=/dev/null
"$AF" run --mem 256M --ops 1000 --events "$null" >/dev/null && [ -c "$null" ] && ok "--events to a device writes to it" ||
	bad "--events to a device"

# Every count has an upper bound
expect_quick_error "--ops above its bound" run --ops 100000000000
expect_quick_error "compare --ops above its bound" compare --policy linux,nogroup --ops 100000000000
"$AF" run --help | grep -q -- "--ops N .*0\.\.[0-9]" && ok "run help gives the --ops bound" || bad "run help: --ops bound"
rm -rf "$tmpq"

# The default run: summary, both files, numbers that add up.
out=$("$AF" run --mem 4G --show /proc/buddyinfo --show /proc/pagetypeinfo) || bad "run exit status"
printf '%s\n' "$out" | grep -q '^invariant and integrity check: passed' && ok "invariant check passed" || bad "invariant check line"
printf '%s\n' "$out" | grep -q '^pages by owner: anonymous [0-9]* ([0-9]* processes), THP [0-9]*, page cache [0-9]*' && ok "pages by owner" || bad "pages by owner line"
mixed=$("$AF" run --mem 1G --workload mixed --ops 1000) || bad "mixed workload exit status"
printf '%s\n' "$mixed" | grep -q '^extfrag events: ' && ok "mixed workload summary" || bad "mixed workload summary"
nr_free=$(printf '%s\n' "$out" | sed -n 's/^free pages: [0-9]* = \([0-9]*\) on the buddy lists.*/\1/p')
buddy_sum=$(printf '%s\n' "$out" | awk '/^Node .*zone/ && !/type/ && NF == 15 { for (o = 0; o < 11; o++) s += $(5 + o) * 2 ^ o } END { printf "%d", s }')
[ -n "$nr_free" ] && [ "$nr_free" = "$buddy_sum" ] && ok "buddyinfo adds up to nr_free_pages ($buddy_sum)" || bad "buddyinfo sum $buddy_sum vs $nr_free"
pt_sum=$(printf '%s\n' "$out" | awk '/, type / { for (o = 0; o < 11; o++) s += $(NF - 10 + o) * 2 ^ o } END { printf "%d", s }')
[ "$pt_sum" = "$buddy_sum" ] && ok "pagetypeinfo adds up ($pt_sum)" || bad "pagetypeinfo sum $pt_sum vs $buddy_sum"
printf '%s\n' "$out" | grep -q '^Page block order: 9$' && ok "pagetypeinfo header" || bad "pagetypeinfo header"

# Same seed, same output; another seed, another output.
a=$("$AF" run --mem 1G --seed 5 --show /proc/vmstat | md5sum)
b=$("$AF" run --mem 1G --seed 5 --show /proc/vmstat | md5sum)
[ "$a" = "$b" ] && ok "deterministic" || bad "deterministic"
for w in world mixed; do
	s1=$("$AF" run --mem 1G --workload $w --ops 20000 --seed 1 --show /proc/vmstat | md5sum)
	s2=$("$AF" run --mem 1G --workload $w --ops 20000 --seed 2 --show /proc/vmstat | md5sum)
	s3=$("$AF" run --mem 1G --workload $w --ops 20000 --seed 12345 --show /proc/vmstat | md5sum)
	[ "$s1" != "$s2" ] && [ "$s1" != "$s3" ] && [ "$s2" != "$s3" ] && ok "$w: another seed, another output" ||
		bad "$w: seeds 1, 2 and 12345 give the same output"
	o1=$("$AF" run --mem 1G --workload $w --ops 20000 --seed 1 --show /proc/vmstat | md5sum)
	[ "$o1" = "$s1" ] && ok "$w: seed 1 twice, one output" || bad "$w: seed 1 twice differs"
done

# --events: one JSON line per event of the --trace stream, in the same order
t=$(mktemp) e=$(mktemp)
if "$AF" run --mem 256M --ops 3000 --seed 4 --trace "$t" --events "$e" >/dev/null; then
	[ -s "$e" ] && [ "$(wc -l <"$t")" = "$(wc -l <"$e")" ] && ok "--events: one line per event" ||
		bad "--events: one line per event"
	[ "$(grep -vc '^{"event":"mm_[a-z_]*","system":"[a-z]*","ts_ns":[0-9]*,.*}$' "$e")" = 0 ] &&
		ok "--events: JSON objects" || bad "--events: JSON objects"
	[ "$(sed 's/.*: \(mm_[a-z_]*\): .*/\1/' "$t" | md5sum)" = \
	  "$(sed 's/^{"event":"\(mm_[a-z_]*\)".*/\1/' "$e" | md5sum)" ] &&
		ok "--events: the --trace events in order" || bad "--events: the --trace events in order"
else
	bad "run --events"
fi
"$AF" run --mem 256M --ops 10 --events /nonexistent/dir/e >/dev/null 2>&1
[ $? -eq 2 ] && ok "--events: unwritable file is a usage error" || bad "--events: unwritable file exit status"
rm -f "$t" "$e"

# --start: a machine from a captured state (tests/traces, beside this script)
cap=$(mktemp -d)
if tar -xJf "$(dirname "$0")/traces/quiet.tar.xz" -C "$cap" 2>/dev/null; then
	out=$("$AF" run --start "$cap/quiet/start" --ops 2000 --seed 3 2>"$cap/err")
	rc=$?
	[ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q "^start (captured state): " &&
		ok "run --start" || bad "run --start (rc=$rc)"
	grep -q "^import: pageblock types (no page_owner)" "$cap/err" && ok "run --start reports its guesses on stderr" ||
		bad "run --start reports its guesses on stderr"
	printf '%s\n' "$out" | grep -q "^invariant and integrity check: passed" &&
		ok "run --start: the machine passes the checker" || bad "run --start: checker"
	expect_error "--start with --mem" run --start "$cap/quiet/start" --mem 1G
	expect_error "--start with --config" run --start "$cap/quiet/start" --config /dev/null
	expect_error "--start of a directory that is no capture" run --start "$cap"
	expect_error "--start given twice" run --start "$cap/quiet/start" --start "$cap/quiet/end"
	expect_error "--start without DIR" run --start
	out=$("$AF" replay "$cap/quiet/trace" --start "$cap/quiet/start" --check-against "$cap/quiet/end" 2>/dev/null)
	rc=$?
	[ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q "^not followed: 0$" &&
		printf '%s\n' "$out" | grep -q "^invariant check: passed" &&
		ok "replay --start --check-against" || bad "replay --start --check-against (rc=$rc)"
	printf '%s\n' "$out" | grep -q "^6.1's choice: .* predicted, the kernel's block in" &&
		ok "replay reports 6.1's choice" || bad "replay reports 6.1's choice"
	printf '%s\n' "$out" | grep -q "free blocks per order" &&
		bad "replay of the quiet trace ends with the kernel's buddyinfo" ||
		ok "replay of the quiet trace ends with the kernel's buddyinfo"
	"$AF" replay - --start "$cap/quiet/start" <"$cap/quiet/trace" 2>/dev/null | grep -q "^not followed: 0$" &&
		ok "replay reads standard input" || bad "replay reads standard input"
	expect_error "replay without TRACE" replay --start "$cap/quiet/start"
	expect_error "replay of a directory" replay "$cap"
	expect_error "replay of a missing file" replay "$cap/none"
	"$AF" replay "$cap/quiet/trace" --start "$cap/quiet/start" --placement policy --policy nogroup 2>/dev/null |
		grep -q "^requests: .* allocations made by the model" && ok "replay --placement policy" ||
		bad "replay --placement policy"
	expect_error "replay --placement of no such mode" replay "$cap/quiet/trace" --placement random
	"$AF" compare --start "$cap/quiet/start" --trace "$cap/quiet/trace" --policy linux,nogroup --seeds 1 \
		2>/dev/null | grep -q "^antifrag compare: the requests of trace " &&
		ok "compare --trace" || bad "compare --trace"
	expect_error "compare --trace of a missing file" compare --trace "$cap/none" --policy linux,nogroup
	expect_error "replay --check-against no capture" replay "$cap/quiet/trace" --check-against "$cap"
	expect_error "replay with two traces" replay "$cap/quiet/trace" "$cap/quiet/trace"
	: >"$cap/quiet/end/kpagecount"
	expect_error "--start of a broken capture" run --start "$cap/quiet/end"
	# trace-cmd's trace.dat: the same replay as the text of the same capture
	# (but for line numbers: the text has comment lines)
	if tar -xJf "$(dirname "$0")/traces/small.tar.xz" -C "$cap" 2>/dev/null; then
		"$AF" replay "$cap/small/trace" --start "$cap/small/start" --check-against "$cap/small/end" 2>&1 |
			grep -v "^replay: \|^lines: \|^speed: " | sed "s/ at line [0-9]*//" >"$cap/text.out"
		"$AF" replay "$cap/small/trace.dat" --start "$cap/small/start" --check-against "$cap/small/end" 2>&1 |
			grep -v "^replay: \|^lines: \|^speed: " | sed "s/ at line [0-9]*//" >"$cap/dat.out"
		grep -q "^capture markers: 3;" "$cap/dat.out" && cmp -s "$cap/text.out" "$cap/dat.out" &&
			ok "replay of trace.dat = replay of its text" || bad "replay of trace.dat = replay of its text"
		# the block types its drains show, read from either: the kernel's end state exactly
		grep -q "^import: the trace's drains: [1-9][0-9]* read, [1-9][0-9]* blocks typed" "$cap/dat.out" &&
			grep -q "^  buddyinfo and pagetypeinfo: the kernel's exactly" "$cap/dat.out" &&
			ok "replay --start: block types from the trace's drains, the end state exact" ||
			bad "replay --start: block types from the trace's drains, the end state exact"
		head -c 400 "$cap/small/trace.dat" >"$cap/cut.dat"
		expect_error "replay of a trace.dat cut short" replay "$cap/cut.dat"
		expect_error "compare --trace of a trace.dat cut short" compare --trace "$cap/cut.dat" --policy linux,nogroup
	else
		bad "tests/traces/small.tar.xz extracts"
	fi
else
	bad "tests/traces/quiet.tar.xz extracts"
fi
rm -rf "$cap"

# show: a --procfs run's kernel files, at the end and at a sample time
tmps=$(mktemp -d)
"$AF" run --mem 256M --workload thp-challenge --param bursts=3 --procfs "$tmps/t" --procfs-every 20 \
	--show /proc/buddyinfo >"$tmps/out"
sed -n '/^==> \/proc\/buddyinfo <==$/,$p' "$tmps/out" | tail -n +2 >"$tmps/end"
"$AF" show "$tmps/t/proc/buddyinfo" >"$tmps/shown" && cmp -s "$tmps/end" "$tmps/shown" &&
	ok "show: the end's buddyinfo, as the run printed it" || bad "show: the end's buddyinfo"
first=$(ls "$tmps/t/at" | sort -n | head -1)
"$AF" show "$tmps/t/proc/pagetypeinfo" --at "$first" >"$tmps/shown" 2>"$tmps/err" &&
	cmp -s "$tmps/shown" "$tmps/t/at/$first/proc/pagetypeinfo" && [ ! -s "$tmps/err" ] &&
	ok "show --at a sample time" || bad "show --at a sample time"
"$AF" show "$tmps/t/proc/sys/vm/min_free_kbytes" --at $((first + 1)) >"$tmps/shown" 2>"$tmps/err" &&
	cmp -s "$tmps/shown" "$tmps/t/at/$first/proc/sys/vm/min_free_kbytes" && grep -q "sample at $first ms" "$tmps/err" &&
	ok "show --at between samples: the latest before, named" || bad "show --at between samples: $(cat "$tmps/err")"
expect_error "show --at before the first sample" show "$tmps/t/proc/buddyinfo" --at 0
expect_error "show a file antifrag does not write" show "$tmps/t/proc/meminfo"
expect_error "show a missing tree" show "$tmps/none/proc/buddyinfo"
expect_error "show without PATH" show
expect_error "show --at not a number" show "$tmps/t/proc/buddyinfo" --at x
rm -rf "$tmps"

# the progress bar: on a terminal's stderr, nothing on a file's
tmpp=$(mktemp -d)
if command -v script >/dev/null 2>&1; then
	script -qec "$AF run --mem 256M --workload thp-challenge --param bursts=3 >/dev/null" /dev/null >"$tmpp/tty" 2>&1
	grep -q 'bursts \[.*%.*virtual .* events' "$tmpp/tty" && ok "progress bar on a terminal" || bad "progress bar on a terminal: $(head -c 300 "$tmpp/tty")"
else
	echo "skip progress bar on a terminal: no script(1)"
fi
"$AF" run --mem 256M --workload thp-challenge --param bursts=3 >/dev/null 2>"$tmpp/err"
[ ! -s "$tmpp/err" ] && ok "no progress bar when stderr is not a terminal" || bad "stderr not a terminal: $(head -c 300 "$tmpp/err")"
rm -rf "$tmpp"

finish
