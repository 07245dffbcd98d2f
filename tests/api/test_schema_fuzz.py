"""Schema-driven fuzzing: schemathesis runs every operation of `/api/v1/schema/` against the
served app, as a seller and as an admin, and the run must end with zero failures.

Checks: no 5xx, every status documented, every body matching its schema, the declared content
type. `CRM_FUZZ_EXAMPLES` raises the examples per operation (CI: 25); the seed is fixed so a
failure reproduces. The run uses the CLI (`st run`, one process per role, side by side) against
the app served by gunicorn on the test database, with the demo company seeded so detail routes
hit real records.

Nothing is excluded: destructive operations (DELETE, close, cancel...) only turn later
requests on the same id into documented 404/409 answers.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from rest_framework.authtoken.models import Token

from crm.users.models import User

EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("CRM_FUZZ_SEED", "20261207"))
CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
])
# Ids in path parameters are drawn from 1..MAX_ID so detail routes mostly hit seeded records
# (the demo company has at least this many of most kinds) and sometimes miss (404).
MAX_ID = 40
# The coverage phase (boundary values of every parameter) adds ~100 cases per operation:
# CRM_FUZZ_PHASES=examples,coverage,fuzzing for a deeper local run.
PHASES = os.environ.get("CRM_FUZZ_PHASES", "examples,fuzzing")
# A hang must fail the test, not CI: a generous ceiling per role.
RUN_TIMEOUT = int(os.environ.get("CRM_FUZZ_TIMEOUT", "900"))


def _st_executable() -> str:
    candidate = Path(sys.executable).with_name("st")
    found = str(candidate) if candidate.exists() else shutil.which("st")
    assert found, "schemathesis (`st`) must be installed"
    return found


def _schema_for_fuzzing(client) -> dict:
    """The served schema, with integer path ids bounded to the seeded range."""
    response = client.get("/api/v1/schema/?format=json", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    for item in schema["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                param_schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and param_schema.get("type") == "integer":
                    param_schema.update(minimum=1, maximum=MAX_ID)
    return schema


def _run(schema_path: Path, base_url: str, token: str) -> subprocess.Popen:
    command = [
        _st_executable(), "run", str(schema_path), "--url", base_url,
        "--header", f"Authorization: Token {token}",
        "--checks", CHECKS,
        "--max-examples", str(EXAMPLES),
        "--seed", str(SEED),
        "--phases", PHASES,
        # One worker per run: the two roles run side by side (schemathesis' threads share
        # Hypothesis state that is not thread-safe: "AST constructor recursion depth mismatch").
        "--workers", "1",
        "--request-timeout", "60",
        "--suppress-health-check", "all",
        "--no-shrink",
        "--output-truncate", "true",
        "--warnings", "off",
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served_app(transactional_db, tmp_path):
    """The app under gunicorn (2 workers, as in production, DEBUG off) on the test database.

    Faster than pytest-django's single-process live server, whose threads share one GIL."""
    database = connection.settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": (f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:"
                         f"{database['PORT'] or 5432}/{database['NAME']}"),
        # The keys the seeding process used, so stored secrets (mailbox passwords) decrypt.
        "DEBUG": "false", "HTTPS": "false", "SECRET_KEY": settings.SECRET_KEY,
        "CRM_MAIL_KEY": settings.CRM_MAIL_KEY,
        "MEDIA_ROOT": str(tmp_path / "media"), "CELERY_TASK_ALWAYS_EAGER": "true",
        "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "ERROR",
    }
    log = tmp_path / "gunicorn.log"  # a file, not a pipe: a full pipe would block the workers
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "crm.wsgi",
             "--config", str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"), "--bind",
             f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120", "--log-level", "error"],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz/", timeout=5)
                break
            except OSError:
                assert server.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()  # before the test database is flushed (it holds connections)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_every_operation_conforms_to_the_schema(served_app, client, tmp_path):
    call_command("seed_demo", verbosity=0)
    seller = User.objects.get(username="sam")
    admin = User.objects.get(username="admin")
    schema = _schema_for_fuzzing(client)
    operations = sum(
        1 for item in schema["paths"].values() for method in item
        if method in ("get", "put", "post", "patch", "delete")
    )
    assert operations > 100
    schema_path = tmp_path / "schema.json"
    schema_path.write_text(json.dumps(schema))

    started = time.monotonic()
    runs = {}
    for role, user in (("seller", seller), ("admin", admin)):
        token, _ = Token.objects.get_or_create(user=user)
        runs[role] = _run(schema_path, served_app, token.key)
    outputs = {}
    for role, process in runs.items():
        try:
            out, _ = process.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
            pytest.fail(f"schemathesis as {role} did not finish in {RUN_TIMEOUT}s:\n{out[-5000:]}")
        outputs[role] = (process.returncode, out)
    elapsed = time.monotonic() - started
    generated = sum(int(m) for _code, out in outputs.values()
                    for m in re.findall(r"(\d+) generated", out))
    print(f"fuzzed {operations} operations x 2 roles, {EXAMPLES} examples each, seed {SEED}: "
          f"{generated} requests in {elapsed:.0f}s")
    for role, (_code, out) in outputs.items():
        print(f"--- {role} ---\n{out[-3000:]}")
    failed = {role: out for role, (code, out) in outputs.items() if code != 0}
    assert not failed, "\n\n".join(f"=== {role} ===\n{out[-20000:]}" for role, out in failed.items())


@pytest.mark.django_db(transaction=True)
def test_an_over_long_request_line_is_answered_in_the_json_error_shape(served_app, org):
    """Found by the fuzzer: gunicorn's own limit answered a 4 KB query string with an HTML
    400. Served with the project's gunicorn.conf.py, Django answers it, in JSON."""
    token, _ = Token.objects.get_or_create(user=org.sam)
    query = "&".join(f"page_size={'x' * 40}" for _ in range(150))  # ~7 KB request line
    request = urllib.request.Request(f"{served_app}/api/v1/leads/?{query}",
                                     headers={"Authorization": f"Token {token.key}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, content_type = response.status, response.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        status, content_type = error.code, error.headers["Content-Type"]
    assert status < 500
    assert content_type.startswith("application/json")
