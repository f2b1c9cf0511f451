#!/usr/bin/env bash
# ctest bench_smoke_postgres: `safeshare-bench --smoke --store postgres`
# against the test PostgreSQL server that tests/postgres/server.sh started
# (the ctest fixture `postgres`, found through $TMPDIR/safeshare-postgres).
#   smoke-postgres.sh PATH/TO/safeshare-bench
set -euo pipefail
state="${TMPDIR:-/tmp}/safeshare-postgres"
[ -s "$state/dsn" ] || { echo "smoke-postgres.sh: no test server in $state (run through ctest)" >&2; exit 1; }
exec "$1" --smoke --store postgres --postgres-dsn "$(cat "$state/dsn")" \
  --postgres-password-file "$state/password"
