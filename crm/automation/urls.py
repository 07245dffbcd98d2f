from django.urls import path

from . import views

urlpatterns = [
    path("settings/webhooks/", views.WebhookListView.as_view(), name="webhook-list"),
    path("settings/webhooks/new/", views.WebhookCreateView.as_view(), name="webhook-create"),
    path("settings/webhooks/<int:pk>/", views.WebhookDetailView.as_view(),
         name="webhook-detail"),
    path("settings/webhooks/<int:pk>/delete/", views.WebhookDeleteView.as_view(),
         name="webhook-delete"),
    path("settings/webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
         views.DeliveryRedeliverView.as_view(), name="webhook-redeliver"),
    path("settings/automation/", views.RuleListView.as_view(), name="automation-rule-list"),
    path("settings/automation/new/", views.RuleCreateView.as_view(),
         name="automation-rule-create"),
    path("settings/automation/<int:pk>/", views.RuleDetailView.as_view(),
         name="automation-rule-detail"),
    path("settings/automation/<int:pk>/delete/", views.RuleDeleteView.as_view(),
         name="automation-rule-delete"),
]
