#!/usr/bin/env bash
# Serve the app; with REDIS_URL also run a Celery worker and beat next to it.
#
# The local default serves like production does (DEBUG off: the product's own 404/403/500
# pages, static files through whitenoise after collectstatic) but over plain HTTP on
# 127.0.0.1. `DEBUG=true make run` opts into Django's debug pages. On the first run a random
# SECRET_KEY, a CRM_MAIL_KEY and HTTPS=false are written to the git-ignored `.env.local`
# (path: CRM_LOCAL_ENV). Only this script reads it, so `make test` and `check --deploy` (which
# read `.env`) never see these local-only values.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LOCAL_ENV=${CRM_LOCAL_ENV:-.env.local}
PORT=${CRM_PORT:-8000}

if [ ! -f "$LOCAL_ENV" ]; then
  (umask 077
   { echo "# Written by scripts/run.sh on the first \`make run\`: the local server's settings."
     echo "SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')"
     echo "CRM_MAIL_KEY=$($PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
     echo "HTTPS=false"
   } > "$LOCAL_ENV")
  echo "Wrote $LOCAL_ENV (a new SECRET_KEY for this machine)."
fi
# Export each KEY=value of the file unless the environment already sets it.
while IFS= read -r line || [ -n "$line" ]; do
  key=${line%%=*}
  [[ "$line" == *=* && "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
  [ -n "${!key+set}" ] || export "$key=${line#*=}"
done < "$LOCAL_ENV"
export DEBUG=${DEBUG:-false}

# Migrate and seed with the same settings the server uses (the mailbox key above encrypts the
# demo mailboxes' passwords).
$PY manage.py migrate --noinput
$PY manage.py seed_demo
# Hashed static files, without the gzip/brotli copies (half a minute a local server can skip).
export STATIC_COMPRESS=${STATIC_COMPRESS:-false}

# Collect (hash and compress) static files on the first run and whenever a static source or
# the installed packages changed since the last collection; otherwise start straight away.
collected=staticfiles/.collected
if [ ! -f "$collected" ] || [ -n "$(find static crm/*/static .venv/.installed-* \
     -newer "$collected" -print -quit 2>/dev/null)" ]; then
  echo "Collecting static files..."
  $PY manage.py collectstatic --noinput --verbosity 0
  touch "$collected"
fi

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
if [ "$DEBUG" = "false" ]; then
  echo "DEBUG is off (the product's error pages); \`DEBUG=true make run\` shows Django's."
fi
echo "Serving http://127.0.0.1:$PORT — log in as sam / demo1234! (see README)."
if [ "$DEBUG" = "false" ]; then
  $PY manage.py runserver --noreload "127.0.0.1:$PORT"
else
  $PY manage.py runserver "127.0.0.1:$PORT"
fi
