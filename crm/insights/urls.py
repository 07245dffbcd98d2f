from django.urls import path

from . import views

urlpatterns = [
    # personal dashboards first: "personal" would otherwise be read as a shipped dashboard's name
    path("dashboards/personal/", views.PersonalDashboardListView.as_view(),
         name="personal-dashboard-list"),
    path("dashboards/personal/<int:pk>/", views.PersonalDashboardView.as_view(),
         name="personal-dashboard-detail"),
    path("dashboards/personal/<int:pk>/share/", views.PersonalDashboardShareView.as_view(),
         name="personal-dashboard-share"),
    path("dashboards/personal/<int:pk>/delete/", views.PersonalDashboardDeleteView.as_view(),
         name="personal-dashboard-delete"),
    path("dashboards/personal/<int:pk>/charts/new/", views.DashboardChartFormView.as_view(),
         name="dashboard-chart-create"),
    path("dashboards/personal/<int:pk>/charts/<int:chart>/", views.DashboardChartFormView.as_view(),
         name="dashboard-chart-edit"),
    path("dashboards/personal/<int:pk>/charts/<int:chart>/delete/",
         views.DashboardChartDeleteView.as_view(), name="dashboard-chart-delete"),
    path("dashboards/personal/<int:pk>/charts/<int:chart>/move/",
         views.DashboardChartMoveView.as_view(), name="dashboard-chart-move"),
    path("dashboards/<slug:name>/", views.DashboardView.as_view(), name="dashboard-detail"),
    path("dashboards/<slug:name>/<str:widget>.csv", views.WidgetCSVView.as_view(),
         name="dashboard-widget-csv"),
]
