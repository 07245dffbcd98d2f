"""Issue 16 item 4: the account page's opportunities panel (open and closed, with totals) and
the leads that became the account, added by the opportunities and leads apps' panels."""

import datetime
import re
from decimal import Decimal

import pytest

from opportunities.conversion import lead_qualify
from tests.factories import AccountFactory
from tests.leads.factories import LeadFactory
from tests.panels import get_with_panels, with_panels
from tests.quotes.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


def _section(page: str, section_id: str) -> str:
    match = re.search(rf'<section class="panel" id="{section_id}">.*?</section>', page, re.S)
    assert match, f"no #{section_id} panel"
    return match.group(0)


def test_account_page_lists_open_and_closed_opportunities_with_totals(web, org):
    account = AccountFactory(name="Zephyr Analytics", owner=org.sam)
    develop = OpportunityFactory(owner=org.sam, account=account, topic="Fleet tablets",
                                 stage="develop", estimated_revenue=Decimal("12000.00"))
    OpportunityFactory(owner=org.sofia, account=account, topic="Support plan",
                       estimated_revenue=Decimal("3500.50"))
    won = OpportunityFactory(owner=org.sam, account=account, topic="Pilot", stage="close",
                             status="won", status_reason="won",
                             estimated_revenue=Decimal("9000.00"),
                             actual_revenue=Decimal("8750.00"),
                             actual_close_date=datetime.date(2026, 3, 2))
    OpportunityFactory(owner=org.sam, account=account, topic="Old deal", status="lost",
                       status_reason="out_sold", estimated_revenue=Decimal("500.00"),
                       actual_close_date=datetime.date(2026, 1, 5))
    OpportunityFactory(owner=org.sam, topic="Another account's deal")  # not listed

    page = get_with_panels(web(org.sam), account.get_absolute_url())
    panel = _section(page, "account-opportunities")

    # totals: open estimated revenue (two open) and won actual revenue (one won)
    assert "15,500.50" in panel and "2 open" in panel
    assert "8,750.00" in panel and "1 won" in panel
    # open and closed groups, each linking the opportunity, stages and outcomes as labels
    open_part, closed_part = panel.split("<h3>Closed</h3>")
    assert "Fleet tablets" in open_part and "Support plan" in open_part
    assert f'href="{develop.get_absolute_url()}"' in open_part
    assert "2. Develop" in open_part and "2-develop" not in panel
    assert "Pilot" in closed_part and f'href="{won.get_absolute_url()}"' in closed_part
    assert "Old deal" in closed_part and "Lost · out-sold" in closed_part
    assert "Another account" not in panel


def test_account_page_shows_only_the_opportunities_the_user_may_read(web, org):
    account = AccountFactory(owner=org.olga)
    OpportunityFactory(owner=org.olga, account=account, topic="Olga's deal")
    # accounts are public; olga's opportunity is not readable by sam: no panel at all
    page = get_with_panels(web(org.sam), account.get_absolute_url())
    assert 'id="account-opportunities"' not in page and "Olga&#x27;s deal" not in page
    assert "Olga" in _section(get_with_panels(web(org.olga), account.get_absolute_url()),
                              "account-opportunities")


def test_account_page_lists_the_leads_that_became_it(web, org):
    lead = LeadFactory(owner=org.sam, topic="40 CRM seats", first_name="Regina",
                       last_name="Murphy", company="Zephyr Analytics")
    account = lead_qualify(lead=lead, actor=org.sam).account
    # a lead linked to the account before qualification
    linked = LeadFactory(owner=org.sam, topic="Extra seats", last_name="Stone",
                         company="Zephyr", existing_account=account)
    other = LeadFactory(owner=org.sam, topic="Unrelated", last_name="Other", company="Other")

    page = get_with_panels(web(org.sam), account.get_absolute_url())
    panel = _section(page, "account-leads")
    assert "Regina Murphy (Zephyr Analytics)" in panel and "Qualified" in panel
    assert f'href="{lead.get_absolute_url()}"' in panel
    assert f'href="{linked.get_absolute_url()}"' in panel
    assert other.get_absolute_url() not in panel
    # and the qualified opportunity appears in the opportunities panel, in stage Develop
    assert "2. Develop" in _section(page, "account-opportunities")


def test_account_page_with_30_opportunities_and_leads_has_no_n_plus_1(
        web, org, django_assert_max_num_queries):
    account = AccountFactory(owner=org.sam)
    for i in range(30):
        lead = LeadFactory(owner=[org.sam, org.sofia][i % 2], topic=f"Seats {i}",
                           last_name=f"Buyer{i}", company=f"Firm {i}")
        status = ["open", "won", "lost"][i % 3]
        OpportunityFactory(
            owner=[org.sam, org.sofia][i % 2], account=account, topic=f"Deal {i}",
            originating_lead=lead, status=status,
            status_reason={"open": "in_progress", "won": "won", "lost": "canceled"}[status],
            estimated_revenue=Decimal("100.00"),
            actual_revenue=Decimal("90.00") if status == "won" else Decimal("0.00"),
        )
    client = web(org.maria)  # manager of sam and sofia: reads all of them
    client.get(account.get_absolute_url())  # warm the session
    with django_assert_max_num_queries(25):
        response = client.get(account.get_absolute_url())
    assert response.status_code == 200
    # the panels load after the first paint, one request each (crm/common/panels.py)
    with django_assert_max_num_queries(60) as captured:
        page = with_panels(client, response)
    opportunities = _section(page, "account-opportunities")
    assert opportunities.count('data-label="Topic"') == 30
    assert "1,000.00" in opportunities and "900.00" in opportunities  # 10 open, 10 won
    assert _section(page, "account-leads").count("<li>") == 25
    panel_queries = [q["sql"] for q in captured.captured_queries
                     if "opportunities_opportunity" in q["sql"] or "leads_lead" in q["sql"]]
    assert len(panel_queries) <= 6, panel_queries
