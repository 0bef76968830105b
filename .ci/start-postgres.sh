#!/usr/bin/env bash
# Install (if needed) and start a throwaway PostgreSQL server on 127.0.0.1:54329 for the
# ledger tests. Prints the SQLAlchemy URL to use as PPSKIT_TEST_PG_URL.
set -euo pipefail
PGPORT=${PGPORT:-54329}
PGDATA=${PGDATA:-/tmp/ppskit-pgdata}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if ! id postgres >/dev/null 2>&1; then useradd --system postgres; fi
if [ ! -f "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA" && chown postgres "$PGDATA"
    su postgres -s /bin/sh -c "$BIN/initdb -D $PGDATA -A trust -U postgres" >&2
fi
if ! su postgres -s /bin/sh -c "$BIN/pg_ctl -D $PGDATA status" >/dev/null 2>&1; then
    su postgres -s /bin/sh -c "$BIN/pg_ctl -D $PGDATA -l $PGDATA/server.log -w \
        -o '-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1' start" >&2
fi
# Two roles, as in production (docs/ledger.md): the owner creates and migrates the
# tables; the app role may only SELECT and INSERT, so it can neither TRUNCATE nor
# disable the append-only triggers. The tests create one database per test, owned by
# ppskit_owner, and connect the code under test as ppskit_app.
for role in ppskit_owner ppskit_app; do
    su postgres -s /bin/sh -c "$BIN/psql -h 127.0.0.1 -p $PGPORT -U postgres -tAc \
        \"SELECT 1 FROM pg_roles WHERE rolname = '$role'\"" | grep -q 1 ||
        su postgres -s /bin/sh -c "$BIN/psql -h 127.0.0.1 -p $PGPORT -U postgres -qc \
            'CREATE ROLE $role LOGIN'" >&2
done
echo "postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
