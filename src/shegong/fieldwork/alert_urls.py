from django.urls import path

from . import alert_views as views

app_name = "alerts"
urlpatterns = [
    path("alerts/", views.alert_list, name="list"),
    path("alerts/new/", views.alert_new, name="new"),
    path("alerts/badge/", views.alert_badge, name="badge"),
    path("alerts/<int:pk>/", views.alert_detail, name="detail"),
    path("alerts/<int:pk>/actions/", views.alert_action, name="action"),
    path("alerts/<int:pk>/resolve/", views.alert_resolve, name="resolve"),
]
