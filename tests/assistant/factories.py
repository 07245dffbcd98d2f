"""Records the assistant tests reason about, built directly (the rules read fields, not flows)."""

import factory
from factory.django import DjangoModelFactory

from crm.activities.models import Activity, ActivityKind
from leads.models import Lead
from opportunities.models import Opportunity
from tests.factories import AccountFactory, UserFactory


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Activity

    kind = ActivityKind.TASK
    subject = factory.Sequence(lambda n: f"Call back customer {n}")
    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))


class AppointmentFactory(TaskFactory):
    kind = ActivityKind.APPOINTMENT
    subject = factory.Sequence(lambda n: f"Demo meeting {n}")
    location = "Room 4"


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    topic = factory.Sequence(lambda n: f"Interested in scanners {n}")
    first_name = "Nancy"
    last_name = factory.Sequence(lambda n: f"Davolio{n}")
    company = factory.Sequence(lambda n: f"Fabrikam {n}")
    owner = factory.SubFactory(UserFactory)


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    topic = factory.Sequence(lambda n: f"Contoso renewal {n}")
    owner = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory, owner=factory.SelfAttribute("..owner"))
    estimated_revenue = "12000.00"
