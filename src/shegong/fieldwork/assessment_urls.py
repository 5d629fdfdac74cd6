from django.urls import path  # noqa: F401

from . import assessment_views as views  # noqa: F401

app_name = "assessments"
urlpatterns: list = []
