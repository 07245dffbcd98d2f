"""Two users advance the same opportunity at the same moment: exactly one succeeds.

Real threads, each with its own PostgreSQL connection, committed data (transaction=True); the
row lock in the service serialises them and the loser sees the changed version or stage.
"""

import threading

import pytest
from django.db import connection

from crm.common.errors import PreconditionFailed, TransitionNotAllowed
from opportunities import services
from opportunities.models import Opportunity, StageChange

from .factories import OpportunityFactory, ready_to_advance

pytestmark = pytest.mark.django_db(transaction=True)


def _race(*callables):
    """Run the callables in threads released together; return what each returned/raised."""
    barrier = threading.Barrier(len(callables))
    results = [None] * len(callables)

    def run(index, fn):
        try:
            barrier.wait(timeout=10)
            results[index] = fn()
        except Exception as exc:  # the loser's error is the result we check
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_users_advancing_with_the_same_etag_one_wins_the_other_gets_412(org, api):
    # given an opportunity ready for every gate, read by its owner and by her manager
    opportunity = ready_to_advance(OpportunityFactory(owner=org.sam))
    etag = f'"{opportunity.version}"'
    url = f"/api/v1/opportunities/{opportunity.pk}/advance/"
    sam, maria = api(org.sam), api(org.maria)

    # when both press "advance" at once
    responses = _race(lambda: sam.post(url, HTTP_IF_MATCH=etag),
                      lambda: maria.post(url, HTTP_IF_MATCH=etag))

    # then exactly one moved it, one stage only, and the other was told the record changed
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 412], [r.content for r in responses]
    opportunity.refresh_from_db()
    assert opportunity.stage == "develop"
    assert StageChange.objects.filter(opportunity=opportunity, from_stage="qualify").count() == 1


def test_two_moves_from_the_same_stage_one_wins_the_other_is_refused(org):
    opportunity = ready_to_advance(OpportunityFactory(owner=org.sam))

    def advance(actor):
        return lambda: services.opportunity_advance(
            opportunity=Opportunity.objects.get(pk=opportunity.pk), actor=actor,
            expected_stage="qualify")

    results = _race(advance(org.sam), advance(org.maria))

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], TransitionNotAllowed | PreconditionFailed)
    opportunity.refresh_from_db()
    assert opportunity.stage == "develop"


def test_win_and_lose_at_once_leave_one_close_record(org):
    opportunity = OpportunityFactory(owner=org.sam)

    def get():
        return Opportunity.objects.get(pk=opportunity.pk)

    results = _race(
        lambda: services.opportunity_win(opportunity=get(), actor=org.sam),
        lambda: services.opportunity_lose(opportunity=get(), actor=org.maria,
                                          reason="canceled"),
    )

    assert sum(isinstance(r, TransitionNotAllowed) for r in results) == 1, results
    opportunity.refresh_from_db()
    assert opportunity.status in ("won", "lost")
    assert opportunity.close_records.count() == 1
