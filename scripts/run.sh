#!/usr/bin/env bash
# Serve the app; with REDIS_URL also run a Celery worker and beat next to it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
if [ -n "${REDIS_URL:-}" ]; then
  echo "REDIS_URL is set: starting a Celery worker and beat."
  .venv/bin/celery -A crm worker --loglevel=INFO --concurrency=2 -Q "${CELERY_QUEUE:-crm}" &
  pids+=($!)
  .venv/bin/celery -A crm beat --loglevel=INFO --schedule=/tmp/crm-celerybeat-schedule &
  pids+=($!)
else
  echo "No REDIS_URL: background tasks run inline."
fi
echo "Serving http://127.0.0.1:8000 — log in as sam / demo1234! (see README)."
$PY manage.py runserver 127.0.0.1:8000
