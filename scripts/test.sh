#!/usr/bin/env bash
# The whole suite against PostgreSQL and Redis. Called by `make test` (and so by .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL REDIS_URL
export DJANGO_SETTINGS_MODULE=crm.settings

python_bin=.venv/bin/python
if ! $python_bin - <<'PY'
import os, sys
import psycopg2, redis, environ
db = environ.Env.db_url_config(os.environ["DATABASE_URL"])
try:
    psycopg2.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                     password=db["PASSWORD"], dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    sys.exit(f"PostgreSQL is not reachable at {os.environ['DATABASE_URL']}: {exc}")
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()
except Exception as exc:
    sys.exit(f"Redis is not reachable at {os.environ['REDIS_URL']}: {exc}")
PY
then
  echo "Start PostgreSQL and Redis (see design notes in README.md) and try again." >&2
  exit 1
fi

echo "== ruff"
.venv/bin/ruff check .
echo "== import contracts"
.venv/bin/lint-imports
echo "== migrations are up to date"
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
echo "== deploy checks (production settings)"
DEBUG=false SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
  ALLOWED_HOSTS=crm.example.com .venv/bin/python manage.py check --deploy --fail-level WARNING
echo "== mail servers (Dovecot IMAP + aiosmtpd SMTP for tests/mail)"
export CRM_MAIL_TEST_DIR=${CRM_MAIL_TEST_DIR:-/tmp/crm-mailservers-$(id -u)}
export CRM_MAIL_TEST_ENV="$CRM_MAIL_TEST_DIR/env"
if mail_started=$(bash scripts/mailservers.sh start); then
  [ "$mail_started" = "STARTED" ] && trap 'bash scripts/mailservers.sh stop' EXIT
elif [ "${CI:-}" = "true" ]; then
  echo "The test mail servers did not start (CI=true: failing)." >&2
  exit 1
else
  echo "warning: the test mail servers did not start; tests/mail will try again and fail." >&2
fi
echo "== pytest"
.venv/bin/pytest "$@"
