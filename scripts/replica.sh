#!/usr/bin/env bash
# A real PostgreSQL streaming replica of the test cluster, for tests/common/test_replica.py.
#
# Usage: scripts/replica.sh start|stop|status|purge
# `start` makes (once) a physical copy of the primary at $PRIMARY_HOST:$PRIMARY_PORT with
# `pg_basebackup -R` (standby.signal + primary_conninfo) in $CRM_REPLICA_DIR/data (default
# /tmp/crm-replica-<uid>) and runs it as a hot standby on 127.0.0.1:$CRM_REPLICA_PORT (default
# 5433). The copy is kept between runs: a later `start` only starts it and lets it catch up by
# streaming; when the primary no longer has the WAL it needs, the copy is made again. `start`
# writes <dir>/env (CRM_REPLICA_HOST, CRM_REPLICA_PORT), prints STARTED on stdout only when it
# started the server (scripts/test.sh stops only what it started) and exits 0 when the replica
# was already running. `stop` stops the server and keeps the copy; `purge` removes it too.
#
# On the primary it needs wal_level=replica (the default) and a pg_hba rule letting
# 127.0.0.1 open replication connections; as root it adds the rule
# "host replication all 127.0.0.1/32 trust" and reloads the configuration if none exists (no
# restart: the primary keeps serving everyone). While it runs the replica streams through a
# physical replication slot ($SLOT), so a busy primary never recycles WAL it still needs;
# `stop` drops the slot, so a stopped replica never holds WAL on the primary. PostgreSQL refuses to run as root, so as root
# the replica runs as the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${CRM_REPLICA_DIR:-/tmp/crm-replica-$(id -u)}
DATA="$DIR/data"
HOST=127.0.0.1
PORT=${CRM_REPLICA_PORT:-5433}
PRIMARY_HOST=${CRM_REPLICA_PRIMARY_HOST:-127.0.0.1}
PRIMARY_PORT=${CRM_REPLICA_PRIMARY_PORT:-5432}
PRIMARY_USER=${CRM_REPLICA_PRIMARY_USER:-postgres}
WAIT_STREAMING=${CRM_REPLICA_WAIT_SECONDS:-60}
SLOT=${CRM_REPLICA_SLOT:-crm_test_replica_$(id -u)}

primary_sql() {
  psql -X -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" -d postgres -Atqc "$1"
}

replica_sql() {
  psql -X -h "$HOST" -p "$PORT" -U "$PRIMARY_USER" -d postgres -Atqc "$1" 2>/dev/null
}

# PostgreSQL binaries of the primary's major version (Debian: /usr/lib/postgresql/<major>/bin).
pg_bin() {
  local major
  major=$(primary_sql "SELECT current_setting('server_version_num')::int / 10000")
  if [ -x "/usr/lib/postgresql/$major/bin/pg_ctl" ]; then
    echo "/usr/lib/postgresql/$major/bin"
  else
    dirname "$(command -v pg_ctl)"
  fi
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

alive() {
  [ "$(replica_sql 'SELECT pg_is_in_recovery()')" = "t" ]
}

streaming() {
  [ "$(replica_sql "SELECT status FROM pg_stat_wal_receiver")" = "streaming" ]
}

ensure_hba() {
  local rules
  rules=$(primary_sql "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)
                       AND type = 'host' AND auth_method = 'trust' AND error IS NULL
                       AND (address = '127.0.0.1' OR address = 'all')")
  [ "$rules" -gt 0 ] && return 0
  local hba
  hba=$(primary_sql "SHOW hba_file")
  if [ ! -w "$hba" ]; then
    echo "The primary does not accept replication connections from 127.0.0.1: add" >&2
    echo "  host replication all 127.0.0.1/32 trust" >&2
    echo "to $hba and run SELECT pg_reload_conf();" >&2
    return 1
  fi
  printf '\n# Added by scripts/replica.sh: the test replica streams from this cluster.\n%s\n' \
    "host replication all 127.0.0.1/32 trust" >> "$hba"
  primary_sql "SELECT pg_reload_conf()" >/dev/null
  sleep 1
}

drop_slot() {
  primary_sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
               WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
}

ensure_slot() {
  # A kept copy restarts through a new slot; if the WAL it needs is gone it cannot stream and
  # the copy is made again.
  primary_sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
               WHERE slot_name = '$SLOT' AND NOT active AND wal_status = 'lost'" >/dev/null
  primary_sql "SELECT pg_create_physical_replication_slot('$SLOT', true) WHERE NOT EXISTS
               (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT')" >/dev/null
}

server_options() {
  # A hot standby needs at least the primary's values of these settings.
  local opts="-c port=$PORT -c listen_addresses=$HOST -c unix_socket_directories=$DIR/run"
  opts+=" -c hot_standby=on -c hba_file=$DIR/pg_hba.conf -c logging_collector=off"
  local name
  for name in max_connections max_worker_processes max_wal_senders max_prepared_transactions \
              max_locks_per_transaction; do
    opts+=" -c $name=$(primary_sql "SHOW $name")"
  done
  echo "$opts"
}

base_backup() {
  local bin=$1
  rm -rf "$DATA"
  mkdir -p "$DATA"
  chmod 700 "$DATA"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$DIR"
  echo "replica: copying the primary with pg_basebackup (once)" >&2
  drop_slot
  as_owner "$bin/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$PRIMARY_USER" \
    -D "$DATA" -R -X stream -c fast -C -S "$SLOT"
  # Debian keeps postgresql.conf outside the data directory: the standby gets its own.
  as_owner bash -c "printf '# scripts/replica.sh: settings come from the pg_ctl command line\n' \
    > '$DATA/postgresql.conf'"
}

start_server() {
  local bin=$1
  as_owner "$bin/pg_ctl" -D "$DATA" -l "$DIR/postgresql.log" -w -t 120 \
    -o "$(server_options)" start >/dev/null 9>&-  # the server must not hold the lock
}

wait_streaming() {
  local i
  for ((i = 0; i < WAIT_STREAMING; i++)); do
    streaming && return 0
    sleep 1
  done
  return 1
}

start() {
  if alive && streaming; then
    echo "replica already running on $HOST:$PORT (see $DIR/env)" >&2
    write_env
    return 0
  fi
  mkdir -p "$DIR/run"
  exec 9>"$DIR/lock"
  flock -w 900 9
  if alive && streaming; then
    write_env
    return 0
  fi
  ensure_hba
  local bin
  bin=$(pg_bin)
  if alive; then  # running but not streaming (e.g. left over from a failed start)
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  cat > "$DIR/pg_hba.conf" <<CONF
# scripts/replica.sh: a throwaway test replica on 127.0.0.1 only.
local all all trust
host all all 127.0.0.1/32 trust
CONF
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$DIR"
  if [ -f "$DATA/standby.signal" ]; then
    ensure_slot
    if start_server "$bin" && WAIT_STREAMING=20 wait_streaming; then
      write_env
      echo STARTED
      return 0
    fi
    echo "replica: the kept copy cannot catch up; copying the primary again" >&2
    as_owner "$bin/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
  fi
  base_backup "$bin"
  start_server "$bin"
  if ! wait_streaming; then
    echo "replica: started but not streaming from the primary; see $DIR/postgresql.log" >&2
    return 1
  fi
  write_env
  echo STARTED
}

write_env() {
  printf 'CRM_REPLICA_HOST=%s\nCRM_REPLICA_PORT=%s\n' "$HOST" "$PORT" > "$DIR/env"
}

stop() {
  [ -f "$DATA/PG_VERSION" ] || return 0
  local bin
  bin=$(pg_bin)
  if [ -f "$DATA/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
  drop_slot
  rm -f "$DIR/env"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  purge) stop; rm -rf "$DIR" ;;
  status)
    if alive; then
      echo "running on $HOST:$PORT, wal receiver: $(replica_sql 'SELECT status FROM pg_stat_wal_receiver')"
    else
      echo "not running"; exit 1
    fi ;;
  *) echo "usage: $0 start|stop|status|purge" >&2; exit 2 ;;
esac
