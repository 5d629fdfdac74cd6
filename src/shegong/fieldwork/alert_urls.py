from django.urls import path  # noqa: F401

from . import alert_views as views  # noqa: F401

app_name = "alerts"
urlpatterns: list = []
