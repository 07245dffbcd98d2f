from django.urls import path

from . import views

urlpatterns = [
    path("forecasts/", views.ForecastGridView.as_view(), name="forecast-grid"),
    path("forecasts/opportunities/", views.ForecastOpportunitiesView.as_view(),
         name="forecast-opportunities"),
    path("forecasts/opportunities/<int:pk>/category/", views.ForecastCategoryView.as_view(),
         name="forecast-set-category"),
    path("forecasts/adjust/", views.ForecastAdjustView.as_view(), name="forecast-adjust"),
    path("forecasts/quotas/", views.QuotaView.as_view(), name="forecast-quotas"),
    path("forecasts/quotas/upload/", views.QuotaUploadView.as_view(),
         name="forecast-quota-upload"),
]
