"""The shared speed-ups keep behaviour: cached choice labels, one scope filter, pages picked
by id, joins planned in written order."""

from datetime import date, timedelta

from django.db import connection
from django.urls import reverse
from django.utils import translation

from crm.common.db import fixed_join_order
from crm.common.visibility import scope_readable
from crm.customers.models import Account
from tests.factories import AccountFactory
from tests.opportunities.factories import OpportunityFactory


def test_choice_label_is_shown_in_the_active_language_and_unknown_values_pass_through(db):
    account = AccountFactory(industry="consulting")

    with translation.override("en"):
        assert account.get_industry_display() == "Consulting"
    account.industry = "not-a-choice"
    assert account.get_industry_display() == "not-a-choice"
    account.industry = ""
    assert account.get_industry_display() == ""


def test_scoping_an_already_scoped_queryset_adds_no_second_owner_filter(org):
    from opportunities.models import Opportunity

    once = scope_readable(Opportunity.objects.all(), org.sam)
    twice = scope_readable(once.filter(status="open"), org.sam)

    assert str(twice.query).count('"owner_id" IN') == 1
    assert str(scope_readable(Opportunity.objects.all(), org.maria).query).count(
        '"owner_id" IN') == 1


def test_opportunity_list_pages_by_id_in_the_same_order_as_before(org, web):
    today = date.today()
    created = [
        OpportunityFactory(owner=org.sam, estimated_close_date=today + timedelta(days=i % 7))
        for i in range(30)
    ]
    OpportunityFactory(owner=org.olga)  # another team's: never listed
    expected = [o.pk for o in sorted(created, key=lambda o: (o.estimated_close_date, o.pk))]
    client = web(org.sam)

    first = client.get(reverse("opportunity-list"))
    second = client.get(reverse("opportunity-list"), {"page": 2})

    page_size = len(first.context["object_list"])
    assert [o.pk for o in first.context["object_list"]] == expected[:page_size]
    assert [o.pk for o in second.context["object_list"]] == expected[page_size:]
    assert first.context["has_next"] and not second.context["has_next"]


def test_fixed_join_order_leaves_the_connection_as_it_was(db):
    def current():
        with connection.cursor() as cursor:
            cursor.execute("SHOW join_collapse_limit")
            return cursor.fetchone()[0]

    if connection.vendor != "postgresql":
        with fixed_join_order():
            assert Account.objects.count() == 0
        return
    before = current()
    with fixed_join_order():
        assert current() == "1"
    assert current() == before
