# Shell helpers shared by scripts/db.sh (the private server) and scripts/cluster.sh (the Galera
# cluster). Sourced, not run; the caller has already cd'ed to the project root.

# Read KEY=VALUE lines from a file (default .env) without overriding what the environment already says.
load_dotenv() {
  local file="${1:-.env}" key value
  [ -f "$file" ] || return 0
  while IFS='=' read -r key value; do
    [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
    [ -n "${!key+x}" ] || export "$key=$value"
  done < "$file"
}

# .env, then the database defaults written once for the app, the scripts and these shell scripts.
load_settings() {
  load_dotenv .env
  load_dotenv src/config/database.defaults.env
}

find_bin() { # first of the given names on PATH or in sbin
  for name in "$@"; do
    for dir in "" /usr/sbin/ /usr/local/sbin/ /usr/local/mysql/bin/; do
      if [ -z "$dir" ]; then command -v "$name" 2>/dev/null && return 0
      elif [ -x "$dir$name" ]; then echo "$dir$name"; return 0; fi
    done
  done
  return 1
}

# Installs Debian packages when we are root and apt-get exists; fails otherwise.
apt_install() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}

# A pid that is alive, not a zombie (a killed server can linger where nothing reaps it) and a
# MariaDB/MySQL server (a stale pid can be reused); prints it, or fails.
live_server_pid() {
  local pid_file="$1" pid state
  [ -f "$pid_file" ] || return 1
  pid="$(cat "$pid_file" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)"
  [[ "$state" != Z ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" =~ ^(mariadbd|mysqld)$ ]] && echo "$pid"
}

# Stops the server behind a pid: SIGTERM, up to 30 s, then SIGKILL.
stop_server_pid() {
  local pid="$1"
  kill "$pid"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
}

# The project's databases and user, on a server reached by `client` (root over its socket).
create_project_databases() {
  local db_name="$1" test_db_name="$2" db_user="$3" db_password="$4"
  client <<SQL
CREATE DATABASE IF NOT EXISTS \`$db_name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS \`$test_db_name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$db_user'@'127.0.0.1' IDENTIFIED BY '$db_password';
CREATE USER IF NOT EXISTS '$db_user'@'localhost' IDENTIFIED BY '$db_password';
GRANT ALL PRIVILEGES ON \`$db_name\`.* TO '$db_user'@'127.0.0.1', '$db_user'@'localhost';
GRANT ALL PRIVILEGES ON \`$test_db_name\`.* TO '$db_user'@'127.0.0.1', '$db_user'@'localhost';
SQL
}
