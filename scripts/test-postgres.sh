#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `start` prints a postgres:// URL, `stop` ends it.
# Usage: scripts/test-postgres.sh start [PORT] | stop [PORT]      (default port 54329)
# Needs the server binaries (Debian: postgresql). As root it runs the server as `postgres`.
set -euo pipefail
action="${1:-start}"
port="${2:-54329}"
dir="/tmp/xeroflow-test-pg-$port"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[[ -n "$bin" && -x "$bin/initdb" ]] || { echo "PostgreSQL server binaries not found (install the Debian package postgresql)" >&2; exit 1; }
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    if [[ -f "$dir/data/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "postgres://xeroflow:xeroflow@127.0.0.1:$port/xeroflow?sslmode=disable"
      exit 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [[ "$(id -u)" == 0 ]] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
    # The server must not hold this script's standard output or error open (a caller reading
    # them to the end would wait for the server to stop).
    as_owner "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -l "$dir/log" -w start \
      </dev/null >/dev/null 2>"$dir/pg_ctl.err" || { cat "$dir/pg_ctl.err" "$dir/log" >&2 2>/dev/null; exit 1; }
    as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -q -c "CREATE USER xeroflow PASSWORD 'xeroflow'" -c "CREATE DATABASE xeroflow OWNER xeroflow" >/dev/null
    echo "postgres://xeroflow:xeroflow@127.0.0.1:$port/xeroflow?sslmode=disable"
    ;;
  stop)
    [[ -d "$dir/data" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop [PORT]" >&2; exit 64 ;;
esac
