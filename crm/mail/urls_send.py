"""Routes of the sending side (templates, compose, retry, threads, bodies, attachments)."""

from django.urls import path

from . import views_compose as views

urlpatterns = [
    path("mail/templates/", views.EmailTemplateListView.as_view(), name="emailtemplate-list"),
    path("mail/templates/new/", views.EmailTemplateCreateView.as_view(),
         name="emailtemplate-create"),
    path("mail/templates/<int:pk>/edit/", views.EmailTemplateUpdateView.as_view(),
         name="emailtemplate-update"),
    path("mail/templates/<int:pk>/delete/", views.EmailTemplateDeleteView.as_view(),
         name="emailtemplate-delete"),
    path("mail/compose/<str:record_type>/<int:record_id>/", views.ComposeView.as_view(),
         name="mail-compose"),
    path("mail/compose/<str:record_type>/<int:record_id>/template/",
         views.ComposeTemplateView.as_view(), name="mail-compose-template"),
    path("mail/compose/<str:record_type>/<int:record_id>/preview/",
         views.ComposePreviewView.as_view(), name="mail-compose-preview"),
    path("mail/messages/<int:pk>/retry/", views.MessageRetryView.as_view(),
         name="mail-message-retry"),
    path("mail/messages/<int:pk>/body/", views.MessageBodyView.as_view(),
         name="mail-message-body"),
    path("mail/threads/<int:pk>/", views.ThreadView.as_view(), name="mail-thread"),
    path("mail/attachments/<int:pk>/", views.AttachmentView.as_view(), name="mail-attachment"),
]
