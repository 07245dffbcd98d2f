"""One `next` rule for every HTML view (crm.common.views.safe_next_url): this site only, and
on HTTPS only HTTPS targets."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from crm.common.views import safe_next_url
from tests.opportunities.factories import OpportunityFactory


@pytest.mark.parametrize("data, secure, expected", [
    ({"next": "/opportunities/?stage=develop"}, False, "/opportunities/?stage=develop"),
    ({"next": "/opportunities/"}, True, "/opportunities/"),
    ({"next": "http://testserver/opportunities/"}, False, "http://testserver/opportunities/"),
    ({"next": "http://testserver/opportunities/"}, True, "/fallback/"),  # no downgrade
    ({"next": "https://testserver/opportunities/"}, True, "https://testserver/opportunities/"),
    ({"next": "https://evil.example/"}, False, "/fallback/"),
    ({"next": "//evil.example/"}, False, "/fallback/"),
    ({"next": "javascript:alert(1)"}, False, "/fallback/"),
    ({}, False, "/fallback/"),
])
def test_next_is_followed_only_to_this_site_and_never_from_https_to_http(data, secure,
                                                                           expected):
    request = RequestFactory().post("/x/", data, secure=secure)
    assert safe_next_url(request, "/fallback/") == expected


def test_the_query_string_next_counts_when_the_form_has_none():
    request = RequestFactory().post("/x/?next=/leads/", {})
    assert safe_next_url(request, "/fallback/") == "/leads/"


def test_the_referer_is_used_only_when_asked_and_the_fallback_may_be_a_url_name():
    request = RequestFactory().post("/x/", {}, HTTP_REFERER="http://testserver/leads/")
    assert safe_next_url(request, "/fallback/") == "/fallback/"
    assert safe_next_url(request, "/fallback/", referer=True) == "http://testserver/leads/"
    assert safe_next_url(RequestFactory().post("/x/"), "assistant-cards",
                         referer=True) == reverse("assistant-cards")


@pytest.mark.django_db
def test_the_opportunity_stage_buttons_do_not_follow_an_http_next_from_https(org, web):
    # given a seller on the HTTPS site and a `next` pointing at the plain-HTTP site
    opportunity = OpportunityFactory(owner=org.sam, stage="develop")
    client = web(org.sam)
    url = reverse("opportunity-advance", args=[opportunity.pk])
    # when the stage button is pressed
    response = client.post(url, {"from_stage": "develop",
                                 "next": "http://testserver/opportunities/"}, secure=True)
    # then it goes back to the opportunity, not to the downgraded URL
    assert response.status_code == 302
    assert response["Location"] == opportunity.get_absolute_url()
    # and over HTTPS an HTTPS next is followed as before
    response = client.post(url, {"from_stage": "develop",
                                 "next": "https://testserver/opportunities/"}, secure=True)
    assert response["Location"] == "https://testserver/opportunities/"
