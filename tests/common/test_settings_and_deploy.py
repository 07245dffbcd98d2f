import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env_extra):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process only.
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra={
        "DEBUG": "false", "SECRET_KEY": "x" * 20 + "production-secret-key-value-0123456789",
        "ALLOWED_HOSTS": "crm.example.com"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env_extra={"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_no_redis_url_means_inline_tasks_and_sqlite_by_default():
    code = ("from django.conf import settings as s; "
            "print(s.CELERY_TASK_ALWAYS_EAGER, s.DATABASES['default']['ENGINE'])")
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "DATABASE_URL", "DEBUG", "SECRET_KEY")}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True django.db.backends.sqlite3"
