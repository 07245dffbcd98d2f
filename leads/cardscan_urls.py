from django.urls import path

from . import cardscan_views

urlpatterns = [
    path("leads/scan/", cardscan_views.LeadScanCardView.as_view(), name="lead-scan-card"),
    path("leads/scan/<int:pk>/save/", cardscan_views.LeadScanSaveView.as_view(),
         name="lead-scan-card-save"),
]
