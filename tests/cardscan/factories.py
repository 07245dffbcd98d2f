import secrets

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from crm.cardscan.corpus import card_bytes, corpus_specs
from crm.cardscan.models import CardScan, ScanStatus, ScanTarget
from tests.factories import UserFactory

EMILY = {
    "first_name": "Emily", "last_name": "Carter", "job_title": "Sales Director",
    "company": "Northwind Traders Inc.", "email": "emily.carter@northwind.com",
    "business_phone": "+1 (415) 555-0132", "mobile_phone": "+1 415 555 0199",
    "fax": "+1 (415) 555-0100", "website": "www.northwind.com",
    "street": "1200 Market Street", "city": "San Francisco", "state": "CA",
    "postal_code": "94103", "country": "USA",
}


def card_file(name: str = "clean-00-en") -> bytes:
    """A generated card from the corpus (PNG when clean, JPEG when noisy)."""
    return card_bytes(next(s for s in corpus_specs() if s.name == name))


class CardScanFactory(DjangoModelFactory):
    """A scan already read (status done), with a small stored picture."""

    class Meta:
        model = CardScan

    owner = factory.SubFactory(UserFactory)
    token = factory.LazyFunction(lambda: secrets.token_hex(16))
    target = ScanTarget.CONTACT
    status = ScanStatus.DONE
    fields = factory.LazyFunction(lambda: dict(EMILY))
    confidence = factory.LazyFunction(lambda: dict.fromkeys(EMILY, 0.9) | {"fax": 0.4})
    raw_text = "Emily Carter\nSales Director"
    duration_ms = 640
    image = factory.LazyAttribute(
        lambda o: ContentFile(card_file(), name=f"{o.token}.png"))
