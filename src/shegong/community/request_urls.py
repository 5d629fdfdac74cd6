"""Routes of the residents' request pages (app_name "community")."""

from django.urls import path

from . import request_views as views

urlpatterns = [
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/triage/", views.request_triage, name="request_triage"),
    path("requests/<int:pk>/assign/", views.request_assign, name="request_assign"),
    path("requests/<int:pk>/start/", views.request_start, name="request_start"),
    path("requests/<int:pk>/resolve/", views.request_resolve, name="request_resolve"),
    path(
        "requests/<int:pk>/satisfaction/", views.request_satisfaction, name="request_satisfaction"
    ),
    path("requests/<int:pk>/close/", views.request_close, name="request_close"),
    path("requests/<int:pk>/reveal/", views.request_reveal, name="request_reveal"),
]
