"""Issue 16, "Accessible": axe-core finds no serious or critical violation on the key pages, as
seller, manager and admin, and the forms and the board work for keyboard and screen-reader users.

(`conftest.py` also runs axe-core on every page any browser test visits; this test names the
pages so none of them can drop out of the check unnoticed.)"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.activities.models import ActivityKind
from crm.cardscan.models import ScanTarget
from invoices import services as invoice_services
from leads import services as lead_services
from tests.activities.factories import ActivityFactory
from tests.cardscan.factories import CardScanFactory
from tests.factories import AccountFactory, ContactFactory, ProductFactory
from tests.invoices.factories import make_active_quote, make_invoice
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory, OpportunityLineFactory


@pytest.fixture
def records(org):
    """One record of each kind, owned by Sam (so Maria, his manager, and the admin see it too),
    with a little history so the record pages show their timelines."""
    account = AccountFactory(name="Contoso Ltd", owner=org.sam, city="Berlin")
    contact = ContactFactory(first_name="Ann", last_name="Lee", email="ann@contoso.example",
                             account=account, owner=org.sam)
    product = ProductFactory(name="Card scanner")
    lead = LeadFactory(topic="Scanners for the fair", owner=org.sam, first_name="Iris",
                       last_name="Quayle", company="Quayle Freight")
    lead = lead_services.lead_mark_contacted(lead=lead, actor=org.sam, note="Called her")
    opportunity = OpportunityFactory(topic="Contoso roll-out", owner=org.sam, account=account,
                                     contact=contact, stage="develop",
                                     estimated_revenue=Decimal("12000.00"), probability=40,
                                     estimated_close_date=timezone.localdate() + timedelta(30))
    OpportunityLineFactory(opportunity=opportunity, write_in_name="Setup")
    activity = ActivityFactory(subject="Call Ann about the roll-out", contact=contact,
                               owner=org.sam, kind=ActivityKind.PHONE_CALL)
    quote = make_active_quote(owner=org.sam, account=account, opportunity=opportunity)
    order = invoice_services.order_create_from_quote(quote=quote, actor=org.sam,
                                                     win_opportunity=False)
    invoice = make_invoice(order=order, actor=org.sam)
    scan = CardScanFactory(owner=org.sam, target=ScanTarget.CONTACT)
    return {
        "account": account, "contact": contact, "product": product, "lead": lead,
        "opportunity": opportunity, "activity": activity, "quote": quote, "order": order,
        "invoice": invoice, "scan": scan,
    }


LISTS = ["/accounts/", "/contacts/", "/products/", "/activities/", "/leads/",
         "/opportunities/", "/quotes/", "/orders/", "/invoices/"]
WORK_PAGES = ["/", "/opportunities/board/", "/dashboards/seller/", "/forecasts/",
              "/contacts/scan/", "/leads/scan/", "/search/?q=Contoso", "/profile/",
              "/assistant/", "/notifications/", "/mail/templates/", "/leads/import/"]
MANAGER_PAGES = ["/dashboards/manager/", "/invoices/aging/"]


def _record_pages(records) -> list[str]:
    pages = [records[name].get_absolute_url() for name in (
        "account", "contact", "product", "lead", "opportunity", "activity", "quote", "order",
        "invoice")]
    return pages + [f"/cards/{records['scan'].pk}/"]


def _axe(page) -> list[dict]:
    found = page.evaluate("() => window.__crmAxeCheck()")
    return found or []


def _check_pages(page, urls, new_context, axe_checked) -> dict[str, list[str]]:
    """Visit `urls`; the harness checks each page with axe-core (before it is left, see
    conftest.py): what it found on each of them."""
    base = page.url.split("/", 3)[:3]
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
    new_context.wait_for_axe(page)
    problems = {}
    for url in urls:
        full = "/".join(base) + url
        assert full in axe_checked, f"axe-core did not check {url}"
        if axe_checked[full]:
            problems[url] = [f"{v['impact']} {v['id']}: {' | '.join(v['targets'])}"
                             for v in axe_checked[full]]
    return problems


def test_login_page_has_no_serious_violations(page, org):
    page.goto("/login/")
    assert _axe(page) == []
    # a failed log-in: the errors are announced and linked to the form
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    error = page.locator("[data-form-errors]")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_be_focused()
    assert _axe(page) == []


@pytest.mark.parametrize("who", ["sam", "maria", "admin"])
def test_key_pages_have_no_serious_or_critical_violations(who, org, records, page, login,
                                                          new_context, axe_checked):
    user = getattr(org, who)
    login(page, user)
    urls = ["/"] + LISTS + WORK_PAGES[1:] + _record_pages(records)
    if who != "sam":
        urls += MANAGER_PAGES
    if who == "admin":
        urls += ["/forecasts/quotas/"]
    problems = _check_pages(page, urls, new_context, axe_checked)
    assert problems == {}, "axe-core found serious or critical violations:\n" + "\n".join(
        f"{url}\n  " + "\n  ".join(found) for url, found in problems.items())


def test_key_pages_on_a_phone_have_no_serious_or_critical_violations(org, records, page, login,
                                                                    new_context, axe_checked):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, org.sam)
    urls = ["/", "/leads/", "/opportunities/board/", "/forecasts/",
            records["opportunity"].get_absolute_url(), records["quote"].get_absolute_url()]
    problems = _check_pages(page, urls, new_context, axe_checked)
    assert problems == {}, problems


def test_form_errors_are_linked_to_their_fields_and_get_the_focus(org, page, login):
    login(page, org.sam)
    page.goto("/accounts/new/")
    page.get_by_role("button", name=re.compile("Save")).click()
    name = page.get_by_label("Name")
    expect(name).to_have_attribute("aria-invalid", "true")
    described_by = name.get_attribute("aria-describedby")
    assert described_by
    error = page.locator(f"#{described_by.split()[0]}")
    expect(error).to_contain_text("required")
    expect(name).to_be_focused()
    assert _axe(page) == []


def test_an_htmx_form_with_errors_puts_the_focus_on_the_first_invalid_field(org, records, page,
                                                                            login):
    login(page, org.sam)
    page.goto(records["contact"].get_absolute_url())
    page.locator("#timeline-panel").get_by_text("+ Log call").click()
    form = page.locator("form[aria-label='Log call']")
    form.evaluate("form => { form.noValidate = true; }")  # let the server find the error
    form.get_by_role("button", name="Save log call").click()
    subject = page.locator("form[aria-label='Log call']").get_by_label("Subject")
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(subject).to_be_focused()
    error_id = subject.get_attribute("aria-describedby").split()[-1]
    expect(page.locator(f"#{error_id}")).to_contain_text("required")
    assert _axe(page) == []


@pytest.mark.django_db(transaction=True)
def test_the_board_is_operable_from_the_keyboard(org, page, login):
    from opportunities.models import Opportunity
    from tests.opportunities.factories import ready_to_advance

    ready = ready_to_advance(OpportunityFactory(owner=org.sam, topic="Fleet tablets",
                                                stage="develop"))
    OpportunityFactory(owner=org.sam, topic="Second deal", stage="develop")
    blocked = OpportunityFactory(owner=org.sam, topic="Cold lead", stage="develop")
    login(page, org.sam)
    page.goto("/opportunities/board/")
    announcer = page.locator("#board-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    card = page.locator(f'li.card[data-id="{ready.pk}"]')

    # a card takes the focus and says how to move it; ↓ goes to the next card of the lane, ↑ back
    lane = page.locator("#board ul.cards[data-stage=develop] > li.card")
    expect(lane).to_have_count(3)
    expect(card).to_have_attribute("aria-describedby", "board-keys")
    expect(page.locator("#board-keys")).to_contain_text("→")
    lane.nth(0).focus()
    page.keyboard.press("ArrowDown")
    expect(lane.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(lane.nth(0)).to_be_focused()
    card.focus()

    # → moves the focused card to the next stage; it keeps the focus and the move is read out
    page.keyboard.press("ArrowRight")
    expect(page.locator("ul.cards[data-stage=propose]")).to_contain_text("Fleet tablets")
    expect(card).to_be_focused()
    expect(announcer).to_contain_text("moved to Propose")
    # ← moves it back one stage
    page.keyboard.press("ArrowLeft")
    expect(page.locator("ul.cards[data-stage=develop]")).to_contain_text("Fleet tablets")
    expect(card).to_be_focused()
    expect(announcer).to_contain_text("moved to Develop")
    assert Opportunity.objects.get(pk=ready.pk).stage == "develop"

    # A move the gate refuses: the card stays, keeps the focus, and the reason is read out
    blocked_card = page.locator(f'li.card[data-id="{blocked.pk}"]')
    blocked_card.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#board [data-board-error]")).to_be_visible()
    expect(announcer).to_contain_text(page.locator("#board [data-board-error]").inner_text())
    expect(blocked_card).to_be_focused()
    assert Opportunity.objects.get(pk=blocked.pk).stage == "develop"

    # The card's own → button keeps the focus on the card too
    card.get_by_role("button", name="Move “Fleet tablets” to Propose").click()
    expect(page.locator("ul.cards[data-stage=propose]")).to_contain_text("Fleet tablets")
    expect(card).to_be_focused()
    expect(announcer).to_contain_text("moved to Propose")
    assert _axe(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_refused_stage_move_marks_the_missing_steps_and_focuses_the_first(org, page, login):
    opportunity = OpportunityFactory(owner=org.sam, topic="Fleet tablets", stage="develop",
                                     proposal_presented=True)
    login(page, org.sam)
    page.goto(opportunity.get_absolute_url())
    process = page.locator("#process")
    process.get_by_role("button", name=re.compile("Next stage: Propose")).click()
    expect(page.locator("#process-gate-error")).to_be_visible()
    need = page.locator("#process").get_by_label("Customer need")
    expect(need).to_have_attribute("aria-invalid", "true")
    expect(need).to_have_attribute("aria-describedby", "process-gate-error")
    expect(need).to_be_focused()
    assert _axe(page) == []


def test_the_harness_fails_a_visited_page_with_a_serious_violation(org, page, browser_problems,
                                                                   axe_checked):
    # The real login page plus a button without a name (axe-core: button-name, critical)
    def tamper(route):
        response = route.fetch()
        body = response.text().replace("</main>", '<button type="button"></button></main>')
        route.fulfill(response=response, body=body)

    page.route("**/login/", tamper)
    page.goto("/login/")
    login_url = page.url
    page.goto("/password/reset/")  # the login page is checked before it is left
    assert [v["id"] for v in axe_checked[login_url]] == ["button-name"]
    assert any("button-name" in p and "/login/" in p for p in browser_problems), browser_problems
    browser_problems.clear()  # seen and expected here; anywhere else they fail the test
