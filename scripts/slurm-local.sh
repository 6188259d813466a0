#!/usr/bin/env bash
# A real single-machine Slurm cluster in a folder of its own, for the farm tests and the farm
# benchmark: munged with its own key and socket, slurmctld and slurmd with a generated slurm.conf,
# one node with CPUS slots (default 4), one partition "scan". Nothing outside the folder is touched.
#
#   scripts/slurm-local.sh start [CPUS]   prints the folder, then SLURM_CONF=... to export
#   scripts/slurm-local.sh stop FOLDER    stops the daemons and removes the folder
#
# Needs the Debian packages slurmctld, slurmd, slurm-client and munge (scripts/deps.sh installs them)
# and root (slurmd starts the tasks as their users).
set -euo pipefail

die() { echo "slurm-local: $*" >&2; exit 1; }

stop() {
  local dir=$1
  [[ -f "$dir/slurm.conf" ]] || die "$dir is not a folder this script made"
  for d in slurmd slurmctld munged; do
    if [[ -f "$dir/$d.pid" ]]; then
      local pid; pid=$(cat "$dir/$d.pid" 2>/dev/null || true)
      [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
    fi
  done
  # The tasks slurmd started, then the daemons themselves: gone before the folder is.
  for _ in $(seq 50); do
    local alive=0
    for d in slurmd slurmctld munged; do
      pid=$(cat "$dir/$d.pid" 2>/dev/null || true)
      [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    (( alive )) || break
    sleep 0.1
  done
  for d in slurmd slurmctld munged; do
    pid=$(cat "$dir/$d.pid" 2>/dev/null || true)
    [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"
}

start() {
  local cpus=${1:-4}
  for b in munged slurmctld slurmd sbatch squeue scancel sinfo; do
    command -v "$b" >/dev/null 2>&1 || [[ -x /usr/sbin/$b ]] || die "$b is not installed (Debian: slurmctld slurmd slurm-client munge)"
  done
  [[ $(id -u) == 0 ]] || die "needs root (slurmd runs tasks as their users)"
  export PATH="$PATH:/usr/sbin"
  # Slurm's config file has no quoting: the folder's path must have no spaces.
  local base=${TMPDIR:-/tmp}
  [[ "$base" =~ [[:space:]] || ! -d "$base" ]] && base=/tmp
  local dir; dir=$(mktemp -d "$base/reelsync-slurm.XXXXXX")
  chmod 700 "$dir"
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  # munge: its own key, socket and files.
  dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge.key"
  munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge.seed" >"$dir/log/munged.out" 2>&1 \
    || { cat "$dir/log/munged.out" "$dir/log/munged.log" >&2 2>/dev/null; rm -rf "$dir"; die "munged did not start"; }
  # Two free ports next to each other, from the folder's random name.
  local port=$(( 20000 + (RANDOM * 7 + $$) % 30000 ))
  while (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null || (echo >/dev/tcp/127.0.0.1/$((port + 1))) 2>/dev/null; do port=$((port + 2)); done
  local host; host=$(hostname -s)
  cat >"$dir/slurm.conf" <<EOF
ClusterName=reelsync
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
MaxArraySize=100001
MaxJobCount=200000
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=scan Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -i -f "$dir/slurm.conf" >"$dir/log/slurmctld.out" 2>&1 \
    || { cat "$dir/log/slurmctld.out" "$dir/log/slurmctld.log" >&2 2>/dev/null; stop "$dir"; die "slurmctld did not start"; }
  slurmd -f "$dir/slurm.conf" -N "$host" >"$dir/log/slurmd.out" 2>&1 \
    || { cat "$dir/log/slurmd.out" "$dir/log/slurmd.log" >&2 2>/dev/null; stop "$dir"; die "slurmd did not start"; }
  # Ready when the node takes work.
  local state=""
  for _ in $(seq 300); do
    state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1 || true)
    [[ "$state" == idle ]] && break
    sleep 0.1
  done
  if [[ "$state" != idle ]]; then
    tail -20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2>/dev/null || true
    stop "$dir"
    die "the node did not come up (state '${state:-none}')"
  fi
  echo "$dir"
  echo "SLURM_CONF=$dir/slurm.conf"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) [[ $# == 2 ]] || die "usage: $0 stop FOLDER"; stop "$2" ;;
  *) die "usage: $0 start [CPUS] | stop FOLDER" ;;
esac
