from django.urls import path

from . import views

urlpatterns = [
    path("activities/", views.ActivityListView.as_view(), name="activity-list"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity-detail"),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(),
         name="activity-update"),
    path("activities/<int:pk>/delete/", views.ActivityDeleteView.as_view(),
         name="activity-delete"),
    path("activities/<int:pk>/complete/", views.ActivityCompleteView.as_view(),
         name="activity-complete"),
    path("activities/<int:pk>/cancel/", views.ActivityCancelView.as_view(),
         name="activity-cancel"),
    path("activities/<int:pk>/attachment/", views.AttachmentView.as_view(),
         name="activity-attachment"),
    path("activities/add/<str:record_type>/<int:record_id>/<str:kind>/",
         views.QuickAddView.as_view(), name="activity-quick-add"),
    path("activities/calendar/<str:token>.ics", views.CalendarFeedView.as_view(),
         name="activity-calendar"),
    path("timeline/<str:record_type>/<int:record_id>/", views.TimelineView.as_view(),
         name="timeline"),
]
