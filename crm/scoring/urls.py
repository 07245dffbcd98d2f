from django.urls import path

from . import views

urlpatterns = [
    path("settings/scoring/", views.ScoringAdminView.as_view(), name="scoring-admin"),
]
