from django.urls import path

from . import views

urlpatterns = [
    path("assistant/", views.CardListView.as_view(), name="assistant-cards"),
    path("assistant/panel/", views.HomePanelView.as_view(), name="assistant-panel"),
    path("assistant/badge/", views.BadgeView.as_view(), name="assistant-badge"),
    path("assistant/cards/<int:pk>/dismiss/", views.CardDismissView.as_view(),
         name="assistant-card-dismiss"),
    path("assistant/cards/<int:pk>/snooze/", views.CardSnoozeView.as_view(),
         name="assistant-card-snooze"),
]
