from django.urls import path

from . import views

app_name = "regions"
urlpatterns = [
    path("regions/", views.region_index, name="index"),
    path("regions/<int:code>/", views.region_detail, name="region"),
    path("stations/", views.station_list, name="stations"),
    path("stations/new/", views.station_new, name="station_new"),
    path("stations/<str:code>/", views.station_detail, name="station"),
    path("stations/<str:code>/edit/", views.station_edit, name="station_edit"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/new/", views.organization_form, name="organization_new"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("organizations/<int:pk>/edit/", views.organization_form, name="organization_edit"),
]
