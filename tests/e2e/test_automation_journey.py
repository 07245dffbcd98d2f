"""Issue 20 in the browser: an admin builds "when an opportunity is won, create a task for the
owner's manager" on the settings page, a seller wins an opportunity, the manager sees the task."""

from playwright.sync_api import expect

from crm.activities.models import Activity
from crm.automation.models import Rule, RuleRun
from tests.opportunities.factories import OpportunityFactory


def test_admin_rule_creates_a_task_for_the_managers_of_won_opportunities(org, page, login):
    opportunity = OpportunityFactory(owner=org.sam, topic="Fleet tablets for Contoso")

    # The admin creates the rule without code
    login(page, org.admin)
    page.goto("/settings/automation/")
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("Won deals: manager follows up")
    page.get_by_label("Record type").select_option("opportunity")
    page.get_by_label("When").select_option("transition")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Won deals: manager follows up")
    page.get_by_label("won", exact=True).check()
    page.locator('select[name="a0_type"]').select_option("create_task")
    page.locator('select[name="a0_to"]').select_option("owner_manager")
    page.locator('input[name="a0_subject"]').fill("Call the customer about the win")
    page.locator('input[name="a0_days"]').fill("2")
    page.locator('select[name="a1_type"]').select_option("notify")
    page.locator('select[name="a1_to"]').select_option("owner_manager")
    page.locator('input[name="a1_subject"]').fill("Say thanks for the win")
    # An OR group of its own: (topic is not empty) or (topic equals "nothing")
    page.locator('select[name="g0_match"]').select_option("any")
    page.locator('select[name="g0c0_field"]').select_option("topic")
    page.locator('select[name="g0c0_operator"]').select_option("is_not_empty")
    page.locator('select[name="g0c1_field"]').select_option("topic")
    page.locator('select[name="g0c1_operator"]').select_option("equals")
    page.locator('input[name="g0c1_value"]').fill("nothing")
    page.get_by_label("Active").check()
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator(".message-success")).to_contain_text("Rule saved")
    rule = Rule.objects.get()
    assert rule.active and rule.transitions == ["won"]
    assert rule.conditions == {"match": "all", "conditions": [{"match": "any", "conditions": [
        {"field": "topic", "operator": "is_not_empty"},
        {"field": "topic", "operator": "equals", "value": "nothing"}]}]}
    expect(page.locator('select[name="g0_match"]')).to_have_value("any")
    expect(page.locator('input[name="g0c1_value"]')).to_have_value("nothing")
    page.context.clear_cookies()

    # A seller wins the opportunity
    login(page, org.sam)
    page.goto(opportunity.get_absolute_url())
    page.locator(".page-header").get_by_role("link", name="Close as won").click()
    page.get_by_role("button", name="Close as won").click()
    expect(page.locator(".message-success")).to_contain_text("Won")
    page.context.clear_cookies()

    # The rule ran after commit and the manager sees the task
    run = RuleRun.objects.get(rule=rule)
    assert run.status == "succeeded", run.error
    task = Activity.objects.get(subject="Call the customer about the win")
    assert task.owner == org.maria
    login(page, org.maria)
    page.goto("/activities/")
    expect(page.get_by_text("Call the customer about the win")).to_be_visible()

    # ... and the rule's notification in the bell and on the notifications page
    expect(page.locator("#notification-bell [data-bell-count]")).to_have_text("1 unread")
    page.goto("/notifications/")
    expect(page.get_by_text("Say thanks for the win")).to_be_visible()
