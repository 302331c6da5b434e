#!/bin/bash
# A one-node Slurm cluster on this machine, for the end-to-end tests (docs/analysis.md §11).
#   local-cluster.sh start DIR   installs slurm-wlm and munge if missing (as root, apt), starts
#                                munged, slurmctld and slurmd with DIR/slurm.conf; prints
#                                SLURM_CONF=DIR/slurm.conf once `sinfo` shows the node idle
#   local-cluster.sh stop DIR    stops the daemons it started, by PID
# Exit 77 when the cluster cannot be had here (not root, packages not installable).
set -u
cmd=${1:-}; D=${2:-}
[ -n "$cmd" ] && [ -n "$D" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
mkdir -p "$D"; D=$(cd "$D" && pwd)

stop() {
    local pids=""
    for f in "$D/slurmd.pid" "$D/slurmctld.pid" "$D/munged.pid"; do
        [ -f "$f" ] && pids="$pids $(cat "$f")"
    done
    [ -n "$pids" ] && kill $pids 2>/dev/null
    for _ in $(seq 1 50); do
        kill -0 $pids 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL $pids 2>/dev/null
    return 0
}

# Runs a daemon with no signal blocked: a mask inherited from the caller (a test runner's
# worker thread blocks nearly everything) would make it ignore TERM, and pass that on to the
# jobs it starts.
unblocked() { perl -MPOSIX -e 'sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die; exec @ARGV or die' -- "$@"; }

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "needs root to start slurmd" >&2; exit 77; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >"$D/apt.log" 2>&1 \
        || { echo "cannot install slurm-wlm and munge (see $D/apt.log)" >&2; exit 77; }
fi
H=$(hostname -s)
cat > "$D/slurm.conf" <<CONF
ClusterName=qtest
SlurmctldHost=$H
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
SlurmctldPort=$((16817 + RANDOM % 1000))
SlurmdPort=$((17818 + RANDOM % 1000))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AuthType=auth/munge
MpiDefault=none
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
NodeName=$H CPUs=$(nproc) RealMemory=20000 State=UNKNOWN
PartitionName=debug Nodes=$H Default=YES MaxTime=INFINITE State=UP
CONF
mkdir -p "$D/state" "$D/spool" /run/munge && chown munge:munge /run/munge 2>/dev/null
[ -f /etc/munge/munge.key ] || { command -v mungekey >/dev/null && mungekey --create 2>/dev/null; }
# A munged that answers is reused (the system's, or another cluster's); otherwise start ours.
if ! timeout 5 munge -n </dev/null >/dev/null 2>&1; then
    unblocked munged --force --pid-file="$D/munged.pid" </dev/null >>"$D/munged.log" 2>&1
    for _ in $(seq 1 50); do timeout 5 munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
fi
export SLURM_CONF=$D/slurm.conf
# The daemons must not inherit this script's output: a caller reading it to the end would wait
# for them to exit.
{ unblocked slurmctld -f "$SLURM_CONF" && unblocked slurmd -f "$SLURM_CONF"; } </dev/null >>"$D/daemons.log" 2>&1 \
    || { stop; echo "slurm daemons did not start (logs in $D)" >&2; exit 1; }
for _ in $(seq 1 60); do
    if timeout 5 sinfo -h -o '%t' 2>/dev/null | grep -q idle; then echo "SLURM_CONF=$SLURM_CONF"; exit 0; fi
    sleep 0.5
done
stop; echo "the node did not come up (logs in $D)" >&2; exit 1
