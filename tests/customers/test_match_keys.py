"""Stored match keys on contacts and accounts (crm.common.matching), kept by save()."""

import pytest
from django.apps import apps

from crm.customers import services
from crm.customers.models import Account, Contact
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_contact_phone_keys_are_e164_read_in_the_contacts_country(org):
    contact = services.contact_create(actor=org.sam, last_name="Becker", country="Germany",
                                      business_phone="030 1234567",
                                      mobile_phone="+49 (0)171 234 5678")
    assert (contact.phone_key, contact.mobile_key) == ("+49301234567", "+491712345678")

    services.contact_update(contact=contact, actor=org.sam, business_phone="089 987654")
    assert Contact.objects.get(pk=contact.pk).phone_key == "+4989987654"


def test_without_a_country_the_default_region_reads_the_number(org, settings):
    contact = ContactFactory(business_phone="(415) 555-0132", account=None, owner=org.sam)
    assert contact.phone_key == "+14155550132"
    settings.CRM_DEFAULT_PHONE_REGION = "GB"
    contact = ContactFactory(business_phone="020 7946 0958", account=None, owner=org.sam)
    assert contact.phone_key == "+442079460958"


def test_short_or_unreadable_numbers_give_no_key_or_their_digits(org):
    assert ContactFactory(business_phone="12", account=None, owner=org.sam).phone_key == ""
    # Not a complete number anywhere: the digits still let the same typo meet itself.
    assert ContactFactory(business_phone="555-0100", account=None,
                          owner=org.sam).phone_key == "5550100"


def test_account_company_key_ignores_legal_forms(org):
    account = services.account_create(actor=org.sam, name="Contoso, Ltd.")
    assert account.company_key == "contoso"


def test_the_data_migration_fills_the_keys_of_existing_rows(org):
    from importlib import import_module

    account = AccountFactory(name="The Contoso Company", owner=org.sam)
    contact = ContactFactory(account=account, country="DE", business_phone="030 1234567")
    Account.objects.filter(pk=account.pk).update(company_key="")
    Contact.objects.filter(pk=contact.pk).update(phone_key="", mobile_key="")

    import_module("crm.customers.migrations.0005_phone_and_company_keys").fill_keys(apps, None)

    assert Account.objects.get(pk=account.pk).company_key == "contoso"
    assert Contact.objects.get(pk=contact.pk).phone_key == "+49301234567"
