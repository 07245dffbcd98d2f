from django.urls import path

from . import views

urlpatterns = [
    path("quotes/", views.QuoteListView.as_view(), name="quote-list"),
    path("quotes/new/", views.QuoteCreateView.as_view(), name="quote-create"),
    path("opportunities/<int:pk>/quote/", views.QuoteCreateFromOpportunityView.as_view(),
         name="quote-create-from-opportunity"),
    path("quotes/<int:pk>/", views.QuoteDetailView.as_view(), name="quote-detail"),
    path("quotes/<int:pk>/edit/", views.QuoteUpdateView.as_view(), name="quote-update"),
    path("quotes/<int:pk>/lines/", views.QuoteLinesView.as_view(), name="quote-lines"),
    path("quotes/<int:pk>/lines/add/", views.QuoteLineAddView.as_view(), name="quote-line-add"),
    path("quotes/<int:pk>/lines/<int:line_pk>/edit/", views.QuoteLineEditView.as_view(),
         name="quote-line-edit"),
    path("quotes/<int:pk>/lines/<int:line_pk>/delete/", views.QuoteLineDeleteView.as_view(),
         name="quote-line-delete"),
    path("quotes/<int:pk>/get-products/", views.QuoteGetProductsView.as_view(),
         name="quote-get-products"),
    path("quotes/<int:pk>/activate/", views.QuoteActivateView.as_view(), name="quote-activate"),
    path("quotes/<int:pk>/close/", views.QuoteCloseView.as_view(), name="quote-close"),
    path("quotes/<int:pk>/revise/", views.QuoteReviseView.as_view(), name="quote-revise"),
    path("quotes/<int:pk>/delete/", views.QuoteDeleteView.as_view(), name="quote-delete"),
    path("quotes/<int:pk>/pdf/", views.QuotePdfView.as_view(), name="quote-pdf"),
]
