from django.urls import path

from . import views

urlpatterns = [
    path("dashboards/<slug:name>/", views.DashboardView.as_view(), name="dashboard-detail"),
    path("dashboards/<slug:name>/<str:widget>.csv", views.WidgetCSVView.as_view(),
         name="dashboard-widget-csv"),
]
