#!/bin/sh
# capture.sh - record a Linux machine's page allocator for antifrag: the
# kmem, compaction, migration and kswapd-wakeup trace events of a run, with
# snapshots of the memory state at its start and its end, for
# `antifrag replay DIR/trace --start DIR/start --check-against DIR/end`.
#
#   tools/capture.sh -o DIR [-b KB] -- COMMAND [ARG...]   trace while COMMAND runs
#   tools/capture.sh -o DIR [-b KB] -t SECONDS            trace the machine as it is
#
# Needs root and tracefs (mounted here if it is not).  -b is the trace
# buffer per CPU in KiB (default 65536).  The buffer is allocated before the
# start snapshot and filled with no reader attached: a reader writing the
# events out while they are recorded would allocate page cache for its
# output and so trace itself.  When the buffer fills, later events are
# dropped (not earlier ones overwritten) and the script says how many: rerun
# with a larger -b.  Tracing covers both snapshots, with markers
# ("antifrag-capture: start snapshot", "... start snapshot taken", "... end
# snapshot", written to trace_marker) where they begin and end; the buffer
# is read out only after the end snapshot.
#
# DIR/start and DIR/end: zoneinfo, buddyinfo, pagetypeinfo, vmstat, meminfo,
# iomem (its "System RAM" ranges tell holes from reserved pages), sysctl_vm (one "name = value" line per /proc/sys/vm file), kpageflags and
# kpagecount (binary, one 64-bit word per pfn), and page_owner when the
# kernel has it enabled (Debian's 6.1 is built without it).  DIR/trace: the
# events in the kernel's text format; DIR/trace.dat: the same events in
# trace-cmd's binary format, when trace-cmd is installed (`trace-cmd extract`,
# run after the text is read: it empties the buffer).  DIR/capture.txt: the kernel, the
# command, the buffer, per-CPU entries and dropped events, and the times.
# It runs under bash, dash or busybox sh.
set -eu

usage() {
	echo "usage: $0 -o DIR [-b KB] (-t SECONDS | -- COMMAND [ARG...])" >&2
	exit 2
}

out= secs= kb=65536
while getopts "o:b:t:h" opt; do
	case $opt in
	o) out=$OPTARG ;;
	b) kb=$OPTARG ;;
	t) secs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$out" ] || usage
if [ -n "$secs" ]; then
	[ $# -eq 0 ] || usage
else
	[ $# -gt 0 ] || usage
fi
case $kb in '' | *[!0-9]*) echo "$0: -b: not a number of KiB: $kb" >&2; exit 2 ;; esac
case $secs in *[!0-9.]*) echo "$0: -t: not a number of seconds: $secs" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (tracefs, /proc/kpageflags)" >&2; exit 1; }

tfs=
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	[ -e "$d/tracing_on" ] && { tfs=$d; break; }
done
if [ -z "$tfs" ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
	[ -e /sys/kernel/tracing/tracing_on ] || { echo "$0: no tracefs" >&2; exit 1; }
	tfs=/sys/kernel/tracing
fi
[ -r /proc/kpageflags ] || { echo "$0: no /proc/kpageflags (CONFIG_PROC_PAGE_MONITOR)" >&2; exit 1; }
mkdir -p "$out/start" "$out/end" || { echo "$0: cannot create $out" >&2; exit 1; }
[ -w "$out" ] || { echo "$0: cannot write to $out" >&2; exit 1; }

# a trace instance of our own: the global buffer and its settings stay as
# they were
inst=$tfs/instances/antifrag-capture.$$
mkdir "$inst" || { echo "$0: cannot create the trace instance $inst" >&2; exit 1; }
cleanup() {
	echo 0 >"$inst/tracing_on" 2>/dev/null || true
	echo 0 >"$inst/events/enable" 2>/dev/null || true
	rmdir "$inst" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

echo 0 >"$inst/tracing_on"
echo "$kb" >"$inst/buffer_size_kb"
echo 0 >"$inst/options/overwrite"
events=
for ev in kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_free_batched \
	  kmem/mm_page_alloc_zone_locked kmem/mm_page_pcpu_drain kmem/mm_page_alloc_extfrag \
	  compaction migrate/mm_migrate_pages migrate/mm_migrate_pages_start \
	  vmscan/mm_vmscan_wakeup_kswapd vmscan/mm_vmscan_kswapd_wake vmscan/mm_vmscan_kswapd_sleep; do
	if [ -e "$inst/events/$ev/enable" ]; then
		echo 1 >"$inst/events/$ev/enable"
		events="$events $ev"
	else
		echo "$0: this kernel has no event $ev; recording without it" >&2
	fi
done

# kpageflags and kpagecount take 8 bytes per pfn: their files in both
# snapshots get their pages now, before the start snapshot, and are
# overwritten in place then, so reading the state allocates no page cache
# of its own after it (a few pages of the small text files still are)
kpf_bytes=$(wc -c </proc/kpageflags)
for d in "$out/start" "$out/end"; do
	for f in kpageflags kpagecount; do
		dd if=/dev/zero of="$d/$f" bs=4096 count=$(((kpf_bytes + 4095) / 4096)) 2>/dev/null
	done
done

# The vm.* sysctls and iomem are settings, not state: read apart, before
# the start snapshot and after the end one
settings() {
	d=$1
	cat /proc/iomem >"$d/iomem"
	for f in /proc/sys/vm/*; do
		[ -f "$f" ] && [ -r "$f" ] || continue
		printf '%s = %s\n' "${f##*/}" "$(cat "$f" 2>/dev/null | tr '\t\n' '  ')"
	done >"$d/sysctl_vm"
}

# A /proc text file read by the shell itself into its memory: no process
# is forked (a fork allocates, and could claim a pageblock) and no file is
# written (that allocates page cache) while the counts are read
slurp() {
	text=
	while IFS= read -r l; do
		text="$text$l
"
	done <"$1"
}

snapshot() {
	d=$1
	slurp /proc/buddyinfo; buddyinfo=$text
	slurp /proc/pagetypeinfo; pagetypeinfo=$text
	slurp /proc/zoneinfo; zoneinfo=$text
	slurp /proc/vmstat; vmstat=$text
	slurp /proc/meminfo; meminfo=$text
	printf '%s' "$buddyinfo" >"$d/buddyinfo"
	printf '%s' "$pagetypeinfo" >"$d/pagetypeinfo"
	printf '%s' "$zoneinfo" >"$d/zoneinfo"
	printf '%s' "$vmstat" >"$d/vmstat"
	printf '%s' "$meminfo" >"$d/meminfo"
	dd if=/proc/kpageflags of="$d/kpageflags" bs=65536 conv=notrunc 2>/dev/null
	dd if=/proc/kpagecount of="$d/kpagecount" bs=65536 conv=notrunc 2>/dev/null
	if [ -r /sys/kernel/debug/page_owner ]; then
		cat /sys/kernel/debug/page_owner >"$d/page_owner" 2>/dev/null || rm -f "$d/page_owner"
	fi
}


# Tracing runs through both snapshots, so nothing the machine does between
# a snapshot and the trace goes unrecorded (reading kpageflags forks dd,
# which allocates and frees); markers in the trace say where each snapshot
# began and where the start one was done, for the replay to line them up.
mark() {
	echo "antifrag-capture: $1" >"$inst/trace_marker"
}
settings "$out/start"
echo 1 >"$inst/tracing_on"
read -r t_on _ </proc/uptime
mark "start snapshot"
snapshot "$out/start"
mark "start snapshot taken"
read -r t_start _ </proc/uptime
status=0
if [ -n "$secs" ]; then
	sleep "$secs"
else
	"$@" || status=$?
fi
read -r t_end _ </proc/uptime
mark "end snapshot"
snapshot "$out/end"
echo 0 >"$inst/tracing_on"
read -r t_off _ </proc/uptime
settings "$out/end"

cat "$inst/trace" >"$out/trace"
{
	echo "kernel = $(uname -r)"
	echo "cmdline = $(cat /proc/cmdline)"
	echo "cpus = $(grep -c '^processor' /proc/cpuinfo)"
	if [ -n "$secs" ]; then echo "command = (sleep $secs)"; else echo "command = $*"; fi
	echo "status = $status"
	echo "buffer_size_kb = $kb"
	echo "events =$events"
	echo "uptime_tracing_on = $t_on"
	echo "uptime_start_snapshot_taken = $t_start"
	echo "uptime_end_snapshot = $t_end"
	echo "uptime_tracing_off = $t_off"
	dropped=0
	for c in "$inst"/per_cpu/cpu*; do
		n=${c##*/cpu}
		e=$(sed -n 's/^entries: *//p' "$c/stats")
		o=$(sed -n 's/^overrun: *//p' "$c/stats")
		d=$(sed -n 's/^dropped events: *//p' "$c/stats")
		echo "cpu$n = entries $e overrun ${o:-0} dropped ${d:-0}"
		dropped=$((dropped + ${d:-0} + ${o:-0}))
	done
	echo "dropped = $dropped"
} >"$out/capture.txt"
if command -v trace-cmd >/dev/null 2>&1; then
	trace-cmd extract -B "${inst##*/}" -o "$out/trace.dat" >/dev/null 2>&1 ||
		{ echo "$0: trace-cmd extract failed; DIR/trace only" >&2; rm -f "$out/trace.dat"; }
fi
if [ "$dropped" -gt 0 ]; then
	echo "$0: the buffer filled and $dropped events were lost; rerun with a larger -b" >&2
	exit 3
fi
echo "$0: $(grep -c . "$out/trace") trace lines in $out/trace, snapshots in $out/start and $out/end" >&2
exit "$status"
