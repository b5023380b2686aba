#!/bin/sh
# sweep_test.sh ANTIFRAG - a small study (2 policies x 2 sysctl values x 3
# seeds) expanded by antifrag sweep, run by GNU parallel (Debian's package;
# ./build.sh test installs it), folded back by antifrag merge: the merged
# table equals compare's for the same runs.  Then resuming, missing, failed
# and foreign results, and a spec's errors.
set -u
AF=$1
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v parallel >/dev/null 2>&1; then
	echo "FAIL GNU parallel is not installed (./build.sh test installs Debian's parallel)"
	exit 1
fi

cat >"$tmp/study.sweep" <<'SPEC'
# two policies, two extfrag thresholds, three seeds
name = small
workload = stress-highalloc
policy = linux, nogroup
vm.extfrag_threshold = 500, 1000   # fallbacks' extfrag index bar
mem = 256M
seed = 1..3
SPEC

"$AF" sweep "$tmp/study.sweep" --emit parallel --out "$tmp/out" >"$tmp/emit" &&
	[ "$(wc -l <"$tmp/out/jobs.txt")" -eq 12 ] && [ -f "$tmp/out/sweep.json" ] &&
	ok "sweep --emit parallel: 12 commands" || bad "sweep --emit parallel: $(cat "$tmp/emit")"
parallel --will-cite --jobs 2 --joblog "$tmp/out/joblog" <"$tmp/out/jobs.txt" &&
	[ "$(ls "$tmp/out"/stress-highalloc-*-seed=*.json | wc -l)" -eq 12 ] &&
	ok "GNU parallel ran the 12 runs" || bad "GNU parallel ran the 12 runs"
ls "$tmp/out" | grep -qx 'stress-highalloc-policy=nogroup-vm.extfrag_threshold=1000-seed=3.json' &&
	ok "results are named after their parameters" || bad "result names: $(ls "$tmp/out" | head -3)"

# the table: rows from the variants' header line on, the wall-time row left out
table() { sed -n '/^  *linux  *nogroup *$/,/^$/p' | grep -v '^wall seconds' | sed '/^$/d'; }
for thr in 500 1000; do
	"$AF" merge "$tmp/out" --where vm.extfrag_threshold=$thr | table >"$tmp/merged"
	"$AF" compare --workload stress-highalloc --policy linux,nogroup --seeds 3 --seed 1 --mem 256M \
		--set vm.extfrag_threshold=$thr | table >"$tmp/compared"
	if [ -s "$tmp/merged" ] && cmp -s "$tmp/merged" "$tmp/compared"; then
		ok "merge (threshold $thr) equals compare's table"
	else
		bad "merge (threshold $thr) differs from compare: $(diff "$tmp/merged" "$tmp/compared" | head -5)"
	fi
done
"$AF" merge "$tmp/out" --json "$tmp/merge.json" >"$tmp/all"; rc=$?
[ "$rc" -eq 0 ] && grep -q '^antifrag merge: 12 results, 4 variant(s), 0 failed, 0 missing' "$tmp/all" &&
	grep -q '^95% interval of the mean' "$tmp/all" && [ -s "$tmp/merge.json" ] &&
	ok "merge of the whole study: 4 variants, intervals, JSON" || bad "merge of the whole study (rc=$rc): $(head -3 "$tmp/all")"

# merge --report: the table in a page that draws without a script error
"$AF" merge "$tmp/out" --report "$tmp/merge.html" >/dev/null
if command -v chromium >/dev/null 2>&1; then
	timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$tmp/profile" \
		--dump-dom "file://$tmp/merge.html" 2>/dev/null >"$tmp/merge.dom"
	grep -Eq '<pre id="selftest">\{("|&quot;)errors("|&quot;):\[\]' "$tmp/merge.dom" &&
		grep -q '<th>huge pages at rest</th>' "$tmp/merge.dom" &&
		ok "merge --report: the table, no script error" || bad "merge --report: $(grep -o '<pre id="selftest">[^<]*' "$tmp/merge.dom")"
else
	bad "merge --report: chromium is not installed (./build.sh test installs it)"
fi

# resumable: every result there, nothing runs again
"$AF" sweep "$tmp/study.sweep" --out "$tmp/out" --jobs 2 >"$tmp/resume" &&
	grep -q '12 runs, 0 run now, 12 already done, 0 failed' "$tmp/resume" &&
	ok "sweep --jobs resumes: done runs are skipped" || bad "resume: $(cat "$tmp/resume")"

# missing, failed, foreign and corrupt results
cp -r "$tmp/out" "$tmp/holes"
rm "$tmp/holes/stress-highalloc-policy=linux-vm.extfrag_threshold=500-seed=2.json"
"$AF" merge "$tmp/holes" >"$tmp/m1" 2>&1; rc=$?
[ "$rc" -eq 1 ] && grep -q 'stress-highalloc-policy=linux-vm.extfrag_threshold=500-seed=2 missing' "$tmp/m1" &&
	ok "merge names a missing run, exit 1" || bad "missing run (rc=$rc): $(head -3 "$tmp/m1")"
echo '{"hello": 1}' >"$tmp/holes/foreign.json"
head -c 100 "$tmp/out/stress-highalloc-policy=nogroup-vm.extfrag_threshold=500-seed=1.json" >"$tmp/holes/cut.json"
"$AF" merge "$tmp/holes" >/dev/null 2>"$tmp/m2"; rc=$?
grep -q 'foreign.json: not an antifrag result' "$tmp/m2" && grep -q 'cut.json:.*not JSON' "$tmp/m2" && [ "$rc" -eq 1 ] &&
	ok "merge refuses foreign and corrupt files, a line each" || bad "foreign/corrupt (rc=$rc): $(cat "$tmp/m2")"
mkdir "$tmp/failed"
"$AF" run --mem 256M --workload cma --result "$tmp/failed/cma.json" >/dev/null 2>&1
"$AF" merge "$tmp/failed" "$tmp/out" >"$tmp/m3" 2>&1; rc=$?
grep -q '^cma failed (exit status 2): workload: workload cma: the machine has no CMA area' "$tmp/m3" && [ "$rc" -eq 1 ] &&
	ok "a failed run's result says why; merge lists it, exit 1" || bad "failed run (rc=$rc): $(head -3 "$tmp/m3")"
sed 's/"antifrag_version": "[^"]*"/"antifrag_version": "0.0.1"/' \
	"$tmp/out/stress-highalloc-policy=linux-vm.extfrag_threshold=1000-seed=1.json" >"$tmp/failed/old.json"
rm "$tmp/failed/cma.json"
"$AF" merge "$tmp/failed" "$tmp/out" >/dev/null 2>"$tmp/m4"
grep -q 'warning: results of more than one antifrag version' "$tmp/m4" && ok "mixed versions: warned" || bad "mixed versions: $(cat "$tmp/m4")"

# seeds innermost wherever their line stands; a variant per combination
printf 'seed = 1..2\npolicy = linux, nogroup\nmem = 256M\n' >"$tmp/order.sweep"
"$AF" sweep "$tmp/order.sweep" --list | sed "s/.*'--policy' '\([a-z]*\)' '--seed' '\([0-9]\)'.*'--sweep-variant' '\([0-9]\)'.*/\1 \2 \3/" >"$tmp/order"
printf 'linux 1 0\nlinux 2 0\nnogroup 1 1\nnogroup 2 1\n' | cmp -s - "$tmp/order" &&
	ok "seeds expand innermost, variants in the spec's order" || bad "expansion order: $(cat "$tmp/order")"

# bad input: one line, exit 2
printf 'policy = linux\nfrobnicate = 1\n' >"$tmp/bad1.sweep"
expect_error "spec: unknown key" sweep "$tmp/bad1.sweep" --list
"$AF" sweep "$tmp/bad1.sweep" --list 2>&1 | grep -q 'bad1.sweep:2: unknown key' && ok "spec error names file and line" || bad "spec error names file and line"
printf 'policy = linux,\n' >"$tmp/bad2.sweep"
expect_error "spec: an empty value" sweep "$tmp/bad2.sweep" --list
printf '# nothing\n\n' >"$tmp/bad3.sweep"
expect_error "spec: an empty expansion" sweep "$tmp/bad3.sweep" --list
printf 'policy = linux, nosuch\n' >"$tmp/bad4.sweep"
expect_error "spec: a policy that does not exist" sweep "$tmp/bad4.sweep" --list
printf 'seed = 5..2\n' >"$tmp/bad5.sweep"
expect_error "spec: a backwards seed range" sweep "$tmp/bad5.sweep" --list
printf 'param.nosuch = 3\nworkload = world\n' >"$tmp/bad6.sweep"
expect_error "spec: a parameter the workload lacks" sweep "$tmp/bad6.sweep" --list
expect_error "sweep into a directory that cannot be written" sweep "$tmp/study.sweep" --out /proc/antifrag
expect_error "sweep without --out" sweep "$tmp/study.sweep"
expect_error "merge of nothing antifrag wrote" merge "$tmp/bad1.sweep"

finish
