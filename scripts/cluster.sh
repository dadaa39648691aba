#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on 127.0.0.1 for trying payonce on a multi-primary engine:
# `start` (installs Debian's mariadb-server, galera-4 and rsync when missing and we are root),
# `stop`, `status`, `kill NODE` (SIGKILL one node's mariadbd, as a crash would) and
# `start NODE` (one node, joining the others). Data lives in .data/cluster/ (git-ignored).
# Node i (1..3) listens for SQL on CLUSTER_SQL_PORT+i-1 (3341..3343), for the group on
# CLUSTER_GROUP_PORT+i-1 (4571..), incremental state transfer on CLUSTER_IST_PORT+i-1 (4581..)
# and rsync snapshot transfer on CLUSTER_SST_PORT+i-1 (4591..).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/mariadb.sh
source "$root/scripts/lib/mariadb.sh"
load_settings

nodes=(1 2 3)
cluster_dir="$root/.data/cluster"
sql_port="${CLUSTER_SQL_PORT:-3341}"
group_port="${CLUSTER_GROUP_PORT:-4571}"
ist_port="${CLUSTER_IST_PORT:-4581}"
sst_port="${CLUSTER_SST_PORT:-4591}"
provider="${CLUSTER_WSREP_PROVIDER:-/usr/lib/galera/libgalera_smm.so}"
db_user="${DB_USER}"
db_password="${DB_PASSWORD}"
db_name="${DB_NAME}"
test_db_name="${DB_TEST_NAME}"
# A joiner copying the whole data directory (SST) takes longer than a server that only starts.
ready_timeout_s="${CLUSTER_READY_TIMEOUT_S:-180}"

# As root the nodes run as the package's mysql user: a root mariadbd starts its rsync daemon as
# root, which rsync then runs as nobody, and the joiner's state transfer is refused.
if [ "$(id -u)" = 0 ] && id mysql >/dev/null 2>&1; then run_user=mysql; else run_user="$(id -un)"; fi

say() { echo "[cluster] $*" >&2; }

node_dir() { echo "$cluster_dir/node$1"; }
node_sql_port() { echo $((sql_port + $1 - 1)); }
node_group_port() { echo $((group_port + $1 - 1)); }
node_pid() { live_server_pid "$(node_dir "$1")/run/mysqld.pid"; }
node_client() { "$client_bin" --no-defaults --protocol=socket --socket="$(node_dir "$1")/run/mysqld.sock" -uroot "${@:2}"; }

check_ports() { # the four ranges of three ports must not overlap
  local all=() p
  for base in "$sql_port" "$group_port" "$ist_port" "$sst_port"; do
    for i in "${nodes[@]}"; do all+=($((base + i - 1))); done
  done
  if [ "$(printf '%s\n' "${all[@]}" | sort -u | wc -l)" != "${#all[@]}" ]; then
    say "CLUSTER_SQL_PORT, CLUSTER_GROUP_PORT, CLUSTER_IST_PORT and CLUSTER_SST_PORT each take three ports; these overlap: ${all[*]}"
    exit 2
  fi
}

ensure_binaries() {
  server_bin="$(find_bin mariadbd || true)"
  client_bin="$(find_bin mariadb || true)"
  install_db="$(find_bin mariadb-install-db || true)"
  if [ -n "$server_bin" ] && [ -n "$client_bin" ] && [ -f "$provider" ] && command -v rsync >/dev/null; then return 0; fi
  say "installing Debian's mariadb-server, galera-4 and rsync (about 30 s)"
  apt_install mariadb-server galera-4 rsync || {
    say "Galera needs mariadb-server, galera-4 and rsync: install them (sudo apt-get install mariadb-server galera-4 rsync) and run this again"
    exit 1
  }
  server_bin="$(find_bin mariadbd)" && client_bin="$(find_bin mariadb)" && install_db="$(find_bin mariadb-install-db)"
}

write_config() { # $1 = node; the same file serves mariadbd and its SST scripts
  local n="$1" dir; dir="$(node_dir "$n")"
  local peers="" i
  for i in "${nodes[@]}"; do peers+="${peers:+,}127.0.0.1:$(node_group_port "$i")"; done
  mkdir -p "$dir/data" "$dir/run"
  [ "$run_user" = "$(id -un)" ] || chown -R "$run_user": "$dir"
  cat >"$dir/my.cnf" <<CNF
[mysqld]
datadir=$dir/data
socket=$dir/run/mysqld.sock
pid-file=$dir/run/mysqld.pid
log-error=$dir/mysqld.log
port=$(node_sql_port "$n")
bind-address=127.0.0.1
user=$run_user
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
max-connections=300
innodb-buffer-pool-size=128M
innodb-flush-log-at-trx-commit=2
# Three nodes and their apps on one small machine: one purge thread each (see db.sh).
innodb-purge-threads=1
transaction-isolation=READ-COMMITTED
# What Galera requires: row events, InnoDB, interleaved auto-increment locks.
binlog-format=ROW
default-storage-engine=InnoDB
innodb-autoinc-lock-mode=2
wsrep-on=ON
wsrep-provider=$provider
wsrep-cluster-name=payonce
wsrep-cluster-address=gcomm://$peers
wsrep-node-name=node$n
wsrep-node-address=127.0.0.1:$(node_group_port "$n")
wsrep-node-incoming-address=127.0.0.1:$(node_sql_port "$n")
wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:$(node_group_port "$n");ist.recv_addr=127.0.0.1:$((ist_port + n - 1));gcache.size=256M
wsrep-sst-method=rsync
wsrep-sst-receive-address=127.0.0.1:$((sst_port + n - 1))
# A read waits until this node has applied what the cluster committed before it: read-your-writes across nodes.
wsrep-sync-wait=1
wsrep-slave-threads=2
CNF
}

# After a crash grastate.dat says seqno -1; recovering the position from InnoDB lets the node
# rejoin by incremental transfer (IST) from a peer's cache instead of copying everything (SST).
recovered_position() { # $1 = node; prints uuid:seqno or nothing
  local dir; dir="$(node_dir "$1")"
  [ -f "$dir/data/grastate.dat" ] && grep -q '^seqno: *-1' "$dir/data/grastate.dat" || return 0
  [ -d "$dir/data/mysql" ] || return 0
  local log="$dir/recover.log"
  "$server_bin" --defaults-file="$dir/my.cnf" --wsrep-recover --log-error="$log" >/dev/null 2>&1 || true
  sed -n 's/.*WSREP: Recovered position: *\([0-9a-f-]*:[0-9-]*\).*/\1/p' "$log" | tail -1
}

launch() { # $1 = node, $2.. extra flags; returns once the node is Synced
  local n="$1" dir; dir="$(node_dir "$n")"
  shift
  rm -f "$dir/run/mysqld.pid" "$dir/run/mysqld.sock" "$dir/run/mysqld.sock.lock"
  local position; position="$(recovered_position "$n")"
  if [ -n "$position" ]; then set -- "$@" "--wsrep-start-position=$position"; fi
  # Its own session, so that it outlives the npm script that started it.
  setsid "$server_bin" --defaults-file="$dir/my.cnf" "$@" </dev/null >/dev/null 2>&1 &
  local launched=$! state=""
  for _ in $(seq 1 $((ready_timeout_s * 5))); do
    state="$(node_client "$n" -N -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | awk '{print $2}' || true)"
    [ "$state" = Synced ] && break
    kill -0 "$launched" 2>/dev/null || break # it gave up (a failed state transfer aborts the joiner)
    sleep 0.2
  done
  if [ "$state" != Synced ]; then
    say "node $n did not reach Synced within ${ready_timeout_s} s (state: ${state:-down}); see $dir/mysqld.log:"
    tail -20 "$dir/mysqld.log" >&2
    exit 1
  fi
  say "node $n synced on 127.0.0.1:$(node_sql_port "$n") (pid $(node_pid "$n"))${position:+, rejoined from $position}"
}

any_running() { local i; for i in "${nodes[@]}"; do node_pid "$i" >/dev/null && return 0; done; return 1; }

# The node to found the cluster with: the one Galera marked safe to bootstrap (the last to stop),
# else, after a crash of every node, the one that had committed most (so nothing committed is lost).
bootstrap_node() {
  local i best=1 best_seqno=-2 position seqno
  for i in "${nodes[@]}"; do
    grep -qs '^safe_to_bootstrap: *1' "$(node_dir "$i")/data/grastate.dat" && { echo "$i"; return; }
  done
  [ -f "$(node_dir 1)/data/grastate.dat" ] || { echo 1; return; } # a new cluster
  for i in "${nodes[@]}"; do
    [ -f "$(node_dir "$i")/my.cnf" ] || continue
    position="$(recovered_position "$i")"
    seqno="${position##*:}"
    [ -n "$position" ] || seqno="$(sed -n 's/^seqno: *//p' "$(node_dir "$i")/data/grastate.dat" 2>/dev/null)"
    if [ "${seqno:--2}" -gt "$best_seqno" ]; then best="$i"; best_seqno="$seqno"; fi
  done
  say "no node is marked safe to bootstrap (all crashed): founding the cluster on node $best (seqno $best_seqno)"
  sed -i 's/^safe_to_bootstrap: *0/safe_to_bootstrap: 1/' "$(node_dir "$best")/data/grastate.dat"
  echo "$best"
}

start_node() { # $1 = node: joins the running cluster
  local n="$1"
  if pid="$(node_pid "$n")"; then say "node $n already running (pid $pid)"; return 0; fi
  any_running || { say "no node is running: start the whole cluster (npm run cluster:start)"; exit 1; }
  write_config "$n"
  launch "$n"
}

start() {
  check_ports
  ensure_binaries
  local i first
  if ! any_running; then
    first="$(bootstrap_node)"
    write_config "$first"
    if [ ! -d "$(node_dir "$first")/data/mysql" ]; then
      say "creating the cluster's data in .data/cluster (node $first founds it; the others copy it by rsync)"
      "$install_db" --no-defaults --datadir="$(node_dir "$first")/data" --user="$run_user" \
        --auth-root-authentication-method=socket --skip-test-db >"$cluster_dir/install.log" 2>&1 ||
        { cat "$cluster_dir/install.log" >&2; exit 1; }
    fi
    launch "$first" --wsrep-new-cluster
    client() { node_client "$first" "$@"; }
    create_project_databases "$db_name" "$test_db_name" "$db_user" "$db_password"
  fi
  for i in "${nodes[@]}"; do start_node "$i"; done
  settings
}

stop_node() {
  local n="$1" pid
  if pid="$(node_pid "$n")"; then stop_server_pid "$pid"; say "node $n stopped"; else say "node $n is not running"; fi
  rm -f "$(node_dir "$n")/run/mysqld.pid" "$(node_dir "$n")/run/mysqld.sock"
}

stop() { # last node first, so node 1 stops last and is the one safe to bootstrap next time
  local i
  for ((i = ${#nodes[@]}; i >= 1; i--)); do stop_node "$i"; done
}

kill_node() { # a crash: SIGKILL, nothing flushed, nothing said to the peers
  local n="$1" pid
  pid="$(node_pid "$n")" || { say "node $n is not running"; return 1; }
  kill -9 "$pid"
  say "node $n (pid $pid) killed"
}

settings() {
  local i hosts=""
  for i in "${nodes[@]}"; do
    echo "node $i: DB_HOST=127.0.0.1 DB_PORT=$(node_sql_port "$i") DB_USER=$db_user DB_PASSWORD=$db_password DB_NAME=$db_name"
    hosts+="${hosts:+,}127.0.0.1:$(node_sql_port "$i")"
  done
  echo "failing over, in order: DB_HOST=$hosts (the first that answers; put a process's own node first)"
  echo "with DB_HOST set the service also needs AUTH_TOKEN_SECRET (32+ characters)"
}

status() {
  client_bin="$(find_bin mariadb mysql)" || { say "no MariaDB client installed"; return 3; }
  local i pid down=0
  for i in "${nodes[@]}"; do
    if pid="$(node_pid "$i")"; then
      local info
      info="$(node_client "$i" -N -e "SHOW STATUS WHERE Variable_name IN ('wsrep_local_state_comment','wsrep_cluster_size','wsrep_last_committed')" 2>/dev/null | awk '{printf "%s=%s ", $1, $2}')"
      say "node $i running (pid $pid) on 127.0.0.1:$(node_sql_port "$i"): ${info:-not answering yet}"
    else
      say "node $i is not running"
      down=1
    fi
  done
  settings
  return $((down * 3))
}

case "${1:-}" in
  start) if [ -n "${2:-}" ]; then check_ports; ensure_binaries; start_node "$2"; else start; fi ;;
  stop) if [ -n "${2:-}" ]; then stop_node "$2"; else stop; fi ;;
  status) status ;;
  kill) client_bin="$(find_bin mariadb mysql)"; kill_node "${2:?usage: scripts/cluster.sh kill NODE}" ;;
  *) echo "usage: scripts/cluster.sh start [NODE]|stop [NODE]|status|kill NODE" >&2; exit 2 ;;
esac
