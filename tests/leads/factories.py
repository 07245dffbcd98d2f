import factory
from factory.django import DjangoModelFactory

from leads.models import Lead, LeadSource, WebForm
from tests.factories import UserFactory


class LeadFactory(DjangoModelFactory):
    """A `new` lead; the status of other states is reached through the services."""

    class Meta:
        model = Lead

    topic = factory.Sequence(lambda n: f"Interest {n}")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Lead{n:05d}")
    company = factory.Sequence(lambda n: f"Company {n:05d}")
    email = factory.Sequence(lambda n: f"lead{n}@company{n}.example")
    source = LeadSource.WEB
    owner = factory.SubFactory(UserFactory)


class WebFormFactory(DjangoModelFactory):
    class Meta:
        model = WebForm

    name = factory.Sequence(lambda n: f"Form {n}")
    owner = factory.SubFactory(UserFactory)
