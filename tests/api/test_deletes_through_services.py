"""Every API delete goes through the app's service; the shared viewset never deletes raw."""

import pytest
from django.urls import get_resolver
from rest_framework.test import APIRequestFactory, force_authenticate

from crm.common.api import ScopedModelViewSet, ScopedViewSetMixin
from crm.common.visibility import PUBLIC
from crm.customers.models import Account
from tests.factories import AccountFactory


def _routed_viewsets():
    found = set()

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns)
                continue
            cls = getattr(pattern.callback, "cls", None)
            if cls is not None:
                found.add(cls)

    walk(get_resolver().url_patterns)
    return found


def test_every_viewset_that_offers_delete_names_its_own_delete():
    deleting = [cls for cls in _routed_viewsets()
                if issubclass(cls, ScopedViewSetMixin) and hasattr(cls, "destroy")
                and "delete" in cls.http_method_names]
    assert deleting  # accounts, contacts, leads, opportunities, quotes, ...
    raw = [f"{cls.__module__}.{cls.__name__}" for cls in deleting
           if cls.perform_destroy is ScopedViewSetMixin.perform_destroy]
    assert raw == []


class _AccountsWithoutADeleteService(ScopedModelViewSet):
    queryset = Account.objects.all()
    visibility = PUBLIC


@pytest.mark.django_db
def test_a_viewset_without_a_delete_service_refuses_with_405_and_keeps_the_record(org):
    account = AccountFactory(owner=org.admin)
    request = APIRequestFactory().delete(f"/api/v1/accounts/{account.pk}/")
    force_authenticate(request, user=org.admin)

    response = _AccountsWithoutADeleteService.as_view({"delete": "destroy"})(
        request, pk=account.pk)

    assert response.status_code == 405
    assert response.data["code"] == "method_not_allowed"
    assert Account.objects.filter(pk=account.pk).exists()
