from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from crm.common import views as common_views
from crm.common.panels import RecordPanelView
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
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("profile/", user_views.ProfileView.as_view(), name="profile"),
    path("profile/tokens/", user_views.ApiTokenCreateView.as_view(), name="api-token-create"),
    path("profile/preferences/", user_views.PreferencesView.as_view(), name="profile-preferences"),
    path("profile/tokens/<int:pk>/revoke/", user_views.ApiTokenRevokeView.as_view(),
         name="api-token-revoke"),
    path("search/", common_views.GlobalSearchView.as_view(), name="search"),
    path("records/<str:record_type>/<int:pk>/panels/<str:name>/",
         RecordPanelView.as_view(), name="record-panel"),
    path("healthz/", common_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (admin, API docs).
    path("favicon.ico", lambda request: redirect(static("favicon.svg"))),
    path("readyz/", common_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("crm.api", "api"), namespace="api")),
    path("", include("crm.customers.urls")),
    path("", include("crm.catalog.urls")),
    path("", include("crm.activities.urls")),
    path("", include("crm.assistant.urls")),
    path("", include("crm.insights.urls")),
    path("", include("crm.cardscan.urls")),
    path("", include("crm.mail.urls")),  # mailboxes, unlinked mail, never-track (mail-core)
    path("", include("crm.mail.urls_send")),  # email templates, compose, threads (mail-send)
    path("", include("crm.automation.urls")),  # webhooks and automation rules (settings)
    path("", include("crm.notifications.urls")),  # posts, follows, the bell, notifications
    path("", include("crm.scoring.urls")),  # scoring settings: model versions, on/off
    path("", include("crm.listviews.urls")),  # saved list views (issue 19)
    path("", include("leads.urls")),
    path("", include("opportunities.urls")),
    path("", include("quotes.urls")),
    path("", include("invoices.urls")),
    path("", include("forecasting.urls")),
]
if settings.BENCH:
    urlpatterns.append(path("bench/", include("bench.urls")))
