from django.urls import include, path

from . import views, webtolead

urlpatterns = [
    path("leads/", views.LeadListView.as_view(), name="lead-list"),
    path("leads/new/", views.LeadCreateView.as_view(), name="lead-create"),
    path("leads/duplicates/", views.LeadDuplicateCheckView.as_view(),
         name="lead-duplicate-check"),
    path("leads/bulk/disqualify/", views.LeadBulkDisqualifyView.as_view(),
         name="lead-bulk-disqualify"),
    path("leads/import/", views.LeadImportView.as_view(), name="lead-import"),
    path("leads/import/<int:pk>/", views.LeadImportDetailView.as_view(),
         name="lead-import-detail"),
    path("leads/import/<int:pk>/mapping/", views.LeadImportMappingView.as_view(),
         name="lead-import-mapping"),
    path("leads/import/<int:pk>/report.csv", views.LeadImportReportView.as_view(),
         name="lead-import-report"),
    path("leads/import/<int:pk>/rerun/", views.LeadImportRerunView.as_view(),
         name="lead-import-rerun"),
    path("leads/<int:pk>/", views.LeadDetailView.as_view(), name="lead-detail"),
    path("leads/<int:pk>/edit/", views.LeadUpdateView.as_view(), name="lead-update"),
    path("leads/<int:pk>/mark-contacted/", views.LeadMarkContactedView.as_view(),
         name="lead-mark-contacted"),
    path("leads/<int:pk>/disqualify/", views.LeadDisqualifyView.as_view(),
         name="lead-disqualify"),
    path("leads/<int:pk>/reactivate/", views.LeadReactivateView.as_view(),
         name="lead-reactivate"),
    path("leads/<int:pk>/merge/", views.LeadMergeView.as_view(), name="lead-merge"),
    # Public (no login): website forms post here.
    path("w/leads/", webtolead.web_to_lead, name="web-to-lead-post"),
    path("w/leads/<str:token>/", webtolead.web_to_lead, name="web-to-lead"),
    path("", include("leads.cardscan_urls")),  # business card scanner (crm.cardscan)
]
