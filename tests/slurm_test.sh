#!/bin/sh
# slurm_test.sh ANTIFRAG - a real single-host Slurm: munged, slurmctld and
# slurmd (Debian's munge and slurm-wlm) started on localhost with a generated
# slurm.conf in a temporary directory, the job array antifrag sweep --emit
# slurm writes submitted and waited for, the results merged; every daemon
# stopped at the end.  When this machine cannot run Slurm (not root, the
# packages missing, a daemon that does not come up) the test says why and
# exits 77, which ctest reports as skipped: never a pass.
set -u
AF=$1
SKIP=77
tmp=$(mktemp -d)
export SLURM_CONF="$tmp/slurm.conf"

skip() { echo "SKIP $1"; exit $SKIP; }
stop() {
	scontrol shutdown >/dev/null 2>&1
	for p in "$tmp/slurmd.pid" "$tmp/slurmctld.pid"; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	[ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null
	[ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null
	[ -S "$tmp/munge.sock" ] && munged -s --socket="$tmp/munge.sock" >/dev/null 2>&1
	sleep 1
	rm -rf "$tmp"
}
trap stop EXIT

for c in munged slurmctld slurmd sbatch sinfo scontrol; do
	command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (./build.sh test installs slurm-wlm and munge)"
done
[ "$(id -u)" -eq 0 ] || skip "a single-host Slurm here needs root (slurmd runs the jobs)"

# munge: a key of our own, its own socket
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/log"
dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$tmp/munge.key"
munged -f --socket="$tmp/munge.sock" --key-file="$tmp/munge.key" --log-file="$tmp/log/munged.log" \
	--pid-file="$tmp/munged.pid" --seed-file="$tmp/munged.seed" || skip "munged does not start: $(tail -2 "$tmp/log/munged.log")"

# ports of our own, away from a real cluster's 6817/6818
base=$((20000 + $$ % 20000))
cat >"$SLURM_CONF" <<CONF
ClusterName=antifragtest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
SchedulerParameters=sched_interval=1
NodeName=antifrag NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=antifrag Nodes=antifrag Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" >"$tmp/log/ctld.out" 2>&1 &
cpid=$!
sleep 2
slurmd -D -N antifrag -f "$SLURM_CONF" >"$tmp/log/d.out" 2>&1 &
dpid=$!
up=0
for i in $(seq 1 30); do
	if sinfo -h -o '%T' 2>/dev/null | grep -q idle; then up=1; break; fi
	sleep 1
done
[ "$up" -eq 1 ] || skip "slurmctld and slurmd did not come up: $(tail -3 "$tmp/log/slurmctld.log" "$tmp/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"

fails=0
cat >"$tmp/study.sweep" <<'SPEC'
name = slurm
workload = stress-highalloc
policy = linux, nogroup
mem = 256M
seed = 1..3
SPEC
if "$AF" sweep "$tmp/study.sweep" --emit slurm --out "$tmp/out" >/dev/null && [ -f "$tmp/out/sweep.sbatch" ]; then
	echo "ok   sweep --emit slurm: a job array script"
else
	echo "FAIL sweep --emit slurm"; fails=$((fails + 1))
fi
if timeout 600 sbatch --wait "$tmp/out/sweep.sbatch" >"$tmp/sbatch.out" 2>&1; then
	echo "ok   the job array ran under Slurm ($(cat "$tmp/sbatch.out"))"
else
	echo "FAIL sbatch --wait: $(cat "$tmp/sbatch.out")"; fails=$((fails + 1))
fi
table() { sed -n '/^  *linux  *nogroup *$/,/^$/p' | grep -v '^wall seconds' | sed '/^$/d'; }
"$AF" merge "$tmp/out" >"$tmp/merged.out"; rc=$?
table <"$tmp/merged.out" >"$tmp/merged"
"$AF" compare --workload stress-highalloc --policy linux,nogroup --seeds 3 --seed 1 --mem 256M | table >"$tmp/compared"
if [ "$rc" -eq 0 ] && grep -q '^antifrag merge: 6 results, 2 variant(s), 0 failed, 0 missing' "$tmp/merged.out" &&
   [ -s "$tmp/merged" ] && cmp -s "$tmp/merged" "$tmp/compared"; then
	echo "ok   the results Slurm wrote merge into compare's table"
else
	echo "FAIL merge after Slurm (rc=$rc): $(head -2 "$tmp/merged.out") $(diff "$tmp/merged" "$tmp/compared" | head -4)"
	fails=$((fails + 1))
fi
[ "$fails" -eq 0 ]
