"""A seller sees an overdue-task card on the home page, completes the task from the card's
link, and the card is gone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.assistant import engine
from crm.celery import app as celery_app
from tests.assistant.factories import TaskFactory
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _inline_celery():
    """The refresh after "Complete" runs inline in the live server (namespaced settings key)."""
    previous = celery_app.conf.get("CELERY_TASK_ALWAYS_EAGER")
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = True
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


def test_completing_an_overdue_task_from_its_card_removes_the_card(page, login):
    sam = UserFactory(username="sam", first_name="Sam")
    TaskFactory(owner=sam, subject="Call Contoso about the renewal",
                due_at=timezone.now() - timedelta(days=2))
    engine.scan()

    login(page, sam)
    page.goto("/")
    card = page.locator(".assistant-card", has_text="Overdue task: Call Contoso about the renewal")
    card.wait_for()
    assert "2 days overdue" in card.inner_text()
    assert page.locator("#assistant-badge[data-count] .badge").inner_text() == "1"

    card.get_by_role("link", name="Overdue task: Call Contoso about the renewal").click()
    page.wait_for_url("**/activities/*/")
    page.get_by_role("button", name="Complete").first.click()
    page.wait_for_load_state()

    page.goto("/")
    page.locator("#assistant-panel").wait_for()
    assert page.locator(".assistant-card", has_text="Call Contoso").count() == 0
    page.locator('#assistant-badge[data-count="0"]').wait_for()
