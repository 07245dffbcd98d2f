"""The scanner's contact duplicates by phone: E.164 keys (crm.common.matching), not digit tails."""

import pytest

from crm.cardscan.duplicates import contact_duplicates
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def ids(matches, rule="phone"):
    return {m["id"] for m in matches if m["rule"] == rule}


def test_a_card_number_matches_a_contact_who_wrote_it_nationally(org):
    contact = ContactFactory(owner=org.sam, account=None, country="Germany",
                             business_phone="030 1234567", email="")
    fields = {"business_phone": "+49301234567", "country": "Germany"}
    assert ids(contact_duplicates(user=org.admin, fields=fields)) == {contact.pk}
    # The card's own national number, read in the card's country, and the mobile field too.
    mobile = ContactFactory(owner=org.sam, account=None, mobile_phone="+49 171 2345678",
                            email="")
    fields = {"business_phone": "", "mobile_phone": "0171 2345678", "country": "DE"}
    assert ids(contact_duplicates(user=org.admin, fields=fields)) == {mobile.pk}


def test_numbers_that_only_share_their_last_digits_do_not_match(org):
    """The old rule compared the last nine digits: +1 212 555 0132 'matched' +44 2125550132."""
    ContactFactory(owner=org.sam, account=None, business_phone="+1 212 555 0132", email="")
    fields = {"business_phone": "+44 21 2555 0132", "country": "United Kingdom"}
    assert ids(contact_duplicates(user=org.admin, fields=fields)) == set()
