from django.urls import path

from . import assessment_views as views

app_name = "assessments"
urlpatterns = [
    path("people/<int:pk>/assessments/new/", views.needs_new, name="needs_new"),
    path("people/<int:pk>/self-care/new/", views.self_care_new, name="self_care_new"),
    path("assessments/<int:pk>/", views.needs_detail, name="needs_detail"),
    path("self-care/<int:pk>/", views.self_care_detail, name="self_care_detail"),
]
