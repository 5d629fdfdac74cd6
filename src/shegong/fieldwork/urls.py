from django.urls import path

from . import views

app_name = "fieldwork"
urlpatterns = [
    path("visits/", views.visit_list, name="list"),
    path("visits/worklist/", views.worklist, name="worklist"),
    path("visits/new/", views.visit_new, name="new"),
    path("visits/overdue/", views.overdue, name="overdue"),
    path("visits/<int:pk>/", views.visit_detail, name="detail"),
]
