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


def test_same_phone_matches_on_digits_only_business_or_mobile(org):
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
