"""`Idempotency-Key` on POST (API.md, Concurrency and retries): a retry with the same key and body
gets the first answer back; a first attempt that failed does not hold the key."""

import threading

import pytest
from django.db import connection, transaction

from crm.common.errors import ErrorCode
from crm.common.models import IdempotencyRecord
from crm.customers import services as customer_services
from crm.customers.models import Account
from leads.models import Lead
from tests.leads.factories import LeadFactory

BODY = {"name": "Acme Retry"}


def _post(client, key, body=BODY, url="/api/v1/accounts/"):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(org, api):
    client = api(org.sam)
    first = _post(client, "k-1")
    again = _post(client, "k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Account.objects.filter(name="Acme Retry").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_idempotency_key_reused(org, api):
    client = api(org.sam)
    assert _post(client, "k-2").status_code == 201
    response = _post(client, "k-2", {"name": "Something else"})
    assert response.status_code == 422
    assert response.json()["code"] == ErrorCode.IDEMPOTENCY_KEY_REUSED
    assert not Account.objects.filter(name="Something else").exists()


@pytest.mark.django_db
def test_a_first_attempt_that_raised_does_not_poison_the_key(org, api, monkeypatch):
    # given a first attempt whose service crashes (a fault injected into our own code)
    real_create = customer_services.account_create
    calls = []

    def crash_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("the database went away mid-request")
        return real_create(**kwargs)

    monkeypatch.setattr(customer_services, "account_create", crash_once)
    client = api(org.sam)
    client.raise_request_exception = False
    assert _post(client, "k-3").status_code == 500
    assert not IdempotencyRecord.objects.filter(key="k-3").exists()

    # when the client retries with the same key
    retry = _post(client, "k-3")

    # then the retry runs afresh and is the answer kept for the key
    assert retry.status_code == 201, retry.content
    assert Account.objects.filter(name="Acme Retry").count() == 1
    assert _post(client, "k-3")["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_transient_conflict_is_not_kept_for_the_key(org, api):
    lead = LeadFactory(owner=org.sam)
    client = api(org.sam)
    url = f"/api/v1/leads/{lead.pk}/mark-contacted/"
    stale = client.post(url, {}, format="json", HTTP_IF_MATCH='"999"', HTTP_IDEMPOTENCY_KEY="k-4")
    assert stale.status_code == 412
    fresh = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert fresh.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["x" * 256, "a\x00b", "tab\there"])
def test_a_key_too_long_or_with_control_characters_is_a_400(org, api, key):
    response = _post(api(org.sam), key)
    assert response.status_code == 400
    assert response.json()["code"] == ErrorCode.VALIDATION_ERROR
    assert "Idempotency-Key" in response.json()["fields"]
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_a_key_of_the_column_length_is_accepted(org, api):
    assert _post(api(org.sam), "k" * 255).status_code == 201


@pytest.mark.django_db
def test_a_very_long_path_is_not_a_500(org, api):
    lead = LeadFactory(owner=org.sam)
    long_url = f"/api/v1/leads/{lead.pk}/mark-contacted/?pad={'p' * 600}"
    response = api(org.sam).post(long_url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-5")
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_replay_while_the_first_request_still_runs_is_409_request_in_progress(org, api):
    # given a first request that is still running: it waits for a row another transaction holds
    lead = LeadFactory(owner=org.sam)
    url = f"/api/v1/leads/{lead.pk}/mark-contacted/"
    locked, release = threading.Event(), threading.Event()
    first = {}

    def hold_the_row():
        try:
            with transaction.atomic():
                Lead.objects.select_for_update().get(pk=lead.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def first_request():
        try:
            first["response"] = api(org.sam).post(url, {}, format="json",
                                                  HTTP_IDEMPOTENCY_KEY="k-6")
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    assert locked.wait(timeout=10)
    runner = threading.Thread(target=first_request)
    runner.start()
    for _ in range(200):  # until the first request has recorded its key
        if IdempotencyRecord.objects.filter(key="k-6").exists():
            break
        threading.Event().wait(0.05)

    # when the client retries meanwhile
    replay = api(org.sam).post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-6")

    # then it is told to retry later, and once the first ends it gets the first answer
    release.set()
    runner.join(timeout=30)
    holder.join(timeout=30)
    assert replay.status_code == 409
    assert replay.json()["code"] == ErrorCode.REQUEST_IN_PROGRESS
    assert first["response"].status_code == 200
    later = api(org.sam).post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-6")
    assert later.status_code == 200 and later["Idempotent-Replayed"] == "true"
    lead.refresh_from_db()
    assert lead.status == "contacted"
