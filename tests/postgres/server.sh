#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the tests labelled `postgres`
# (ctest runs `start` before them and `stop` after, as a test fixture).
#   tests/postgres/server.sh start   initdb in a new directory, password
#                                    authentication, a free loopback port
#   tests/postgres/server.sh stop    stops that server (pg_ctl, by the PID
#                                    in its postmaster.pid) and removes it
# The tests find it through $TMPDIR/safeshare-postgres/ (TMPDIR, or /tmp):
# `dsn` (a libpq connection string without the password), `password` (mode
# 600) and `dir`, the server's directory. PostgreSQL refuses to run as root,
# so as root the server runs as the `postgres` user (Debian's package makes
# it) from a directory under /tmp it can reach.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
state="${TMPDIR:-/tmp}/safeshare-postgres"

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  [ -x "$bin/initdb" ] || { echo "server.sh: $bin/initdb missing: apt-get install -y postgresql" >&2; exit 1; }
  stop_quietly
  mkdir -p "$state"
  local dir
  dir=$(mktemp -d /tmp/safeshare-pg.XXXXXX)
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  echo "$dir" >"$state/dir"
  (umask 077; openssl rand -hex 24 >"$state/password")
  install -m 600 "$state/password" "$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
  as_server_user "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
    --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  local port
  port=$(free_port)
  as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  echo "host=127.0.0.1 port=$port user=postgres dbname=postgres" >"$state/dsn"
  echo "PostgreSQL $(as_server_user "$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
}

stop_quietly() {
  [ -f "$state/dir" ] || return 0
  local dir
  dir=$(cat "$state/dir")
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$dir" "$state"
}

case "${1:-}" in
  start) start ;;
  stop) stop_quietly; echo "PostgreSQL stopped" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
