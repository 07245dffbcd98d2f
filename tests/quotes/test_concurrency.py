"""Two people revising the same quote at once: exactly one new revision is made."""

import threading

import pytest
from django.db import connection

from crm.common.errors import TransitionNotAllowed
from quotes import services
from quotes.models import Quote

from .factories import make_active_quote


@pytest.mark.django_db(transaction=True)
def test_concurrent_revisions_of_one_quote_make_exactly_one_new_draft(org):
    quote = make_active_quote(owner=org.sam)
    barrier = threading.Barrier(2)
    outcomes = []

    def revise():
        try:
            barrier.wait(timeout=10)
            services.quote_revise(quote=Quote.objects.get(pk=quote.pk), actor=org.sam)
            outcomes.append("revised")
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=revise) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["refused", "revised"]
    assert list(Quote.objects.filter(number=quote.number).order_by("revision")
                .values_list("revision", "status")) == [(0, "closed"), (1, "draft")]
