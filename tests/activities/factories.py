from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from crm.activities.models import Activity, ActivityKind
from tests.factories import ContactFactory


class ActivityFactory(DjangoModelFactory):
    """An open task on a contact (rows written directly, as a worker would find them)."""

    class Meta:
        model = Activity

    kind = ActivityKind.TASK
    subject = factory.Sequence(lambda n: f"Activity {n:05d}")
    contact = factory.SubFactory(ContactFactory)
    owner = factory.SelfAttribute("contact.owner")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
