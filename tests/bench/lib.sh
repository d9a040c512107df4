# Shared by the load scripts (sourced, from the repository's root): a fresh
# database and a release `plenum serve` on it, removed on exit.
#
#   fresh_database [postgres-admin-url]   sets dir, url, pool, backend
#   start_server                          sets port, server (the pid)

fresh_database() {
  dir=$(mktemp -d)
  admin=${1:-}
  if [ -n "$admin" ]; then
    name="plenum_load_$$"
    psql -q "$admin" -c "CREATE DATABASE $name"
    url="${admin%/*}/$name"
    backend=PostgreSQL
    pool=16
  else
    url="sqlite://$dir/plenum.db?mode=rwc"
    backend=SQLite
    # SQLite runs each connection's queries on a thread of its own: on a small
    # machine a few connections serve best (one writer at a time anyway).
    pool=4
  fi
  server=
  trap cleanup EXIT
}

cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true; fi
  if [ -n "$admin" ]; then psql -q "$admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"; fi
  rm -rf "$dir"
}

start_server() {
  port=$((18200 + $$ % 1000))
  (cd "$dir" && PLENUM_SERVER__BIND=127.0.0.1:$port PLENUM_DATABASE__URL="$url" \
    PLENUM_DATABASE__MAX_CONNECTIONS=${PLENUM_DATABASE__MAX_CONNECTIONS:-$pool} \
    PLENUM_LOG__FILTER=warn PLENUM_ACCOUNTS__ARGON2_MEMORY_KIB=64 PLENUM_ACCOUNTS__ARGON2_ITERATIONS=1 \
    PLENUM_ACCOUNTS__REGISTRATIONS_PER_ADDRESS=1000000 PLENUM_ACCOUNTS__CONFIRM_EMAIL=false \
    exec "$OLDPWD/target/release/plenum" serve >/dev/null) &
  server=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "$server" 2>/dev/null || { echo "the server did not start"; exit 1; }
    sleep 0.05
  done
}
