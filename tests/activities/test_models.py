import pytest
from django.db import IntegrityError, transaction

from crm.activities.models import Activity, ActivityKind
from tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def _activity(**regarding):
    return Activity(kind=ActivityKind.TASK, subject="Call back", owner=UserFactory(),
                    **regarding)


def test_an_activity_regarding_exactly_one_record_is_saved():
    activity = _activity(contact=ContactFactory())
    activity.save()
    assert activity.regarding_type == "contact"


def test_the_database_refuses_an_activity_that_regards_nothing():
    with pytest.raises(IntegrityError), transaction.atomic():
        _activity().save()


def test_the_database_refuses_an_activity_that_regards_two_records():
    contact = ContactFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        _activity(contact=contact, account=contact.account).save()


def test_the_database_refuses_an_appointment_that_ends_before_it_starts():
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        _activity(account=AccountFactory(), starts_at=start,
                  ends_at=start - timedelta(hours=1)).save()
