#!/usr/bin/env bash
# The project's private MariaDB/MySQL server: `start` (installs Debian's mariadb-server when
# missing and we are root), `stop`, `status`. With DB_HOST set, an external server is used and
# nothing is started. Data lives in .data/ (git-ignored), the server listens on loopback only.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/mariadb.sh
source "$root/scripts/lib/mariadb.sh"
load_settings

# DB_DATA_DIR: a second private server (with its own DB_PORT), as the fault suite starts and stops.
data_root="${DB_DATA_DIR:-$root/.data}"
# A relative DB_DATA_DIR is the project's: mariadb-install-db resolves one against its own basedir (/usr).
[[ "$data_root" = /* ]] || data_root="$root/$data_root"
data_dir="$data_root/mysql"
run_dir="$data_root/run"
socket="$run_dir/mysqld.sock"
pid_file="$run_dir/mysqld.pid"
log_file="$data_root/mysqld.log"
port="${DB_PORT}"
db_user="${DB_USER}"
db_password="${DB_PASSWORD}"
db_name="${DB_NAME}"
test_db_name="${DB_TEST_NAME}"

say() { echo "[db] $*" >&2; }

ensure_binaries() {
  if server_bin="$(find_bin mariadbd mysqld)" && client_bin="$(find_bin mariadb mysql)"; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "no MariaDB/MySQL server found: installing Debian's mariadb-server (about 30 s)"
    apt_install mariadb-server
    server_bin="$(find_bin mariadbd mysqld)" && client_bin="$(find_bin mariadb mysql)" && return 0
  fi
  say "No MariaDB/MySQL server is installed. Install one (Debian/Ubuntu: sudo apt-get install mariadb-server), or set DB_HOST, DB_PORT, DB_USER, DB_PASSWORD and DB_NAME to use an existing server."
  exit 1
}

server_pid() { live_server_pid "$pid_file"; } # prints the pid of our running server, or fails

client() { "$client_bin" --no-defaults --protocol=socket --socket="$socket" -uroot "$@"; }

initialize() {
  say "creating a private data directory in $data_dir"
  mkdir -p "$data_dir" "$run_dir"
  local log="$data_root/install.log"
  if [[ "$(basename "$server_bin")" == mariadbd ]] || "$server_bin" --version | grep -qi mariadb; then
    local install_db; install_db="$(find_bin mariadb-install-db mysql_install_db)"
    "$install_db" --no-defaults --datadir="$data_dir" --user="$(id -un)" \
      --auth-root-authentication-method=socket --skip-test-db >"$log" 2>&1 ||
      { cat "$log" >&2; exit 1; }
  else
    "$server_bin" --no-defaults --initialize-insecure --datadir="$data_dir" --user="$(id -un)" >"$log" 2>&1 ||
      { cat "$log" >&2; exit 1; }
  fi
}

start() {
  if [ -n "${DB_HOST:-}" ]; then
    say "DB_HOST=$DB_HOST is set: using that server, starting nothing"
    return 0
  fi
  ensure_binaries
  if pid="$(server_pid)"; then
    say "private server already running (pid $pid, port $port)"
    return 0
  fi
  rm -f "$pid_file" "$socket" "$socket.lock" # left behind by a killed run
  [ -d "$data_dir/mysql" ] || initialize
  mkdir -p "$run_dir"
  # Started in its own session so that it outlives the npm script that started it.
  # One purge thread: MariaDB's default four, sharing a small machine with the app, take every core
  # in bursts about a second apart and stall the app (half-rate p99 25-115 ms against 13-17 ms; BENCHMARKS.md).
  setsid "$server_bin" --no-defaults --datadir="$data_dir" --socket="$socket" --pid-file="$pid_file" \
    --port="$port" --bind-address=127.0.0.1 --user="$(id -un)" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-connections=500 --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
    --innodb-purge-threads=1 --transaction-isolation=READ-COMMITTED \
    --skip-name-resolve --log-error="$log_file" </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 150); do
    if client -e 'SELECT 1' >/dev/null 2>&1; then break; fi
    sleep 0.2
  done
  client -e 'SELECT 1' >/dev/null 2>&1 || { say "server did not start; see $log_file:"; tail -20 "$log_file" >&2; exit 1; }
  create_project_databases "$db_name" "$test_db_name" "$db_user" "$db_password"
  say "private server running on 127.0.0.1:$port (pid $(cat "$pid_file")), databases $db_name and $test_db_name"
}

stop() {
  if [ -n "${DB_HOST:-}" ]; then say "DB_HOST is set: the external server is not ours to stop"; return 0; fi
  local pid
  if ! pid="$(server_pid)"; then say "private server is not running"; rm -f "$pid_file" "$socket"; return 0; fi
  stop_server_pid "$pid"
  rm -f "$pid_file" "$socket"
  say "private server stopped"
}

status() {
  if [ -n "${DB_HOST:-}" ]; then say "external server: $DB_HOST:${DB_PORT:-3306}"; return 0; fi
  local pid
  if pid="$(server_pid)"; then say "private server running (pid $pid) on 127.0.0.1:$port, data in .data/mysql"
  else say "private server is not running"; return 3; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  restart) stop; start ;;
  *) echo "usage: scripts/db.sh start|stop|status|restart" >&2; exit 2 ;;
esac
