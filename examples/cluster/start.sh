#!/usr/bin/env bash
# A three-instance latchkey cluster on one machine, no containers: a throw-away
# PostgreSQL made with initdb in a temporary directory, and three latchkey instances
# on ports 8081, 8082 and 8083 sharing it, each answering any request. Put the load
# balancer of haproxy.cfg or nginx.conf (this directory) in front: clients use
# http://127.0.0.1:8080, the address every instance names as its issuer (--hostname).
#
#   examples/cluster/start.sh [path/to/latchkey]     # Ctrl-C stops everything
#
# Needs PostgreSQL's server binaries (Debian: apt-get install postgresql; they are in
# /usr/lib/postgresql/<version>/bin). As root, PostgreSQL runs as the postgres user.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
latchkey=${1:-$here/../../target/release/latchkey}
[ -x "$latchkey" ] || { echo "no latchkey binary at $latchkey (cargo build --release -p latchkey)" >&2; exit 1; }
pg_bin=$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
[ -x "$pg_bin/initdb" ] || { echo "no initdb: install PostgreSQL (apt-get install postgresql)" >&2; exit 1; }
psql=$(command -v psql || echo "$pg_bin/psql")

work=$(mktemp -d -t latchkey-cluster-XXXXXX)
pg_port=${PG_PORT:-55432}
as_pg=()
if [ "$(id -u)" = 0 ]; then
    chown postgres "$work"
    as_pg=(runuser -u postgres --)
fi

pids=()
stop() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap stop EXIT INT TERM

echo "PostgreSQL: $work/data on 127.0.0.1:$pg_port"
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/data" -U postgres --auth-local=trust \
    --auth-host=trust --no-locale --encoding=UTF8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w \
    -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
"${as_pg[@]}" "$psql" -h "$work" -p "$pg_port" -U postgres -q \
    -c "CREATE ROLE latchkey LOGIN PASSWORD 'secret'" -c "CREATE DATABASE latchkey OWNER latchkey"

mkdir -p "$work/import"
cp "$here/../nagra-realm.json" "$work/import/"
for port in 8081 8082 8083; do
    LATCHKEY_BOOTSTRAP_ADMIN_USERNAME=admin LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD=admin \
    "$latchkey" start-dev \
        --db postgres --db-url "jdbc:postgresql://127.0.0.1:$pg_port/latchkey" \
        --db-username latchkey --db-password secret \
        --http-port "$port" --hostname http://127.0.0.1:8080/keycloak/auth \
        --import-realm --import-dir "$work/import" \
        >"$work/latchkey-$port.log" 2>&1 &
    pids+=($!)
done
for port in 8081 8082 8083; do
    for _ in $(seq 100); do
        grep -q "listening on" "$work/latchkey-$port.log" 2>/dev/null && break
        sleep 0.1
    done
    grep -q "listening on" "$work/latchkey-$port.log" || { cat "$work/latchkey-$port.log" >&2; exit 1; }
    echo "latchkey: http://127.0.0.1:$port/keycloak/auth (log: $work/latchkey-$port.log)"
done
echo "issuer: http://127.0.0.1:8080/keycloak/auth/realms/nagra (through the load balancer)"
echo "Ctrl-C stops the instances and PostgreSQL and deletes $work"
wait
