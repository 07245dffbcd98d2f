from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/bell/", views.BellView.as_view(), name="notification-bell"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(),
         name="notification-read-all"),
    path("notifications/preferences/", views.PreferenceView.as_view(),
         name="notification-preferences"),
    path("notifications/<int:pk>/open/", views.NotificationOpenView.as_view(),
         name="notification-open"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(),
         name="notification-read"),
    path("posts/add/<str:record_type>/<int:record_id>/", views.PostCreateView.as_view(),
         name="post-create"),
    path("posts/mentions/<str:record_type>/<int:record_id>/",
         views.MentionSuggestionsView.as_view(), name="post-mentions"),
    path("posts/<int:pk>/reply/", views.PostReplyView.as_view(), name="post-reply"),
    path("posts/<int:pk>/edit/", views.PostEditView.as_view(), name="post-edit"),
    path("posts/<int:pk>/delete/", views.PostDeleteView.as_view(), name="post-delete"),
    path("follow/<str:record_type>/<int:record_id>/", views.FollowView.as_view(),
         name="record-follow"),
]
