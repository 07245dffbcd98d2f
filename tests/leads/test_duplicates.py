"""Duplicate detection: one test per rule, plus scoping and what does not match."""

import pytest
from django.db import connection

from leads.duplicates import find_lead_duplicates

from .factories import LeadFactory

pytestmark = pytest.mark.django_db


def rules(matches):
    return {(m["lead"].pk, m["rule"]) for m in matches}


def test_same_email_matches_case_insensitively(org):
    lead = LeadFactory(owner=org.sam, email="Regina.Murphy@Contoso.example")
    matches = find_lead_duplicates(user=org.sam, email="regina.murphy@contoso.EXAMPLE")
    assert rules(matches) == {(lead.pk, "email")}


def test_same_phone_matches_in_e164_business_or_mobile(org):
    a = LeadFactory(owner=org.sam, business_phone="+1 (555) 010-2000")
    b = LeadFactory(owner=org.sam, mobile_phone="1 555 010 2000")
    matches = find_lead_duplicates(user=org.sam, phone="1-555-0102000")
    assert rules(matches) == {(a.pk, "phone"), (b.pk, "phone")}


def test_short_numbers_do_not_count_as_a_phone_match(org):
    LeadFactory(owner=org.sam, business_phone="12")
    assert find_lead_duplicates(user=org.sam, phone="12") == []


def test_similar_name_at_the_same_company_matches(org):
    lead = LeadFactory(owner=org.sam, first_name="Regina", last_name="Murphy",
                       company="Contoso Ltd", email="")
    similar = "Merphy" if connection.vendor == "postgresql" else "Murphy"
    matches = find_lead_duplicates(user=org.sam, first_name="Regina", last_name=similar,
                                   company="Contoso, Inc.")
    assert rules(matches) == {(lead.pk, "name_company")}


def test_similar_name_with_the_same_email_domain_matches(org):
    lead = LeadFactory(owner=org.sam, first_name="Regina", last_name="Murphy", company="",
                       email="rmurphy@contoso.example")
    similar = "Murphey" if connection.vendor == "postgresql" else "Murphy"
    matches = find_lead_duplicates(user=org.sam, first_name="Regina", last_name=similar,
                                   email="regina@contoso.example")
    assert rules(matches) == {(lead.pk, "name_domain")}


def test_free_mail_domains_and_different_names_do_not_match(org):
    LeadFactory(owner=org.sam, first_name="Regina", last_name="Murphy", company="Contoso",
                email="rm@gmail.com")
    assert find_lead_duplicates(user=org.sam, first_name="Regina", last_name="Murphy",
                                email="other@gmail.com") == []
    assert find_lead_duplicates(user=org.sam, first_name="Tom", last_name="Berg",
                                company="Contoso") == []


def test_each_lead_is_reported_once_under_its_strongest_rule(org):
    lead = LeadFactory(owner=org.sam, first_name="Regina", last_name="Murphy",
                       company="Contoso", email="r@contoso.example", business_phone="5550100")
    matches = find_lead_duplicates(user=org.sam, first_name="Regina", last_name="Murphy",
                                   company="Contoso", email="r@contoso.example",
                                   phone="555 0100")
    assert rules(matches) == {(lead.pk, "email")}


def test_only_leads_the_user_may_read_are_reported(org):
    LeadFactory(owner=org.olga, email="secret@north.example")
    assert find_lead_duplicates(user=org.sam, email="secret@north.example") == []
    assert len(find_lead_duplicates(user=org.admin, email="secret@north.example")) == 1


def test_the_lead_itself_is_excluded(org):
    lead = LeadFactory(owner=org.sam, email="me@x.example")
    assert find_lead_duplicates(user=org.sam, email="me@x.example", exclude_id=lead.pk) == []


# --- phone numbers compared in E.164 (crm.common.matching) ------------------------------------

def test_a_german_number_matches_with_or_without_its_country_code(org):
    lead = LeadFactory(owner=org.sam, country="Germany", business_phone="+49 (0)30 1234567")
    assert lead.phone_key == "+49301234567"

    matches = find_lead_duplicates(user=org.sam, phone="030 1234567", country="Germany")
    assert rules(matches) == {(lead.pk, "phone")}
    # A number with its country code needs no country.
    assert rules(find_lead_duplicates(user=org.sam, phone="0049 30 123 45 67")) == {
        (lead.pk, "phone")}


def test_a_stored_national_number_is_read_in_the_leads_country(org):
    lead = LeadFactory(owner=org.sam, country="DE", mobile_phone="0171 2345678")
    assert lead.mobile_key == "+491712345678"
    assert rules(find_lead_duplicates(user=org.sam, phone="+49 171 2345678")) == {
        (lead.pk, "phone")}
    # The same digits in another country are another number.
    assert find_lead_duplicates(user=org.sam, phone="0171 2345678", country="France") == []


def test_national_numbers_without_a_country_are_read_in_the_default_region(org, settings):
    us = LeadFactory(owner=org.sam, business_phone="(415) 555-0132")
    assert us.phone_key == "+14155550132"
    settings.CRM_DEFAULT_PHONE_REGION = "DE"
    de = LeadFactory(owner=org.sam, business_phone="030 1234567")
    assert de.phone_key == "+49301234567"
    assert rules(find_lead_duplicates(user=org.sam, phone="+49 30 1234567")) == {
        (de.pk, "phone")}


def test_changing_the_country_recomputes_the_phone_keys(org):
    lead = LeadFactory(owner=org.sam, country="", business_phone="030 1234567")
    lead.country = "Germany"
    lead.save(update_fields=["country"])
    lead.refresh_from_db()
    assert lead.phone_key == "+49301234567"


def test_the_data_migration_rewrites_old_digit_keys_as_e164(org):
    from importlib import import_module

    from django.apps import apps

    from leads.models import Lead

    lead = LeadFactory(owner=org.sam, country="Germany", business_phone="+49 30 1234567",
                       mobile_phone="0171 2345678")
    Lead.objects.filter(pk=lead.pk).update(phone_key="49301234567", mobile_key="01712345678")
    migration = import_module("leads.migrations.0006_e164_phone_keys_trigram_indexes")
    migration.e164_keys(apps, None)
    assert Lead.objects.values_list("phone_key", "mobile_key").get(pk=lead.pk) == (
        "+49301234567", "+491712345678")


# --- the matcher picks trigram similarity on PostgreSQL, the exact key elsewhere ----------------

def test_similar_names_use_trigrams_on_postgresql_and_the_same_key_elsewhere(org, monkeypatch):
    from crm.common import matching
    from leads.models import Lead

    murphy = LeadFactory(owner=org.sam, first_name="Regina", last_name="Murphy")
    qs = Lead.objects.all()

    assert connection.vendor == "postgresql"
    trigram = matching.similar(qs, "name_key", "regina merphy")
    assert "SIMILARITY" in str(trigram.query).upper()
    assert list(trigram) == [murphy]

    monkeypatch.setattr(connection, "vendor", "sqlite")
    fallback = matching.similar(qs, "name_key", "regina merphy")
    assert "SIMILARITY" not in str(fallback.query).upper()
    monkeypatch.undo()  # run the query on the real (PostgreSQL) connection
    assert list(fallback) == []
    monkeypatch.setattr(connection, "vendor", "sqlite")
    exact = matching.similar(qs, "name_key", "regina murphy")
    monkeypatch.undo()
    assert list(exact) == [murphy]


def test_the_trigram_indexes_become_plain_indexes_on_sqlite():
    """`make run` on SQLite: the lead, account and contact tables are created with all their
    indexes; the trigram (GIN) ones fall back to B-tree indexes of the same name."""
    from django.db.utils import ConnectionHandler

    from crm.customers.models import Account, Contact
    from leads.models import Lead

    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3",
                                            "NAME": ":memory:"}})["default"]
    try:
        with sqlite.schema_editor() as editor:
            for model in (Account, Contact, Lead):
                editor.create_model(model)
        with sqlite.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
            indexes = dict(cursor.fetchall())
    finally:
        sqlite.close()
    for name in ("lead_name_key_trgm", "lead_company_key_trgm", "account_name_trgm",
                 "contact_last_name_trgm"):
        assert name in indexes and "gin" not in indexes[name].lower(), indexes.get(name)
