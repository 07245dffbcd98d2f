"""Settings pages for webhooks and rules: admins only, forms keep input and show errors,
"Test this rule" changes nothing, bounded queries."""

import json
from decimal import Decimal

import pytest

from crm.automation import services
from crm.automation.models import Rule, Webhook, WebhookDelivery
from leads.models import Lead
from leads.services import lead_create


def _lead(org, **extra):
    return lead_create(actor=org.sam, topic="Fleet", last_name="Lee", company="Contoso",
                       **extra)


@pytest.mark.parametrize("url", ["/settings/webhooks/", "/settings/webhooks/new/",
                                 "/settings/automation/", "/settings/automation/new/"])
def test_settings_pages_are_for_admins(org, web, url):
    assert web(org.sam).get(url).status_code == 403
    assert web(org.admin).get(url).status_code == 200


def test_admin_adds_a_webhook_and_sees_its_deliveries(
        org, web, receiver, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    client = web(org.admin)
    response = client.post("/settings/webhooks/new/", {"url": receiver.url, "name": "ERP",
                                                       "events": ["lead.created"],
                                                       "active": "on"})
    hook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == hook.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            _lead(org)
    with django_assert_max_num_queries(12):
        page = client.get(hook.get_absolute_url())
    html = page.content.decode()
    assert html.count("lead.created</code>") == 10 and "Redeliver" in html
    delivery = WebhookDelivery.objects.first()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/settings/webhooks/{hook.pk}/deliveries/{delivery.pk}/redeliver/")
    assert WebhookDelivery.objects.filter(redelivery_of=delivery).exists()
    with django_assert_max_num_queries(10):
        assert "ERP" in client.get("/settings/webhooks/").content.decode()


def test_a_private_url_keeps_what_was_typed_and_says_why(org, web, settings):
    settings.CRM_WEBHOOKS_ALLOW_PRIVATE = False
    response = web(org.admin).post("/settings/webhooks/new/", {"url": "http://127.0.0.1:9/x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "private or loopback" in html and 'value="http://127.0.0.1:9/x"' in html
    assert not Webhook.objects.exists()


def _rule_post(**rows):
    data = {"name": "Routing", "trigger": "created", "match": "all", "position": "100",
            "active": "on"}
    data.update(rows)
    return data


def test_admin_builds_a_rule_without_code_and_tests_it(org, web, django_assert_max_num_queries):
    client = web(org.admin)
    response = client.post("/settings/automation/new/",
                           {"name": "Routing", "record_type": "lead", "trigger": "created"})
    rule = Rule.objects.get()
    assert response.status_code == 302 and not rule.active
    # An unknown value for a field is refused with a clear message, the input kept.
    bad = client.post(rule.get_absolute_url(), _rule_post(
        c0_field="estimated_value", c0_operator="gt", c0_value="lots",
        a0_type="assign_owner", a0_user=str(org.sofia.pk)))
    assert bad.status_code == 400
    assert "needs a number" in bad.content.decode() and 'value="lots"' in bad.content.decode()
    ok = client.post(rule.get_absolute_url(), _rule_post(
        c0_field="country", c0_operator="in", c0_value="Spain, Portugal",
        a0_type="assign_owner", a0_user=str(org.sofia.pk),
        a1_type="create_task", a1_to="owner_manager", a1_subject="Welcome call", a1_days="2"))
    assert ok.status_code == 302, ok.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.active and rule.conditions["conditions"][0]["value"] == ["Spain", "Portugal"]
    assert [a["type"] for a in rule.actions] == ["assign_owner", "create_task"]
    lead = _lead(org, country="Spain")
    version = Lead.objects.get(pk=lead.pk).version
    with django_assert_max_num_queries(25):
        page = client.get(f"{rule.get_absolute_url()}?record_id={lead.pk}")
    html = page.content.decode()
    assert "the conditions hold" in html and "Would assign it to" in html
    assert "Welcome call" in html
    assert Lead.objects.get(pk=lead.pk).version == version and lead.owner == org.sam


def test_admin_builds_and_or_groups_saved_and_shown_again_exactly(org, web):
    client = web(org.admin)
    rule = services.rule_create(actor=org.admin, name="Big EU leads", record_type="lead",
                                trigger="created")
    ok = client.post(rule.get_absolute_url(), _rule_post(
        match="all",
        c0_field="estimated_value", c0_operator="gte", c0_value="1000",
        g0_match="any",
        g0c0_field="country", g0c0_operator="equals", g0c0_value="Germany",
        g0c1_field="country", g0c1_operator="in", g0c1_value="Austria, Switzerland",
        g1_match="all",
        g1c0_field="source", g1c0_operator="equals", g1c0_value="web",
        g1c1_field="job_title", g1c1_operator="is_not_empty",
        a0_type="create_task", a0_to="owner", a0_subject="Call", a0_days="1"))
    assert ok.status_code == 302, ok.content.decode()[:3000]
    rule.refresh_from_db()
    assert rule.conditions == {"match": "all", "conditions": [
        {"field": "estimated_value", "operator": "gte", "value": "1000"},
        {"match": "any", "conditions": [
            {"field": "country", "operator": "equals", "value": "Germany"},
            {"field": "country", "operator": "in", "value": ["Austria", "Switzerland"]}]},
        {"match": "all", "conditions": [
            {"field": "source", "operator": "equals", "value": "web"},
            {"field": "job_title", "operator": "is_not_empty"}]}]}
    # Shown again exactly: each row and each group's all/any as saved.
    form = client.get(rule.get_absolute_url()).context["form"]
    assert form["g0_match"].value() == "any" and form["g1_match"].value() == "all"
    assert form["c0_operator"].value() == "gte" and form["c0_value"].value() == "1000"
    assert form["g0c1_value"].value() == "Austria, Switzerland"
    assert form["g1c1_operator"].value() == "is_not_empty" and not form["g2c0_field"].value()
    assert not form.conditions_as_json
    # Saving the form unchanged keeps the same conditions.
    data = {name: form[name].value() for name in form.fields
            if form[name].value() not in (None, "", [], False)}
    data.update(fields=[], transitions=[], active="on")
    again = client.post(rule.get_absolute_url(), data)
    assert again.status_code == 302, again.content.decode()[:3000]
    saved = rule.conditions
    rule.refresh_from_db()
    assert rule.conditions == saved
    # The rule behaves as built: (value >= 1000) and (DE or AT/CH) and (web and a job title).
    matching = _lead(org, country="Austria", estimated_value=Decimal("5000"), source="web",
                     job_title="CIO")
    other = _lead(org, country="France", estimated_value=Decimal("5000"), source="web",
                  job_title="CIO")
    assert services.rule_test(rule=rule, record=matching)["matched"]
    assert not services.rule_test(rule=rule, record=other)["matched"]


def test_an_invalid_group_is_refused_with_a_clear_message_and_the_input_kept(org, web):
    client = web(org.admin)
    rule = services.rule_create(actor=org.admin, name="R", record_type="lead",
                                trigger="created")
    bad = client.post(rule.get_absolute_url(), _rule_post(
        g0_match="any", g0c0_field="estimated_value", g0c0_operator="lt", g0c0_value="cheap",
        a0_type="create_task", a0_subject="Call"))
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "needs a number" in html and 'value="cheap"' in html
    assert bad.context["form"]["g0_match"].value() == "any"
    rule.refresh_from_db()
    assert rule.conditions == {"match": "all", "conditions": []}


def test_conditions_nested_deeper_than_the_rows_are_edited_as_json(org, web):
    client = web(org.admin)
    deep = {"match": "any", "conditions": [
        {"match": "all", "conditions": [
            {"field": "country", "operator": "equals", "value": "Spain"},
            {"match": "any", "conditions": [
                {"field": "source", "operator": "equals", "value": "web"},
                {"field": "rating", "operator": "equals", "value": "hot"}]}]}]}
    rule = services.rule_create(actor=org.admin, name="Deep", record_type="lead",
                                trigger="created", conditions=deep)
    page = client.get(rule.get_absolute_url())
    form = page.context["form"]
    assert form.conditions_as_json and json.loads(form["conditions_json"].value()) == deep
    assert "data-conditions-json-note" in page.content.decode()
    typed = '{"match": "all", "conditions": [{"field": "countr", "operator": "equals"'
    broken = client.post(rule.get_absolute_url(), _rule_post(
        conditions_json=typed, a0_type="create_task", a0_subject="Call"))
    assert broken.status_code == 400
    assert "Not valid JSON (line 1" in broken.content.decode()
    assert broken.context["form"]["conditions_json"].value() == typed
    unknown = typed + ', "value": "x"}]}'
    refused = client.post(rule.get_absolute_url(), _rule_post(
        conditions_json=unknown, a0_type="create_task", a0_subject="Call"))
    assert refused.status_code == 400
    assert "Unknown field “countr”" in refused.content.decode()
    assert refused.context["form"]["conditions_json"].errors
    fixed = client.post(rule.get_absolute_url(), _rule_post(
        conditions_json=unknown.replace("countr", "country"),
        a0_type="create_task", a0_subject="Call"))
    assert fixed.status_code == 302
    rule.refresh_from_db()
    assert rule.conditions == {"match": "all", "conditions": [
        {"field": "country", "operator": "equals", "value": "x"}]}


def test_rule_list_queries_are_bounded(org, web, django_assert_max_num_queries):
    for n in range(15):
        services.rule_create(actor=org.admin, name=f"Rule {n}", record_type="lead",
                             trigger="created")
    client = web(org.admin)
    with django_assert_max_num_queries(10):
        response = client.get("/settings/automation/")
    assert response.content.decode().count("/settings/automation/") >= 15


def test_admin_home_lists_failing_webhooks(org, web, receiver,
                                           django_capture_on_commit_callbacks):
    receiver.default = 500
    hook = services.webhook_create(actor=org.admin, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        _lead(org)
    from crm.insights.admin_home import system_status

    lines = {line.label: line for line in system_status()}
    line = lines["Webhooks failing or disabled"]
    assert line.value == "1" and line.items[0][1] == hook.get_absolute_url()
