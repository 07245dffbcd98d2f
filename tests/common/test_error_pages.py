"""Issue 16 item 10: a mistyped URL answers the product's own 404 page, not Django's yellow
debug page, and `make run` (scripts/run.sh) serves with DEBUG off by default."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import RequestFactory

from crm.common.views import server_error

ROOT = Path(__file__).resolve().parents[2]
DEBUG_PAGE = ("URLconf", "Using the URLconf", "DEBUG = True", "technical_404")


def _is_product_page(body: str) -> bool:
    return '<a class="btn" href="/">Go to the start page</a>' in body and not any(
        marker in body for marker in DEBUG_PAGE)


@pytest.mark.django_db
def test_unknown_url_answers_the_products_404_page_with_debug_off(client, settings, org):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert [t.name for t in response.templates][0] == "404.html"
    assert _is_product_page(response.content.decode())

    client.force_login(org.sam)  # signed in: the same page, inside the app's navigation
    body = client.get("/leads/999999999/").content.decode()
    assert "Not found" in body and _is_product_page(body) and 'href="/leads/"' in body


@pytest.mark.django_db
def test_server_error_and_permission_pages_are_the_products(client, settings, org):
    settings.DEBUG = False
    response = server_error(RequestFactory().get("/boom/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert _is_product_page(response.content.decode())

    client.force_login(org.sam)  # a seller may not open the user administration
    response = client.get("/admin/")
    assert response.status_code in (302, 403)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_make_run_serves_with_debug_off_product_error_pages_and_static_files(tmp_path):
    """scripts/run.sh as `make run` starts it (after migrate and seed_demo, which need no
    DEBUG): first run writes the local env file, collects static files, serves on HTTP."""
    port = _free_port()
    local_env = tmp_path / "local.env"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG", "SECRET_KEY", "REDIS_URL", "HTTPS", "CRM_MAIL_KEY",
                        "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")}
    env.update(CRM_LOCAL_ENV=str(local_env), CRM_PORT=str(port),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    log = (tmp_path / "run.log").open("w")
    server = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(3000):  # until it answers (the first run collects static files)
            if server.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        output = lambda: (tmp_path / "run.log").read_text()  # noqa: E731
        assert server.poll() is None, output()

        settings_file = local_env.read_text()
        assert re.search(r"^SECRET_KEY=[\w-]{50,}$", settings_file, re.M)
        assert re.search(r"^CRM_MAIL_KEY=[\w-]{43}=$", settings_file, re.M)
        assert "HTTPS=false" in settings_file
        assert oct(local_env.stat().st_mode & 0o777) == "0o600"

        status, headers, body = _get(f"http://127.0.0.1:{port}/no-such-page/")
        assert status == 404, output()
        assert _is_product_page(body), body[:2000]
        assert "Strict-Transport-Security" not in headers  # plain HTTP locally
        assert "Content-Security-Policy" in headers

        # its stylesheet is served by whitenoise from the collected, hashed files
        stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', body)
        assert stylesheets and all(re.search(r"\.[0-9a-f]{12}\.css$", s) for s in stylesheets)
        status, headers, _ = _get(f"http://127.0.0.1:{port}{stylesheets[0]}")
        assert status == 200 and "max-age" in headers.get("Cache-Control", "")

        assert "DEBUG is off" in output()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
