from django.urls import path

from . import views

urlpatterns = [
    path("contacts/scan/", views.ContactScanCardView.as_view(), name="contact-scan-card"),
    path("contacts/scan/<int:pk>/save/", views.ContactScanSaveView.as_view(),
         name="contact-scan-card-save"),
    path("cards/<int:pk>/", views.CardScanReviewView.as_view(), name="cardscan-review"),
    path("cards/<int:pk>/status/", views.CardScanStatusView.as_view(), name="cardscan-status"),
    path("cards/<int:pk>/read-now/", views.CardScanRunNowView.as_view(),
         name="cardscan-run-now"),
    path("cards/<int:pk>/image/", views.CardScanImageView.as_view(), name="cardscan-image"),
]
