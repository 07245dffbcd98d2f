"""Ten clients holding the same ETag change one record at once: exactly one wins (API.md,
Concurrency). Real threads, each with its own PostgreSQL connection, on committed data
(transaction=True); every test creates its own records (no serialized_rollback)."""

import threading

import pytest
from django.db import connection

from crm.common.errors import ErrorCode
from crm.customers.models import Account, Contact
from leads.models import Lead
from opportunities.models import Opportunity
from tests.activities.factories import ActivityFactory
from tests.factories import AccountFactory, ContactFactory
from tests.leads.factories import LeadFactory
from tests.opportunities.factories import OpportunityFactory, ready_to_advance

pytestmark = pytest.mark.django_db(transaction=True)

N = 10


def _race(calls):
    """Run the callables in threads released together; return each one's response."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # a crash is a result the assertions below report
            results[index] = exc
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _patch_race(api, user, url, bodies):
    clients = [api(user) for _ in bodies]
    etag = clients[0].get(url)["ETag"]
    responses = _race([
        (lambda c=c, b=b: c.patch(url, b, format="json", HTTP_IF_MATCH=etag))
        for c, b in zip(clients, bodies, strict=True)
    ])
    return etag, responses


def _assert_one_winner(etag, responses):
    assert all(not isinstance(r, Exception) for r in responses), responses
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [412] * (N - 1), [(r.status_code, r.content[:200]) for r in responses]
    for loser in (r for r in responses if r.status_code == 412):
        assert loser.json()["code"] == ErrorCode.PRECONDITION_FAILED
    winner = next(r for r in responses if r.status_code == 200)
    expected = int(etag.strip('"')) + 1
    assert winner["ETag"] == f'"{expected}"'
    return winner, expected


@pytest.mark.parametrize("resource", ["leads", "accounts", "contacts", "activities",
                                      "opportunities"])
def test_ten_concurrent_patches_with_the_same_if_match_one_wins_nine_get_412(
        org, api, resource):
    # given a record its owner has read (ETag "v")
    if resource == "leads":
        record, field, model = LeadFactory(owner=org.sam), "topic", Lead
    elif resource == "accounts":
        record, field, model = AccountFactory(owner=org.sam), "name", Account
    elif resource == "contacts":
        record = ContactFactory(account=AccountFactory(owner=org.sam))
        field, model = "job_title", Contact
    elif resource == "activities":
        record = ActivityFactory(contact=ContactFactory(account=AccountFactory(owner=org.sam)))
        field, model = "subject", type(record)
    else:
        record, field, model = OpportunityFactory(owner=org.sam), "topic", Opportunity
    url = f"/api/v1/{resource}/{record.pk}/"

    # when ten clients PATCH it at once, each with that ETag and its own value
    bodies = [{field: f"Writer {i}"} for i in range(N)]
    etag, responses = _patch_race(api, org.sam, url, bodies)

    # then one was applied, nine were told the record changed, the version went up by one
    winner, expected = _assert_one_winner(etag, responses)
    stored = model.objects.get(pk=record.pk)
    assert stored.version == expected
    assert getattr(stored, field) == winner.json()[field]


def test_ten_concurrent_actions_with_the_same_if_match_one_wins(org, api):
    # given a new lead read by its owner
    lead = LeadFactory(owner=org.sam)
    url = f"/api/v1/leads/{lead.pk}/"
    clients = [api(org.sam) for _ in range(N)]
    etag = clients[0].get(url)["ETag"]

    # when ten clients mark it contacted and then (stale) try to disqualify it
    responses = _race([
        (lambda c=c: c.post(f"{url}mark-contacted/", {}, format="json", HTTP_IF_MATCH=etag))
        for c in clients
    ])

    # then exactly one action ran
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [412] * (N - 1), [r.content[:200] for r in responses]
    lead.refresh_from_db()
    assert lead.status == "contacted"
    assert lead.version == int(etag.strip('"')) + 1


def test_ten_concurrent_advances_of_an_opportunity_move_it_one_stage(org, api):
    opportunity = ready_to_advance(OpportunityFactory(owner=org.sam))
    url = f"/api/v1/opportunities/{opportunity.pk}/"
    clients = [api(org.sam) for _ in range(N)]
    etag = clients[0].get(url)["ETag"]

    responses = _race([
        (lambda c=c: c.post(f"{url}advance/", {}, format="json", HTTP_IF_MATCH=etag))
        for c in clients
    ])

    assert sorted(r.status_code for r in responses) == [200] + [412] * (N - 1)
    opportunity.refresh_from_db()
    assert opportunity.stage == "develop"


def test_a_delete_with_a_stale_if_match_is_refused_and_keeps_the_record(org, api):
    account = AccountFactory(owner=org.sam)
    client = api(org.sam)
    url = f"/api/v1/accounts/{account.pk}/"
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"name": "Renamed"}, format="json").status_code == 200

    response = client.delete(url, HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert Account.objects.filter(pk=account.pk).exists()


def test_a_refused_write_under_if_match_leaves_nothing_behind(org, api):
    # a PATCH that fails validation inside the request's transaction changes nothing
    lead = LeadFactory(owner=org.sam)
    client = api(org.sam)
    url = f"/api/v1/leads/{lead.pk}/"
    etag = client.get(url)["ETag"]

    response = client.patch(url, {"last_name": "", "company": ""}, format="json",
                            HTTP_IF_MATCH=etag)

    assert response.status_code == 400
    fresh = client.patch(url, {"topic": "Still current"}, format="json", HTTP_IF_MATCH=etag)
    assert fresh.status_code == 200


def test_ten_concurrent_qualifications_with_the_same_if_match_make_one_opportunity(org, api):
    lead = LeadFactory(owner=org.sam)
    url = f"/api/v1/leads/{lead.pk}/"
    clients = [api(org.sam) for _ in range(N)]
    etag = clients[0].get(url)["ETag"]

    responses = _race([
        (lambda c=c: c.post(f"{url}qualify/", {"allow_duplicates": True}, format="json",
                            HTTP_IF_MATCH=etag))
        for c in clients
    ])

    assert sorted(r.status_code for r in responses) == [200] + [412] * (N - 1), \
        [r.content[:200] for r in responses]
    assert Opportunity.objects.filter(originating_lead=lead).count() == 1
