from django.urls import path

from . import views

urlpatterns = [
    path("mail/settings/", views.MailboxSettingsView.as_view(), name="mailbox-settings"),
    path("mail/mailboxes/", views.MailboxListView.as_view(), name="mailbox-list"),
    path("mail/mailboxes/new-queue/", views.QueueMailboxCreateView.as_view(),
         name="mailbox-create-queue"),
    path("mail/mailboxes/<int:pk>/", views.MailboxDetailView.as_view(), name="mailbox-detail"),
    path("mail/mailboxes/<int:pk>/test/", views.MailboxTestView.as_view(), name="mailbox-test"),
    path("mail/mailboxes/<int:pk>/sync/", views.MailboxSyncView.as_view(), name="mailbox-sync"),
    path("mail/mailboxes/<int:pk>/delete/", views.MailboxDeleteView.as_view(),
         name="mailbox-delete"),
    path("mail/unlinked/", views.UnlinkedView.as_view(), name="mail-unlinked"),
    path("mail/link-search/", views.LinkRecordSearchView.as_view(), name="mail-link-search"),
    path("mail/emails/<int:pk>/", views.EmailDetailView.as_view(), name="email-detail"),
    path("mail/emails/<int:pk>/link/", views.EmailLinkView.as_view(), name="email-link"),
    path("mail/emails/<int:pk>/untrack/", views.EmailUntrackView.as_view(),
         name="email-untrack"),
    path("mail/never-track/", views.NeverTrackView.as_view(), name="mail-never-track"),
    path("mail/never-track/<int:pk>/delete/", views.NeverTrackDeleteView.as_view(),
         name="mail-never-track-delete"),
]
