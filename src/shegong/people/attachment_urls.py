from django.urls import path

from . import attachment_views as views

app_name = "people_attachments"
urlpatterns = [
    path("people/<int:pk>/attachments/", views.person_attachments, name="list"),
    path("attachments/<int:pk>/", views.attachment_file, name="file"),
    path("attachments/<int:pk>/thumb/", views.attachment_thumb, name="thumb"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="delete"),
]
