from django.urls import path

from . import import_views as views

app_name = "people_import"
urlpatterns = [
    path("people/import/", views.upload, name="upload"),
    path("people/import/template.xlsx", views.template, name="template"),
    path("people/import/<int:pk>/", views.batch_detail, name="batch"),
    path("people/import/<int:pk>/check/", views.batch_check, name="check"),
    path("people/import/<int:pk>/commit/", views.batch_commit, name="commit"),
    path("people/import/<int:pk>/problems.xlsx", views.batch_problems, name="problems"),
]
