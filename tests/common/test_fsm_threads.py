"""The state-machine policy holds in a threaded server (crm/common/fsm.py, issue 22).

django-fsm's own `FSMModelMixin.refresh_from_db` switches the shared field's `protected` flag
off and on; two threads of one process reloading records of the same model then fail with
"Direct status modification is not allowed". These tests reload records from many threads at
once, directly and through the live server's request threads (the HTML payment view reloads
its invoice, every API write reloads the record's version for the ETag)."""

import threading
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from crm.activities.models import Activity
from crm.activities.services import activity_create
from crm.common.fsm import StateMachineMixin
from invoices.models import Invoice, Order
from leads.models import Lead
from opportunities.models import Opportunity
from quotes.models import Quote
from tests.invoices.factories import make_active_quote, make_invoice
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory

THREADS = 8
ROUNDS = 10


def _in_threads(work, count=THREADS) -> list[BaseException]:
    barrier = threading.Barrier(count)
    problems: list[BaseException] = []

    def run(index):
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:  # collected: the test reports every failure
            problems.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return problems


def test_every_model_with_a_state_field_uses_the_one_policy():
    for model in (Lead, Opportunity, Quote, Order, Invoice, Activity):
        assert issubclass(model, StateMachineMixin), model
        state_fields = [f for f in model._meta.concrete_fields if type(f).__name__ == "FSMField"]
        assert state_fields and all(f.protected for f in state_fields), model


@pytest.mark.django_db
def test_a_reload_refreshes_the_state_and_an_assignment_is_still_refused(org):
    invoice = make_invoice(owner=org.sam)
    Invoice.objects.filter(pk=invoice.pk).update(status="paid")
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    invoice.refresh_from_db(fields=["version"])
    assert invoice.status == "paid"
    with pytest.raises(AttributeError):
        invoice.status = "issued"
    assert invoice.status == "paid"


@pytest.mark.django_db
def test_a_reload_of_a_vanished_record_keeps_the_state_it_had(org):
    lead = LeadFactory(owner=org.sam)
    Lead.objects.filter(pk=lead.pk).delete()
    with pytest.raises(Lead.DoesNotExist):
        lead.refresh_from_db()
    assert lead.status == "new"


@pytest.mark.django_db(transaction=True)
def test_records_of_every_state_model_reload_in_many_threads_at_once(org):
    invoice = make_invoice(owner=org.sam)
    records = [
        LeadFactory(owner=org.sam), OpportunityFactory(owner=org.sam),
        make_active_quote(owner=org.sam), invoice.order, invoice,
        activity_create(actor=org.sam, kind="task", regarding=invoice.order.account,
                        subject="Call back"),
    ]

    def reload_all(index):
        for _ in range(ROUNDS):
            for record in records:
                copy = type(record).objects.get(pk=record.pk)
                copy.refresh_from_db()
                copy.refresh_from_db(fields=["version"])

    assert _in_threads(reload_all) == []


@pytest.mark.django_db(transaction=True)
def test_a_threaded_server_records_payments_and_api_writes_at_once(org, live_server):
    # even threads pay issued invoices, odd ones rename drafts (an issued one is locked)
    invoices = [make_invoice(owner=org.sam, issue=i % 2 == 0) for i in range(THREADS)]
    browser = Client()
    browser.force_login(org.sam)
    session_id = browser.cookies[settings.SESSION_COOKIE_NAME].value
    csrf_secret = "a" * 32
    token = Token.objects.get_or_create(user=org.sam)[0].key
    statuses: list[int] = []

    def pay(invoice):
        http = requests.Session()
        http.cookies.set(settings.SESSION_COOKIE_NAME, session_id)
        http.cookies.set(settings.CSRF_COOKIE_NAME, csrf_secret)
        url = live_server.url + reverse("invoice-payment", args=[invoice.pk])
        for n in range(ROUNDS):
            response = http.post(url, allow_redirects=False, timeout=60,
                                 headers={"X-CSRFToken": csrf_secret}, data={
                                     "amount": "1.00", "date": timezone.localdate().isoformat(),
                                     "reference": f"t-{n}", "idempotency_key": ""})
            statuses.append(response.status_code)

    def rename(invoice):
        url = f"{live_server.url}/api/v1/invoices/{invoice.pk}/"
        for n in range(ROUNDS):
            response = requests.patch(url, json={"name": f"Renamed {n}"}, timeout=60,
                                      headers={"Authorization": f"Token {token}"})
            statuses.append(response.status_code)
            assert response.headers.get("ETag"), response.text

    def work(index):
        (pay if index % 2 == 0 else rename)(invoices[index])

    assert _in_threads(work) == []
    assert statuses and set(statuses) <= {200, 302}, sorted(set(statuses))
    paid = [Invoice.objects.get(pk=i.pk).amount_paid for i in invoices[::2]]
    assert paid == [Decimal("1.00") * ROUNDS] * (THREADS // 2)
