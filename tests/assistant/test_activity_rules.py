"""Tasks due today / overdue and appointments today / starting soon, at their boundaries."""

from datetime import timedelta

import pytest

from crm.activities.models import ActivityState
from crm.assistant.models import Card, Priority
from tests.factories import UserFactory

from .conftest import NOW, cards
from .factories import AppointmentFactory, TaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(db):
    return UserFactory(username="sam")


def test_a_task_due_later_today_gets_a_due_today_card_until_one_minute_before(clock, scan, sam):
    task = TaskFactory(owner=sam, due_at=NOW + timedelta(hours=3), subject="Send pricing")
    clock.move_to(task.due_at - timedelta(minutes=1))

    assert scan() == [("sam", "task_due_today", task.pk, "2026-11-30")]
    card = Card.objects.get()
    assert card.title == "Task due today: Send pricing"
    assert "Due today at 13:00" in card.body


def test_one_minute_after_its_due_time_the_task_is_overdue_and_the_today_card_retires(
        clock, scan, sam):
    task = TaskFactory(owner=sam, due_at=NOW + timedelta(hours=3))
    scan()
    clock.move_to(task.due_at + timedelta(minutes=1))

    assert scan() == [("sam", "task_overdue", task.pk, "2026-11-30")]
    assert Card.objects.get().priority == Priority.HIGH


def test_an_overdue_task_card_states_how_late_it_is(clock, scan, sam):
    TaskFactory(owner=sam, due_at=NOW - timedelta(days=2, hours=1), subject="Call Contoso")

    scan()
    card = Card.objects.get()
    assert card.title == "Overdue task: Call Contoso"
    assert card.body.startswith("Was due Nov 28, 2026 09:00 (2 days overdue) regarding Account")


def test_a_task_due_tomorrow_has_no_card_until_the_day_begins(clock, scan, sam):
    task = TaskFactory(owner=sam, due_at=NOW + timedelta(days=1))  # Tue 10:00
    assert scan() == []

    clock.move_to(NOW.replace(hour=23, minute=59))
    assert scan() == []
    clock.move_to(NOW.replace(hour=0, minute=1) + timedelta(days=1))
    assert scan() == [("sam", "task_due_today", task.pk, "2026-12-01")]


def test_completing_a_task_retires_its_card(clock, scan, sam):
    task = TaskFactory(owner=sam, due_at=NOW - timedelta(hours=1))
    assert len(scan()) == 1

    type(task).objects.filter(pk=task.pk).update(state=ActivityState.COMPLETED,
                                                 updated_at=NOW + timedelta(minutes=1))
    clock.move_to(NOW + timedelta(minutes=5))
    assert scan() == []


def test_tasks_without_a_due_date_and_other_peoples_tasks_give_no_card_to_sam(clock, scan, sam):
    TaskFactory(owner=sam, due_at=None)
    TaskFactory(due_at=NOW - timedelta(hours=1))

    assert [c for c in scan() if c[0] == "sam"] == []


def test_an_appointment_later_today_gets_a_today_card(clock, scan, sam):
    meeting = AppointmentFactory(owner=sam, starts_at=NOW + timedelta(hours=4),
                                 ends_at=NOW + timedelta(hours=5), subject="Demo at Contoso")

    assert scan() == [("sam", "appointment_today", meeting.pk, "2026-11-30")]
    assert Card.objects.get().body == "Starts at 14:00 in Room 4 regarding " \
        f"{meeting.account}."


def test_an_appointment_is_starting_soon_from_30_minutes_before_not_31(clock, scan, sam):
    meeting = AppointmentFactory(owner=sam, starts_at=NOW + timedelta(hours=4),
                                 ends_at=NOW + timedelta(hours=5))
    scan()

    clock.move_to(meeting.starts_at - timedelta(minutes=31))
    assert scan() == [("sam", "appointment_today", meeting.pk, "2026-11-30")]
    clock.move_to(meeting.starts_at - timedelta(minutes=29))
    assert scan() == [("sam", "appointment_soon", meeting.pk, "2026-11-30")]
    card = Card.objects.get()
    assert (card.priority, card.body[:30]) == (Priority.HIGH, "Starts in 29 minutes at 14:00 ")


def test_an_appointment_card_retires_once_it_started(clock, scan, sam):
    meeting = AppointmentFactory(owner=sam, starts_at=NOW + timedelta(minutes=20),
                                 ends_at=NOW + timedelta(hours=1))
    assert [c[1] for c in scan()] == ["appointment_soon"]

    clock.move_to(meeting.starts_at + timedelta(minutes=1))
    assert scan() == []


def test_the_appointment_threshold_is_the_admins_setting(clock, scan, sam):
    from crm.assistant.models import AssistantSettings

    AssistantSettings.objects.create(appointment_soon_minutes=60)
    meeting = AppointmentFactory(owner=sam, starts_at=NOW + timedelta(minutes=50),
                                 ends_at=NOW + timedelta(hours=1))

    assert scan() == [("sam", "appointment_soon", meeting.pk, "2026-11-30")]
    assert cards(kind="appointment_today") == []


def test_completing_a_task_through_the_service_removes_its_card_right_after_commit(
        clock, sam, django_capture_on_commit_callbacks):
    from crm.activities.services import activity_complete
    from crm.assistant import engine

    task = TaskFactory(owner=sam, due_at=NOW - timedelta(days=2))
    engine.scan()
    assert Card.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        activity_complete(activity=task, actor=sam)

    assert task.__class__.objects.get(pk=task.pk).state == ActivityState.COMPLETED
    assert Card.objects.count() == 0
