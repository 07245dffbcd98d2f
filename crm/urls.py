from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm.common import views as common_views
from crm.insights import views as insights_views
from crm.users import views as user_views

handler400 = "crm.common.views.bad_request"
handler403 = "crm.common.views.permission_denied"
handler404 = "crm.common.views.page_not_found"
handler500 = "crm.common.views.server_error"

urlpatterns = [
    path("", insights_views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("profile/", user_views.ProfileView.as_view(), name="profile"),
    path("search/", common_views.GlobalSearchView.as_view(), name="search"),
    path("healthz/", common_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("crm.api", "api"), namespace="api")),
    path("", include("crm.customers.urls")),
    path("", include("crm.catalog.urls")),
    path("", include("crm.activities.urls")),
    path("", include("crm.assistant.urls")),
    path("", include("crm.insights.urls")),
    path("", include("crm.cardscan.urls")),
    path("", include("leads.urls")),
    path("", include("opportunities.urls")),
    path("", include("quotes.urls")),
    path("", include("invoices.urls")),
    path("", include("forecasting.urls")),
]
if settings.BENCH:
    urlpatterns.append(path("bench/", include("bench.urls")))
