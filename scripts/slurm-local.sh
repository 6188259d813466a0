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

# The inodes of the sockets on local TCP port PORT (/proc/net/tcp and tcp6), any state, or only
# in STATE (hex, 0A: listening).
port_sockets() {
  local hex; hex=$(printf '%04X' "$1")
  awk -v p="$hex" -v st="${2:-}" 'FNR > 1 { n = split($2, a, ":"); if (a[n] == p && (st == "" || $4 == st)) print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Whether a local TCP port is held by any socket, in any state.
port_taken() { [[ -n "$(port_sockets "$1")" ]]; }

# Whether process PID holds a socket listening on local TCP port PORT.
listens() {
  local ino
  for ino in $(port_sockets "$2" 0A); do
    ls -l "/proc/$1/fd" 2>/dev/null | grep -q "socket:\[$ino\]" && return 0
  done
  return 1
}

# Whether the daemon whose pid file is in the folder runs.
daemon_alive() {
  local pid; pid=$(cat "$1/$2.pid" 2>/dev/null || true)
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# Whether it has gone: its pid file written and that process no longer there. (A daemon writes
# the file some time after it was started: no file yet is not gone; the waits are bounded.)
daemon_gone() {
  local pid; pid=$(cat "$1/$2.pid" 2>/dev/null || true)
  [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null
}

# slurm.conf for FOLDER HOST PORT CPUS.
write_conf() {
  cat >"$1/slurm.conf" <<EOF
ClusterName=reelsync
SlurmctldHost=$2(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$3
SlurmdPort=$(($3 + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$1/munge.socket
StateSaveLocation=$1/state
SlurmdSpoolDir=$1/spool
SlurmctldPidFile=$1/slurmctld.pid
SlurmdPidFile=$1/slurmd.pid
SlurmctldLogFile=$1/log/slurmctld.log
SlurmdLogFile=$1/log/slurmd.log
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
NodeName=$2 NodeAddr=127.0.0.1 CPUs=$4 RealMemory=1000 State=UNKNOWN
PartitionName=scan Nodes=$2 Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
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
  local host; host=$(hostname -s)
  # Two ports next to each other that nothing holds in any state (a port a socket still holds,
  # waiting to close or as the local end of a connection, cannot be bound either), from the
  # folder's random name; if slurmctld still cannot bind its port, another pair, up to 5 times.
  local port=$(( 20000 + (RANDOM * 7 + $$) % 30000 )) started=0
  for _ in 1 2 3 4 5; do
    while port_taken "$port" || port_taken $((port + 1)); do port=$((port + 2)); done
    write_conf "$dir" "$host" "$port" "$cpus"
    export SLURM_CONF="$dir/slurm.conf"
    : >"$dir/log/slurmctld.log"
    slurmctld -i -f "$dir/slurm.conf" >"$dir/log/slurmctld.out" 2>&1 \
      || { cat "$dir/log/slurmctld.out" "$dir/log/slurmctld.log" >&2 2>/dev/null; stop "$dir"; die "slurmctld did not start"; }
    # It daemonises before it binds: it listens on its port itself, or it is gone (its log says
    # why), within 10 s.
    local deadline=$((SECONDS + 10))
    while (( SECONDS < deadline )); do
      daemon_gone "$dir" slurmctld && break
      if daemon_alive "$dir" slurmctld && listens "$(cat "$dir/slurmctld.pid")" "$port"; then started=1; break; fi
      sleep 0.1
    done
    (( started )) && break
    if grep -q "Address already in use" "$dir/log/slurmctld.log" 2>/dev/null; then
      echo "slurm-local: port $port was taken after all; trying another" >&2
      if daemon_alive "$dir" slurmctld; then kill "$(cat "$dir/slurmctld.pid")" 2>/dev/null || true; fi
      rm -f "$dir/slurmctld.pid"
      port=$((port + 2))
      continue
    fi
    break
  done
  if (( ! started )); then
    tail -20 "$dir/log/slurmctld.out" "$dir/log/slurmctld.log" >&2 2>/dev/null || true
    stop "$dir"
    die "slurmctld did not come up"
  fi
  slurmd -f "$dir/slurm.conf" -N "$host" >"$dir/log/slurmd.out" 2>&1 \
    || { cat "$dir/log/slurmd.out" "$dir/log/slurmd.log" >&2 2>/dev/null; stop "$dir"; die "slurmd did not start"; }
  # Ready when the node takes work: at most 60 s, each question 10 s, and not once a daemon died.
  local state="" deadline=$((SECONDS + 60))
  while (( SECONDS < deadline )); do
    state=$(timeout 10 sinfo -h -N -o '%t' 2>/dev/null | head -1 || true)
    [[ "$state" == idle ]] && break
    if daemon_gone "$dir" slurmctld || daemon_gone "$dir" slurmd; then state="${state:-none}, a daemon exited"; break; fi
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
