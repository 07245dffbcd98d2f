"""`crm.common.services.model_update` and the keyword-only update services built on it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.activities.models import Event
from crm.common.services import UNSET, given, model_update
from crm.customers.models import Account
from leads import services as lead_services
from leads.models import Lead
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_field_name_is_a_type_error_not_silently_dropped(org):
    lead = LeadFactory(owner=org.sam, topic="50 seats")
    with pytest.raises(TypeError, match="colour"):
        lead_services.lead_update(lead=lead, actor=org.sam, topic="60 seats", colour="red")
    lead.refresh_from_db()
    assert lead.topic == "50 seats"
    assert lead.version == 1


def test_not_given_keeps_a_value_and_none_clears_it(org):
    lead = LeadFactory(owner=org.sam, employees=40, company="Contoso")
    lead = lead_services.lead_update(lead=lead, actor=org.sam, company="Fabrikam")
    assert (lead.company, lead.employees) == ("Fabrikam", 40)
    lead = lead_services.lead_update(lead=lead, actor=org.sam, employees=None)
    assert Lead.objects.values_list("company", "employees").get(pk=lead.pk) == ("Fabrikam", None)


def test_saves_only_the_changed_fields_and_bumps_the_version_once(org):
    account = Account.objects.create(owner=org.sam, name="Contoso", city="Berlin")
    Account.objects.filter(pk=account.pk).update(description="written meanwhile")
    with CaptureQueriesContext(connection) as queries:
        account, updated = model_update(instance=account, fields=["name", "city"],
                                        data={"name": "Contoso AG", "city": "Berlin"})
    assert updated is True
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert '"city"' not in updates[0] and '"description"' not in updates[0]
    account.refresh_from_db()
    assert (account.name, account.description, account.version) == (
        "Contoso AG", "written meanwhile", 2)


def test_nothing_changed_means_no_query_and_no_new_version(org):
    account = Account.objects.create(owner=org.sam, name="Contoso", parent=None)
    parent = Account.objects.create(owner=org.sam, name="Holding")
    account.parent = parent
    account.save()
    account = Account.objects.get(pk=account.pk)  # parent not loaded
    with CaptureQueriesContext(connection) as queries:
        _account, updated = model_update(instance=account, fields=["name", "parent"],
                                         data={"name": "Contoso", "parent": parent})
    assert updated is False
    assert queries.captured_queries == []  # the foreign key is compared by id


def test_a_name_outside_the_fields_is_refused(org):
    account = Account.objects.create(owner=org.sam, name="Contoso")
    with pytest.raises(TypeError, match="owner"):
        model_update(instance=account, fields=["name"], data={"owner": org.sofia})


def test_the_hook_validates_and_adds_fields_and_a_refusal_saves_nothing(org):
    account = Account.objects.create(owner=org.sam, name="Contoso")

    def also_stamp(instance, changed):
        assert changed == ["name"]
        instance.description = "renamed"
        return ["description"]

    account, _updated = model_update(instance=account, fields=["name"], data={"name": "C2"},
                                     validate=also_stamp)
    assert Account.objects.values_list("name", "description").get(pk=account.pk) == (
        "C2", "renamed")

    def refuse(instance, changed):
        raise ValueError("no")

    with pytest.raises(ValueError):
        model_update(instance=account, fields=["name"], data={"name": "C3"}, validate=refuse)
    assert Account.objects.get(pk=account.pk).name == "C2"


def test_update_service_records_one_change_event_only_when_something_changed(org):
    lead = LeadFactory(owner=org.sam, topic="50 seats")
    before = Event.objects.filter(record_type="lead", record_id=lead.pk).count()
    lead_services.lead_update(lead=lead, actor=org.sam, topic="50 seats")
    assert Event.objects.filter(record_type="lead", record_id=lead.pk).count() == before
    assert Lead.objects.get(pk=lead.pk).version == 1


def test_given_drops_only_unset():
    assert given(a=UNSET, b=None, c="", d=0) == {"b": None, "c": "", "d": 0}
    assert not UNSET and repr(UNSET) == "UNSET"
