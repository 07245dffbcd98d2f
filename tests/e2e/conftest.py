"""Browser journeys: Playwright (Python) driving Debian's Chromium against a live server.

Never `playwright install`: the browser is /usr/bin/chromium, installed by scripts/sysdeps.sh.
A missing browser fails the run (it is never skipped). A failing test leaves a screenshot and
the page HTML in test-artifacts/.
"""

import os
import re
from pathlib import Path

import pytest

from tests.factories import PASSWORD

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make to set
# up data are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs it) "
                    f"or `apt-get install chromium`.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# Runs in every page before its own scripts (injected by the browser, so the page's CSP does not
# apply to it): a Content-Security-Policy violation becomes a console error the test sees, even
# for a violation the browser would only report as an event (e.g. a blocked style attribute).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
                + ` at ${e.sourceFile || document.location.href}:${e.lineNumber}`
                + (e.sample ? ` (${e.sample})` : ""));
});
"""


@pytest.fixture
def allow_console_errors():
    """`allow_console_errors(pattern)`: a console error matching `pattern` (a regular
    expression) is expected by this test, e.g. the 409 of a refused drag on the board.
    CSP violations can never be allowed."""
    patterns: list[re.Pattern] = []

    def allow(pattern: str) -> None:
        patterns.append(re.compile(pattern))

    allow.patterns = patterns
    return allow


@pytest.fixture
def browser_problems() -> list[str]:
    """What the browser logged against the page (CSP violations, console errors, uncaught
    errors, 4xx/5xx responses); any left at the end fails the test."""
    return []


@pytest.fixture
def page(browser, live_server, request, allow_console_errors, browser_problems):
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 1280, "height": 900})
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = browser_problems

    def on_console(message):
        if message.type != "error":
            return
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            problems.append(f"{text} [{page.url}]")
        elif not any(p.search(text) for p in allow_console_errors.patterns):
            problems.append(f"console error: {text} [{page.url}]")

    def on_response(response):
        # The console says "Failed to load resource" without the address: name it here.
        expected = any(p.search(f"status of {response.status}")
                       for p in allow_console_errors.patterns)
        if response.status >= 400 and not expected:
            problems.append(f"HTTP {response.status} for {response.request.method} "
                            f"{response.url} [{page.url}]")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(f"uncaught error: {error} [{page.url}]"))
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-120:]
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(page.content())
        except Exception:  # the page may be gone; the test failure itself is what matters
            pass
    context.close()
    if problems and not (failed is not None and failed.failed):
        pytest.fail("The browser logged errors (every page must run clean under the CSP):\n"
                    + "\n".join(dict.fromkeys(problems)), pytrace=False)


@pytest.fixture
def login():
    """`login(page, user)`: log in through the real login form and land on the start page."""

    def do(page, user, password=PASSWORD):
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    return do
