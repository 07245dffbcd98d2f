from django.urls import path

from . import conversion_views

urlpatterns = [
    path("leads/<int:pk>/qualify/", conversion_views.LeadQualifyView.as_view(),
         name="lead-qualify"),
    path("leads/bulk/qualify/", conversion_views.LeadBulkQualifyView.as_view(),
         name="lead-bulk-qualify"),
]
