#!/usr/bin/env bash
# make bench: seed a fresh PostgreSQL database at scale, serve it with gunicorn (production
# settings, 2 workers) and run the load scenarios; writes bench/results/<date>.md and .png.
# BENCH_SCALE (default 1), BENCH_DB (default crm_bench), BENCH_DURATION (s per endpoint, 10).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${BENCH_SCALE:-1}"
DB="${BENCH_DB:-crm_bench}"
PGURL="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
PORT="${BENCH_PORT:-8001}"
export DATABASE_URL="$PGURL/$DB"
export REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}"
PY=.venv/bin/python

if [ "${BENCH_SKIP_SEED:-}" != "1" ]; then
  psql "$PGURL/postgres" -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  $PY manage.py migrate -v0
  $PY -m bench.seed --scale "$SCALE" | tee /tmp/crm-bench-seed.log
fi
seed_line="Data: scale $SCALE. $(grep '^Done' /tmp/crm-bench-seed.log 2>/dev/null || true)"

export DEBUG=false CRM_BENCH=true HTTPS=false ALLOWED_HOSTS=127.0.0.1,localhost
export SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(64))')"
$PY manage.py collectstatic --noinput -v0
.venv/bin/gunicorn crm.wsgi -c gunicorn.conf.py -w 2 -k gthread --threads 4 -b "127.0.0.1:$PORT" \
  --access-logfile /dev/null --error-logfile /tmp/crm-bench-gunicorn.log &
GPID=$!
trap 'kill $GPID 2>/dev/null || true' EXIT
$PY -m bench.run --base "http://127.0.0.1:$PORT" --duration "${BENCH_DURATION:-10}" \
  --seed-info "$seed_line" ${BENCH_ONLY:+--only "$BENCH_ONLY"}
