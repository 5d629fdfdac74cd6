from django.urls import path  # noqa: F401

from . import case_views as views  # noqa: F401

app_name = "cases"
urlpatterns: list = []
