#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for the tests labelled `postgres`
# (ctest runs `start` before them and `stop` after, as a test fixture).
#   tests/postgres/server.sh start [STATE] [--tmpfs SIZE]
#       initdb in a new directory, password authentication, a free loopback
#       port. With --tmpfs the data directory is a tmpfs of SIZE (e.g. 64m)
#       mounted in a mount namespace of the server's own (the write-ahead
#       log stays outside it), so a test can fill it: from outside, it is
#       /proc/PID/root/DIR/data.
#   tests/postgres/server.sh restart [STATE]
#       starts the same server again (same port) after it stopped or was
#       killed, retrying while the old one's processes still hold its
#       shared memory; not for --tmpfs servers.
#   tests/postgres/server.sh stop [STATE]
#       stops the server (pg_ctl, or SIGINT then SIGKILL to the PID in
#       STATE/pid) and removes it.
# STATE is the directory the tests find the server through, by default
# $TMPDIR/safeshare-postgres (TMPDIR, or /tmp), the fixture's; a test starts
# a private server with a STATE of its own. It holds `dsn` (a libpq
# connection string without the password), `password` (mode 600), `dir`
# (the server's directory), `port` and `pid` (the postmaster's, from its
# postmaster.pid). PostgreSQL refuses to run as root, so as root the server
# runs as the `postgres` user (Debian's package makes it) from a directory
# under /tmp it can reach.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
command="${1:-}"
state="${2:-${TMPDIR:-/tmp}/safeshare-postgres}"

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pg_ctl start of DIR/data on PORT; records the postmaster's PID.
run_server() {
  local dir=$1 port=$2
  as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  head -1 "$dir/data/postmaster.pid" >"$state/pid"
}

# initdb into DIR/data (the write-ahead log into WALDIR when given), then start.
init_and_run() {
  local dir=$1 port=$2 waldir=${3:-}
  as_server_user "$bin/initdb" -D "$dir/data" ${waldir:+-X "$waldir"} -U postgres \
    --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  run_server "$dir" "$port"
}

start() {
  local tmpfs=""
  [ "${1:-}" = --tmpfs ] && tmpfs=$2
  [ -x "$bin/initdb" ] || { echo "server.sh: $bin/initdb missing: apt-get install -y postgresql" >&2; exit 1; }
  stop_quietly
  mkdir -p "$state"
  local dir port
  dir=$(mktemp -d /tmp/safeshare-pg.XXXXXX)
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  echo "$dir" >"$state/dir"
  (umask 077; openssl rand -hex 24 >"$state/password")
  install -m 600 "$state/password" "$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
  port=$(free_port)
  echo "$port" >"$state/port"
  if [ -n "$tmpfs" ]; then
    mkdir "$dir/data" "$dir/wal"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir/data" "$dir/wal"
    local owner="uid=$(id -u postgres),gid=$(id -g postgres)"
    unshare -m bash -c "mount --make-rprivate / && mount -t tmpfs -o size=$tmpfs,mode=700,$owner \
      tmpfs '$dir/data' && exec bash '$0' _init_and_run '$state' '$dir' '$port' '$dir/wal'"
  else
    init_and_run "$dir" "$port"
  fi
  echo "host=127.0.0.1 port=$port user=postgres dbname=postgres" >"$state/dsn"
  echo "PostgreSQL $(as_server_user "$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
}

restart() {
  local dir port
  dir=$(cat "$state/dir")
  port=$(cat "$state/port")
  for _ in $(seq 30); do  # the killed server's backends leave within seconds
    run_server "$dir" "$port" 2>/dev/null && return 0
    sleep 1
  done
  echo "server.sh: PostgreSQL in $dir did not start again; see $dir/log" >&2
  exit 1
}

stop_quietly() {
  [ -f "$state/dir" ] || return 0
  local dir pid=""
  dir=$(cat "$state/dir")
  [ -f "$state/pid" ] && pid=$(cat "$state/pid")
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  elif [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then  # a --tmpfs server
    kill -INT "$pid"
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir" "$state"
}

case "$command" in
  start) start "${@:3}" ;;
  restart) restart ;;
  stop) stop_quietly; echo "PostgreSQL stopped" ;;
  _init_and_run) init_and_run "$3" "$4" "$5" ;;
  *) echo "usage: $0 start|restart|stop [STATE] [--tmpfs SIZE]" >&2; exit 2 ;;
esac
