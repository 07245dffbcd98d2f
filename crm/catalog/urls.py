from django.urls import path

from . import views

urlpatterns = [
    path("products/", views.ProductListView.as_view(), name="product-list"),
    path("products/lookup/", views.ProductLookupView.as_view(), name="product-lookup"),
    path("products/<int:pk>/", views.ProductDetailView.as_view(), name="product-detail"),
]
