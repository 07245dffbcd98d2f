"""Browser journeys: Playwright (Python) driving Debian's Chromium against a live server.

Never `playwright install`: the browser is /usr/bin/chromium, installed by scripts/sysdeps.sh.
A missing browser fails the run (it is never skipped). A failing test leaves a screenshot and
the page HTML in test-artifacts/.
"""

import json
import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, expect

from tests.factories import PASSWORD

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make to set
# up data are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Assertions wait as long as actions do (the page fixture's default timeout): a navigation can
# wait for the axe-core check of the page it leaves.
expect.set_options(timeout=10_000)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


# A user cannot act on a page before its scripts have run, but Playwright can: an element is
# actionable as soon as it is parsed, before the deferred scripts (htmx, the page's own JS) are
# attached, and htmx binds the triggers of swapped-in content only after its settle delay. An
# action in that window is lost on a busy machine (a select whose change never reaches htmx, a
# link that navigates instead of opening its dialog, a form re-rendered by a refresh still in
# flight while the next value is typed). So every action first waits, as a user does, until the
# document has loaded, no htmx request is in flight and htmx has processed every node it added.
_READY = ("() => document.readyState === 'complete' && !document.querySelector("
         "'.htmx-request, .htmx-added, .htmx-settling, .htmx-swapping')")
_ACTIONS = ("click", "dblclick", "tap", "fill", "clear", "press", "press_sequentially", "type",
            "select_option", "check", "uncheck", "set_checked", "set_input_files", "hover",
            "focus", "select_text", "drag_to")


def _wait_until_ready(page) -> None:
    for _attempt in range(3):
        try:
            page.wait_for_function(_READY, timeout=15_000, polling=25)
            return
        except PlaywrightError as exc:  # a navigation replaced the document: wait on the new one
            if "context was destroyed" not in str(exc) and "navigation" not in str(exc):
                raise


def _after_ready(name):
    action = getattr(Locator, name)

    def act(self, *args, **kwargs):
        _wait_until_ready(self.page)
        return action(self, *args, **kwargs)

    act.__name__ = name
    act.__doc__ = action.__doc__
    return act


for _name in _ACTIONS:
    setattr(Locator, _name, _after_ready(_name))


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(autouse=True)
def _pages_from_the_cache(settings):
    """The browser walks the product as it runs: list pages served from the page cache
    (tests/conftest.py turns it off for the tests that count a page's queries)."""
    settings.CRM_PAGE_CACHE_SECONDS = 300


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


# axe-core (tests/e2e/package.json, installed by scripts/test.sh with `npm ci`) checks every page
# a browser test visits. The browser injects it with the runner below into every document (an init
# script, so the page's CSP does not apply); the runner checks the page once it has loaded and its
# htmx requests have settled and reports on the console. A navigation away from a page whose
# check is still running is held until the report is in, so every page is checked, and the final
# state of each open page is checked again at the end of the test. A serious or critical
# violation fails the test like a console error.
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_START, AXE_DONE = "__crm_axe_start__ ", "__crm_axe_done__ "
AXE_HOLD_SECONDS = 60
AXE_RUNNER = r"""
(() => {
  if (window.top !== window || !/^https?:$/.test(location.protocol)) return;
  // Pages drawn by third-party packages, not by the product's templates: Swagger UI (the API
  // docs) and the Django admin.
  if (/^\/(api\/|admin\/)/.test(location.pathname)) return;
  const id = Math.random().toString(36).slice(2);
  const serious = (violations) => violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
      targets: v.nodes.slice(0, 4).map((n) => n.target.join(" ")),
    }));
  // What a drag on the board shows for a moment (a faded copy of the card, dimmed lanes).
  const context = {exclude: [".sortable-ghost", ".sortable-fallback", ".sortable-drag",
                             ".lane.dimmed"]};
  const run = () => (document.contentType === "text/html" && document.body
    ? (window.axe || window.__crmAxeSetUp()).run(context, {resultTypes: ["violations"]}).then((r) => serious(r.violations))
    : Promise.resolve(null));
  let queue = Promise.resolve();  // axe-core runs one check at a time
  const check = () => {
    const next = queue.then(run, run);
    queue = next.catch(() => null);
    return next;
  };
  window.__crmAxeCheck = check;
  const settled = (then) => {
    let quiet = 0, waited = 0;
    const poll = () => {
      quiet = document.querySelector(".htmx-request") ? 0 : quiet + 1;
      waited += 50;
      if (quiet >= 2 || waited >= 3000) then(); else setTimeout(poll, 50);
    };
    setTimeout(poll, 50);
  };
  window.addEventListener("load", () => {
    console.debug("__crm_axe_start__ " + id);
    settled(() => {
      const url = location.href;
      check().then(
        (found) => console.debug("__crm_axe_done__ " + id + " " + JSON.stringify({url, found})),
        (error) => console.debug("__crm_axe_done__ " + id + " "
                                 + JSON.stringify({url, error: String(error)})));
    });
  });
})();
"""


@pytest.fixture(scope="session")
def axe_script() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing ({AXE_JS}): run `npm ci --prefix tests/e2e` "
                    f"(`make test` does).", pytrace=False)
    # axe-core's own code only runs when a check needs it (after the page loaded), so the page's
    # scripts start as early as they would without it.
    return ("window.__crmAxeSetUp = function () {\n" + AXE_JS.read_text()
            + "\n;return window.axe;\n};\n" + AXE_RUNNER)


def describe_axe(violations: list[dict], url: str) -> list[str]:
    return [f"axe {v['impact']}: {v['id']} ({v['help']}) x{v['count']}: "
            f"{' | '.join(v['targets'])} [{url}]" for v in violations]


@pytest.fixture
def axe_checked() -> dict[str, list[dict]]:
    """Every page axe-core checked in this test: URL -> its serious/critical violations."""
    return {}


@pytest.fixture
def new_context(browser, live_server, request, allow_console_errors, browser_problems,
                axe_script, axe_checked):
    """`new_context(**options)`: a browser context whose pages are watched like `page`'s
    (CSP violations, console errors, failed requests, axe-core on every page). Closed at the end
    of the test, which then fails on anything its pages logged."""
    contexts = []
    problems = browser_problems
    pending: dict = {}  # page -> ids of its documents whose axe check has not reported yet

    def axe_result(url: str, found: list[dict] | None, error: str | None = None) -> None:
        if error:
            problems.append(f"axe-core failed: {error} [{url}]")
        elif found is not None:
            axe_checked.setdefault(url, [])
            for violation in found:
                if violation not in axe_checked[url]:
                    axe_checked[url].append(violation)
            problems.extend(describe_axe(found, url))

    def wait_for_axe(page) -> None:
        deadline = time.monotonic() + AXE_HOLD_SECONDS
        while pending.get(page) and time.monotonic() < deadline:
            try:
                page.wait_for_event(
                    "console", predicate=lambda m: m.text.startswith(AXE_DONE),
                    timeout=max(1, (deadline - time.monotonic()) * 1000))
            except PlaywrightError:  # timed out, or the page was closed
                break
        pending.pop(page, None)

    def check_final_state(page) -> None:
        wait_for_axe(page)
        if not page.url.startswith(live_server.url):
            return
        try:
            found = page.evaluate("() => window.__crmAxeCheck ? window.__crmAxeCheck() : null")
        except PlaywrightError:
            return  # the page is gone
        axe_result(page.url, found)

    def watch(page):
        def on_console(message):
            text = message.text
            if message.type == "debug":
                if text.startswith(AXE_START):
                    pending.setdefault(page, set()).add(text[len(AXE_START):])
                elif text.startswith(AXE_DONE):
                    doc, report = text[len(AXE_DONE):].split(" ", 1)
                    pending.get(page, set()).discard(doc)
                    report = json.loads(report)
                    axe_result(report["url"], report.get("found"), report.get("error"))
                return
            if message.type != "error":
                return
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

        def on_navigated(frame):
            if frame == page.main_frame:
                pending.pop(page, None)  # the old document is gone and will not report

        page.on("console", on_console)
        page.on("response", on_response)
        page.on("framenavigated", on_navigated)
        page.on("pageerror",
                lambda error: problems.append(f"uncaught error: {error} [{page.url}]"))

    def hold_navigation(route):
        held = route.request
        try:
            if held.is_navigation_request() and held.frame.parent_frame is None:
                wait_for_axe(held.frame.page)
        finally:
            try:
                route.continue_()
            except PlaywrightError:
                pass  # the page was closed meanwhile

    def make(**options):
        options.setdefault("base_url", live_server.url)
        context = browser.new_context(**options)
        context.add_init_script(CSP_LISTENER)
        context.add_init_script(axe_script)
        context.on("page", watch)
        context.route(lambda url: "/static/" not in url, hold_navigation)
        contexts.append(context)
        return context

    make.wait_for_axe = wait_for_axe
    yield make
    failed = getattr(request.node, "rep_call", None)
    failed = failed is not None and failed.failed
    if not failed:
        for context in contexts:
            for open_page in context.pages:
                check_final_state(open_page)
    for context in contexts:
        try:
            context.close()
        except PlaywrightError:
            pass
    if problems and not failed:
        pytest.fail("The browser logged errors (every page must run clean under the CSP and "
                    "without serious or critical axe-core violations):\n"
                    + "\n".join(dict.fromkeys(problems)), pytrace=False)


@pytest.fixture
def page(new_context, request):
    context = new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
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
