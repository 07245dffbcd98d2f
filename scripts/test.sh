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
echo "== types (mypy ratchet: the files in scripts/mypy_ratchet.txt must pass)"
.venv/bin/python scripts/mypy_ratchet.py
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
echo "== read replica (a streaming standby of the test cluster, tests/common/test_replica.py)"
export CRM_REPLICA_DIR=${CRM_REPLICA_DIR:-/tmp/crm-replica-$(id -u)}
if replica_started=$(bash scripts/replica.sh start); then
  if [ "$replica_started" = "STARTED" ]; then
    earlier_trap=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
    trap "${earlier_trap:+$earlier_trap; }bash scripts/replica.sh stop" EXIT
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "The test read replica did not start (CI=true: failing)." >&2
  exit 1
else
  echo "warning: the test replica did not start; tests/common/test_replica.py will try again." >&2
fi
echo "== axe-core for the browser tests (tests/e2e/package-lock.json, pinned)"
axe_stamp=tests/e2e/node_modules/.crm-lock-$(md5sum tests/e2e/package-lock.json | cut -c1-12)
if [ ! -f "$axe_stamp" ] || [ ! -f tests/e2e/node_modules/axe-core/axe.min.js ]; then
  if ! npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error; then
    echo "Could not install axe-core with npm (the browser tests need it)." >&2
    exit 1
  fi
  touch "$axe_stamp"
fi
echo "== pytest"
# Random order (pytest-randomly: modules, classes and tests shuffled; random, Faker and
# factory_boy reseeded per test from the seed). PYTEST_SEED=N repeats a run's order.
seed=${PYTEST_SEED:-$(( (RANDOM << 15) | RANDOM ))}
echo "random order seed: $seed (rerun with PYTEST_SEED=$seed make test)"
.venv/bin/pytest -p randomly --randomly-seed="$seed" "$@"
