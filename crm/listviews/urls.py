from django.urls import path

from . import views

urlpatterns = [
    path("profile/exports/", views.ExportJobListView.as_view(), name="export-list"),
    path("profile/exports/<int:pk>/download/", views.ExportJobDownloadView.as_view(),
         name="export-download"),
    path("views/<int:pk>/edit/", views.EditView.as_view(), name="listview-edit"),
    path("views/<int:pk>/delete/", views.DeleteView.as_view(), name="listview-delete"),
    path("views/<slug:resource>/", views.ManageViews.as_view(), name="listview-manage"),
    path("views/<slug:resource>/save/", views.SaveView.as_view(), name="listview-save"),
    path("views/<slug:resource>/default/", views.DefaultViewSet.as_view(),
         name="listview-default"),
]
