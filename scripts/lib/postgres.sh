# Starts a throw-away PostgreSQL cluster on loopback in a temporary folder and exports
# IDRP_TEST_POSTGRES with its connection string. Source this file; call start_test_postgres,
# and stop_test_postgres when done (the caller's EXIT trap should do it).

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_test_postgres() {
  local bin port
  bin=$(pg_bin)
  [ -n "$bin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
  IDRP_PG_DIR=$(mktemp -d /tmp/idrp-pg.XXXXXX)
  export IDRP_PG_DIR
  [ "$(id -u)" = 0 ] && chown postgres "$IDRP_PG_DIR"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_postgres "$bin/initdb" -D "$IDRP_PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >"$IDRP_PG_DIR/initdb.log" 2>&1 \
    || { cat "$IDRP_PG_DIR/initdb.log" >&2; return 1; }
  # A test cluster: durability off, speed on. Never use these settings for real data.
  as_postgres "$bin/pg_ctl" -D "$IDRP_PG_DIR/data" -l "$IDRP_PG_DIR/server.log" -w -t 60 \
    -o "-p $port -k $IDRP_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null \
    || { cat "$IDRP_PG_DIR/server.log" >&2; return 1; }
  export IDRP_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') test cluster on 127.0.0.1:$port"
}

stop_test_postgres() {
  if [ -n "${IDRP_PG_DIR:-}" ] && [ -d "$IDRP_PG_DIR" ]; then
    as_postgres "$(pg_bin)/pg_ctl" -D "$IDRP_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$IDRP_PG_DIR"
  fi
}
