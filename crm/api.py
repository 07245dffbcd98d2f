"""Collects the v1 API routes: each app's `api.py` exposes `register(router)`.

Pipeline apps are found by name (importlib), so the core never imports them.
"""

from importlib import import_module
from importlib.util import find_spec

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from crm.common.throttling import ScopedRateThrottle  # fails open when Redis is down
from crm.users.lockout import LoginLockoutMixin

API_MODULES = [
    "crm.users.api",
    "crm.customers.api",
    "crm.catalog.api",
    "crm.activities.api",
    "crm.assistant.api",
    "crm.insights.api",
    "crm.cardscan.api",
    "crm.mail.api",
    "crm.automation.api",
    "crm.notifications.api",
    "crm.scoring.api",
    "crm.listviews.api",
    "leads.api",
    "opportunities.api",
    "quotes.api",
    "invoices.api",
    "forecasting.api",
]


class TokenView(LoginLockoutMixin, ObtainAuthToken):
    """`POST {"username", "password"}` -> `{"token"}`."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"


class Router(DefaultRouter):
    include_format_suffixes = False


router = Router(trailing_slash=True)
extra_urls: list = []
for module_name in API_MODULES:
    if find_spec(module_name) is None:
        continue
    module = import_module(module_name)
    if hasattr(module, "register"):
        module.register(router)
    extra_urls += getattr(module, "urlpatterns", [])

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (no inline script: CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:api-schema"),
         name="api-docs"),
    *extra_urls,
    path("", include(router.urls)),
]
