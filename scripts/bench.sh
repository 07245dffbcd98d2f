#!/usr/bin/env bash
# make bench: seed a fresh PostgreSQL database at scale, serve it with gunicorn (production
# settings, 2 sync workers like the peer kit) and run the load scenarios with wrk
# (-t2 -c8 -d20s); writes bench/results/<date>.md, .json and .png.
#   BENCH_SCALE (default 1), BENCH_DB (default crm_bench), BENCH_SKIP_SEED=1 (reuse the data),
#   BENCH_DURATION (s per endpoint, 20), BENCH_ONLY (comma-separated name substrings),
#   BENCH_WORKER_CLASS (sync; "gthread" serves with 4 threads per worker),
#   BENCH_PROFILE (name substrings: py-spy flame graphs into bench/results/),
#   BENCH_QUIET_WAIT (s to wait for >= 90 % idle CPU before each run, 10; the wait and the idle
#   CPU before/during each run are in the report),
#   BENCH_STAMP (report name, default the UTC date),
#   BENCH_PEER=1 (make bench-peer): also run the Creme kit (../shared/peers/creme) in the same
#   run, right after ours, and give the ratio per page (the kit must be set up and seeded:
#   see its README).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${BENCH_SCALE:-1}"
DB="${BENCH_DB:-crm_bench}"
PGURL="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
PORT="${BENCH_PORT:-8001}"
WORKER_CLASS="${BENCH_WORKER_CLASS:-sync}"
PEER_KIT="${BENCH_PEER_KIT:-../shared/peers/creme}"
export DATABASE_URL="$PGURL/$DB"
export REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}"
PY=.venv/bin/python

if [ "${BENCH_SKIP_SEED:-}" != "1" ]; then
  psql "$PGURL/postgres" -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  $PY manage.py migrate -v0
  $PY -m bench.seed --scale "$SCALE" | tee /tmp/crm-bench-seed.log
else
  $PY manage.py migrate -v0  # other apps' new migrations
fi
seed_line="Data: scale $SCALE ($DB)."
if grep -q " into $DB\$" /tmp/crm-bench-seed.log 2>/dev/null; then  # that seed's own summary
  seed_line="$seed_line $(grep '^Done' /tmp/crm-bench-seed.log || true)"
fi

# wrk from one token runs far past the per-user API rate (6000/min): lift it for the bench, or
# every API row after the first measures 429 answers.
export API_RATE_USER="${BENCH_API_RATE_USER:-100000000/min}"
export DEBUG=false CRM_BENCH=true HTTPS=false ALLOWED_HOSTS=127.0.0.1,localhost
export SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(64))')"
$PY manage.py collectstatic --noinput -v0
threads=()
[ "$WORKER_CLASS" = "gthread" ] && threads=(--threads 4)
.venv/bin/gunicorn crm.wsgi -c gunicorn.conf.py -w 2 -k "$WORKER_CLASS" "${threads[@]}" \
  -b "127.0.0.1:$PORT" --access-logfile /dev/null --error-logfile /tmp/crm-bench-gunicorn.log &
GPID=$!
trap 'kill $GPID 2>/dev/null || true' EXIT

peer_args=()
if [ "${BENCH_PEER:-}" = "1" ]; then
  # The peer's own kit, unchanged: it serves Creme on 127.0.0.1:8101 and writes summary.json.
  kit="$(cd "$PEER_KIT" && pwd)"
  bash "$kit/serve.sh" start
  peer_log="$(mktemp)"
  bash "$kit/bench.sh" | tee "$peer_log"
  bash "$kit/serve.sh" stop
  peer_out="$(sed -n 's/^\[bench\] done: //p' "$peer_log")"
  peer_args=(--peer-summary "$peer_out/summary.json")
fi

$PY -m bench.run --base "http://127.0.0.1:$PORT" --duration "${BENCH_DURATION:-20}" \
  --server-pid "$GPID" --worker-class "$WORKER_CLASS" --seed-info "$seed_line" \
  --quiet-wait "${BENCH_QUIET_WAIT:-10}" ${BENCH_STAMP:+--stamp "$BENCH_STAMP"} \
  ${BENCH_ONLY:+--only "$BENCH_ONLY"} ${BENCH_PROFILE:+--profile "$BENCH_PROFILE"} \
  "${peer_args[@]}"
