#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on a free loopback port.
#   scripts/pg-cluster.sh start DIR   initdb in DIR (its parent must be readable
#                                     by the cluster's user), start it, create database
#                                     "tracekit"; prints its URL (also in DIR/url)
#   scripts/pg-cluster.sh stop DIR    stops the cluster and removes DIR
# initdb refuses to run as root: as root, the cluster runs as the "postgres"
# user when it exists (Debian's package creates it), "nobody" otherwise.
# Durability is off (fsync, synchronous_commit): the data is thrown away.
set -euo pipefail

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

# initdb and pg_ctl: on PATH, or in Debian's versioned folder (newest first).
pg_bin() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$candidate/$1" ] && { echo "$candidate/$1"; return; }
  done
  echo "$0: $1 not found (install postgresql: scripts/install-deps.sh)" >&2
  exit 1
}

run_as_owner() {  # the cluster's commands run as an unprivileged user when we are root
  if [ "$(id -u)" = 0 ]; then
    local user=nobody
    id postgres >/dev/null 2>&1 && user=postgres
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

case $command in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown "$(id -u postgres 2>/dev/null || id -u nobody)" "$dir"
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  run_as_owner sh -c "umask 077; printf '%s\n' '$password' > '$dir/pwfile'"
  run_as_owner "$(pg_bin initdb)" -D "$dir/data" -U tracekit --pwfile="$dir/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  run_as_owner "$(pg_bin pg_ctl)" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  PGPASSWORD=$password psql -q -h 127.0.0.1 -p "$port" -U tracekit -d postgres -c "CREATE DATABASE tracekit" >/dev/null
  url="postgres://tracekit:$password@127.0.0.1:$port/tracekit?sslmode=disable"
  (umask 077; echo "$url" >"$dir/url")
  echo "$url"
  ;;
stop)
  [ -d "$dir" ] || exit 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    run_as_owner "$(pg_bin pg_ctl)" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
