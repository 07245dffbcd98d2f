"""`{% activity_rows %}` (issue 17: "My activities" built in one pass) writes exactly what the
row partial `activities/_activity_row.html` writes, row for row, in every state and language;
and the page's query count does not grow with its rows."""

from datetime import timedelta

import pytest
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone, translation

from crm.activities import selectors
from crm.activities.models import ActivityKind, ActivityState
from tests.activities.factories import ActivityFactory
from tests.factories import AccountFactory, ContactFactory
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _activities(org):
    now = timezone.now()
    account = AccountFactory(owner=org.sam, name="Müller & Søn <GmbH>")
    contact = ContactFactory(owner=org.sam, first_name="Zoë", last_name="\"Quoted\"")
    lead = LeadFactory(owner=org.sam, company="")
    made = [
        ActivityFactory(owner=org.sam, contact=contact, subject="Call <b>back</b> & more",
                        due_at=now - timedelta(days=3)),  # open, overdue
        ActivityFactory(owner=org.sam, contact=None, account=account,
                        kind=ActivityKind.APPOINTMENT, due_at=None,
                        starts_at=now + timedelta(hours=2)),
        ActivityFactory(owner=org.sam, contact=None, lead=lead, due_at=None),  # no date
        ActivityFactory(owner=org.sam, contact=contact, state=ActivityState.COMPLETED,
                        completed_at=now, due_at=now - timedelta(days=40)),
        ActivityFactory(owner=org.sam, contact=contact, state=ActivityState.CANCELED,
                        due_at=now + timedelta(days=20), priority="high"),
    ]
    return list(selectors.activity_list(user=org.sam).filter(pk__in=[a.pk for a in made])
                .order_by("id"))


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("with_csrf", [True, False])
def test_the_rows_are_the_partial_row_for_row(org, language, with_csrf):
    activities = _activities(org)
    request = RequestFactory().get("/activities/", {"view": "all", "q": "a&b\"c"})
    request.user = org.sam
    now = timezone.now()
    with translation.override(language):
        context = {"request": request, "now": now}
        if with_csrf:
            context["csrf_token"] = get_token(request)
        expected = "".join(render_to_string("activities/_activity_row.html",
                                            {**context, "activity": a}) for a in activities)
        rendered = Template("{% load activity_tags %}{% activity_rows activities %}").render(
            Context({**context, "activities": activities}))
    assert rendered == expected
    assert "pill-bad" in rendered and "activity-row-" in rendered


def test_my_activities_queries_do_not_grow_with_the_rows(org, web, django_assert_max_num_queries):
    client = web(org.sam)
    for _ in range(3):
        ActivityFactory(owner=org.sam)
    client.get("/activities/")
    with django_assert_max_num_queries(12) as few:
        small = client.get("/activities/")
    for _ in range(30):
        ActivityFactory(owner=org.sam, contact=None, lead=LeadFactory(owner=org.sam))
    with django_assert_max_num_queries(len(few.captured_queries)):
        large = client.get("/activities/")
    assert small.status_code == large.status_code == 200
    rows = 'id="activity-row-'
    assert large.content.decode().count(rows) > small.content.decode().count(rows) == 3
