"""Content-Security-Policy: a strict header on every page, and templates that need nothing more
(no inline script, event handler, `javascript:` URL or inline style in what browsers render)."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Rendered by mail clients and the PDF engine, never served to a browser under the CSP.
NOT_BROWSER_PAGES = ("templates/pdf/", "templates/assistant/email/", "/email/", "_pdf.html")


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_html_pages_send_a_strict_policy(web, org):
    response = web(org.sam).get("/accounts/")
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    everything = " ".join(v for values in csp.values() for v in values)
    assert "unsafe-inline" not in everything and "unsafe-eval" not in everything
    assert "http" not in everything  # no remote origins


def test_the_login_page_and_api_docs_send_it_too(client, web, org):
    assert policy(client.get("/login/"))["script-src"] == ["'self'"]
    docs = web(org.sam).get("/api/v1/docs/")
    assert docs.status_code == 200 and policy(docs)["script-src"] == ["'self'"]
    # Swagger UI's start-up script is a separate same-origin response, not inline
    html = docs.content.decode()
    assert "<style" not in html
    assert all(re.search(r"\bsrc=", tag) for tag in re.findall(r"<script[^>]*>", html))
    script = web(org.sam).get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "javascript" in script["Content-Type"]


def _browser_templates():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        rel = path.relative_to(ROOT).as_posix()
        if not any(part in rel for part in NOT_BROWSER_PAGES):
            yield rel, path.read_text()
    for path in sorted(ROOT.glob("*/templates/**/*.html")) + sorted(
            ROOT.glob("crm/*/templates/**/*.html")):
        rel = path.relative_to(ROOT).as_posix()
        if ".venv" not in rel and not any(part in rel for part in NOT_BROWSER_PAGES):
            yield rel, path.read_text()


def test_templates_have_no_inline_script_handler_or_style():
    problems = []
    for rel, text in _browser_templates():
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                problems.append(f"{rel}: inline {tag}")
        for match in re.findall(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", text):
            problems.append(f"{rel}: event handler attribute in {match[:60]}")
        if re.search(r"""href\s*=\s*["']\s*javascript:""", text):
            problems.append(f"{rel}: javascript: URL")
        if re.search(r"<[a-zA-Z][^>]*\sstyle\s*=", text):
            problems.append(f"{rel}: style attribute")
        if "<style" in text:
            problems.append(f"{rel}: <style> element")
        if re.search(r"\shx-on[:\-]", text):
            problems.append(f"{rel}: hx-on (needs 'unsafe-eval')")
    assert problems == []


def test_htmx_is_told_not_to_inject_its_indicator_style(client, org):
    page = client.get("/login/").content.decode()
    assert 'name="htmx-config"' in page and '"includeIndicatorStyles": false' in page
